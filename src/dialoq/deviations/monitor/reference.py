"""A plain-Python evaluator of process-standard rules, one case at a time.

It implements the semantics stated in ``rules`` independently of the DuckDB
queries (dates in, occurrences out, working days through
``catalog.workdays``), so that the tests can hold the two against each other
on hand-built and random timelines. It is not used by the monitoring job.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from dialoq.catalog.standards import Duration, Rule
from dialoq.catalog.workdays import add_working_days, is_working_day


@dataclass
class CaseTimeline:
    """The dated events of one case."""

    case_id: int
    referred_on: date
    started_on: date | None = None
    ended_on: date | None = None
    next_review_due: date | None = None
    status: str = "running"
    state: str = "NI"
    service_type_key: str = "spfh"
    code_book: str = "SGB VIII"
    funder_id: int = 1
    provider_id: int = 2
    contacts: list[tuple[date, str]] = field(default_factory=list)  # (day, kind)
    help_plans: list[tuple[date, bool]] = field(default_factory=list)
    reviews: list[date] = field(default_factory=list)
    progress_reports: list[date] = field(default_factory=list)
    needs_assessments: list[date] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status != "closed"


@dataclass(frozen=True)
class Occurrence:
    case_id: int
    occurred_on: date
    due_on: date
    met: bool
    ongoing: bool
    healed_on: date | None


def evaluate(
    rule: Rule, case: CaseTimeline, today: date, since: date, owner_id=None
) -> list[Occurrence]:
    """Return the decided occurrences of the rule in the case, due on or after since."""
    if not _in_scope(rule, case, owner_id):
        return []
    end = today if case.is_open else min(case.ended_on or today, today)
    kind = {
        "deadline": _deadline,
        "max_interval": _max_interval,
        "precondition": _precondition,
        "participation": _participation,
    }[rule.kind]
    found = kind(rule, case, end)
    return sorted((o for o in found if o.due_on >= since), key=lambda o: o.occurred_on)


def _in_scope(rule: Rule, case: CaseTimeline, owner_id) -> bool:
    scope = rule.scope
    if scope.service_types and case.service_type_key not in scope.service_types:
        return False
    if scope.code_books and case.code_book not in scope.code_books:
        return False
    return owner_id is None or owner_id in (case.funder_id, case.provider_id)


def _days(rule: Rule, case: CaseTimeline, name: str, end: date) -> list[date]:
    """Return the sorted distinct days of an event up to the horizon."""
    if name == "referral":
        days = [case.referred_on]
    elif name == "help_start":
        days = [case.started_on]
    elif name == "closure":
        days = [case.ended_on] if not case.is_open else []
    elif name == "contact":
        days = [
            day
            for day, kind in case.contacts
            if not rule.contact_kinds or kind in rule.contact_kinds
        ]
    elif name == "help_plan":
        days = [day for day, _participated in case.help_plans]
    else:
        days = {
            "review": case.reviews,
            "progress_report": case.progress_reports,
            "needs_assessment": case.needs_assessments,
        }[name]
    return sorted({day for day in days if day is not None and day <= end})


def forward(start: date, duration: Duration, state: str) -> date:
    """Return the day the duration after start."""
    if duration.unit == "days":
        return start + timedelta(days=duration.amount)
    if duration.unit == "weeks":
        return start + timedelta(weeks=duration.amount)
    if duration.unit == "months":
        return start + relativedelta(months=duration.amount)
    return add_working_days(start, duration.amount, state)


def backward(start: date, duration: Duration, state: str) -> date:
    """Return the last day lying at least the duration before start."""
    if duration.unit == "days":
        return start - timedelta(days=duration.amount)
    if duration.unit == "weeks":
        return start - timedelta(weeks=duration.amount)
    if duration.unit == "months":
        return start - relativedelta(months=duration.amount)
    day, counted = start, 0
    while counted < duration.amount:
        if is_working_day(day, state):
            counted += 1
        day -= timedelta(days=1)
    return day


def _deadline(rule, case, end):
    anchors = _days(rule, case, rule.anchor, end)
    if not anchors:
        return []
    anchor = anchors[0]
    due = forward(anchor, rule.duration, case.state)
    first = next((d for d in _days(rule, case, rule.event, end) if d >= anchor), None)
    if first is None and not due < end:
        return []
    met = first is not None and first <= due
    healed = first if first is not None and first > due else None
    return [Occurrence(case.case_id, anchor, due, met, first is None, healed)]


def _max_interval(rule, case, end):
    anchors = _days(rule, case, rule.anchor, end)
    if not anchors:
        return []
    anchor = anchors[0]
    events = [d for d in _days(rule, case, rule.event, end) if d >= anchor]
    points = sorted({anchor, *events})
    found = []
    for index, point in enumerate(points):
        due = forward(point, rule.duration, case.state)
        following = points[index + 1] if index + 1 < len(points) else None
        if following is None and not due < end:
            continue
        met = following is not None and following <= due
        healed = following if following is not None and following > due else None
        found.append(
            Occurrence(case.case_id, point, due, met, following is None, healed)
        )
    return found


def _precondition(rule, case, end):
    required = _days(rule, case, rule.requires, end)
    if rule.event == "review_due":
        if not case.is_open or case.next_review_due is None:
            return []
        target = case.next_review_due
        held = [d for d in _days(rule, case, "review", end) if d < target]
        targets = [(target, held[-1] if held else None, end)]
    else:
        days = _days(rule, case, rule.event, end)
        targets = [
            (day, days[index - 1] if index else None, day)
            for index, day in enumerate(days)
        ]
    found = []
    for target, previous, limit in targets:
        due = backward(target, rule.duration, case.state)
        candidates = [
            d for d in required if (previous is None or d > previous) and d <= limit
        ]
        met = any(d <= due for d in candidates)
        if not met and not due < end:
            continue
        late = min((d for d in candidates if d > due), default=None)
        healed = None if met else late
        found.append(
            Occurrence(case.case_id, target, due, met, not met and late is None, healed)
        )
    return found


def _participation(rule, case, end):
    by_day: dict[date, bool] = {}
    for day, participated in case.help_plans:
        if day <= end:
            by_day[day] = by_day.get(day, True) and bool(participated)
    return [
        Occurrence(case.case_id, day, day, met, not met, None)
        for day, met in sorted(by_day.items())
    ]
