"""Scoring arithmetic against worked examples computed by hand."""

import pytest

from dialoq.self_assessment import scoring
from dialoq.self_assessment.scoring import Method, Scheme

PDCA = ("phase_plan", "phase_do", "phase_check", "phase_act")


@pytest.mark.parametrize(
    ("points", "band"),
    [
        (0, 0), (10, 0), (11, 1), (30, 1), (31, 2), (50, 2),
        (51, 3), (70, 3), (71, 4), (90, 4), (91, 5), (100, 5),
    ],
)  # fmt: skip
def test_classical_bands_follow_the_panel(points, band):
    """0–10, 11–30, 31–50, 51–70, 71–90, 91–100 are bands 0 to 5."""
    assert scoring.band(points) == band


@pytest.mark.parametrize("points", [-1, 101, 12.5, True, "50"])
def test_band_rejects_what_is_not_a_whole_number_from_0_to_100(points):
    with pytest.raises(ValueError):
        scoring.band(points)


def test_classical_item_is_its_score():
    assert scoring.item_points(Scheme.ENABLER, Method.CLASSICAL, {"score": 55}) == 55


def test_fine_tuned_enabler_is_the_mean_of_plan_do_check_act():
    """(60 + 45 + 30 + 15) / 4 = 150 / 4 = 37.5."""
    values = dict(zip(PDCA, (60, 45, 30, 15), strict=True))
    assert scoring.item_points(Scheme.ENABLER, Method.FINE_TUNED, values) == 37.5


def test_fine_tuned_result_is_the_mean_of_trends_and_targets():
    """(70 + 40) / 2 = 55."""
    values = {"trend": 70, "targets": 40}
    assert scoring.item_points(Scheme.RESULT, Method.FINE_TUNED, values) == 55


def test_fine_tuned_item_with_a_phase_missing_has_no_score():
    values = {"phase_plan": 60, "phase_do": 45, "phase_check": None, "phase_act": 15}
    assert scoring.item_points(Scheme.ENABLER, Method.FINE_TUNED, values) is None


def test_ordinal_step_is_worth_25_points():
    """Step 3 of 0–4 is 75 points; its own value stays 3 steps."""
    assert scoring.item_points(Scheme.ORDINAL, Method.CLASSICAL, {"score": 3}) == 75
    assert scoring.native_value(Scheme.ORDINAL, Method.CLASSICAL, {"score": 3}) == 3


def test_ordinal_step_above_four_is_refused():
    with pytest.raises(ValueError):
        scoring.item_points(Scheme.ORDINAL, Method.CLASSICAL, {"score": 5})


def test_unanswered_item_has_no_score():
    assert scoring.item_points(Scheme.RESULT, Method.CLASSICAL, {"score": None}) is None
    assert scoring.item_points(Scheme.RESULT, Method.CLASSICAL, {}) is None


def test_criterion_is_the_mean_of_its_sub_criteria():
    """Leadership 40, 55, 70, 35: 200 / 4 = 50."""
    assert scoring.criterion_points([40, 55, 70, 35]) == 50


def test_criterion_skips_unanswered_items_and_is_none_without_any():
    """(40 + 70) / 2 = 55; nothing answered gives no score, not zero."""
    assert scoring.criterion_points([40, None, 70]) == 55
    assert scoring.criterion_points([None, None]) is None


def test_caf_total_is_the_sum_of_the_nine_criteria():
    """50 + 62.5 + 40 + 45 + 70 + 30 + 55 + 20 + 65 = 437.5 of 900."""
    criteria = [50, 62.5, 40, 45, 70, 30, 55, 20, 65]
    assert scoring.total_points(criteria, "sum") == 437.5
    assert scoring.total_maximum(9, "sum") == 900


def test_eckpunkte_total_is_the_mean_of_the_six_elements():
    """(75 + 50 + 100 + 25 + 62.5 + 0) / 6 = 312.5 / 6 = 52.08…"""
    criteria = [75, 50, 100, 25, 62.5, 0]
    assert scoring.total_points(criteria, "mean") == pytest.approx(52.083333)
    assert scoring.total_maximum(6, "mean") == 100


def test_total_needs_every_criterion():
    assert scoring.total_points([50, None, 40], "sum") is None
    assert scoring.total_points([], "mean") is None


def test_all_zero_and_all_hundred():
    """Nine criteria at 0 give 0 (a score, not missing); at 100 the maximum 900."""
    assert scoring.total_points([0.0] * 9, "sum") == 0.0
    assert scoring.total_points([100.0] * 9, "sum") == 900.0
    assert scoring.total_points([100.0] * 6, "mean") == 100.0
    zero = dict.fromkeys(PDCA, 0)
    assert scoring.item_points(Scheme.ENABLER, Method.FINE_TUNED, zero) == 0


@pytest.mark.parametrize(
    ("funder", "provider", "threshold", "flagged"),
    [
        (40, 65, 20, True),  # +25
        (40, 60, 20, True),  # +20: at least the threshold
        (40, 59, 20, False),  # +19
        (80, 55, 20, True),  # −25
        (1, 3, 2, True),  # two scale steps
        (1, 2, 2, False),
        (None, 3, 2, False),  # unanswered
    ],
)
def test_difference_is_flagged_from_the_threshold(funder, provider, threshold, flagged):
    gap = scoring.difference(funder, provider)
    assert scoring.is_flagged(gap, threshold) is flagged
    if funder is not None:
        assert gap == provider - funder
