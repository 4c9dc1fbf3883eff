"""Definitions read back in plain words, with column and value labels."""

import pytest
from django.utils import translation

from dialoq.measures.describe import Statement, describe, describe_condition
from dialoq.measures.facts import FACTS
from dialoq.measures.spec import parse_spec

PLANNED_ENDINGS = {
    "fact": "cases",
    "kind": "rate",
    "period_date": "ended_on",
    "population": "status = 'closed' and closure_reason != 'change_of_responsibility'",
    "numerator": "planned_ending = true",
    "scale": "nominal",
    "unit": "percent",
    "direction": "higher_is_better",
    "reference": {"type": "fixed", "lower": 0.6},
    "minimum_standard": 0.5,
    "target": 0.7,
    "minimum_cases": 8,
}
CASES = FACTS["cases"].schema


def _by_topic(spec, language="en"):
    with translation.override(language):
        return {s.topic: s.text for s in describe(parse_spec(spec))}


def test_rate_reads_population_numerator_and_value():
    """A rate names what is counted, the numerator and how the share is formed."""
    text = _by_topic(PLANNED_ENDINGS)
    assert text["Counted"] == (
        "Rows of “Cases” (one row per case, with its dates, outcome, volume and "
        "cost) where “status” is “closed” and “reason for ending” is not "
        "“Change of responsibility”."
    )
    assert text["Numerator"] == (
        "Of these, those where “ended according to the help plan” applies."
    )
    assert text["Value"] == "The share of the counted rows that meet the numerator."
    assert text["Period"] == (
        "A record belongs to the period in which its “help ended on” falls."
    )


def test_rate_reads_scale_direction_range_standard_target_and_cases():
    """The figures agreed for a rate read as percentages."""
    text = _by_topic(PLANNED_ENDINGS)
    assert text["Scale level"] == "Nominal (categories without order)"
    assert text["Unit"] == "Percent"
    assert text["Direction"] == "Higher values are better."
    assert text["Reference range"].startswith("≥ 60.0\u00a0% (fixed).")
    assert "at most 5.0\u00a0%" in text["Reference range"]
    assert text["Minimum standard"] == "Every unit should reach at least 50.0\u00a0%."
    assert text["Target"] == "The agreed target is 70.0\u00a0%."
    assert text["Minimum cases"] == (
        "A result with fewer than 8 cases is not evaluable."
    )
    assert text["Risk adjustment"] == "None: results are compared as they are."
    assert "Strata" not in text


def test_periods_and_units_are_listed():
    """Only the chosen periods and units are named."""
    spec = {**PLANNED_ENDINGS, "periods": ["year", "rolling12"], "units": ["funder"]}
    text = _by_topic(spec)
    assert text["Periods"] == "Results are given for calendar years; rolling 12 months."
    assert text["Units"] == "Results are given for each funder."


def test_german_description_uses_german_number_formats():
    """In German, percentages and dates follow German formats."""
    spec = {
        **PLANNED_ENDINGS,
        "population": "ended_on between date '2025-01-01' and date '2025-12-31'",
    }
    text = _by_topic(spec, "de")
    assert "60,0\u00a0%" in text[_german("Reference range")]
    assert "01.01.2025" in text[_german("Counted")]
    assert "31.12.2025" in text[_german("Counted")]


def _german(topic):
    with translation.override("de"):
        return translation.gettext(topic)


def test_median_names_its_value_column_and_strata():
    """A median names the averaged column and the column it is stratified by."""
    text = _by_topic(
        {
            "fact": "outcomes",
            "kind": "median",
            "period_date": "rated_on",
            "value": "t_score",
            "scale": "interval",
            "unit": "t_score",
            "direction": "higher_is_better",
            "strata": ["perspective"],
            "reference": {"type": "percentile", "lower": 10},
        }
    )
    assert text["Counted"].startswith("All rows of “Goal attainment at closure”")
    assert text["Value"] == "The median of “GAS T-score” over the counted rows."
    assert text["Strata"] == "Shown separately for each value of “perspective”."
    assert (
        "below percentile 10 of the values of all comparable units"
        in (text["Reference range"])
    )
    assert "lies outside the range" in text["Reference range"]


def test_risk_adjusted_ratio_names_its_covariates():
    """An observed/expected ratio names the case-mix columns of its model."""
    text = _by_topic(
        {
            "fact": "cases",
            "kind": "oe",
            "period_date": "ended_on",
            "population": "status = 'closed'",
            "numerator": "planned_ending = false",
            "scale": "ratio",
            "unit": "ratio",
            "direction": "lower_is_better",
            "risk_covariates": ["age_band", "prior_help"],
            "minimum_standard": 1.5,
        }
    )
    assert text["Events"] == (
        "Of these, those where “ended according to the help plan” does not apply."
    )
    assert "observed/expected" in text["Value"]
    assert text["Risk adjustment"] == (
        "Expected events from a logistic regression on: “age band”, "
        "“earlier help received”."
    )
    assert text["Minimum standard"] == "No unit should exceed 1.50."


def test_ratio_describes_numerator_and_denominator_measures():
    """A ratio of two measures describes each measure and the multiplier."""
    text = _by_topic(
        {
            "kind": "ratio",
            "numerator_measure": {
                "fact": "cases",
                "aggregate": "sum",
                "column": "cost",
                "date": "ended_on",
                "condition": "status = 'closed'",
            },
            "denominator_measure": {
                "fact": "staff",
                "aggregate": "stock",
                "column": "full_time_equivalent",
                "date": "valid_from",
                "end_date": "stock_end",
            },
            "multiplier": 100,
            "scale": "ratio",
            "unit": "euro",
            "direction": "neither",
        }
    )
    assert text["Numerator"] == (
        "The sum of “cost in EUR (hours × rate)” in “Cases”, dated by "
        "“help ended on”, where “status” is “closed”."
    )
    assert text["Denominator"].startswith(
        "The average over the month-ends of “full-time equivalent” summed over "
        "the rows of “Staff” open then"
    )
    assert text["Value"] == (
        "The numerator divided by the denominator. The quotient is multiplied by 100."
    )
    assert "Period" not in text


def test_change_describes_stock_with_minimum_months():
    """A change names its measure, including the minimum months of a stock."""
    text = _by_topic(
        {
            "kind": "change",
            "numerator_measure": {
                "fact": "cases",
                "aggregate": "stock",
                "date": "started_on",
                "end_date": "stock_end",
                "min_months": 21,
                "condition": "code_book = 'SGB II'",
            },
            "scale": "ratio",
            "unit": "percent",
            "direction": "lower_is_better",
        }
    )
    assert "counting only rows open for at least 21 months" in text["Measured"]
    assert "“SGB II – basic income support for job seekers”" in text["Measured"]
    assert text["Value"] == (
        "The relative change of the measured quantity against the same period "
        "one year earlier."
    )


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        ("days_to_start <= 10", "“days from referral to start” is at most 10"),
        ("contacts > 2.5", "“number of contacts” is more than 2.5"),
        (
            "closure_reason in ('planned', 'other')",
            "“reason for ending” is one of “Ended according to the help plan”, "
            "“Other reason”",
        ),
        (
            "sex not in ('female')",
            "“sex” is none of “female”",
        ),
        ("ended_on is null", "“help ended on” is not recorded"),
        ("ended_on is not null", "“help ended on” is recorded"),
        ("prior_help != true", "“earlier help received” does not apply"),
        (
            "not (status = 'open' or integrated = true)",
            "not (“status” is “help running” or “integrated into work (SGB II)” "
            "applies)",
        ),
        (
            "integration_outcome = 'unlisted'",
            "“integration outcome (SGB II)” is “unlisted”",
        ),
    ],
)
def test_condition_in_words(condition, words):
    """Each kind of comparison reads as a phrase with labels, not as code."""
    with translation.override("en"):
        assert describe_condition(condition, CASES) == words


def test_statement_prints_as_its_sentence():
    """A template can show a statement directly."""
    statement = Statement("Unit", "Percent")
    assert str(statement) == "Percent"


def test_every_built_in_kind_is_described_without_codes():
    """No description shows a raw column name or a comparison operator."""
    text = " ".join(_by_topic(PLANNED_ENDINGS).values())
    for code in ("planned_ending", "closure_reason", "!=", "= true", "ended_on"):
        assert code not in text
