"""Scoring of self-assessment answers: pure functions, no database.

Three schemes of items:

- ``ordinal`` (the Eckpunkte questionnaire): one step on a five-step scale,
  0 "not in place" … 4 "fully in place and reviewed together"; a step is
  worth 25 points, so steps and CAF points share the 0–100 range of the
  radar chart.
- ``enabler`` (CAF criteria 1–5) and ``result`` (CAF criteria 6–9), scored by
  one of the two CAF 2020 methods:
  - classical: one whole number 0–100 per sub-criterion, read against the
    panel's six bands (0–10, 11–30, 31–50, 51–70, 71–90, 91–100); for
    enablers the bands are the PDCA phases reached, cumulatively;
  - fine-tuned: enablers get a number 0–100 for each of Plan, Do, Check and
    Act, results one for trends and one for targets; the sub-criterion's
    score is the mean of its numbers.

A criterion's score is the mean of its answered items; a questionnaire's
total is formed by the template's rule: CAF adds the nine criterion scores
(at most 900), the Eckpunkte questionnaire takes their mean. A total needs
every criterion scored. Sources: docs/self-assessment.md.
"""

from collections.abc import Iterable, Mapping, Sequence

from django.db import models
from django.utils.translation import gettext_lazy as _

MIN_POINTS = 0
MAX_POINTS = 100
ORDINAL_MAX_STEP = 4
POINTS_PER_STEP = MAX_POINTS // ORDINAL_MAX_STEP  # 25


class Scheme(models.TextChoices):
    ORDINAL = "ordinal", _("Five-step scale")
    ENABLER = "enabler", _("CAF enabler (PDCA)")
    RESULT = "result", _("CAF result (trends and targets)")


class Method(models.TextChoices):
    CLASSICAL = "classical", _("Classical CAF scoring")
    FINE_TUNED = "fine_tuned", _("Fine-tuned CAF scoring")


class TotalRule(models.TextChoices):
    SUM = "sum", _("Sum of the criterion scores")
    MEAN = "mean", _("Mean of the criterion scores")


ORDINAL_LEVELS = (
    (0, _("Not in place")),
    (1, _("Planned")),
    (2, _("Partly in place")),
    (3, _("Largely in place")),
    (4, _("Fully in place and reviewed together")),
)

# The bands of both CAF panels: (lowest, highest) points, inclusive.
BANDS = ((0, 10), (11, 30), (31, 50), (51, 70), (71, 90), (91, 100))

CLASSICAL_ENABLER_PANEL = (
    _("Nothing planned or done; no evidence."),
    _("Plan: the approach is planned."),
    _("Do: planned and implemented."),
    _("Check: planned, implemented and checked against own goals."),
    _("Act: checked, and adjusted or improved on the basis of the checks."),
    _(
        "Full PDCA: planned, implemented, checked and improved systematically, "
        "learning from others; continuous improvement."
    ),
)
CLASSICAL_RESULT_PANEL = (
    _("No results measured, or no evidence."),
    _("Results measured: targets not met or a negative trend."),
    _("Some relevant targets met, or a flat trend."),
    _("Most targets met, or a weak positive trend."),
    _("All targets met, or a strong positive trend."),
    _("Excellent results: targets met, and comparisons show better than others."),
)
FINE_TUNED_PANEL = (
    _("No evidence, or only anecdotal."),
    _("Some weak evidence, for some areas."),
    _("Some good evidence, for relevant areas."),
    _("Strong evidence, for most areas."),
    _("Very strong evidence, for all areas."),
    _("Excellent evidence, compared with other organisations, for all areas."),
)

# The numbers one answer holds, by scheme and method.
_FIELDS = {
    (Scheme.ORDINAL, Method.CLASSICAL): ("score",),
    (Scheme.ORDINAL, Method.FINE_TUNED): ("score",),
    (Scheme.ENABLER, Method.CLASSICAL): ("score",),
    (Scheme.RESULT, Method.CLASSICAL): ("score",),
    (Scheme.ENABLER, Method.FINE_TUNED): (
        "phase_plan",
        "phase_do",
        "phase_check",
        "phase_act",
    ),
    (Scheme.RESULT, Method.FINE_TUNED): ("trend", "targets"),
}
FIELD_LABELS = {
    "score": _("Score"),
    "phase_plan": _("Plan"),
    "phase_do": _("Do"),
    "phase_check": _("Check"),
    "phase_act": _("Act"),
    "trend": _("Trends"),
    "targets": _("Targets"),
}


def score_fields(scheme: str, method: str) -> tuple[str, ...]:
    """Return the names of the numbers an answer to such an item holds."""
    return _FIELDS[(Scheme(scheme), Method(method))]


def maximum(scheme: str) -> int:
    """Return the highest number an item of the scheme accepts."""
    return ORDINAL_MAX_STEP if scheme == Scheme.ORDINAL else MAX_POINTS


def check_number(scheme: str, value) -> int:
    """Return the value if it is a whole number the scheme accepts; else raise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{value!r} is not a whole number")
    if not MIN_POINTS <= value <= maximum(scheme):
        raise ValueError(f"{value} is outside 0–{maximum(scheme)}")
    return value


def band(points: int) -> int:
    """Return the CAF panel band (0–5) of a whole number of points 0–100."""
    check_number(Scheme.ENABLER, points)
    return next(
        index for index, (low, high) in enumerate(BANDS) if low <= points <= high
    )


def panel(scheme: str, method: str):
    """Return the six band texts that guide scoring, or () for the ordinal scale."""
    if scheme == Scheme.ORDINAL:
        return ()
    if method == Method.FINE_TUNED:
        return FINE_TUNED_PANEL
    if scheme == Scheme.ENABLER:
        return CLASSICAL_ENABLER_PANEL
    return CLASSICAL_RESULT_PANEL


def native_value(
    scheme: str, method: str, values: Mapping[str, int | None]
) -> float | None:
    """Return the item's value in its own unit (steps or points); None if incomplete.

    Fine-tuned items are the mean of their numbers; an item with any number
    missing has no value.
    """
    numbers = [values.get(name) for name in score_fields(scheme, method)]
    if any(number is None for number in numbers):
        return None
    for number in numbers:
        check_number(scheme, number)
    return sum(numbers) / len(numbers)


def item_points(
    scheme: str, method: str, values: Mapping[str, int | None]
) -> float | None:
    """Return the item's score on the 0–100 scale; None if unanswered."""
    value = native_value(scheme, method, values)
    if value is None:
        return None
    return value * POINTS_PER_STEP if scheme == Scheme.ORDINAL else value


def mean(values: Iterable[float | None]) -> float | None:
    """Return the mean of the given numbers, skipping None; None if there are none."""
    present = [value for value in values if value is not None]
    return sum(present) / len(present) if present else None


def criterion_points(item_scores: Iterable[float | None]) -> float | None:
    """Return a criterion's score: the mean of its answered items (0–100)."""
    return mean(item_scores)


def total_points(criterion_scores: Sequence[float | None], rule: str) -> float | None:
    """Return the total by the template's rule; None unless all criteria are scored."""
    if not criterion_scores or any(score is None for score in criterion_scores):
        return None
    if TotalRule(rule) == TotalRule.SUM:
        return float(sum(criterion_scores))
    return sum(criterion_scores) / len(criterion_scores)


def total_maximum(criteria: int, rule: str) -> int:
    """Return the highest total a questionnaire of that many criteria can reach."""
    return MAX_POINTS * criteria if TotalRule(rule) == TotalRule.SUM else MAX_POINTS


def difference(first: float | None, second: float | None) -> float | None:
    """Return second minus first, or None if either is missing."""
    if first is None or second is None:
        return None
    return second - first


def is_flagged(gap: float | None, threshold: float) -> bool:
    """Return whether the partners differ by at least the threshold."""
    return gap is not None and abs(gap) >= threshold
