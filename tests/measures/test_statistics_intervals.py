"""Intervals for rates, means and medians agree with statsmodels, SciPy and print."""

import math

import numpy as np
import pytest
from django.utils import translation
from scipy import stats
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

from dialoq.measures.statistics import (
    StatisticsError,
    category_shares,
    mean_estimate,
    median_estimate,
    rate_interval,
    rate_intervals,
    value_estimate,
)


@pytest.fixture(autouse=True)
def english():
    """Check messages by their English text."""
    with translation.override("en"):
        yield


GRID = [
    (events, n)
    for n in (1, 2, 3, 5, 10, 20, 57, 100, 1000)
    for events in {0, 1, n // 3, n // 2, n - 1, n}
]


@pytest.mark.parametrize(
    ("method", "statsmodels_method"),
    [("wilson", "wilson"), ("clopper_pearson", "beta")],
)
@pytest.mark.parametrize("confidence", [0.95, 0.90, 0.998])
def test_rate_intervals_equal_statsmodels_over_a_grid(
    method, statsmodels_method, confidence
):
    """Wilson and Clopper–Pearson bounds equal statsmodels' on every grid point."""
    events, n = np.array(GRID, dtype=float).T
    intervals = rate_intervals(events, n, confidence, method)
    lower, upper = proportion_confint(
        events, n, alpha=1 - confidence, method=statsmodels_method
    )
    np.testing.assert_allclose(intervals.lower, np.nan_to_num(lower), atol=1e-12)
    np.testing.assert_allclose(
        intervals.upper, np.nan_to_num(upper, nan=1.0), atol=1e-12
    )
    assert np.all(intervals.lower <= events / n)
    assert np.all(events / n <= intervals.upper)


@pytest.mark.parametrize(
    ("events", "n", "wilson", "exact"),
    [
        (81, 263, (0.2553, 0.3662), (0.2527, 0.3676)),
        (15, 148, (0.0624, 0.1605), (0.0578, 0.1617)),
        (0, 20, (0.0, 0.1611), (0.0, 0.1684)),
        (1, 29, (0.0061, 0.1718), (0.0009, 0.1776)),
    ],
)
def test_rate_intervals_match_newcombe_1998(events, n, wilson, exact):
    """The worked examples of Newcombe (1998, Stat Med 17:857–872, Table II)."""
    score = rate_interval(events, n)
    clopper_pearson = rate_interval(events, n, method="clopper_pearson")
    assert (round(score.lower, 4), round(score.upper, 4)) == wilson
    assert (round(clopper_pearson.lower, 4), round(clopper_pearson.upper, 4)) == exact
    assert score.method == "wilson" and score.confidence == 0.95


def test_rate_interval_edge_cases():
    """0 events start at 0, all events end at 1, n = 1 is wide, n = 0 has none."""
    assert rate_interval(0, 10).lower == 0.0
    assert rate_interval(10, 10).upper == 1.0
    assert rate_interval(0, 10, method="clopper_pearson").lower == 0.0
    assert rate_interval(10, 10, method="clopper_pearson").upper == 1.0
    single = rate_interval(1, 1, method="clopper_pearson")
    assert single.lower == pytest.approx(0.025) and single.upper == 1.0
    assert rate_interval(0, 0) is None
    assert rate_interval(0, 0, method="clopper_pearson") is None
    many = rate_intervals([0, 3], [0, 4])
    assert math.isnan(many.lower[0]) and many[0] is None and many[1] is not None
    assert len(many) == 2


@pytest.mark.parametrize(
    ("events", "n", "kwargs", "message"),
    [
        (5, 4, {}, "more events than cases"),
        (-1, 4, {}, "Events must be numbers of 0 or more"),
        (1.5, 4, {}, "Events must be whole numbers"),
        (float("nan"), 4, {}, "Events must be numbers"),
        (1, 4, {"confidence": 1.0}, "confidence level must lie"),
        (1, 4, {"confidence": 0}, "between 0 and 1"),
        (1, 4, {"method": "wald"}, "Unknown interval method"),
        ([1, 2], [3, 4, 5], {}, "same length"),
    ],
)
def test_rate_intervals_refuse_bad_input(events, n, kwargs, message):
    """Impossible counts, levels and methods are refused with a clear message."""
    with pytest.raises(StatisticsError, match=message):
        rate_intervals(events, n, **kwargs)


def test_mean_interval_equals_statsmodels_t_interval():
    """The mean's interval is Student's t interval as statsmodels computes it."""
    values = np.array([41.2, 55.0, 48.3, 60.1, 39.9, 52.5, 47.0, float("nan")])
    estimate = mean_estimate(values, 0.95)
    lower, upper = DescrStatsW(values[:-1]).tconfint_mean(alpha=0.05)
    assert estimate.n == 7
    assert estimate.value == pytest.approx(np.mean(values[:-1]))
    assert (estimate.lower, estimate.upper) == pytest.approx((lower, upper))
    assert estimate.parameters == {"degrees_of_freedom": 6}


def test_mean_interval_edge_cases():
    """No values give no mean; one value a mean without interval."""
    assert mean_estimate([]).value is None
    one = mean_estimate([7.0])
    assert one.value == 7.0 and one.lower is None and one.upper is None
    constant = mean_estimate([3.0, 3.0, 3.0])
    assert (constant.lower, constant.upper) == (3.0, 3.0)


@pytest.mark.parametrize("n", [6, 7, 10, 25, 60, 101])
@pytest.mark.parametrize("confidence", [0.90, 0.95])
def test_median_interval_equals_scipy_quantile_test(n, confidence):
    """The order-statistic interval equals SciPy's distribution-free one."""
    values = np.random.default_rng(n).gamma(2.0, 3.0, size=n)
    estimate = median_estimate(values, confidence)
    expected = stats.quantile_test(values, p=0.5).confidence_interval(confidence)
    assert (estimate.lower, estimate.upper) == (expected.low, expected.high)
    assert estimate.value == np.median(values)
    assert estimate.parameters["coverage"] >= confidence


def test_median_interval_by_hand():
    """For n = 10 the 95 % interval is [x(2), x(9)] with coverage 1 − 22/1024."""
    estimate = median_estimate([10, 1, 9, 2, 8, 3, 7, 4, 6, 5])
    assert (estimate.value, estimate.lower, estimate.upper) == (5.5, 2.0, 9.0)
    assert estimate.parameters["ranks"] == [2, 9]
    assert estimate.parameters["coverage"] == pytest.approx(1 - 22 / 1024)


def test_median_interval_needs_six_values_at_95_percent():
    """With 5 values no order-statistic interval reaches 95 % (2·(1/2)⁵ > 5 %)."""
    estimate = median_estimate([1, 2, 3, 4, 5])
    assert estimate.value == 3.0 and estimate.lower is None
    assert estimate.parameters == {"reason": "too_few_values"}
    assert median_estimate([]).value is None


def test_ordinal_values_get_medians_never_means():
    """A mean of ordinal or nominal values is refused; a median of ordinals works."""
    ratings = [1, 2, 2, 3, 4, 4, 4, 5]
    with pytest.raises(StatisticsError, match="mean is not meaningful"):
        value_estimate(ratings, statistic="mean", scale_level="ordinal")
    with pytest.raises(ValueError, match="nominal scale have no mean or median"):
        value_estimate(ratings, statistic="median", scale_level="nominal")
    with pytest.raises(ValueError, match="nominal scale have no mean or median"):
        value_estimate(ratings, statistic="mean", scale_level="nominal")
    assert (
        value_estimate(ratings, statistic="median", scale_level="ordinal").value == 3.5
    )
    assert value_estimate(ratings, statistic="mean", scale_level="ratio").value == 3.125
    with pytest.raises(StatisticsError, match="Unknown scale level"):
        value_estimate(ratings, statistic="median", scale_level="metric")
    with pytest.raises(StatisticsError, match="Unknown statistic"):
        value_estimate(ratings, statistic="mode", scale_level="ordinal")
    with pytest.raises(StatisticsError, match="must be numbers"):
        value_estimate(["gut", "schlecht"], statistic="median", scale_level="ordinal")


def test_category_shares_have_wilson_intervals():
    """Shares of each category use the Wilson interval over all present values."""
    shares = category_shares(["gut", "gut", "mittel", None, "schlecht", "gut"])
    assert [(s.category, s.count, s.n) for s in shares] == [
        ("gut", 3, 5),
        ("mittel", 1, 5),
        ("schlecht", 1, 5),
    ]
    lower, upper = proportion_confint(3, 5, method="wilson")
    assert shares[0].share == 0.6
    assert (shares[0].lower, shares[0].upper) == pytest.approx((lower, upper))
    assert category_shares([]) == ()
