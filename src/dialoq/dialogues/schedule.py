"""What falls due around the quality dialogues, for one user: the calendar.

Upcoming dialogues, statements due, agreed actions due and cooperative
self-assessments due (from ``self_assessment.services``), each with a date,
a text and a link, read through ``access`` so nobody sees another pair's
dates. ``icalendar`` writes the same entries as an iCalendar file.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from dateutil.relativedelta import relativedelta
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import access
from .models import ActionStatus, AgreedAction, DialogueStatus, QualityDialogue

UPCOMING = (
    DialogueStatus.PLANNED,
    DialogueStatus.PACK_FROZEN,
    DialogueStatus.STATEMENTS,
)


@dataclass(frozen=True)
class Entry:
    day: date
    kind: str  # dialogue, dialogue_due, statements, action, self_assessment
    kind_label: str
    title: str
    url: str
    overdue: bool = False

    @property
    def uid(self) -> str:
        return f"{self.kind}-{self.url.strip('/').replace('/', '-')}-{self.day:%Y%m%d}"


def _pair(dialogue) -> str:
    return f"{dialogue.funder.short_name} – {dialogue.provider.short_name}"


def calendar_entries(user, *, today=None) -> list[Entry]:
    """Return the user's dates around quality dialogues, soonest first."""
    today = today or timezone.localdate()
    entries = []
    worked = access.worked_dialogues(user).select_related("funder", "provider")
    for dialogue in worked.filter(status__in=UPCOMING):
        entries.append(
            Entry(
                dialogue.planned_date,
                "dialogue",
                _("Quality dialogue"),
                _pair(dialogue),
                dialogue.get_absolute_url(),
                overdue=dialogue.planned_date < today,
            )
        )
        if dialogue.status == DialogueStatus.STATEMENTS and dialogue.statements_due_on:
            entries.append(
                Entry(
                    dialogue.statements_due_on,
                    "statements",
                    _("Statements due"),
                    _pair(dialogue),
                    reverse("dialogues:statements", args=[dialogue.pk]),
                    overdue=dialogue.statements_due_on < today,
                )
            )
    actions = (
        AgreedAction.objects.filter(
            status=ActionStatus.OPEN,
            dialogue__status=DialogueStatus.MINUTES_APPROVED,
        )
        .filter(
            Q(dialogue__in=worked.values("pk"))
            | Q(owner=user, dialogue__in=access.visible_dialogues(user).values("pk"))
        )
        .select_related("dialogue__funder", "dialogue__provider")
    )
    for action in actions:
        entries.append(
            Entry(
                action.due_on,
                "action",
                _("Agreed action due"),
                f"{_pair(action.dialogue)}: {action.number}. {action.description[:80]}",
                reverse("dialogues:meeting", args=[action.dialogue_id]) + "#actions",
                overdue=action.due_on < today,
            )
        )
    entries += _dialogues_due(user, today)
    entries += _self_assessments(user, today)
    return sorted(entries, key=lambda entry: (entry.day, entry.kind, entry.title))


def _dialogues_due(user, today) -> list[Entry]:
    """Return when the next dialogue is due by the cadence of the agreement in force.

    Due = the last dialogue's date (held, else planned) plus the agreed number
    of months, or the agreement's start plus the months when there was none.
    A pair with a dialogue planned or under way gets no entry: its date is
    in the calendar already.
    """
    from dialoq.agreements.models import AgreementVersion

    organisations = access.working_organisations(user)
    if not organisations:
        return []
    versions = (
        AgreementVersion.objects.in_force_on(today)
        .filter(
            Q(agreement__funder__in=organisations)
            | Q(agreement__provider__in=organisations)
        )
        .select_related("agreement__funder", "agreement__provider")
    )
    entries = []
    for version in versions:
        funder, provider = version.agreement.funder, version.agreement.provider
        dialogues = QualityDialogue.objects.filter(funder=funder, provider=provider)
        if dialogues.filter(status__in=UPCOMING).exists():
            continue
        last = dialogues.order_by("-planned_date").first()
        start = (last.held_on or last.planned_date) if last else version.valid_from
        due = start + relativedelta(months=version.dialogue_cadence_months)
        entries.append(
            Entry(
                due,
                "dialogue_due",
                _("Quality dialogue due (agreed cadence)"),
                f"{funder.short_name} – {provider.short_name}",
                reverse("dialogues:create"),
                overdue=due < today,
            )
        )
    return entries


def _self_assessments(user, today) -> list[Entry]:
    from dialoq.self_assessment.services import upcoming_self_assessments

    entries = []
    for due in upcoming_self_assessments(user):
        url = (
            due.round.get_absolute_url()
            if due.round
            else reverse("self_assessment:list")
        )
        entries.append(
            Entry(
                due.due_date,
                "self_assessment",
                _("Self-assessment due"),
                f"{due.funder.short_name} – {due.provider.short_name}",
                url,
                overdue=due.due_date < today,
            )
        )
    return entries


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\n", "\\n")
    )


def icalendar(entries: list[Entry], *, base_url: str, now: datetime) -> str:
    """Return the entries as an iCalendar file (RFC 5545), all-day events."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Dialoq//Qualitaetsdialoge//DE",
        "CALSCALE:GREGORIAN",
    ]
    for entry in entries:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{entry.uid}@dialoq",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{entry.day:%Y%m%d}",
            f"SUMMARY:{_escape(f'{entry.kind_label}: {entry.title}')}",
            f"URL:{base_url.rstrip('/')}{entry.url}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"
