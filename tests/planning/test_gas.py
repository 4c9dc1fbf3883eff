"""The GAS T-score: Kiresuk & Sherman's worked examples, edge cases, a 2nd formula."""

import math

import numpy as np
import pytest

from dialoq.cases.gas import gas_t_score


def _matrix_t_score(levels, weights, rho):
    """Return 50 + 10·wᵀx / sqrt(wᵀRw), R having 1 on the diagonal and ρ elsewhere."""
    x, w = np.asarray(levels, float), np.asarray(weights, float)
    correlation = np.full((len(w), len(w)), rho)
    np.fill_diagonal(correlation, 1.0)
    return 50 + 10 * (w @ x) / np.sqrt(w @ correlation @ w)


def test_all_goals_at_the_expected_level_give_fifty():
    """Every goal at 0 gives T = 50, whatever the weights (Kiresuk & Sherman)."""
    assert gas_t_score([(0, 1)] * 3) == 50
    assert gas_t_score([(0, 1), (0, 2), (0, 3)]) == 50


def test_three_equal_goals_one_level_above_expectation():
    """3 goals, equal weights, all +1: T = 50 + 30/√4.8 ≈ 63.69."""
    score = gas_t_score([(1, 1)] * 3)
    assert score == pytest.approx(50 + 30 / math.sqrt(4.8))
    assert round(score, 2) == 63.69


@pytest.mark.parametrize(
    ("count", "expected"),
    [(1, 60.0), (2, 50 + 20 / math.sqrt(2.6)), (4, 50 + 40 / math.sqrt(7.6))],
)
def test_equal_goals_all_at_plus_one(count, expected):
    """With ρ = 0.3: one goal 60, two 62.40, four 64.51 (worked by hand)."""
    assert gas_t_score([(1, 1)] * count) == pytest.approx(expected)
    assert round(gas_t_score([(1, 1)] * 2), 2) == 62.40
    assert round(gas_t_score([(1, 1)] * 4), 2) == 64.51


@pytest.mark.parametrize(("level", "expected"), [(-2, 30), (-1, 40), (1, 60), (2, 70)])
def test_one_goal_moves_ten_points_per_level_whatever_its_weight(level, expected):
    """A single goal: T = 50 + 10·x, its weight cancels out."""
    assert gas_t_score([(level, 1)]) == pytest.approx(expected)
    assert gas_t_score([(level, 3)]) == pytest.approx(expected)


def test_weights():
    """(+2, w 3), (0, w 2), (−1, w 1): 50 + 10·5/√(0.7·14 + 0.3·36) ≈ 61.02."""
    score = gas_t_score([(2, 3), (0, 2), (-1, 1)])
    assert score == pytest.approx(50 + 50 / math.sqrt(20.6))
    assert round(score, 2) == 61.02


def test_negative_levels():
    """Three equal goals at −2: 50 − 60/√4.8 ≈ 22.61; at the baseline −1: ≈ 36.31."""
    assert round(gas_t_score([(-2, 1)] * 3), 2) == 22.61
    assert round(gas_t_score([(-1, 1)] * 3), 2) == 36.31


def test_rho_zero():
    """ρ = 0: T = 50 + 10·Σwx / √Σw²."""
    pairs = [(1, 2), (-1, 1)]
    assert gas_t_score(pairs, rho=0) == pytest.approx(50 + 10 * 1 / math.sqrt(5))
    assert gas_t_score([(1, 1)] * 3, rho=0) == pytest.approx(50 + 30 / math.sqrt(3))


def test_no_rated_goal_gives_no_score():
    """Without any rated goal there is no T-score (shown as "–")."""
    assert gas_t_score([]) is None


def test_missing_ratings_are_left_out_not_counted_as_zero():
    """Scoring the rated goals only differs from treating a gap as level 0."""
    rated_only = gas_t_score([(2, 1), (1, 1)])
    assert rated_only == pytest.approx(50 + 30 / math.sqrt(2.6))
    assert rated_only != pytest.approx(gas_t_score([(2, 1), (1, 1), (0, 1)]))


@pytest.mark.parametrize("rho", [0.0, 0.3, 0.5])
def test_agrees_with_the_correlation_matrix_formula(rho):
    """Random goal sets agree with the variance of a weighted sum of goals."""
    rng = np.random.default_rng(1968)
    for _ in range(200):
        count = int(rng.integers(1, 8))
        levels = rng.integers(-2, 3, size=count)
        weights = rng.integers(1, 4, size=count)
        pairs = [(int(x), int(w)) for x, w in zip(levels, weights, strict=True)]
        assert gas_t_score(pairs, rho=rho) == pytest.approx(
            _matrix_t_score(levels, weights, rho)
        )
