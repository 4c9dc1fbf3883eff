"""Risk adjustment: the logistic model equals statsmodels' own fit; O/E intervals."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from django.utils import translation
from scipy import optimize, stats

from dialoq.measures.statistics import (
    StatisticsError,
    fit_risk_model,
    ratio_intervals,
    unit_totals,
)


@pytest.fixture(autouse=True)
def english():
    """Check messages by their English text."""
    with translation.override("en"):
        yield


@pytest.fixture(scope="module")
def case_mix():
    """Return 600 simulated cases with a known risk structure."""
    rng = np.random.default_rng(20261123)
    size = 600
    age = rng.integers(6, 18, size).astype(float)
    need = rng.choice(["high", "low", "medium"], size, p=[0.25, 0.45, 0.30])
    prior_help = rng.choice([True, False], size, p=[0.4, 0.6])
    linear = (
        -2.0
        + 0.08 * age
        + np.select([need == "high", need == "medium"], [1.2, 0.5], 0.0)
        + 0.4 * prior_help
    )
    outcome = (rng.random(size) < 1 / (1 + np.exp(-linear))).astype(int)
    unit = rng.choice(["Träger A", "Träger B", "Träger C"], size)
    return pd.DataFrame(
        {
            "outcome": outcome,
            "age": age,
            "need": need,
            "prior_help": prior_help,
            "unit": unit,
        }
    )


def covariates_of(frame):
    """Return the covariate columns as the engine passes them."""
    return {
        "age": frame["age"].to_numpy(),
        "need": frame["need"].to_numpy(),
        "prior_help": frame["prior_help"].to_numpy(),
    }


def test_predictions_equal_statsmodels_formula_fit(case_mix):
    """Probabilities equal a statsmodels formula fit with the same references."""
    model = fit_risk_model(case_mix["outcome"].to_numpy(), covariates_of(case_mix))
    reference = smf.logit(
        "outcome ~ age + C(need, Treatment('low')) + C(prior_help, Treatment(False))",
        data=case_mix,
    ).fit(disp=0)
    np.testing.assert_allclose(
        model.predict(covariates_of(case_mix)),
        reference.predict(case_mix),
        rtol=1e-8,
    )
    assert model.coefficients["need=high"] == pytest.approx(
        reference.params["C(need, Treatment('low'))[T.high]"], rel=1e-7
    )
    assert model.reference_categories == {"need": "low", "prior_help": "False"}
    assert model.converged and not model.regularised
    assert list(model.coefficients) == [
        "intercept",
        "age",
        "need=high",
        "need=medium",
        "prior_help=True",
    ]


def test_expected_events_are_sums_of_probabilities(case_mix):
    """E per unit is Σ p̂ of its cases; over all units Σ O = Σ E (ML property)."""
    outcomes = case_mix["outcome"].to_numpy()
    model = fit_risk_model(outcomes, covariates_of(case_mix))
    probabilities = model.predict(covariates_of(case_mix))
    totals = unit_totals(case_mix["unit"].to_numpy(), outcomes, probabilities)
    by_unit = case_mix.assign(p=probabilities).groupby("unit")
    assert list(totals.units) == ["Träger A", "Träger B", "Träger C"]
    np.testing.assert_array_equal(totals.cases, by_unit.size().to_numpy())
    np.testing.assert_allclose(totals.observed, by_unit["outcome"].sum().to_numpy())
    np.testing.assert_allclose(totals.expected, by_unit["p"].sum().to_numpy())
    assert totals.expected.sum() == pytest.approx(outcomes.sum(), rel=1e-9)
    np.testing.assert_allclose(totals.ratio, totals.observed / totals.expected)


def test_predicting_for_new_cases_uses_the_same_coding():
    """A new case gets the fitted coefficients; unknown categories are refused."""
    outcomes = [0, 1, 0, 1, 1, 0, 0, 1, 1, 0, 1, 0]
    need = ["a", "a", "b", "b", "c", "c", "a", "b", "c", "a", "b", "c"]
    model = fit_risk_model(outcomes, {"need": need})
    beta = model.coefficients
    single = model.predict({"need": ["c"]})
    assert single[0] == pytest.approx(
        1 / (1 + np.exp(-(beta["intercept"] + beta["need=c"])))
    )
    with pytest.raises(StatisticsError, match="categories the model does not know"):
        model.predict({"need": ["d"]})
    with pytest.raises(StatisticsError, match="missing: need"):
        model.predict({"age": [3.0]})


def test_perfect_separation_falls_back_to_a_flagged_ridge_fit():
    """A category where every case has the event is fitted with a small penalty."""
    outcomes = [1, 1, 1, 1, 0, 1, 0, 0, 1, 0, 0, 1]
    group = ["x", "x", "x", "x", "y", "y", "y", "y", "z", "z", "z", "z"]
    model = fit_risk_model(outcomes, {"group": group})
    assert model.regularised and not model.converged
    assert model.penalty == 1e-4
    probabilities = model.predict({"group": group})
    assert np.all(np.isfinite(probabilities))
    assert np.all((probabilities > 0) & (probabilities < 1))
    assert probabilities[0] > 0.99
    assert model.parameters()["regularised"] is True


@pytest.mark.parametrize(
    ("outcomes", "covariates", "message"),
    [
        ([0, 0, 0, 0], {"age": [1.0, 2.0, 3.0, 4.0]}, "with and cases without"),
        ([0, 1, 2, 1], {"age": [1.0, 2.0, 3.0, 4.0]}, "0 \\(no event\\) or 1"),
        ([0, 1, 0, 1], {"age": [1.0, 2.0, 3.0]}, "one value per case"),
        ([0, 1, 0, 1], {"age": [1.0, np.nan, 3.0, 4.0]}, "number for every case"),
        ([0, 1, 0, 1], {"need": ["a", None, "b", "a"]}, "category for every case"),
        ([0, 1, 0, 1], {}, "at least one covariate"),
        ([0, 1, 0], {"need": ["a", "b", "c"]}, "more cases than it has"),
    ],
)
def test_bad_input_is_refused_clearly(outcomes, covariates, message):
    """Outcomes and covariates the model cannot use raise a specific message."""
    with pytest.raises(StatisticsError, match=message):
        fit_risk_model(outcomes, covariates)


def test_ratio_interval_is_the_exact_poisson_interval():
    """Bounds solve P(X ≥ O | μ_L) = α/2 and P(X ≤ O | μ_U) = α/2 for X ~ Poisson."""
    observed = np.array([0, 1, 2, 7, 30])
    expected = np.array([2.5, 0.8, 3.0, 4.2, 25.0])
    intervals = ratio_intervals(observed, expected)
    for index, count in enumerate(observed):
        upper = optimize.brentq(
            lambda mu, count=count: stats.poisson.cdf(count, mu) - 0.025, 1e-9, 200
        )
        assert intervals.upper[index] == pytest.approx(upper / expected[index])
        if count == 0:
            assert intervals.lower[index] == 0.0
        else:
            lower = optimize.brentq(
                lambda mu, count=count: stats.poisson.sf(count - 1, mu) - 0.025,
                1e-9,
                200,
            )
            assert intervals.lower[index] == pytest.approx(lower / expected[index])


def test_ratio_interval_by_hand():
    """Garwood's table: O = 0 → [0, 3.689], 1 → [0.0253, 5.572], 10 → [4.795, 18.39]."""
    intervals = ratio_intervals([0, 1, 10, 10], [1.0, 1.0, 1.0, 2.0])
    np.testing.assert_allclose(intervals.lower, [0, 0.0253, 4.7954, 2.3977], atol=1e-4)
    np.testing.assert_allclose(
        intervals.upper, [3.6889, 5.5716, 18.3904, 9.1952], atol=1e-4
    )
    assert intervals[0].upper == pytest.approx(-np.log(0.025))
    assert intervals.method == "poisson_exact"


def test_ratio_interval_without_expected_events_is_none():
    """E = 0 gives no interval; negative or fractional counts are refused."""
    intervals = ratio_intervals([0, 2], [0.0, 0.0])
    assert intervals[0] is None and intervals[1] is None
    with pytest.raises(StatisticsError, match="Observed events must be whole numbers"):
        ratio_intervals([1.5], [2.0])
    with pytest.raises(StatisticsError, match="Expected events must be numbers"):
        ratio_intervals([1], [-2.0])


def test_frequency_weighted_fit_equals_the_fit_case_by_case():
    rng = np.random.default_rng(11)
    n = 500
    prior = rng.random(n) < 0.4
    band = rng.choice(["a", "b", "c"], n)
    outcome = (rng.random(n) < np.where(prior, 0.3, 0.7)).astype(float)
    single = fit_risk_model(outcome, {"prior": prior.astype(float), "band": band})
    patterns = {}
    for p, b, o in zip(prior.astype(float), band, outcome, strict=True):
        patterns[(p, b, o)] = patterns.get((p, b, o), 0) + 1
    keys = list(patterns)
    grouped = fit_risk_model(
        [key[2] for key in keys],
        {
            "prior": np.array([key[0] for key in keys]),
            "band": np.array([key[1] for key in keys], dtype=object),
        },
        weights=[patterns[key] for key in keys],
    )
    assert grouped.cases == n
    covariates = {"prior": prior.astype(float), "band": band}
    np.testing.assert_allclose(
        grouped.predict(covariates), single.predict(covariates), rtol=1e-6
    )
