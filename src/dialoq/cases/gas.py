"""Goal Attainment Scaling (Kiresuk & Sherman 1968): the one T-score definition."""

import math

DEFAULT_RHO = 0.3


def gas_t_score(levels_and_weights, rho=DEFAULT_RHO):
    """Return the Kiresuk–Sherman T-score of (level, weight) pairs, or None."""
    pairs = [(level, weight) for level, weight in levels_and_weights]
    if not pairs:
        return None
    weighted_sum = sum(level * weight for level, weight in pairs)
    sum_sq = sum(weight * weight for _, weight in pairs)
    sum_w = sum(weight for _, weight in pairs)
    return 50 + 10 * weighted_sum / math.sqrt((1 - rho) * sum_sq + rho * sum_w**2)
