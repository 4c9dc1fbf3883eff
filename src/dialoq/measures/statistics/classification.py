"""Evaluation of results against a reference range: simple and Bayesian rules.

The simple rule flags a point estimate outside the range. The Bayesian rule is
the one of German external quality assurance (IQTIG; Hengelbrock et al. 2021,
reference implementation iqtigorg/iqtigbdt): a unit is conspicuous when the
posterior probability that its true value lies within the range is at most α.
Below the minimum number of cases no rule evaluates.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from .inputs import (
    StatisticsError,
    as_amounts,
    as_counts,
    as_events_and_cases,
    check_level,
)

ROUNDING_DIGITS = 8  # iqtigbdt classify_dc: round(dc, 8) <= alpha
DEFAULT_MINIMUM_CASES = 5


class Evaluation(models.TextChoices):
    """How a result compares with its reference range."""

    WITHIN_RANGE = "within_range", gettext_lazy("within the reference range")
    CONSPICUOUS = "conspicuous", gettext_lazy("conspicuous")
    NOT_EVALUABLE = "not_evaluable", gettext_lazy("not evaluable")
    NO_RANGE = "no_range", gettext_lazy("no reference range")


@dataclass(frozen=True)
class ReferenceRange:
    """A reference range; an open side is None (upper only: lower is better)."""

    lower: float | None = None
    upper: float | None = None

    def __post_init__(self) -> None:
        for bound in (self.lower, self.upper):
            if bound is not None and not np.isfinite(bound):
                raise StatisticsError(_("A reference range needs finite bounds."))
        if (
            self.lower is not None
            and self.upper is not None
            and self.lower > self.upper
        ):
            raise StatisticsError(
                _("The lower bound of a reference range must not exceed the upper.")
            )

    @property
    def is_defined(self) -> bool:
        """Return whether the range has at least one bound."""
        return self.lower is not None or self.upper is not None

    def parameters(self) -> dict[str, float | None]:
        """Return the bounds for the record of parameters used."""
        return {"reference_lower": self.lower, "reference_upper": self.upper}


@dataclass(frozen=True)
class RangeEvaluation:
    """The evaluation of one unit with its decision criterion and method."""

    evaluation: Evaluation
    decision_criterion: float | None
    method: str
    parameters: dict[str, Any]


@dataclass(frozen=True, eq=False)
class RangeEvaluations:
    """Evaluations of many units; decision criteria are NaN where none."""

    evaluation: NDArray[np.object_]
    decision_criterion: NDArray[np.float64]
    method: str
    parameters: dict[str, Any]

    def __len__(self) -> int:
        return len(self.evaluation)

    def __getitem__(self, index: int) -> RangeEvaluation:
        criterion = float(self.decision_criterion[index])
        return RangeEvaluation(
            Evaluation(self.evaluation[index]),
            None if np.isnan(criterion) else criterion,
            self.method,
            self.parameters,
        )


def evaluate_simple(
    values: ArrayLike,
    cases: ArrayLike,
    reference_range: ReferenceRange,
    *,
    minimum_cases: int = DEFAULT_MINIMUM_CASES,
) -> RangeEvaluations:
    """Flag point estimates outside the range (the classic QSKH rule)."""
    value_array = np.atleast_1d(np.asarray(values, dtype=float))
    cases_array = as_counts(cases, "cases")
    value_array, cases_array = _same_length(value_array, cases_array)
    outside = np.zeros(len(value_array), dtype=bool)
    if reference_range.lower is not None:
        outside |= value_array < reference_range.lower
    if reference_range.upper is not None:
        outside |= value_array > reference_range.upper
    evaluable = _evaluable(cases_array, minimum_cases) & ~np.isnan(value_array)
    return _result(
        reference_range,
        evaluable,
        outside,
        np.full(len(value_array), np.nan),
        "simple",
        {"minimum_cases": minimum_cases},
    )


def evaluate_rates_bayes(
    events: ArrayLike,
    cases: ArrayLike,
    reference_range: ReferenceRange,
    *,
    alpha: float = 0.05,
    minimum_cases: int = DEFAULT_MINIMUM_CASES,
    prior: tuple[float, float] = (0.5, 0.5),
) -> RangeEvaluations:
    """Evaluate rates by the posterior probability of lying within the range."""
    events_array, cases_array = as_events_and_cases(events, cases)
    prior_a, prior_b = _positive_prior(prior)
    posterior = stats.beta(prior_a + events_array, prior_b + cases_array - events_array)
    criterion = _probability_within(posterior, reference_range, upper_limit=1.0)
    evaluable = _evaluable(cases_array, minimum_cases)
    return _result(
        reference_range,
        evaluable,
        np.round(criterion, ROUNDING_DIGITS) <= check_level(alpha, "alpha"),
        np.where(evaluable, criterion, np.nan),
        "bayes_beta_binomial",
        {
            "alpha": alpha,
            "minimum_cases": minimum_cases,
            "prior_a": prior_a,
            "prior_b": prior_b,
        },
    )


def evaluate_ratios_bayes(
    observed: ArrayLike,
    expected: ArrayLike,
    cases: ArrayLike,
    reference_range: ReferenceRange,
    *,
    alpha: float = 0.05,
    minimum_cases: int = DEFAULT_MINIMUM_CASES,
    prior: tuple[float, float] = (0.5, 0.0),
) -> RangeEvaluations:
    """Evaluate O/E ratios by the Gamma–Poisson posterior probability in range."""
    observed_array = as_counts(observed, "observed")
    expected_array = as_amounts(expected, "expected")
    cases_array = as_counts(cases, "cases")
    observed_array, expected_array, cases_array = _same_length(
        observed_array, expected_array, cases_array
    )
    prior_shape, prior_rate = float(prior[0]), float(prior[1])
    if prior_shape <= 0 or prior_rate < 0:
        raise StatisticsError(
            _("The Gamma prior needs a positive shape and a rate of 0 or more.")
        )
    rate = prior_rate + expected_array
    evaluable = _evaluable(cases_array, minimum_cases) & (rate > 0)
    posterior = stats.gamma(
        prior_shape + observed_array, scale=1 / np.where(rate > 0, rate, 1.0)
    )
    criterion = _probability_within(posterior, reference_range, upper_limit=np.inf)
    return _result(
        reference_range,
        evaluable,
        np.round(criterion, ROUNDING_DIGITS) <= check_level(alpha, "alpha"),
        np.where(evaluable, criterion, np.nan),
        "bayes_gamma_poisson",
        {
            "alpha": alpha,
            "minimum_cases": minimum_cases,
            "prior_shape": prior_shape,
            "prior_rate": prior_rate,
        },
    )


def _probability_within(
    posterior: Any, reference_range: ReferenceRange, *, upper_limit: float
) -> NDArray[np.float64]:
    """Return P(lower ≤ θ ≤ upper) under the (frozen, vectorised) posterior."""
    if not reference_range.is_defined:
        return np.asarray(np.nan)
    below_upper = (
        posterior.cdf(reference_range.upper)
        if reference_range.upper is not None and reference_range.upper < upper_limit
        else 1.0
    )
    below_lower = (
        posterior.cdf(reference_range.lower)
        if reference_range.lower is not None and reference_range.lower > 0
        else 0.0
    )
    return np.clip(np.asarray(below_upper - below_lower, dtype=float), 0.0, 1.0)


def _result(
    reference_range: ReferenceRange,
    evaluable: NDArray[np.bool_],
    conspicuous: NDArray[np.bool_],
    criterion: NDArray[np.float64],
    method: str,
    parameters: dict[str, Any],
) -> RangeEvaluations:
    """Combine the flags into evaluations, with the parameters used."""
    if not reference_range.is_defined:
        evaluation = np.full(len(evaluable), Evaluation.NO_RANGE, dtype=object)
        criterion = np.full(len(evaluable), np.nan)
    else:
        evaluation = np.where(
            evaluable,
            np.where(conspicuous, Evaluation.CONSPICUOUS, Evaluation.WITHIN_RANGE),
            Evaluation.NOT_EVALUABLE,
        ).astype(object)
    return RangeEvaluations(
        evaluation, criterion, method, {**reference_range.parameters(), **parameters}
    )


def _evaluable(cases: NDArray[np.float64], minimum_cases: int) -> NDArray[np.bool_]:
    """Return which units have enough cases (and at least one) to be evaluated."""
    if int(minimum_cases) != minimum_cases or minimum_cases < 0:
        raise StatisticsError(_("The minimum number of cases must be 0 or more."))
    return (cases >= minimum_cases) & (cases > 0)


def _positive_prior(prior: tuple[float, float]) -> tuple[float, float]:
    """Return the Beta prior parameters if both are positive."""
    prior_a, prior_b = float(prior[0]), float(prior[1])
    if prior_a <= 0 or prior_b <= 0:
        raise StatisticsError(_("The Beta prior needs two positive parameters."))
    return prior_a, prior_b


def _same_length(*arrays: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
    """Return the arrays broadcast to one length, or refuse clearly."""
    try:
        return tuple(np.broadcast_arrays(*arrays))
    except ValueError:
        raise StatisticsError(
            _("The lists of numbers must have the same length.")
        ) from None
