"""What the case page shows of a case's course: its timeline and service hours."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from dialoq.cases.models import Case, CaseEventKind, Contact, HelpPlan

# Within one day, later steps of a help come first (the list is newest first).
_RANK = {
    "referral": 0,
    "start": 1,
    "help_plan": 2,
    "contact": 3,
    "review": 4,
    "closure": 5,
    "history": 6,
}
_CHANGE_MODELS = (Case, Contact, HelpPlan)


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened (``at`` is None) or was documented (``at`` is set)."""

    day: date
    kind: str
    title: str
    detail: str = ""
    at: datetime | None = None
    actor: object = None
    changes: list[Change] = field(default_factory=list)

    @property
    def sort_key(self):
        return (self.day, _RANK[self.kind], self.at.timestamp() if self.at else 0.0)


def case_timeline(case, *, contacts, events, help_plans, reviews):
    """Return the case's timeline, newest first: its course and its history."""
    entries = [TimelineEntry(case.referred_on, "referral", _("Referral received"))]
    if case.started_on:
        entries.append(TimelineEntry(case.started_on, "start", _("Help started")))
    for plan in help_plans:
        title = _("Help plan version %(version)s agreed") % {"version": plan.version}
        entries.append(TimelineEntry(plan.agreed_on, "help_plan", title))
    for review in reviews:
        title = _("Review at closure held") if review.is_final else _("Review held")
        entries.append(TimelineEntry(review.held_on, "review", title))
    for contact in contacts:
        entries.append(_contact_entry(contact))
    if case.ended_on:
        entries.append(
            TimelineEntry(
                case.ended_on,
                "closure",
                _("Help ended"),
                case.get_closure_reason_display(),
            )
        )
    entries.extend(_history_entries(events))
    entries.sort(key=lambda entry: entry.sort_key, reverse=True)
    return entries


def _contact_entry(contact):
    minutes = formats.number_format(contact.duration_minutes)
    detail = _("%(kind)s, %(minutes)s minutes") % {
        "kind": contact.get_kind_display(),
        "minutes": minutes,
    }
    return TimelineEntry(
        contact.occurred_on, "contact", _("Contact"), detail, actor=contact.staff
    )


def _history_entries(events):
    entries = []
    for event in events:
        stored = event.changes or {}
        title = event.get_kind_display()
        if event.kind == CaseEventKind.CHANGED and _deleted_contact(stored):
            title = _("Contact deleted")
        changes = [
            _change(name, stored[name])
            for name in sorted(stored, key=_field_order)
            if name != "contact" and event.kind != CaseEventKind.CREATED
        ]
        detail = ""
        if changes and all(c.old == "–" or c.new == "–" for c in changes):
            # A record written or removed as a whole: its values on one line.
            detail = "; ".join(
                f"{c.label}: {c.new if c.old == '–' else c.old}" for c in changes
            )
            changes = []
        at = timezone.localtime(event.occurred_at)
        entries.append(
            TimelineEntry(
                at.date(),
                "history",
                title,
                detail,
                at=at,
                actor=event.actor,
                changes=changes,
            )
        )
    return entries


def _deleted_contact(changes):
    contact = changes.get("contact")
    return isinstance(contact, list) and contact[-1:] == [None]


def _field_order(name):
    """Return a sort key: fields in the models' order (JSON keeps none), then A–Z."""
    for rank, model in enumerate(_CHANGE_MODELS):
        names = [field.name for field in model._meta.fields]
        if name in names:
            return (rank, names.index(name), name)
    return (len(_CHANGE_MODELS), 0, name)


def _model_field(name):
    for model in _CHANGE_MODELS:
        try:
            return model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
    return None


def _change(name, old_new):
    paired = isinstance(old_new, list) and len(old_new) == 2
    old, new = old_new if paired else (None, old_new)
    model_field = _model_field(name)
    label = model_field.verbose_name if model_field else name.replace("_", " ")
    label = capfirst(str(label))
    return Change(label, _shown(model_field, old), _shown(model_field, new))


def _shown(model_field, value):
    """Return a stored value of the history as readers expect it."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if model_field is not None and model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        try:
            return formats.date_format(date.fromisoformat(value), "SHORT_DATE_FORMAT")
        except ValueError:
            return value
    return str(value)


@dataclass(frozen=True)
class MonthOfHours:
    month: date
    hours: Decimal
    agreed: Decimal | None

    @property
    def difference(self):
        return None if self.agreed is None else self.hours - self.agreed

    @property
    def share(self):
        """Return the documented hours as a whole percentage of the agreed ones."""
        if not self.agreed:
            return None
        return round(self.hours / self.agreed * 100)


def service_hours_by_month(case, contacts, help_plans, today):
    """Return service hours per month, newest first, against the plan then in force.

    Months run from the start of the help (or the first contact) to its end
    (or today); months without any contact are listed with zero hours.
    """
    days = [contact.occurred_on for contact in contacts]
    if case.started_on:
        days.append(case.started_on)
    if not days:
        return []
    first = _month(min(days))
    last = _month(max([case.ended_on or today, *days]))
    minutes = {}
    for contact in contacts:
        month = _month(contact.occurred_on)
        minutes[month] = minutes.get(month, 0) + contact.duration_minutes
    plans = sorted(help_plans, key=lambda plan: (plan.agreed_on, plan.version))
    months = []
    month = first
    while month <= last:
        months.append(
            MonthOfHours(
                month,
                (Decimal(minutes.get(month, 0)) / 60).quantize(Decimal("0.1")),
                _agreed_in(plans, month),
            )
        )
        month = _next_month(month)
    return months[::-1]


def hours_scale(months):
    """Return the largest documented or agreed monthly hours, the bars' full length."""
    values = [m.hours for m in months] + [m.agreed for m in months if m.agreed]
    return max(values, default=Decimal(0))


def _agreed_in(plans, month):
    in_force = [plan for plan in plans if plan.agreed_on < _next_month(month)]
    return in_force[-1].agreed_hours_per_month if in_force else None


def _month(day):
    return day.replace(day=1)


def _next_month(month):
    if month.month == 12:
        return month.replace(year=month.year + 1, month=1)
    return month.replace(month=month.month + 1)


def current_help_plan(help_plans):
    """Return the latest version of the help plan, or None."""
    return max(help_plans, key=lambda plan: plan.version, default=None)
