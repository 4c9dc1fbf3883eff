"""The statistics of the indicator engine, each implemented once.

Pure functions on numbers and NumPy arrays (no database): intervals for rates,
means and medians; evaluation against reference ranges (simple and Bayesian);
risk adjustment (logistic model, O/E with exact Poisson interval); funnel-plot
limits with overdispersion. See docs/statistics.md for formulas and sources.
"""

from .classification import (
    Evaluation,
    RangeEvaluation,
    RangeEvaluations,
    ReferenceRange,
    evaluate_rates_bayes,
    evaluate_ratios_bayes,
    evaluate_simple,
)
from .funnel import (
    Dispersion,
    FunnelLimits,
    estimate_dispersion,
    exact_quantile_limits,
    funnel_limits,
    funnel_positions,
    grouped_exact_limits,
    standard_errors,
    z_scores,
)
from .inputs import StatisticsError
from .intervals import (
    Estimate,
    Interval,
    Intervals,
    Share,
    category_shares,
    mean_estimate,
    median_estimate,
    rate_interval,
    rate_intervals,
    value_estimate,
)
from .risk import (
    Covariate,
    RiskModel,
    UnitTotals,
    fit_risk_model,
    ratio_intervals,
    unit_totals,
)

__all__ = [
    "Covariate",
    "Dispersion",
    "Estimate",
    "Evaluation",
    "FunnelLimits",
    "Interval",
    "Intervals",
    "RangeEvaluation",
    "RangeEvaluations",
    "ReferenceRange",
    "RiskModel",
    "Share",
    "StatisticsError",
    "UnitTotals",
    "category_shares",
    "estimate_dispersion",
    "evaluate_rates_bayes",
    "evaluate_ratios_bayes",
    "evaluate_simple",
    "exact_quantile_limits",
    "fit_risk_model",
    "funnel_limits",
    "funnel_positions",
    "grouped_exact_limits",
    "mean_estimate",
    "median_estimate",
    "rate_interval",
    "rate_intervals",
    "ratio_intervals",
    "standard_errors",
    "unit_totals",
    "value_estimate",
    "z_scores",
]
