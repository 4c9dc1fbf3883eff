"""Risk adjustment: a logistic case-mix model, expected events, O/E with interval.

The model is a logistic regression (statsmodels ``Logit``, Newton–Raphson) on
covariates given as named columns: text or true/false columns are categories in
treatment coding against their most frequent level, number columns enter as
they are. When maximum likelihood fails (perfect separation, no convergence, a
singular design) the model is refitted with a small ridge penalty and flagged
as regularised. Expected events of a unit are the sum of its cases' predicted
probabilities; the O/E interval is the exact Poisson interval for O divided by
E (Ulm 1990; Garwood 1936).
"""

import math
import warnings
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import statsmodels.api as sm
from django.utils.translation import gettext as _
from numpy.typing import ArrayLike, NDArray
from scipy import stats
from statsmodels.tools.sm_exceptions import (
    ConvergenceWarning,
    HessianInversionWarning,
    PerfectSeparationError,
    PerfectSeparationWarning,
)

from .inputs import StatisticsError, as_amounts, as_counts, check_level
from .intervals import Intervals

INTERCEPT = "intercept"
DEFAULT_PENALTY = 1e-4


@dataclass(frozen=True)
class Covariate:
    """A covariate: a number column, or categories with their reference level."""

    name: str
    levels: tuple[str, ...] | None  # None for a number column
    reference: str | None

    @property
    def columns(self) -> tuple[str, ...]:
        """Return the names of this covariate's columns in the design matrix."""
        if self.levels is None:
            return (self.name,)
        return tuple(
            f"{self.name}={level}" for level in self.levels if level != self.reference
        )

    def encode(self, values: ArrayLike, length: int) -> NDArray[np.float64]:
        """Return this covariate's design columns for the given values."""
        if self.levels is None:
            numbers = _numbers(self.name, values, length)
            return numbers.reshape(-1, 1)
        labels = _labels(self.name, values, length)
        unknown = sorted(set(labels.tolist()) - set(self.levels))
        if unknown:
            raise StatisticsError(
                _("The covariate %(name)s has categories the model does not know.")
                % {"name": self.name}
            )
        others = [level for level in self.levels if level != self.reference]
        return (labels[:, None] == np.array(others, dtype=object)[None, :]).astype(
            float
        )


@dataclass(frozen=True, eq=False)
class RiskModel:
    """A fitted logistic risk model with its coefficients and fit report."""

    covariates: tuple[Covariate, ...]
    coefficients: dict[str, float]
    cases: int
    converged: bool
    regularised: bool
    penalty: float
    iterations: int

    @property
    def reference_categories(self) -> dict[str, str]:
        """Return the reference level of each category covariate."""
        return {
            covariate.name: covariate.reference
            for covariate in self.covariates
            if covariate.reference is not None
        }

    def design_matrix(self, covariates: Mapping[str, ArrayLike]) -> NDArray[np.float64]:
        """Return the design matrix (intercept first) for covariate columns."""
        return _design(self.covariates, covariates)

    def predict(self, covariates: Mapping[str, ArrayLike]) -> NDArray[np.float64]:
        """Return each case's predicted probability of the event."""
        beta = np.array(list(self.coefficients.values()))
        return _logistic(self.design_matrix(covariates) @ beta)

    def parameters(self) -> dict[str, Any]:
        """Return the model description for the record of parameters used."""
        return {
            "coefficients": dict(self.coefficients),
            "reference_categories": self.reference_categories,
            "cases": self.cases,
            "converged": self.converged,
            "regularised": self.regularised,
            "penalty": self.penalty,
        }


@dataclass(frozen=True, eq=False)
class UnitTotals:
    """Per unit: cases, observed and expected events, and their ratio O/E."""

    units: NDArray[Any]
    cases: NDArray[np.int64]
    observed: NDArray[np.float64]
    expected: NDArray[np.float64]

    @property
    def ratio(self) -> NDArray[np.float64]:
        """Return O/E per unit; NaN where nothing is expected."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.expected > 0, self.observed / self.expected, np.nan)


def fit_risk_model(
    outcomes: ArrayLike,
    covariates: Mapping[str, ArrayLike],
    *,
    penalty: float = DEFAULT_PENALTY,
    weights: ArrayLike | None = None,
) -> RiskModel:
    """Fit a logistic model of the 0/1 outcomes on the named covariates.

    With ``weights``, each row stands for that many cases with the same
    outcome and covariates (frequency weights): the fit is the same as on the
    cases one by one, but much faster when many cases share a pattern.
    """
    outcome_array = as_counts(outcomes, "outcomes")
    weight_array = None if weights is None else as_amounts(weights, "weights")
    if weight_array is not None and weight_array.shape != outcome_array.shape:
        raise StatisticsError(_("Give one weight per outcome."))
    if np.any(outcome_array > 1):
        raise StatisticsError(_("Outcomes must be 0 (no event) or 1 (event)."))
    if len(np.unique(outcome_array)) < 2:
        raise StatisticsError(
            _("A risk model needs cases with and cases without the event.")
        )
    length = _length(covariates, list(covariates))
    if length != len(outcome_array):
        raise StatisticsError(
            _("Outcomes and covariates must have one value per case each.")
        )
    terms = tuple(
        _covariate(name, values, length) for name, values in covariates.items()
    )
    design = _design(terms, covariates)
    names = (INTERCEPT, *(column for term in terms for column in term.columns))
    cases = length if weight_array is None else round(float(weight_array.sum()))
    if design.shape[1] >= cases:
        raise StatisticsError(
            _("A risk model needs more cases than it has coefficients.")
        )
    fitted = _maximum_likelihood(outcome_array, design, weight_array)
    regularised = fitted is None
    if fitted is None:
        if weight_array is not None:  # the penalised fit takes cases one by one
            repeats = weight_array.astype(np.int64)
            outcome_array = np.repeat(outcome_array, repeats)
            design = np.repeat(design, repeats, axis=0)
        fitted = _ridge(outcome_array, design, penalty)
    params, iterations = fitted
    return RiskModel(
        terms,
        dict(zip(names, (float(value) for value in params), strict=True)),
        cases,
        converged=not regularised,
        regularised=regularised,
        penalty=penalty if regularised else 0.0,
        iterations=iterations,
    )


def unit_totals(
    units: ArrayLike, outcomes: ArrayLike, probabilities: ArrayLike
) -> UnitTotals:
    """Sum cases, observed events and expected events (Σ p̂) per unit."""
    unit_array = np.asarray(units)
    outcome_array = as_counts(outcomes, "outcomes")
    probability_array = as_amounts(probabilities, "probabilities")
    if not len(unit_array) == len(outcome_array) == len(probability_array):
        raise StatisticsError(
            _("Units, outcomes and probabilities must have one value per case each.")
        )
    keys, index = np.unique(unit_array, return_inverse=True)
    return UnitTotals(
        keys,
        np.bincount(index, minlength=len(keys)),
        np.bincount(index, weights=outcome_array, minlength=len(keys)),
        np.bincount(index, weights=probability_array, minlength=len(keys)),
    )


def ratio_intervals(
    observed: ArrayLike, expected: ArrayLike, confidence: float = 0.95
) -> Intervals:
    """Return exact Poisson intervals for O/E; NaN where E is 0."""
    observed_array = as_counts(observed, "observed")
    expected_array = as_amounts(expected, "expected")
    try:
        observed_array, expected_array = np.broadcast_arrays(
            observed_array, expected_array
        )
    except ValueError:
        raise StatisticsError(
            _("Observed and expected events must be lists of the same length.")
        ) from None
    alpha = 1 - check_level(confidence, "confidence")
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = np.where(
            observed_array == 0,
            0.0,
            stats.chi2.ppf(alpha / 2, 2 * np.maximum(observed_array, 1)) / 2,
        )
        upper = stats.chi2.ppf(1 - alpha / 2, 2 * observed_array + 2) / 2
        nothing_expected = expected_array == 0
        lower = np.where(nothing_expected, np.nan, lower / expected_array)
        upper = np.where(nothing_expected, np.nan, upper / expected_array)
    return Intervals(lower, upper, float(confidence), "poisson_exact")


def _maximum_likelihood(
    outcomes: NDArray[np.float64],
    design: NDArray[np.float64],
    weights: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.float64], int] | None:
    """Return the ML coefficients and iterations, or None if the fit fails."""
    with warnings.catch_warnings():
        for category in (
            PerfectSeparationWarning,
            ConvergenceWarning,
            HessianInversionWarning,
        ):
            warnings.simplefilter("error", category)
        try:
            if weights is None:
                result = sm.Logit(outcomes, design).fit(
                    method="newton", maxiter=100, disp=0
                )
            else:
                result = sm.GLM(
                    outcomes,
                    design,
                    family=sm.families.Binomial(),
                    freq_weights=weights,
                ).fit(maxiter=100)
        except (
            PerfectSeparationError,
            PerfectSeparationWarning,
            ConvergenceWarning,
            HessianInversionWarning,
            np.linalg.LinAlgError,
        ):
            return None
    params = np.asarray(result.params, dtype=float)
    retvals = getattr(result, "mle_retvals", None) or {}
    converged = bool(retvals.get("converged", getattr(result, "converged", False)))
    if not converged or not np.all(np.isfinite(params)):
        return None
    iterations = retvals.get("iterations", getattr(result, "fit_history", {}))
    if isinstance(iterations, dict):
        iterations = iterations.get("iteration", 0)
    return params, int(iterations)


def _ridge(
    outcomes: NDArray[np.float64], design: NDArray[np.float64], penalty: float
) -> tuple[NDArray[np.float64], int]:
    """Return coefficients penalised by penalty·|β|²/2 (the intercept is free)."""
    if not penalty > 0:
        raise StatisticsError(
            _("The risk model cannot be fitted; it needs a positive penalty.")
        )
    weights = np.full(design.shape[1], float(penalty))
    weights[0] = 0.0
    model = sm.GLM(outcomes, design, family=sm.families.Binomial())
    result = model.fit_regularized(alpha=weights, L1_wt=0.0)
    params = np.asarray(result.params, dtype=float)
    if not np.all(np.isfinite(params)):
        raise StatisticsError(_("The risk model cannot be fitted to these cases."))
    return params, 0


def _covariate(name: str, values: ArrayLike, length: int) -> Covariate:
    """Return a number covariate, or categories with the most frequent as reference."""
    array = np.asarray(values)
    if array.dtype.kind in "iuf":
        _numbers(name, array, length)
        return Covariate(name, None, None)
    labels = _labels(name, array, length)
    counts = Counter(labels.tolist())
    levels = tuple(sorted(counts))
    reference = min(levels, key=lambda level: (-counts[level], level))
    return Covariate(name, levels, reference)


def _design(
    terms: tuple[Covariate, ...], covariates: Mapping[str, ArrayLike]
) -> NDArray[np.float64]:
    """Return the design matrix (intercept first) of the terms for covariates."""
    missing = [term.name for term in terms if term.name not in covariates]
    if missing:
        raise StatisticsError(
            _("Covariates are missing: %(names)s.") % {"names": ", ".join(missing)}
        )
    length = _length(covariates, [term.name for term in terms])
    blocks = [np.ones((length, 1))]
    blocks += [term.encode(covariates[term.name], length) for term in terms]
    return np.hstack(blocks)


def _numbers(name: str, values: ArrayLike, length: int) -> NDArray[np.float64]:
    """Return a number covariate as floats, refusing missing values."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise StatisticsError(
            _("The covariate %(name)s must contain numbers.") % {"name": name}
        ) from None
    if array.shape != (length,) or not np.all(np.isfinite(array)):
        raise StatisticsError(
            _("The covariate %(name)s needs a number for every case.") % {"name": name}
        )
    return array


def _labels(name: str, values: ArrayLike, length: int) -> NDArray[np.object_]:
    """Return a category covariate as text labels, refusing missing values."""
    array = np.asarray(values, dtype=object)
    if array.shape != (length,) or any(
        value is None or (isinstance(value, float) and math.isnan(value))
        for value in array
    ):
        raise StatisticsError(
            _("The covariate %(name)s needs a category for every case.")
            % {"name": name}
        )
    return np.array([str(value) for value in array], dtype=object)


def _length(covariates: Mapping[str, ArrayLike], names: list[str]) -> int:
    """Return the common number of cases of the covariate columns."""
    lengths = {len(np.atleast_1d(np.asarray(covariates[name]))) for name in names}
    if len(lengths) != 1:
        raise StatisticsError(
            _("Every covariate needs exactly one value per case.")
            if lengths
            else _("A risk model needs at least one covariate.")
        )
    return lengths.pop()


def _logistic(linear: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return 1/(1 + exp(−x)) without overflow."""
    return stats.logistic.cdf(linear)
