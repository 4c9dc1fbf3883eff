"""Funnel plots: control limits, z-scores and overdispersion (Spiegelhalter 2005).

Spiegelhalter DJ. Funnel plots for comparing institutional performance. Stat
Med 2005;24:1185–1202, doi:10.1002/sim.1970; and Handling over-dispersion of
performance indicators. Qual Saf Health Care 2005;14:347–351.

Two kinds of indicator: a proportion O/n (precision n, g(θ) = θ(1 − θ)) and an
indirectly standardised ratio O/E (precision E, g(θ) = θ). Limits are exact
(binomial or Poisson, with the interpolation of Appendix A.1.1) or normal,
θ₀ ± z·√(g(θ₀)/ρ). Overdispersion is estimated from winsorised z-scores and
handled, by policy, not at all, multiplicatively (φ) or additively (τ²).
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.utils.translation import gettext as _
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from .inputs import StatisticsError, as_amounts, as_counts, check_level

KINDS = ("proportion", "ratio")
METHODS = ("exact", "normal")
ADJUSTMENTS = ("none", "multiplicative", "additive")
COVERAGES = (0.95, 0.998)
DEFAULT_WINSORISE = 0.1


@dataclass(frozen=True, eq=False)
class Dispersion:
    """Overdispersion of units around the target: φ, τ² and the test."""

    phi: float
    tau2: float
    statistic: float  # I·φ, compared with the χ² critical value
    critical_value: float
    units: int
    overdispersed: bool
    winsorised_z: NDArray[np.float64]
    parameters: dict[str, Any]


@dataclass(frozen=True, eq=False)
class FunnelLimits:
    """Control limits at 95 % and 99.8 % for each precision, and how made."""

    target: float
    precision: NDArray[np.float64]
    lower_95: NDArray[np.float64]
    upper_95: NDArray[np.float64]
    lower_998: NDArray[np.float64]
    upper_998: NDArray[np.float64]
    method: str
    parameters: dict[str, Any]


def standard_errors(
    target: float, precision: ArrayLike, *, kind: str = "proportion"
) -> NDArray[np.float64]:
    """Return √(g(θ₀)/ρ) per precision; NaN where the precision is 0."""
    precision_array = as_amounts(precision, "precision")
    variance = _variance_function(_target(target, kind), kind)
    with np.errstate(divide="ignore"):
        return np.where(
            precision_array > 0, np.sqrt(variance / precision_array), np.nan
        )


def z_scores(
    values: ArrayLike, precision: ArrayLike, target: float, *, kind: str = "proportion"
) -> NDArray[np.float64]:
    """Return (yᵢ − θ₀)/sᵢ; NaN where the standard error is 0 or undefined."""
    value_array = np.atleast_1d(np.asarray(values, dtype=float))
    errors = standard_errors(target, precision, kind=kind)
    if value_array.shape != errors.shape:
        raise StatisticsError(_("Values and precisions must have the same length."))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(errors > 0, (value_array - target) / errors, np.nan)


def estimate_dispersion(
    values: ArrayLike,
    precision: ArrayLike,
    target: float,
    *,
    kind: str = "proportion",
    winsorise: float = DEFAULT_WINSORISE,
    level: float = 0.05,
    target_estimated: bool = True,
) -> Dispersion:
    """Estimate φ and τ² from winsorised z-scores and test for overdispersion."""
    if not 0 <= winsorise < 0.5:
        raise StatisticsError(
            _("Winsorising must cut less than half of the values at each end.")
        )
    check_level(level, "level")
    z = z_scores(values, precision, target, kind=kind)
    errors = standard_errors(target, precision, kind=kind)
    usable = np.isfinite(z)
    z, errors = z[usable], errors[usable]
    units = len(z)
    degrees = max(units - 1, 0) if target_estimated else units
    parameters = {
        "winsorise": winsorise,
        "level": level,
        "degrees_of_freedom": degrees,
    }
    if units < 2 or degrees < 1:
        return Dispersion(1.0, 0.0, np.nan, np.nan, units, False, z, parameters)
    low, high = np.quantile(z, [winsorise, 1 - winsorise])  # R type 7
    winsorised = np.clip(z, low, high)
    phi = float(np.mean(winsorised**2))
    statistic = units * phi
    critical_value = float(stats.chi2.ppf(1 - level, degrees))
    weights = 1 / errors**2
    tau2 = 0.0
    if statistic > units - 1:
        tau2 = float(
            (statistic - (units - 1))
            / (weights.sum() - (weights**2).sum() / weights.sum())
        )
    return Dispersion(
        phi,
        tau2,
        statistic,
        critical_value,
        units,
        statistic > critical_value,
        winsorised,
        parameters,
    )


def funnel_limits(
    target: float,
    precision: ArrayLike,
    *,
    kind: str = "proportion",
    method: str = "exact",
    adjustment: str = "none",
    dispersion: Dispersion | None = None,
) -> FunnelLimits:
    """Return 95 % and 99.8 % control limits around target for each precision."""
    target = _target(target, kind)
    precision_array = as_amounts(precision, "precision")
    if method not in METHODS:
        raise StatisticsError(
            _("Unknown funnel method %(method)s; use exact or normal.")
            % {"method": method}
        )
    if adjustment not in ADJUSTMENTS:
        raise StatisticsError(
            _("Unknown overdispersion adjustment %(adjustment)s.")
            % {"adjustment": adjustment}
        )
    if adjustment != "none" and dispersion is None:
        raise StatisticsError(
            _("An overdispersion adjustment needs an estimated dispersion.")
        )
    adjusted = (
        adjustment != "none" and dispersion is not None and dispersion.overdispersed
    )
    used = "normal" if adjusted or method == "normal" else "exact"
    limits = [
        _limits(
            target,
            precision_array,
            coverage,
            kind,
            used,
            adjustment if adjusted else "none",
            dispersion if adjusted else None,
        )
        for coverage in COVERAGES
    ]
    parameters: dict[str, Any] = {
        "kind": kind,
        "target": target,
        "adjustment": adjustment if adjusted else "none",
    }
    if adjusted and dispersion is not None:
        parameters.update(phi=dispersion.phi, tau2=dispersion.tau2)
    return FunnelLimits(
        target,
        precision_array,
        limits[0][0],
        limits[0][1],
        limits[1][0],
        limits[1][1],
        used,
        parameters,
    )


def funnel_positions(values: ArrayLike, limits: FunnelLimits) -> NDArray[np.int64]:
    """Return −2/−1 below the 99.8/95 % limit, +1/+2 above, 0 within."""
    value_array = np.atleast_1d(np.asarray(values, dtype=float))
    if value_array.shape != limits.precision.shape:
        raise StatisticsError(_("Values and limits must have the same length."))
    position = np.zeros(len(value_array), dtype=np.int64)
    position[value_array > limits.upper_95] = 1
    position[value_array > limits.upper_998] = 2
    position[value_array < limits.lower_95] = -1
    position[value_array < limits.lower_998] = -2
    return position


def exact_quantile_limits(
    target: float | ArrayLike, precision: ArrayLike, probability: float, *, kind: str
) -> NDArray[np.float64]:
    """Return the interpolated exact p-quantile limit, Spiegelhalter App. A.1.1.

    ``target`` is one value, or one per precision (units of many comparison
    groups at once).
    """
    check_level(probability, "probability")
    if kind == "proportion":
        precision_array = as_counts(precision, "cases")
    else:
        precision_array = as_amounts(precision, "expected")
    targets = np.broadcast_to(_targets(target, kind), precision_array.shape)
    # Units share few distinct (precision, target) pairs: compute each once.
    pairs, index = np.unique(
        np.column_stack([precision_array, targets]), axis=0, return_inverse=True
    )
    size, theta = pairs[:, 0], pairs[:, 1]
    if kind == "proportion":
        distribution, arguments = stats.binom, (size, theta)
    else:
        distribution, arguments = stats.poisson, (size * theta,)
    # r_p: smallest r with P(R ≤ r) ≥ p; α = (P(R ≤ r_p) − p)/P(R = r_p);
    # limit = (r_p − α)/ρ, which lies between (r_p − 1)/ρ and r_p/ρ.
    quantile = distribution.ppf(probability, *arguments)
    below = distribution.cdf(quantile, *arguments)
    with np.errstate(divide="ignore", invalid="ignore"):
        interpolation = (below - probability) / distribution.pmf(quantile, *arguments)
        limits = np.where(size > 0, (quantile - interpolation) / size, np.nan)
    return limits[np.ravel(index)]


def grouped_exact_limits(
    targets: ArrayLike, precision: ArrayLike, *, kind: str = "proportion"
) -> dict[str, NDArray[np.float64]]:
    """Return exact 95 % and 99.8 % limits for units with their own targets.

    The same limits as ``funnel_limits(target, precision, method="exact")``
    computed for each comparison group, but in one vectorised pass: each unit
    carries the target of its group.
    """
    target_array = np.asarray(targets, dtype=float)
    precision_array = as_amounts(precision, "precision")
    ceiling = 1.0 if kind == "proportion" else np.inf
    constant = _variance_function(_targets(target_array, kind), kind) == 0
    result = {}
    for coverage, suffix in zip(COVERAGES, ("95", "998"), strict=True):
        tail = (1 - coverage) / 2
        for side, probability in (("lower", tail), ("upper", 1 - tail)):
            limits = exact_quantile_limits(
                target_array, precision_array, probability, kind=kind
            )
            limits = np.clip(limits, 0.0, ceiling)
            fixed = np.where(precision_array > 0, target_array, np.nan)
            result[f"{side}_{suffix}"] = np.where(constant, fixed, limits)
    return result


def _limits(
    target: float,
    precision: NDArray[np.float64],
    coverage: float,
    kind: str,
    method: str,
    adjustment: str,
    dispersion: Dispersion | None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return (lower, upper) limits at one coverage, clipped to possible values."""
    tail = (1 - coverage) / 2
    ceiling = 1.0 if kind == "proportion" else np.inf
    if _variance_function(target, kind) == 0:
        fixed = np.where(precision > 0, target, np.nan)
        return fixed, fixed.copy()
    if method == "exact":
        lower = exact_quantile_limits(target, precision, tail, kind=kind)
        upper = exact_quantile_limits(target, precision, 1 - tail, kind=kind)
        return np.clip(lower, 0.0, ceiling), np.clip(upper, 0.0, ceiling)
    errors = standard_errors(target, precision, kind=kind)
    if adjustment == "multiplicative" and dispersion is not None:
        errors = errors * np.sqrt(dispersion.phi)
    elif adjustment == "additive" and dispersion is not None:
        errors = np.sqrt(errors**2 + dispersion.tau2)
    z = float(stats.norm.ppf(1 - tail))
    return (
        np.clip(target - z * errors, 0.0, ceiling),
        np.clip(target + z * errors, 0.0, ceiling),
    )


def _target(target: float, kind: str) -> float:
    """Return the target if it is possible for the kind of indicator."""
    if kind not in KINDS:
        raise StatisticsError(
            _("Unknown kind of indicator %(kind)s; use proportion or ratio.")
            % {"kind": kind}
        )
    value = float(target)
    if not np.isfinite(value) or value < 0 or (kind == "proportion" and value > 1):
        raise StatisticsError(
            _("The target of a proportion must lie between 0 and 1.")
            if kind == "proportion"
            else _("The target of a ratio must be 0 or more.")
        )
    return value


def _targets(targets: float | ArrayLike, kind: str) -> NDArray[np.float64]:
    """Return the targets as an array if each is possible for the kind."""
    if kind not in KINDS:
        _target(0.0, kind)  # raises: unknown kind
    array = np.atleast_1d(np.asarray(targets, dtype=float))
    invalid = ~np.isfinite(array) | (array < 0)
    if kind == "proportion":
        invalid |= array > 1
    if invalid.any():
        _target(float(array[invalid][0]), kind)  # raises with the message
    return array


def _variance_function(target: float, kind: str) -> float:
    """Return g(θ₀): θ₀(1 − θ₀) for proportions, θ₀ for ratios."""
    return target * (1 - target) if kind == "proportion" else target
