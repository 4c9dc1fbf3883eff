"""Checks shared by the statistics: counts, amounts, levels; clear messages."""

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from numpy.typing import ArrayLike, NDArray

# The names of inputs as messages show them, marked for translation.
INPUT_NAMES = {
    "events": gettext_noop("Events"),
    "cases": gettext_noop("Cases"),
    "observed": gettext_noop("Observed events"),
    "expected": gettext_noop("Expected events"),
    "outcomes": gettext_noop("Outcomes"),
    "probabilities": gettext_noop("Probabilities"),
    "precision": gettext_noop("Precisions"),
    "confidence": gettext_noop("The confidence level"),
    "alpha": gettext_noop("The threshold alpha"),
    "level": gettext_noop("The test level"),
    "probability": gettext_noop("The probability"),
}


class StatisticsError(ValueError):
    """A statistic cannot be computed from this input; the message says why."""


def as_counts(values: ArrayLike, name: str) -> NDArray[np.float64]:
    """Return values as a 1-d float array of whole numbers of 0 or more."""
    array = as_amounts(values, name)
    if np.any(array != np.floor(array)):
        raise StatisticsError(
            _("%(name)s must be whole numbers of 0 or more.") % {"name": _label(name)}
        )
    return array


def as_amounts(values: ArrayLike, name: str) -> NDArray[np.float64]:
    """Return values as a 1-d float array of finite numbers of 0 or more."""
    try:
        array = np.atleast_1d(np.asarray(values, dtype=float))
    except (TypeError, ValueError):
        array = np.array([np.nan])
    if array.ndim != 1 or not np.all(np.isfinite(array)) or np.any(array < 0):
        raise StatisticsError(
            _("%(name)s must be numbers of 0 or more.") % {"name": _label(name)}
        )
    return array


def as_events_and_cases(
    events: ArrayLike, cases: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return events and cases as arrays of equal length with events ≤ cases."""
    events_array = as_counts(events, "events")
    cases_array = as_counts(cases, "cases")
    try:
        events_array, cases_array = np.broadcast_arrays(events_array, cases_array)
    except ValueError:
        raise StatisticsError(
            _("Events and cases must be lists of the same length.")
        ) from None
    if np.any(events_array > cases_array):
        raise StatisticsError(_("There cannot be more events than cases."))
    return events_array, cases_array


def check_level(value: float, name: str) -> float:
    """Return value if it is a probability strictly between 0 and 1."""
    if not 0.0 < float(value) < 1.0:
        raise StatisticsError(
            _("%(name)s must lie strictly between 0 and 1.") % {"name": _label(name)}
        )
    return float(value)


def _label(name: str) -> str:
    """Return the translated name of an input for a message."""
    return _(INPUT_NAMES.get(name, name))
