"""How indicator values read: in their unit, in the current language's formats.

Rates are stored as shares between 0 and 1 and read as percentages; every
other value is shown in its own unit. Numbers follow the active language
(German: "73,4 %", "1.234,50 €", "52,1"), through ``django.utils.formats``.
"""

import math
from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _

# Decimal places of a value shown on its own, by unit.
DECIMALS = {
    "percent": 1,
    "number": 1,
    "t_score": 1,
    "days": 1,
    "hours": 1,
    "euro": 2,
    "per_month": 1,
    "ratio": 2,
    "persons": 0,
}
NO_BREAK_SPACE = "\u00a0"


def format_number(value: float, decimals: int) -> str:
    """Return the number rounded to the decimals, in the current language."""
    rounded = round(value, decimals)
    if rounded == 0:
        rounded = 0.0  # never "-0,0"
    return formats.number_format(
        rounded, decimal_pos=decimals, use_l10n=True, force_grouping=True
    )


def step_decimals(step: float) -> int:
    """Return the decimal places that show every multiple of the step (at most 4)."""
    for decimals in range(4):
        scaled = abs(step) * 10**decimals
        if math.isclose(scaled, round(scaled), abs_tol=1e-6):
            return decimals
    return 4


@dataclass(frozen=True)
class ValueFormat:
    """Formats the values of one indicator: whole figures and axis ticks."""

    unit: str
    signed: bool = False  # changes against the year before read "+2,1 %"
    decimals: int | None = None  # None: the unit's usual places (``DECIMALS``)

    @property
    def scale(self) -> int:
        return 100 if self.unit == "percent" else 1

    def number(self, value: float, decimals: int | None = None) -> str:
        """Return the value as a number in display scale, without its unit."""
        if decimals is None:
            decimals = (
                self.decimals
                if self.decimals is not None
                else DECIMALS.get(self.unit, 1)
            )
        text = format_number(value * self.scale, decimals)
        if self.signed and round(value * self.scale, decimals) > 0:
            text = "+" + text
        return text

    def value(self, value: float | None) -> str:
        """Return the value with its unit, e.g. "73,4 %" or "12,5 days"."""
        if value is None or not math.isfinite(value):
            return "–"
        return self._with_unit(self.number(value))

    def tick(self, value: float, step: float) -> str:
        """Return an axis tick: as many decimals as the step needs, % and € kept."""
        text = format_number(value * self.scale, step_decimals(step * self.scale))
        if self.unit == "percent":
            return f"{text}{NO_BREAK_SPACE}%"
        if self.unit == "euro":
            return f"{text}{NO_BREAK_SPACE}€"
        return text

    def interval(self, lower: float | None, upper: float | None) -> str:
        """Return an interval as "70,1 % – 76,5 %", or "–" when open."""
        if lower is None or upper is None:
            return "–"
        return f"{self.value(lower)} – {self.value(upper)}"

    def range(self, lower: float | None, upper: float | None) -> str:
        """Return a reference range: "≥ 60,0 %", "≤ 10,0 %" or "60,0 % – 80,0 %"."""
        if lower is not None and upper is not None:
            return self.interval(lower, upper)
        if lower is not None:
            return f"≥ {self.value(lower)}"
        if upper is not None:
            return f"≤ {self.value(upper)}"
        return "–"

    def axis_label(self) -> str:
        """Return the name of the unit for a value axis."""
        labels = {
            "percent": _("share in %"),
            "number": _("value"),
            "t_score": _("T-score"),
            "days": _("days"),
            "hours": _("hours"),
            "euro": _("euro"),
            "per_month": _("per month"),
            "ratio": _("ratio"),
            "persons": _("persons"),
        }
        if self.signed:
            return _("change against the year before in %")
        return labels.get(self.unit, _("value"))

    def _with_unit(self, number: str) -> str:
        if self.unit == "percent":
            return f"{number}{NO_BREAK_SPACE}%"
        if self.unit == "euro":
            return f"{number}{NO_BREAK_SPACE}€"
        texts = {
            "days": _("%(value)s days"),
            "hours": _("%(value)s hours"),
            "per_month": _("%(value)s per month"),
            "persons": _("%(value)s persons"),
        }
        if self.unit in texts:
            return texts[self.unit] % {"value": number}
        return number


def value_format(spec) -> ValueFormat:
    """Return the format of an indicator's values from its definition."""
    if spec.kind == "change":
        return ValueFormat("percent", signed=True)
    if spec.kind == "count":
        return ValueFormat(spec.unit, decimals=0)
    return ValueFormat(spec.unit)
