"""How the withheld pattern of an indicator version is worked out (rules 3a–3e).

Pure functions on the version's results (``Cell``): no database, no reader.
The rules are explained in ``dialoq.measures.disclosure`` and
docs/disclosure.md; this module only applies them, until nothing changes.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from django.db import models
from django.utils.translation import gettext_lazy

TWELVE_MONTH_PERIODS = frozenset({"year", "rolling12"})


class Reason(models.TextChoices):
    SMALL_NUMBERS = "small_numbers", gettext_lazy("small numbers")
    SHORT_PERIOD = "short_period", gettext_lazy("month or quarter")
    TEAM = "team", gettext_lazy("team")


def owners(unit_type: str, funder_id: int | None, provider_id: int | None):
    """Return the organisations that own a result: its funder and provider."""
    if unit_type == "whole":
        return frozenset()
    return frozenset(pk for pk in (funder_id, provider_id) if pk is not None)


@dataclass(frozen=True)
class Cell:
    """What the pattern needs to know of one result."""

    FIELDS = (
        "pk",
        "unit_type",
        "unit_key",
        "funder_id",
        "provider_id",
        "period_type",
        "period_start",
        "period_end",
        "stratum",
        "cases",
    )

    pk: int
    unit_type: str
    unit_key: str
    funder_id: int | None
    provider_id: int | None
    period_type: str
    period_start: date
    period_end: date
    stratum: str
    cases: int

    @cached_property
    def owners(self) -> frozenset[int]:
        return owners(self.unit_type, self.funder_id, self.provider_id)

    @property
    def series(self) -> tuple[str, str]:
        return self.unit_key, self.stratum

    @property
    def order(self) -> tuple:
        """Return the order in which shown parts are chosen to be withheld."""
        return self.cases, self.unit_key, self.stratum


@dataclass(frozen=True)
class _Sum:
    """A total and the parts it is the sum of."""

    total: int
    parts: tuple[int, ...]

    @property
    def members(self) -> tuple[int, ...]:
        return (self.total, *self.parts)


def withheld_pattern(cells: list[Cell], minimum: int) -> dict[int, str]:
    """Return the withheld results of one version (rules 3a–3e): pk → reason."""
    withheld: dict[int, str] = {}
    long = []
    for cell in cells:
        if cell.unit_type == "team":
            withheld[cell.pk] = Reason.TEAM
        elif cell.period_type not in TWELVE_MONTH_PERIODS:
            withheld[cell.pk] = Reason.SHORT_PERIOD
        else:
            long.append(cell)
            if 0 < cell.cases < minimum:
                withheld[cell.pk] = Reason.SMALL_NUMBERS
    # The small figures themselves (3c, 3e), as against those withheld to
    # protect them (3d): no reader may work out a protected figure.
    protected = {
        pk for pk, reason in withheld.items() if reason == Reason.SMALL_NUMBERS
    }
    by_pk = {cell.pk: cell for cell in long}
    tables = _sums(long)
    spans = _same_months(long)
    series = _window_series(long, cells, minimum)
    changed = True
    while changed:
        changed = False
        for table in tables:
            changed |= _protect_sums(table, by_pk, withheld, protected, minimum)
        changed |= _withhold_together(spans, withheld, protected)
        for windows in series:
            changed |= _protect_steps(windows, withheld, protected)
    return withheld


# --- Rule 3d: sums ------------------------------------------------------------------


def _sums(cells: list[Cell]) -> list[list[_Sum]]:
    """Return the sums among the figures, one list per period."""
    by_period = defaultdict(list)
    for cell in cells:
        by_period[cell.period_type, cell.period_start].append(cell)
    return [_sums_of_period(period_cells) for period_cells in by_period.values()]


def _sums_of_period(cells: list[Cell]) -> list[_Sum]:
    totals = {}
    for cell in cells:
        if cell.unit_type == "whole":
            totals["whole", None, cell.stratum] = cell.pk
        elif cell.unit_type == "funder":
            totals["funder", cell.funder_id, cell.stratum] = cell.pk
    parts = defaultdict(list)
    for cell in cells:
        if cell.unit_type == "funder" or (
            cell.unit_type in {"provider", "service_type"} and cell.funder_id is None
        ):
            parent = "whole", None, cell.stratum
        elif cell.unit_type in {"provider", "service_type"}:
            parent = "funder", cell.funder_id, cell.stratum
        else:
            continue
        if parent in totals:
            parts[totals[parent], cell.unit_type].append(cell.pk)
    sums = [_Sum(total, tuple(pks)) for (total, _type), pks in parts.items()]
    by_unit = defaultdict(dict)
    for cell in cells:
        by_unit[cell.unit_key][cell.stratum] = cell.pk
    for strata in by_unit.values():
        if "" in strata and len(strata) > 1:
            sums.append(_Sum(strata[""], tuple(pk for s, pk in strata.items() if s)))
    return sums


def _protect_sums(sums, cells, withheld, protected, minimum) -> bool:
    """Withhold parts (or totals) until no organisation can undo a suppression."""
    if not any(pk in withheld for total in sums for pk in total.members):
        return False
    readers = sorted(
        {org for total in sums for pk in total.members for org in cells[pk].owners}
    )
    changed = False
    while True:
        for reader in [*readers, None]:
            cover = _first_leak(sums, cells, withheld, protected, reader, minimum)
            if cover:
                withheld[cover] = Reason.SMALL_NUMBERS
                changed = True
                break
        else:
            return changed


def _first_leak(sums, cells, withheld, protected, reader, minimum) -> int | None:
    """Return a figure to withhold so that the reader learns no protected figure.

    The reader knows the shown figures and its own organisation's, and
    works out every figure that is the only unknown member of a sum. What
    follows from its own figures alone (and empty ones) is its own. Where
    the sum that gives a figure away has nothing left to withhold, a sum
    that taught the reader one of its members is closed instead.
    """
    members = {pk for total in sums for pk in total.members}
    own = {pk for pk in members if reader in cells[pk].owners or not cells[pk].cases}
    known = own | {pk for pk in members if pk not in withheld}
    taught_by = {}
    progress = True
    while progress:
        progress = False
        for total in sums:
            hidden = [pk for pk in total.members if pk not in known]
            if not hidden:
                continue
            from_own = all(pk in own for pk in total.members if pk not in hidden)
            if _reveals(total, hidden, from_own, protected, cells, minimum):
                cover = _cover(total, cells, withheld, reader, taught_by)
                if cover is not None:
                    return cover
            if len(hidden) == 1:
                known.add(hidden[0])
                taught_by[hidden[0]] = total
                if from_own:
                    own.add(hidden[0])
                progress = True
    return None


def _reveals(total: _Sum, hidden, from_own, protected, cells, minimum) -> bool:
    """Return whether a sum gives away a protected figure or a small total."""
    if from_own:
        return False  # nothing the reader did not know already
    if len(hidden) == 1:
        return hidden[0] in protected
    if total.total in hidden:
        return False  # the total and some parts unknown: only their difference
    return 0 < sum(cells[pk].cases for pk in hidden) < minimum


def _cover(total: _Sum, cells, withheld, reader, taught_by, seen=()) -> int | None:
    """Return the smallest shown part the reader does not own, else the total.

    If neither is left, look in the sums that taught the reader a member.
    """
    candidates = [
        cells[pk]
        for pk in total.parts
        if pk not in withheld and reader not in cells[pk].owners and cells[pk].cases
    ]
    if candidates:
        return min(candidates, key=lambda cell: cell.order).pk
    if total.total not in withheld and reader not in cells[total.total].owners:
        return total.total
    seen = {*seen, total}
    for pk in total.members:
        teacher = taught_by.get(pk)
        if teacher is not None and teacher not in seen:
            cover = _cover(teacher, cells, withheld, reader, taught_by, seen)
            if cover is not None:
                return cover
    return None


# --- Rule 3e: twelve-month figures that follow each other ---------------------------


def _month(day: date) -> int:
    return day.year * 12 + day.month - 1


def _same_months(cells: list[Cell]) -> list[list[int]]:
    """Return the figures that cover the same months of one unit (year = window)."""
    spans = defaultdict(list)
    for cell in cells:
        spans[cell.series, cell.period_start, cell.period_end].append(cell.pk)
    return [pks for pks in spans.values() if len(pks) > 1]


def _withhold_together(spans, withheld, protected) -> bool:
    """Withhold a calendar year and its rolling window alike: they are one figure."""
    changed = False
    for pks in spans:
        reasons = [withheld[pk] for pk in pks if pk in withheld]
        if reasons and len(reasons) < len(pks):
            for pk in pks:
                withheld.setdefault(pk, reasons[0])
            changed = True
        if protected.intersection(pks) and not protected.issuperset(pks):
            protected.update(pks)
            changed = True
    return changed


@dataclass
class _Windows:
    """The twelve-month figures of one unit and stratum, by their last month.

    ``small_steps`` are the pairs (earlier, later) less than twelve months
    apart whose difference is a small sum of months: on one side every
    month is known to be empty, and fewer than the threshold cases differ.
    """

    ends: dict[int, list[int]] = field(default_factory=dict)
    cases: dict[int, int] = field(default_factory=dict)
    small_steps: list[tuple[int, int]] = field(default_factory=list)


def _window_series(long: list[Cell], cells: list[Cell], minimum) -> list[_Windows]:
    """Return each unit's twelve-month windows with their small steps.

    The engine stores no result for a unit without cases, so a missing month
    (where months are computed) or a missing or empty window is empty; every
    reader can see which results exist.
    """
    months = [cell for cell in cells if cell.period_type == "month"]
    busy = defaultdict(set)
    for cell in months:
        if cell.cases:
            busy[cell.series].add(_month(cell.period_start))
    series = defaultdict(_Windows)
    for cell in long:
        end = _month(cell.period_end)
        if end - _month(cell.period_start) == 11:
            series[cell.series].ends.setdefault(end, []).append(cell.pk)
            series[cell.series].cases[end] = cell.cases
    all_ends = {end for windows in series.values() for end in windows.ends}
    for key, windows in series.items():
        if months:
            empty = set(range(min(all_ends) - 11, max(all_ends) + 1)) - busy[key]
        else:
            empty = {
                month
                for end in range(min(all_ends), max(all_ends) + 1)
                if not windows.cases.get(end)
                for month in range(end - 11, end + 1)
            }
        ends = sorted(windows.ends)
        windows.small_steps = [
            (earlier, later)
            for index, later in enumerate(ends)
            for earlier in ends[:index]
            if later - earlier < 12
            and _small_step(windows.cases, empty, earlier, later, minimum)
        ]
    return [windows for windows in series.values() if windows.small_steps]


def _small_step(cases, empty, earlier: int, later: int, minimum: int) -> bool:
    if not 0 < abs(cases[later] - cases[earlier]) < minimum:
        return False
    entering = any(month not in empty for month in range(earlier + 1, later + 1))
    leaving = any(month not in empty for month in range(earlier - 11, later - 11))
    return entering != leaving  # both sides unknown (or empty): nothing revealed


def _protect_steps(windows: _Windows, withheld, protected) -> bool:
    """Withhold the later window of each small step whose two windows may be known.

    Every window not protected itself counts as known here: one withheld
    only to protect another might still be worked out by some reader.
    """
    changed = False
    for earlier, later in windows.small_steps:
        pks = [*windows.ends[earlier], *windows.ends[later]]
        if protected.intersection(pks):
            continue
        for pk in windows.ends[later]:
            withheld[pk] = Reason.SMALL_NUMBERS
            protected.add(pk)
        changed = True
    return changed
