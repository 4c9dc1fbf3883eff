"""Confidence intervals for rates, means, medians and shares of categories.

Rates: Wilson score interval (the default) and Clopper–Pearson exact interval.
Means: Student's t interval. Medians: the distribution-free interval between
two order statistics whose ranks come from the Binomial(n, 1/2) distribution.
Ordinal values get medians and shares, never means.
"""

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from .inputs import StatisticsError, as_events_and_cases, check_level

RATE_METHODS = ("wilson", "clopper_pearson")
SCALE_LEVELS = ("nominal", "ordinal", "interval", "ratio")
NOMINAL_MESSAGE = gettext_noop(
    "Values on a nominal scale have no mean or median: use the shares of each value."
)


@dataclass(frozen=True)
class Interval:
    """One confidence interval with the level and method that produced it."""

    lower: float
    upper: float
    confidence: float
    method: str


@dataclass(frozen=True, eq=False)
class Intervals:
    """Confidence intervals for many units; NaN bounds where there is none."""

    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    confidence: float
    method: str

    def __len__(self) -> int:
        return len(self.lower)

    def __getitem__(self, index: int) -> Interval | None:
        lower, upper = float(self.lower[index]), float(self.upper[index])
        if math.isnan(lower) or math.isnan(upper):
            return None
        return Interval(lower, upper, self.confidence, self.method)


@dataclass(frozen=True)
class Estimate:
    """A mean or median with its interval (None where there is none)."""

    value: float | None
    lower: float | None
    upper: float | None
    n: int
    confidence: float
    method: str
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Share:
    """The share of one category among the values, with its rate interval."""

    category: str
    count: int
    n: int
    share: float
    lower: float
    upper: float


def normal_quantile(confidence: float) -> float:
    """Return z with P(|Z| ≤ z) = confidence for a standard normal Z."""
    return float(stats.norm.ppf(0.5 + check_level(confidence, "confidence") / 2))


def rate_intervals(
    events: ArrayLike,
    cases: ArrayLike,
    confidence: float = 0.95,
    method: str = "wilson",
) -> Intervals:
    """Return intervals for the rates events/cases; NaN where cases is 0."""
    events_array, cases_array = as_events_and_cases(events, cases)
    if method == "wilson":
        lower, upper = _wilson(events_array, cases_array, normal_quantile(confidence))
    elif method == "clopper_pearson":
        alpha = 1 - check_level(confidence, "confidence")
        lower, upper = _clopper_pearson(events_array, cases_array, alpha)
    else:
        raise StatisticsError(
            _("Unknown interval method %(method)s; use one of: %(known)s.")
            % {"method": method, "known": ", ".join(RATE_METHODS)}
        )
    empty = cases_array == 0
    lower[empty] = np.nan
    upper[empty] = np.nan
    return Intervals(lower, upper, float(confidence), method)


def rate_interval(
    events: int, cases: int, confidence: float = 0.95, method: str = "wilson"
) -> Interval | None:
    """Return the interval for one rate, or None when there are no cases."""
    return rate_intervals([events], [cases], confidence, method)[0]


def _wilson(
    events: NDArray[np.float64], cases: NDArray[np.float64], z: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return Wilson score bounds (Wilson 1927; Newcombe 1998, method 3)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = events / cases
        z2 = z * z
        denominator = 1 + z2 / cases
        centre = (rate + z2 / (2 * cases)) / denominator
        half_width = (
            z * np.sqrt(rate * (1 - rate) / cases + z2 / (4 * cases**2)) / denominator
        )
    lower = np.where(events == 0, 0.0, np.clip(centre - half_width, 0.0, 1.0))
    upper = np.where(events == cases, 1.0, np.clip(centre + half_width, 0.0, 1.0))
    return lower, upper


def _clopper_pearson(
    events: NDArray[np.float64], cases: NDArray[np.float64], alpha: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return Clopper–Pearson bounds as Beta quantiles (Clopper & Pearson 1934)."""
    failures = cases - events
    lower = np.where(
        events == 0,
        0.0,
        stats.beta.ppf(alpha / 2, np.maximum(events, 1), failures + 1),
    )
    upper = np.where(
        failures == 0,
        1.0,
        stats.beta.ppf(1 - alpha / 2, events + 1, np.maximum(failures, 1)),
    )
    return lower, upper


def mean_estimate(values: ArrayLike, confidence: float = 0.95) -> Estimate:
    """Return the mean with its Student t interval; NaN values are missing."""
    present = _present(values)
    n = len(present)
    check_level(confidence, "confidence")
    if n == 0:
        return Estimate(None, None, None, 0, confidence, "t")
    mean = float(np.mean(present))
    if n == 1:
        return Estimate(mean, None, None, 1, confidence, "t")
    standard_error = float(np.std(present, ddof=1)) / math.sqrt(n)
    t = float(stats.t.ppf(0.5 + confidence / 2, df=n - 1))
    return Estimate(
        mean,
        mean - t * standard_error,
        mean + t * standard_error,
        n,
        confidence,
        "t",
        {"degrees_of_freedom": n - 1},
    )


def median_estimate(values: ArrayLike, confidence: float = 0.95) -> Estimate:
    """Return the median with its distribution-free order-statistic interval."""
    present = np.sort(_present(values))
    n = len(present)
    alpha = 1 - check_level(confidence, "confidence")
    method = "order_statistics"
    if n == 0:
        return Estimate(None, None, None, 0, confidence, method)
    median = float(np.median(present))
    # Rank k (1-based) is the largest with P(B ≤ k − 1) ≤ α/2, B ~ Bin(n, 1/2);
    # then [x(k), x(n−k+1)] covers the median with probability 1 − 2·P(B ≤ k − 1).
    tail = stats.binom.cdf(np.arange(n + 1), n, 0.5)
    rank = int(np.count_nonzero(tail <= alpha / 2 + 1e-12))
    if rank == 0:
        return Estimate(
            median, None, None, n, confidence, method, {"reason": "too_few_values"}
        )
    coverage = float(1 - 2 * tail[rank - 1])
    return Estimate(
        median,
        float(present[rank - 1]),
        float(present[n - rank]),
        n,
        confidence,
        method,
        {"ranks": [rank, n - rank + 1], "coverage": coverage},
    )


def value_estimate(
    values: ArrayLike, *, statistic: str, scale_level: str, confidence: float = 0.95
) -> Estimate:
    """Return the mean or median of values if the scale level allows it."""
    if scale_level not in SCALE_LEVELS:
        raise StatisticsError(
            _("Unknown scale level %(level)s; use one of: %(known)s.")
            % {"level": scale_level, "known": ", ".join(SCALE_LEVELS)}
        )
    if statistic == "mean":
        if scale_level == "ordinal":
            raise StatisticsError(
                _(
                    "A mean is not meaningful for values on an ordinal scale: "
                    "use the median or the shares of each value."
                )
            )
        if scale_level == "nominal":
            raise StatisticsError(_(NOMINAL_MESSAGE))
        return mean_estimate(values, confidence)
    if statistic == "median":
        if scale_level == "nominal":
            raise StatisticsError(_(NOMINAL_MESSAGE))
        return median_estimate(values, confidence)
    raise StatisticsError(
        _("Unknown statistic %(statistic)s; use mean or median.")
        % {"statistic": statistic}
    )


def category_shares(
    values: Iterable[object], confidence: float = 0.95, method: str = "wilson"
) -> tuple[Share, ...]:
    """Return each category's share of the values (None is missing)."""
    counts = Counter(str(value) for value in values if value is not None)
    categories = sorted(counts)
    n = sum(counts.values())
    events = [counts[category] for category in categories]
    intervals = rate_intervals(events, [n] * len(events), confidence, method)
    return tuple(
        Share(
            category,
            count,
            n,
            count / n,
            float(intervals.lower[index]),
            float(intervals.upper[index]),
        )
        for index, (category, count) in enumerate(zip(categories, events, strict=True))
    )


def _present(values: ArrayLike) -> NDArray[np.float64]:
    """Return the values that are present (not NaN) as a 1-d float array."""
    try:
        array = np.atleast_1d(np.asarray(values, dtype=float))
    except (TypeError, ValueError):
        raise StatisticsError(_("The values must be numbers.")) from None
    if array.ndim != 1 or np.any(np.isinf(array)):
        raise StatisticsError(_("The values must be a list of finite numbers."))
    return array[~np.isnan(array)]
