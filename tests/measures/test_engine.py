"""The engine on hand-built facts: every kind, with values worked out by hand
or by an independent computation (SciPy, statsmodels)."""

from datetime import date

import numpy as np
import pyarrow as pa
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from dialoq.measures.engine import evaluate
from dialoq.measures.periods import Period, month_period
from dialoq.measures.spec import parse_spec

from .engine_data import fact

JANUARY = month_period(date(2026, 1, 1))
QUARTER = Period("quarter", date(2026, 1, 1), date(2026, 3, 31))
YEAR_2026 = Period("year", date(2026, 1, 1), date(2026, 12, 31))
UNTIL = date(2026, 12, 31)

RATE = {
    "fact": "cases",
    "kind": "rate",
    "period_date": "ended_on",
    "population": "status = 'closed'",
    "numerator": "planned_ending = true",
    "scale": "nominal",
    "unit": "percent",
    "direction": "higher_is_better",
    "reference": {"type": "fixed", "lower": 0.6},
    "minimum_cases": 2,
}


def rows_by_key(rows):
    return {
        (row.unit_type, row.unit_key, row.period_type, row.stratum): row for row in rows
    }


def one(rows, unit_type="whole", period_type="month", stratum=""):
    matches = [
        row
        for row in rows
        if row.unit_type == unit_type
        and row.period_type == period_type
        and row.stratum == stratum
    ]
    assert len(matches) == 1, matches
    return matches[0]


def closed_cases():
    # Provider 10: 2 of 3 planned; provider 11: 1 of 2; one open case; one
    # case of February.
    return fact(
        provider_id=[10, 10, 10, 11, 11, 11, 10],
        status=["closed"] * 5 + ["open", "closed"],
        ended_on=[
            date(2026, 1, 5),
            date(2026, 1, 10),
            date(2026, 1, 30),
            date(2026, 1, 20),
            date(2026, 1, 21),
            None,
            date(2026, 2, 3),
        ],
        planned_ending=[True, True, False, False, True, None, True],
    )


def test_rate_counts_population_and_numerator_per_unit_and_period():
    rows = evaluate(
        parse_spec(RATE), {"cases": closed_cases()}, [JANUARY, QUARTER], UNTIL
    )
    whole = one(rows)
    assert (whole.cases, whole.numerator, whole.value) == (5, 3, 0.6)
    quarter = one(rows, period_type="quarter")
    assert (quarter.cases, quarter.numerator) == (6, 4)
    providers = sorted(
        (row.provider_id, row.cases, row.numerator)
        for row in rows
        if row.unit_type == "provider" and row.period_type == "month"
    )
    assert providers == [(10, 3, 2), (11, 2, 1)]
    # No team rows: the facts name no team.
    assert not [row for row in rows if row.unit_type == "team"]


def test_rate_interval_is_wilson_and_matches_statsmodels():
    whole = one(evaluate(parse_spec(RATE), {"cases": closed_cases()}, [JANUARY], UNTIL))
    lower, upper = proportion_confint(3, 5, alpha=0.05, method="wilson")
    assert whole.ci_lower == pytest.approx(lower)
    assert whole.ci_upper == pytest.approx(upper)
    exact = evaluate(
        parse_spec({**RATE, "interval": "clopper_pearson"}),
        {"cases": closed_cases()},
        [JANUARY],
        UNTIL,
    )
    lower, upper = proportion_confint(3, 5, alpha=0.05, method="beta")
    assert one(exact).ci_lower == pytest.approx(lower)
    assert one(exact).ci_upper == pytest.approx(upper)


@pytest.mark.parametrize(
    ("planned", "expected_value"),
    [([False] * 4, 0.0), ([True] * 4, 1.0), ([True], 1.0)],
    ids=["zero events", "all events", "one case"],
)
def test_rate_edge_cases(planned, expected_value):
    cases = fact(
        status=["closed"] * len(planned),
        ended_on=[date(2026, 1, 2)] * len(planned),
        planned_ending=planned,
    )
    whole = one(evaluate(parse_spec(RATE), {"cases": cases}, [JANUARY], UNTIL))
    assert whole.value == expected_value
    lower, upper = proportion_confint(
        sum(planned), len(planned), alpha=0.05, method="wilson"
    )
    assert whole.ci_lower == pytest.approx(lower, abs=1e-12)
    assert whole.ci_upper == pytest.approx(upper, abs=1e-12)
    if len(planned) < 2:
        assert whole.evaluation == "not_evaluable"


def test_bayesian_evaluation_flags_a_clearly_low_rate():
    cases = fact(
        status=["closed"] * 40,
        ended_on=[date(2026, 1, 2)] * 40,
        planned_ending=[True] * 8 + [False] * 32,
    )
    whole = one(evaluate(parse_spec(RATE), {"cases": cases}, [JANUARY], UNTIL))
    # P(θ ≥ 0.6) under Beta(0.5 + 8, 0.5 + 32) is far below 5 %.
    probability = stats.beta(8.5, 32.5).sf(0.6)
    assert whole.decision_criterion == pytest.approx(probability)
    assert whole.evaluation == "conspicuous"


def test_funnel_target_is_the_pooled_rate_of_the_funders_providers():
    cases = fact(
        provider_id=[10] * 20 + [11] * 30,
        status=["closed"] * 50,
        ended_on=[date(2026, 1, 2)] * 50,
        planned_ending=[True] * 10 + [False] * 10 + [True] * 27 + [False] * 3,
    )
    rows = evaluate(parse_spec(RATE), {"cases": cases}, [JANUARY], UNTIL)
    providers = [row for row in rows if row.unit_type == "provider"]
    assert [row.funnel_target for row in providers] == [pytest.approx(37 / 50)] * 2
    small = next(row for row in providers if row.provider_id == 10)
    # Exact binomial 2.5 % quantile for n = 20 at the target, interpolated
    # (Spiegelhalter 2005, A.1.1): between (r − 1)/n and r/n.
    r = stats.binom(20, 37 / 50).ppf(0.025)
    assert (r - 1) / 20 <= small.funnel_lower_95 <= r / 20
    assert small.funnel_lower_998 < small.funnel_lower_95 < small.funnel_upper_95


def test_mean_with_t_interval_matches_scipy():
    values = [40.0, 45.5, 50.0, 61.25, 58.0]
    outcomes = fact(
        perspective=["funder"] * 5,
        rated_on=[date(2026, 1, 15)] * 5,
        t_score=values,
    )
    spec = parse_spec(
        {
            "fact": "outcomes",
            "kind": "mean",
            "period_date": "rated_on",
            "value": "t_score",
            "scale": "interval",
            "unit": "t_score",
            "direction": "higher_is_better",
            "strata": ["perspective"],
        }
    )
    row = one(
        evaluate(spec, {"outcomes": outcomes}, [JANUARY], UNTIL), stratum="funder"
    )
    lower, upper = stats.t.interval(
        0.95, 4, loc=np.mean(values), scale=stats.sem(values)
    )
    assert row.value == pytest.approx(np.mean(values))
    assert (row.ci_lower, row.ci_upper) == (pytest.approx(lower), pytest.approx(upper))


def test_median_of_an_ordinal_value_per_stratum():
    changes = fact(
        assessed_on=[date(2026, 1, 3)] * 7,
        dimension=["school"] * 4 + ["family"] * 3,
        change=[0, 1, 2, 3, -1, 0, 0],
    )
    spec = parse_spec(
        {
            "fact": "need_changes",
            "kind": "median",
            "period_date": "assessed_on",
            "value": "change",
            "scale": "ordinal",
            "unit": "number",
            "direction": "higher_is_better",
            "strata": ["dimension"],
        }
    )
    rows = evaluate(spec, {"need_changes": changes}, [JANUARY], UNTIL)
    assert one(rows, stratum="school").value == 1.5
    assert one(rows, stratum="family").value == 0
    assert one(rows, stratum="family").cases == 3


def test_mean_of_an_ordinal_scale_is_refused():
    from django.utils import translation

    from dialoq.measures.conditions import DefinitionError

    with (
        translation.override("en"),
        pytest.raises(DefinitionError, match="medians and shares"),
    ):
        parse_spec(
            {
                "fact": "need_changes",
                "kind": "mean",
                "period_date": "assessed_on",
                "value": "change",
                "scale": "ordinal",
                "unit": "number",
                "direction": "higher_is_better",
            }
        )


def test_count_is_the_number_of_sentinel_events():
    reviews = fact(
        held_on=[date(2026, 1, 3), date(2026, 1, 9), date(2026, 1, 20)],
        days_late=[0, 45, 70],
    )
    spec = parse_spec(
        {
            "fact": "reviews",
            "kind": "count",
            "period_date": "held_on",
            "numerator": "days_late > 60",
            "scale": "ratio",
            "unit": "number",
            "direction": "lower_is_better",
        }
    )
    whole = one(evaluate(spec, {"reviews": reviews}, [JANUARY], UNTIL))
    assert (whole.value, whole.denominator) == (1, 3)


def test_observed_over_expected_uses_a_logistic_model_like_statsmodels():
    rng = np.random.default_rng(7)
    n = 400
    prior = rng.random(n) < 0.4
    young = rng.random(n) < 0.5
    chance = 1 / (1 + np.exp(-(0.8 - 1.2 * prior + 0.5 * young)))
    planned = rng.random(n) < chance
    cases = fact(
        provider_id=list(rng.choice([10, 11, 12], n)),
        status=["closed"] * n,
        ended_on=[date(2026, 1, 10)] * n,
        planned_ending=list(planned),
        prior_help=list(prior),
        age_band=["6-13" if y else "14-17" for y in young],
    )
    spec = parse_spec(
        {
            **RATE,
            "kind": "oe",
            "risk_covariates": ["prior_help", "age_band"],
            "reference": {"type": "fixed", "lower": 0.8},
        }
    )
    rows = evaluate(spec, {"cases": cases}, [JANUARY], UNTIL)
    design = np.column_stack([np.ones(n), prior.astype(float), (~young).astype(float)])
    fitted = sm.Logit(planned.astype(float), design).fit(disp=0).predict(design)
    providers = np.array(cases.column("provider_id").to_pylist())
    for row in (r for r in rows if r.unit_type == "provider"):
        mask = providers == row.provider_id
        assert row.expected == pytest.approx(fitted[mask].sum(), rel=1e-5)
        assert row.numerator == planned[mask].sum()
        assert row.oe_ratio == pytest.approx(planned[mask].sum() / fitted[mask].sum())
        observed = planned[mask].sum()
        lower = stats.chi2.ppf(0.025, 2 * observed) / 2 / fitted[mask].sum()
        assert row.ci_lower == pytest.approx(lower, rel=1e-5)
    whole = one(rows)
    # Fitted with an intercept, the model expects exactly what was observed.
    assert whole.oe_ratio == pytest.approx(1.0, rel=1e-6)


def test_ratio_of_sums_cost_per_reached_goal():
    cases = fact(
        ended_on=[date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 7)],
        status=["closed"] * 3,
        cost=[1000.0, 2500.0, 500.0],
        goals_reached=[2, 0, 3],
    )
    spec = parse_spec(
        {
            "fact": "cases",
            "kind": "ratio",
            "numerator_measure": {
                "fact": "cases",
                "aggregate": "sum",
                "column": "cost",
                "date": "ended_on",
                "condition": "status = 'closed'",
            },
            "denominator_measure": {
                "fact": "cases",
                "aggregate": "sum",
                "column": "goals_reached",
                "date": "ended_on",
                "condition": "status = 'closed'",
            },
            "scale": "ratio",
            "unit": "euro",
            "direction": "lower_is_better",
        }
    )
    whole = one(evaluate(spec, {"cases": cases}, [JANUARY], UNTIL))
    assert (whole.numerator, whole.denominator) == (4000.0, 5.0)
    assert whole.value == 800.0
    assert whole.cases == 3


def sgb2_cases():
    # Open at month-ends: A all year, B from March to end of June, C from
    # 2024 (long-term), D integrated in May after starting in April.
    return fact(
        code_book=["SGB II"] * 4,
        started_on=[
            date(2025, 12, 1),
            date(2026, 3, 1),
            date(2024, 1, 1),
            date(2026, 4, 1),
        ],
        stock_end=[
            date(9999, 12, 31),
            date(2026, 6, 30),
            date(9999, 12, 31),
            date(2026, 5, 20),
        ],
        ended_on=[None, date(2026, 6, 30), None, date(2026, 5, 20)],
        integrated=[None, False, None, True],
    )


def test_k2_integrations_over_average_stock():
    spec = parse_spec(
        {
            "fact": "cases",
            "kind": "ratio",
            "numerator_measure": {
                "fact": "cases",
                "aggregate": "count",
                "date": "ended_on",
                "condition": "integrated = true",
            },
            "denominator_measure": {
                "fact": "cases",
                "aggregate": "stock",
                "date": "started_on",
                "end_date": "stock_end",
            },
            "scale": "ratio",
            "unit": "percent",
            "direction": "higher_is_better",
        }
    )
    whole = one(
        evaluate(spec, {"cases": sgb2_cases()}, [YEAR_2026], UNTIL), period_type="year"
    )
    # Month-end stocks 2026: A 12 + C 12 + B (Mar, Apr, May; ends 30 Jun) 3 +
    # D (Apr) 1 = 28 case-months → average 28 / 12.
    assert whole.denominator == pytest.approx(28 / 12)
    assert whole.numerator == 1
    assert whole.value == pytest.approx(12 / 28)


def test_stock_with_minimum_duration_counts_only_long_term_cases():
    spec = parse_spec(
        {
            "fact": "cases",
            "kind": "change",
            "numerator_measure": {
                "fact": "cases",
                "aggregate": "stock",
                "date": "started_on",
                "end_date": "stock_end",
                "min_months": 21,
            },
            "scale": "ratio",
            "unit": "percent",
            "direction": "lower_is_better",
        }
    )
    rows = evaluate(spec, {"cases": sgb2_cases()}, [YEAR_2026], UNTIL)
    whole = one(rows, period_type="year")
    # Long-term (≥ 21 months) at each month-end: C all 12 months of 2026;
    # in 2025 from October (Jan 2024 + 21 months) on: 3 months.
    assert whole.numerator == pytest.approx(12 / 12)
    assert whole.denominator == pytest.approx(3 / 12)
    assert whole.value == pytest.approx((1 - 0.25) / 0.25)


def test_percentile_reference_range_is_taken_over_the_units():
    providers = [10] * 10 + [11] * 10 + [12] * 10 + [13] * 10
    planned = (
        [True] * 9
        + [False]
        + [True] * 8
        + [False] * 2
        + [True] * 7
        + [False] * 3
        + [True] * 2
        + [False] * 8
    )
    cases = fact(
        provider_id=providers,
        status=["closed"] * 40,
        ended_on=[date(2026, 1, 2)] * 40,
        planned_ending=planned,
    )
    spec = parse_spec(
        {
            **RATE,
            "reference": {"type": "percentile", "lower": 25},
            "evaluation": "simple",
        }
    )
    rows = [r for r in evaluate(spec, {"cases": cases}, [JANUARY], UNTIL)]
    providers_rows = {r.provider_id: r for r in rows if r.unit_type == "provider"}
    bound = np.percentile([0.9, 0.8, 0.7, 0.2], 25)
    assert providers_rows[13].reference_lower == pytest.approx(bound)
    assert providers_rows[13].evaluation == "conspicuous"
    assert providers_rows[10].evaluation == "within_range"


def test_too_few_cases_are_not_evaluable():
    cases = fact(
        status=["closed"] * 4,
        ended_on=[date(2026, 1, 2)] * 4,
        planned_ending=[False] * 4,
    )
    spec = parse_spec({**RATE, "minimum_cases": 5})
    assert one(evaluate(spec, {"cases": cases}, [JANUARY], UNTIL)).evaluation == (
        "not_evaluable"
    )


def test_no_facts_give_no_results():
    empty = fact(status=[], ended_on=[], planned_ending=[])
    assert evaluate(parse_spec(RATE), {"cases": empty}, [JANUARY], UNTIL) == []


def test_periods_the_definition_excludes_are_not_computed():
    spec = parse_spec({**RATE, "periods": ["year"]})
    rows = evaluate(spec, {"cases": closed_cases()}, [JANUARY, YEAR_2026], UNTIL)
    assert {row.period_type for row in rows} == {"year"}


def test_values_in_a_condition_are_bound_not_pasted():
    cases = fact(
        status=["closed", "closed"],
        ended_on=[date(2026, 1, 2)] * 2,
        planned_ending=[True, False],
        closure_reason=["planned", "other"],
    )
    spec = parse_spec(
        {**RATE, "numerator": "closure_reason in ('planned', 'other')", "reference": {}}
    )
    # A quote inside a value is data: the condition parser rejects it as an
    # unknown choice rather than letting it reach SQL.
    from dialoq.measures.conditions import DefinitionError

    with pytest.raises(DefinitionError):
        parse_spec({**RATE, "numerator": "closure_reason = 'x'' OR 1=1 --'"})
    assert one(evaluate(spec, {"cases": cases}, [JANUARY], UNTIL)).numerator == 2


def test_median_and_interval_from_histograms_equal_median_estimate():
    from dialoq.measures.statistics import median_estimate

    rng = np.random.default_rng(3)
    size = 300
    provider = rng.choice([10, 11, 12], size)
    days = rng.integers(0, 40, size)
    month = rng.choice([1, 2, 3], size)
    cases = fact(
        provider_id=list(provider),
        ended_on=[date(2026, int(m), 10) for m in month],
        days_to_start=list(days),
    )
    spec = parse_spec(
        {
            "fact": "cases",
            "kind": "median",
            "period_date": "ended_on",
            "value": "days_to_start",
            "scale": "ratio",
            "unit": "days",
            "direction": "lower_is_better",
        }
    )
    rows = evaluate(spec, {"cases": cases}, [JANUARY, QUARTER], UNTIL)
    checked = 0
    for row in rows:
        if row.unit_type != "provider":
            continue
        mask = provider == row.provider_id
        if row.period_type == "month":
            mask &= month == 1
        estimate = median_estimate(days[mask])
        assert row.cases == estimate.n
        assert row.value == estimate.value
        assert (row.ci_lower, row.ci_upper) == (estimate.lower, estimate.upper)
        checked += 1
    assert checked == 6


def test_median_of_continuous_values_uses_values_rounded_to_one_decimal():
    from dialoq.measures.statistics import median_estimate

    rng = np.random.default_rng(5)
    values = rng.normal(50, 10, 101)
    outcomes = fact(
        perspective=["beneficiary"] * 101,
        rated_on=[date(2026, 1, 20)] * 101,
        t_score=list(values),
    )
    spec = parse_spec(
        {
            "fact": "outcomes",
            "kind": "median",
            "period_date": "rated_on",
            "value": "t_score",
            "scale": "interval",
            "unit": "t_score",
            "direction": "higher_is_better",
        }
    )
    whole = one(evaluate(spec, {"outcomes": outcomes}, [JANUARY], UNTIL))
    estimate = median_estimate(np.round(values, 1))
    assert whole.value == pytest.approx(estimate.value)
    assert whole.ci_lower == pytest.approx(estimate.lower)
    assert whole.ci_upper == pytest.approx(estimate.upper)
    assert abs(whole.value - np.median(values)) <= 0.05


def test_a_stored_risk_model_predicts_without_refitting(monkeypatch):
    import json

    from dialoq.measures import engine
    from dialoq.measures import statistics as st

    rng = np.random.default_rng(11)
    n = 300
    prior = rng.random(n) < 0.4
    planned = rng.random(n) < np.where(prior, 0.5, 0.8)
    cases = fact(
        provider_id=list(rng.choice([10, 11], n)),
        status=["closed"] * n,
        ended_on=[date(2026, 1, 10)] * n,
        planned_ending=list(planned),
        prior_help=list(prior),
        age_band=["6-13" if i % 3 else "14-17" for i in range(n)],
    )
    spec = parse_spec(
        {
            **RATE,
            "kind": "oe",
            "risk_covariates": ["prior_help", "age_band"],
            "reference": {"type": "fixed", "lower": 0.8},
        }
    )
    risk = {}
    fitted = engine.evaluate_columns(spec, {"cases": cases}, [JANUARY], UNTIL, risk)
    # Stored as JSON (RiskModelFit.model) and read back.
    stored = json.loads(json.dumps(risk["model"]))
    assert stored["coefficients"][0][0] == "intercept"

    def no_fit(*args, **kwargs):
        raise AssertionError("the stored model must be used")

    monkeypatch.setattr(st, "fit_risk_model", no_fit)
    reused = engine.evaluate_columns(
        spec, {"cases": cases}, [JANUARY], UNTIL, {"model": stored}
    )

    # Equal up to the order in which DuckDB adds the probabilities up (and
    # returns the rows: compare unit by unit).
    def by_unit(columns, name):
        keys = zip(columns["unit_key"], columns["period_start"], strict=True)
        return [value for _key, value in sorted(zip(keys, columns[name], strict=True))]

    for name in ("expected", "value"):
        assert by_unit(reused, name) == pytest.approx(by_unit(fitted, name), rel=1e-12)
    # A category the stored model does not know: refitted on the rows.
    monkeypatch.undo()
    other = cases.set_column(
        cases.column_names.index("age_band"),
        "age_band",
        pa.array(["18-26"] * n),
    )
    refit = {"model": stored}
    engine.evaluate_columns(spec, {"cases": other}, [JANUARY], UNTIL, refit)
    assert refit["model"] is not stored
