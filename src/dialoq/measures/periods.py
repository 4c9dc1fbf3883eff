"""Reporting periods: months, quarters, years and rolling twelve months.

A period is closed on both ends (``start`` ≤ date ≤ ``end``). Results are
computed for complete periods only: the newest is the one that ends on or
before ``data_until`` (the last day whose data is complete).
"""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

PERIOD_TYPES = ("month", "quarter", "year", "rolling12")
DEFAULT_YEARS = 3


@dataclass(frozen=True, order=True)
class Period:
    type: str
    start: date
    end: date

    @property
    def key(self) -> str:
        """Return a stable text key, e.g. ``month:2026-10``."""
        return f"{self.type}:{self.start.isoformat()}"

    def label(self) -> str:
        """Return a readable label in the current language."""
        if self.type == "month":
            return formats.date_format(self.start, "F Y")
        if self.type == "quarter":
            quarter = (self.start.month - 1) // 3 + 1
            return pgettext("period", "Q%(quarter)d %(year)d") % {
                "quarter": quarter,
                "year": self.start.year,
            }
        if self.type == "year":
            return str(self.start.year)
        return _("12 months to %(month)s") % {
            "month": formats.date_format(self.end, "F Y")
        }

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def months(self) -> list[date]:
        """Return the first day of every month in the period."""
        result, current = [], self.start
        while current <= self.end:
            result.append(current)
            current = add_months(current, 1)
        return result

    def year_before(self) -> "Period":
        """Return the same period one year earlier."""
        start = add_months(self.start, -12)
        return Period(self.type, start, month_end(add_months(self.end, -12)))


def add_months(day: date, months: int) -> date:
    """Return the first of the month ``months`` after the month of ``day``."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_end(day: date) -> date:
    return date(day.year, day.month, monthrange(day.year, day.month)[1])


def month_period(first: date) -> Period:
    return Period("month", first, month_end(first))


def periods_until(
    data_until: date, *, years: int = DEFAULT_YEARS, types=PERIOD_TYPES
) -> list[Period]:
    """Return every complete period of the given types within the last years.

    The newest month is the last one that ends on or before ``data_until``;
    the window reaches ``years`` years back from its end.
    """
    last = data_until.replace(day=1)
    if month_end(last) > data_until:
        last = add_months(last, -1)
    first = add_months(last, -(12 * years) + 1)
    periods = []
    month = first
    while month <= last:
        end = month_end(month)
        if "month" in types:
            periods.append(Period("month", month, end))
        if "quarter" in types and month.month % 3 == 0:
            periods.append(Period("quarter", add_months(month, -2), end))
        if "year" in types and month.month == 12:
            periods.append(Period("year", add_months(month, -11), end))
        if "rolling12" in types:
            periods.append(Period("rolling12", add_months(month, -11), end))
        month = add_months(month, 1)
    return [p for p in periods if p.start >= first]


def periods_containing(
    months: list[date], data_until: date, *, types=PERIOD_TYPES
) -> list[Period]:
    """Return the periods within the window that contain any of the months."""
    return [
        period
        for period in periods_until(data_until, types=types)
        if any(period.contains(month) for month in months)
    ]
