"""Overdue deviations and actions, and complaint deadlines, watched like standards.

``escalate_overdue``: an open deviation past its ``due_on`` (the day after at
the earliest) is escalated once: ``escalated_at``, a history entry, and a
notification to the managers of the responsible organisation (to its QM
officers where it has no manager, so the escalation reaches somebody). An
open action past its due date notifies its owner once.

``watch_complaints``: a complaint not confirmed by ``acknowledge_due_on`` or
not answered by ``answer_due_on`` opens a deviation under the key
``complaint:<id>:acknowledge`` (severity medium) or ``complaint:<id>:answer``
(severity high), owned by the provider concerned (the funder where the
complaint concerns no provider), and notifies the complaint handlers of that
organisation and the complaint's handler. An answer also counts as
confirmation. The deviation heals once the complaint is confirmed, answered
or closed. Neither title nor description holds anything the complainant
wrote: only the complaint's reference and the date missed. A closed
complaint, or one confirmed or answered late but before the check, opens
none. Both functions may run any number of times.
"""

from datetime import date

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from dialoq.accounts.models import Membership, User
from dialoq.accounts.roles import Role
from dialoq.catalog.models import DeviationSeverity
from dialoq.deviations.indicators import do_heal
from dialoq.deviations.models import (
    ActionStatus,
    Complaint,
    ComplaintStatus,
    CorrectiveAction,
    Deviation,
    DeviationEventKind,
    DeviationSource,
    DeviationStatus,
)
from dialoq.deviations.workflow import default_due_on, do_record_event, is_member
from dialoq.notifications.services import notify

ACKNOWLEDGE = "acknowledge"
ANSWER = "answer"
COMPLAINT_SEVERITY = {
    ACKNOWLEDGE: DeviationSeverity.MEDIUM,
    ANSWER: DeviationSeverity.HIGH,
}


def people_with_roles(organisation_ids, roles):
    """Return the active people holding one of the roles in the organisations."""
    members = Membership.objects.active().filter(
        organisation_id__in=organisation_ids, role__in=roles
    )
    return User.objects.filter(is_active=True, pk__in=members.values("user_id"))


def _deviation_url(deviation) -> str:
    return reverse("deviations:detail", args=[deviation.pk])


# Overdue deviations and actions ------------------------------------------------


def escalate_overdue(today: date) -> int:
    """Escalate open deviations past their due date; return how many were escalated."""
    escalated = 0
    overdue = Deviation.objects.overdue(today).filter(escalated_at__isnull=True)
    for pk in overdue.values_list("pk", flat=True):
        if _escalate(pk, today):
            escalated += 1
    _remind_overdue_actions(today)
    return escalated


def _escalate(pk, today: date) -> bool:
    with transaction.atomic():
        deviation = (
            Deviation.objects.select_for_update()
            .filter(pk=pk, escalated_at__isnull=True)
            .exclude(status=DeviationStatus.CLOSED)
            .first()
        )
        if deviation is None or not deviation.is_overdue(today):
            return False
        deviation.escalated_at = timezone.now()
        deviation.save(update_fields=["escalated_at"])
        with translation.override(settings.LANGUAGE_CODE):
            note = _("To be closed by %(date)s; not closed in time.") % {
                "date": formats.date_format(deviation.due_on, "SHORT_DATE_FORMAT")
            }
        do_record_event(deviation, DeviationEventKind.ESCALATED, note=note)
        organisation = [deviation.owner_organisation_id]
        recipients = people_with_roles(organisation, [Role.MANAGER])
        if not recipients.exists():
            recipients = people_with_roles(organisation, [Role.QM_OFFICER])
        notify(
            recipients,
            key=f"deviation:{deviation.pk}:escalated",
            subject=_("Deviation %(number)s is overdue") % {"number": deviation.number},
            body=_("%(title)s — to be closed by %(date)s.")
            % {
                "title": deviation.title,
                "date": formats.date_format(deviation.due_on, "SHORT_DATE_FORMAT"),
            },
            url=_deviation_url(deviation),
        )
    return True


def _remind_overdue_actions(today: date) -> int:
    """Notify the owner of each open action past its due date, once per action."""
    reminded = 0
    actions = (
        CorrectiveAction.objects.filter(status=ActionStatus.OPEN, due_on__lt=today)
        .exclude(deviation__status=DeviationStatus.CLOSED)
        .select_related("deviation", "owner")
    )
    for action in actions:
        reminded += notify(
            [action.owner],
            key=f"action:{action.pk}:overdue",
            subject=_("An action for deviation %(number)s is overdue")
            % {"number": action.deviation.number},
            body=_("Due on %(date)s.")
            % {"date": formats.date_format(action.due_on, "SHORT_DATE_FORMAT")},
            url=_deviation_url(action.deviation),
        )
    return reminded


# Complaint deadlines -------------------------------------------------------------


def complaint_key(complaint, duty: str) -> str:
    return f"complaint:{complaint.pk}:{duty}"


def watch_complaints(today: date) -> tuple[int, int]:
    """Open deviations for missed complaint deadlines, heal those met since.

    Return how many deviations were opened and how many healed.
    """
    opened = 0
    pending = Complaint.objects.exclude(status=ComplaintStatus.CLOSED).filter(
        answered_at__isnull=True
    )
    unconfirmed = pending.filter(
        acknowledged_at__isnull=True, acknowledge_due_on__lt=today
    )
    unanswered = pending.filter(answer_due_on__lt=today)
    for duty, complaints in ((ACKNOWLEDGE, unconfirmed), (ANSWER, unanswered)):
        for complaint in complaints.select_related("funder", "provider", "handled_by"):
            if _open_for_complaint(complaint, duty, today) is not None:
                opened += 1
    return opened, _heal_complaint_deviations()


def _open_for_complaint(complaint, duty: str, today: date) -> Deviation | None:
    key = complaint_key(complaint, duty)
    severity = COMPLAINT_SEVERITY[duty]
    owner_organisation = complaint.provider or complaint.funder
    due = (
        complaint.acknowledge_due_on if duty == ACKNOWLEDGE else complaint.answer_due_on
    )
    with transaction.atomic():
        if Deviation.objects.filter(key=key).exists():
            return None
        handler = complaint.handled_by
        if handler is not None and not is_member(handler, owner_organisation.pk):
            handler = None
        deviation = Deviation.objects.create(
            key=key,
            source=DeviationSource.COMPLAINT,
            severity=severity,
            title=_complaint_title(complaint, duty, due),
            funder=complaint.funder,
            provider=complaint.provider,
            occurred_on=due,
            owner_organisation=owner_organisation,
            owner=handler,
            auto_detected=True,
            due_on=default_due_on(severity, today),
        )
        do_record_event(
            deviation, DeviationEventKind.CREATED, to_status=DeviationStatus.REPORTED
        )
        handlers = people_with_roles(
            [owner_organisation.pk], [Role.QM_OFFICER, Role.MANAGER]
        )
        notify(
            [*handlers, complaint.handled_by],
            key=f"deviation:{deviation.pk}:detected",
            subject=deviation.title,
            url=_deviation_url(deviation),
        )
    return deviation


def _complaint_title(complaint, duty: str, due: date) -> str:
    """Return the title: reference and date missed, nothing the complainant wrote."""
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "reference": complaint.reference,
            "date": formats.date_format(due, "SHORT_DATE_FORMAT"),
        }
        if duty == ACKNOWLEDGE:
            return (
                _("Complaint %(reference)s: receipt not confirmed by %(date)s") % values
            )
        return _("Complaint %(reference)s: not answered by %(date)s") % values


def _heal_complaint_deviations() -> int:
    healed = 0
    open_deviations = Deviation.objects.open().filter(
        source=DeviationSource.COMPLAINT,
        auto_detected=True,
        key__startswith="complaint:",
        healed_at__isnull=True,
    )
    for deviation in open_deviations:
        _prefix, complaint_id, duty = deviation.key.split(":")
        complaint = Complaint.objects.filter(pk=complaint_id).first()
        if complaint is None or not _duty_met(complaint, duty):
            continue
        with translation.override(settings.LANGUAGE_CODE):
            note = (
                _("The receipt of the complaint has been confirmed.")
                if duty == ACKNOWLEDGE
                else _("The complaint has been answered.")
            )
        if do_heal(deviation, note=note):
            healed += 1
    return healed


def _duty_met(complaint, duty: str) -> bool:
    if complaint.status == ComplaintStatus.CLOSED or complaint.answered_at:
        return True
    return duty == ACKNOWLEDGE and complaint.acknowledged_at is not None
