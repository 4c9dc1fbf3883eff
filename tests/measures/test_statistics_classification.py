"""Reference-range evaluation: the simple rule and the IQTIG Bayesian rule."""

import numpy as np
import pytest
from django.utils import translation
from scipy import stats

from dialoq.measures.statistics import (
    Evaluation,
    ReferenceRange,
    StatisticsError,
    evaluate_rates_bayes,
    evaluate_ratios_bayes,
    evaluate_simple,
)

AT_MOST_15_PERCENT = ReferenceRange(upper=0.15)


@pytest.fixture(autouse=True)
def english():
    """Check messages by their English text."""
    with translation.override("en"):
        yield


# methods.md §1.4: R = 0.15 (upper bound), α = 0.05; columns o, n,
# P(θ ≤ R | o, n), conspicuous by the Bayesian rule, by the simple rule.
WORKED_TABLE = [
    (3, 10, 0.098952, False, True),
    (6, 20, 0.039352, True, True),
    (8, 20, 0.002870, True, True),
    (25, 100, 0.004272, True, True),
    (1, 2, 0.094060, False, True),
    (0, 10, 0.932127, False, False),
]


def test_bayes_rule_reproduces_the_worked_table():
    """Decision criteria and verdicts equal the table computed from iqtigbdt."""
    events, cases, criteria, bayes, simple = zip(*WORKED_TABLE, strict=True)
    result = evaluate_rates_bayes(events, cases, AT_MOST_15_PERCENT, minimum_cases=1)
    np.testing.assert_allclose(result.decision_criterion, criteria, atol=5e-7)
    assert list(result.evaluation == Evaluation.CONSPICUOUS) == list(bayes)
    rates = np.array(events) / np.array(cases)
    naive = evaluate_simple(rates, cases, AT_MOST_15_PERCENT, minimum_cases=1)
    assert list(naive.evaluation == Evaluation.CONSPICUOUS) == list(simple)


def test_bayes_criterion_is_the_beta_posterior_probability():
    """dc = P(θ ≤ R) under Beta(o + ½, n − o + ½), computed here with SciPy."""
    events = np.array([0, 1, 4, 17, 50])
    cases = np.array([7, 12, 30, 80, 200])
    result = evaluate_rates_bayes(events, cases, AT_MOST_15_PERCENT)
    expected = stats.beta.cdf(0.15, events + 0.5, cases - events + 0.5)
    np.testing.assert_allclose(result.decision_criterion, expected, rtol=1e-12)


@pytest.mark.parametrize(
    ("cases", "smallest_conspicuous"),
    [(5, 3), (10, 4), (20, 6), (50, 12), (100, 22), (200, 39)],
)
def test_smallest_conspicuous_number_of_events(cases, smallest_conspicuous):
    """The smallest o flagged for R = 15 % matches the table of methods.md §1.4."""
    events = np.arange(cases + 1)
    result = evaluate_rates_bayes(events, cases, AT_MOST_15_PERCENT)
    flagged = events[result.evaluation == Evaluation.CONSPICUOUS]
    assert flagged.min() == smallest_conspicuous
    assert np.array_equal(flagged, np.arange(smallest_conspicuous, cases + 1))


def test_higher_is_better_uses_the_upper_tail():
    """With a lower bound R, dc = P(θ ≥ R): the mirror image of the upper case."""
    at_least_85 = ReferenceRange(lower=0.85)
    events, cases = np.array([7, 14, 12]), np.array([10, 20, 20])
    result = evaluate_rates_bayes(events, cases, at_least_85, minimum_cases=1)
    mirrored = evaluate_rates_bayes(
        cases - events, cases, AT_MOST_15_PERCENT, minimum_cases=1
    )
    np.testing.assert_allclose(result.decision_criterion, mirrored.decision_criterion)
    np.testing.assert_allclose(
        result.decision_criterion,
        stats.beta.sf(0.85, events + 0.5, cases - events + 0.5),
    )
    assert list(result.evaluation) == list(mirrored.evaluation)


def test_two_sided_range_uses_the_probability_of_lying_within():
    """With both bounds, dc = P(lower ≤ θ ≤ upper)."""
    between = ReferenceRange(lower=0.4, upper=0.6)
    result = evaluate_rates_bayes([5, 1], [10, 10], between)
    posterior = stats.beta([5.5, 1.5], [5.5, 9.5])
    expected = posterior.cdf(0.6) - posterior.cdf(0.4)
    np.testing.assert_allclose(result.decision_criterion, expected)
    assert list(result.evaluation) == [
        Evaluation.WITHIN_RANGE,
        Evaluation.CONSPICUOUS,
    ]


@pytest.mark.parametrize(
    ("observed", "expected", "threshold", "criterion"),
    [(1, 0.5, 1.5, 0.317730), (8, 3.2, 2.0, 0.250532)],
)
def test_ratio_rule_reproduces_the_worked_examples(
    observed, expected, threshold, criterion
):
    """O/E examples of methods.md §1.4 under Gamma(o + ½, rate E)."""
    result = evaluate_ratios_bayes(
        [observed], [expected], [20], ReferenceRange(upper=threshold)
    )
    assert result.decision_criterion[0] == pytest.approx(criterion, abs=5e-7)
    assert result[0].evaluation == Evaluation.WITHIN_RANGE
    assert result.decision_criterion[0] == pytest.approx(
        stats.gamma.cdf(threshold, observed + 0.5, scale=1 / expected)
    )


def test_ratio_rule_flags_many_more_events_than_expected():
    """O = 20 where 5 are expected against O/E ≤ 2 is conspicuous."""
    result = evaluate_ratios_bayes([20], [5.0], [60], ReferenceRange(upper=2.0))
    assert result[0].evaluation == Evaluation.CONSPICUOUS
    assert result[0].method == "bayes_gamma_poisson"
    assert result[0].parameters["prior_shape"] == 0.5


def test_below_minimum_cases_is_not_evaluable_for_every_rule():
    """Fewer cases than the minimum, and no cases at all, are never evaluated."""
    rates = evaluate_rates_bayes([4, 0, 4], [4, 0, 5], AT_MOST_15_PERCENT)
    assert list(rates.evaluation) == [
        Evaluation.NOT_EVALUABLE,
        Evaluation.NOT_EVALUABLE,
        Evaluation.CONSPICUOUS,
    ]
    assert rates[0].decision_criterion is None
    zero = evaluate_rates_bayes([0], [0], AT_MOST_15_PERCENT, minimum_cases=0)
    assert zero[0].evaluation == Evaluation.NOT_EVALUABLE
    simple = evaluate_simple([1.0, float("nan"), 0.5], [3, 9, 9], AT_MOST_15_PERCENT)
    assert list(simple.evaluation) == [
        Evaluation.NOT_EVALUABLE,
        Evaluation.NOT_EVALUABLE,
        Evaluation.CONSPICUOUS,
    ]
    ratios = evaluate_ratios_bayes(
        [3, 0, 2], [1.0, 0.0, 0.0], [4, 10, 10], ReferenceRange(upper=2.0)
    )
    assert set(ratios.evaluation) == {Evaluation.NOT_EVALUABLE}


def test_no_range_means_no_evaluation():
    """Without a reference range every unit is 'no range', with no criterion."""
    result = evaluate_rates_bayes([1, 9], [10, 10], ReferenceRange())
    assert set(result.evaluation) == {Evaluation.NO_RANGE}
    assert np.all(np.isnan(result.decision_criterion))
    simple = evaluate_simple([0.1], [10], ReferenceRange())
    assert simple[0].evaluation == Evaluation.NO_RANGE


def test_simple_rule_keeps_the_bound_itself_within():
    """A point estimate exactly on the bound is within the range."""
    result = evaluate_simple([0.15, 0.1501, 0.2], [20, 20, 20], AT_MOST_15_PERCENT)
    assert list(result.evaluation) == [
        Evaluation.WITHIN_RANGE,
        Evaluation.CONSPICUOUS,
        Evaluation.CONSPICUOUS,
    ]
    assert result.method == "simple"


def test_result_records_method_and_parameters():
    """Each result names its method and every parameter that was used."""
    result = evaluate_rates_bayes([3], [10], AT_MOST_15_PERCENT, alpha=0.1)
    assert result[0].method == "bayes_beta_binomial"
    assert result[0].parameters == {
        "reference_lower": None,
        "reference_upper": 0.15,
        "alpha": 0.1,
        "minimum_cases": 5,
        "prior_a": 0.5,
        "prior_b": 0.5,
    }
    # at α = 10 % the (3, 10) unit with dc = 0.099 becomes conspicuous
    assert result[0].evaluation == Evaluation.CONSPICUOUS
    assert str(Evaluation.CONSPICUOUS.label) == "conspicuous"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ReferenceRange(lower=0.5, upper=0.2), "must not exceed"),
        (lambda: ReferenceRange(upper=float("inf")), "finite bounds"),
        (
            lambda: evaluate_rates_bayes([3], [2], AT_MOST_15_PERCENT),
            "more events than cases",
        ),
        (
            lambda: evaluate_rates_bayes([1], [2], AT_MOST_15_PERCENT, alpha=1.5),
            "threshold alpha must lie",
        ),
        (
            lambda: evaluate_rates_bayes([1], [2], AT_MOST_15_PERCENT, prior=(0, 1)),
            "two positive parameters",
        ),
        (
            lambda: evaluate_rates_bayes(
                [1], [2], AT_MOST_15_PERCENT, minimum_cases=-1
            ),
            "minimum number of cases",
        ),
        (
            lambda: evaluate_ratios_bayes([1], [-2.0], [5], AT_MOST_15_PERCENT),
            "Expected events must be numbers of 0 or more",
        ),
        (
            lambda: evaluate_simple([0.1, 0.2], [5, 5, 5], AT_MOST_15_PERCENT),
            "same length",
        ),
    ],
)
def test_bad_input_is_refused_clearly(call, message):
    """Impossible ranges, counts and parameters raise a specific message."""
    with pytest.raises(StatisticsError, match=message):
        call()
