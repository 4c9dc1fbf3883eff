"""Complaints (Beschwerdemanagement): receive, read, confirm, answer, close.

A complaint reaches Dialoq through the public form (no account) or is recorded
by a member of staff who took it in person, by phone, letter or e-mail. What
the complainant wrote, how to reach them and the answer given are personal
data: they are kept encrypted in ``Complaint.encrypted`` and this module is
their only reader; each read and write is recorded in the access log in the
same transaction. Only the complaint handlers (QM officers and managers of the
organisation concerned) read and work complaints; see
``dialoq.deviations.scoping.visible_complaints``.

Deadlines count in working days of the federal state of the organisation
concerned (the funder's, else the provider's), from the day after receipt.
Notifications and log lines name the reference and the category, never the
text or the contact.
"""

import logging
import unicodedata

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from dialoq.accounts import scoping as account_scoping
from dialoq.accounts.models import Membership, User
from dialoq.accounts.roles import Action, Decision, OrganisationKind, Role, decision
from dialoq.cases.models import AccessAction, AccessLogEntry
from dialoq.catalog.models import DeviationSeverity
from dialoq.catalog.workdays import add_working_days
from dialoq.deviations import scoping
from dialoq.deviations.models import (
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintOutcome,
    ComplaintSource,
    ComplaintStatus,
    Deviation,
    DeviationEventKind,
    DeviationSource,
    DeviationStatus,
    new_complaint_reference,
)
from dialoq.lib.encryption import decrypt_json, encrypt_json
from dialoq.notifications.services import notify

logger = logging.getLogger(__name__)

TEXT_MAX_LENGTH = 5_000
CONTACT_MAX_LENGTH = 300
ANSWER_MAX_LENGTH = 5_000

# Characters kept from the C0 control range: tab and line breaks.
_KEPT_CONTROLS = {"\t", "\n"}


class ComplaintError(ValidationError):
    """A complaint step that is not possible now, with a message for the user."""


def clean_text(value: str) -> str:
    """Return the text with line breaks unified and control characters removed.

    Null characters are refused by the forms before this; here they are
    removed like every other control character, so nothing unprintable is
    stored whatever the caller.
    """
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        char
        for char in value
        if char in _KEPT_CONTROLS or unicodedata.category(char) != "Cc"
    ).strip()


def concerned_organisation(complaint):
    """Return the organisation whose calendar sets the deadlines."""
    return complaint.funder or complaint.provider


def deadlines(received_on, organisation) -> tuple:
    """Return the days by which receipt is to be confirmed and the answer given."""
    state = organisation.federal_state
    return (
        add_working_days(
            received_on, settings.COMPLAINT_ACKNOWLEDGE_WORKING_DAYS, state
        ),
        add_working_days(received_on, settings.COMPLAINT_ANSWER_WORKING_DAYS, state),
    )


# --- Receiving -----------------------------------------------------------------


def do_receive(
    *,
    source,
    channel,
    category,
    text,
    contact="",
    anonymous=False,
    funder=None,
    provider=None,
    case=None,
    recorded_by=None,
    received_at=None,
) -> Complaint:
    """Store a complaint with its deadlines and tell the handlers; return it.

    ``recorded_by`` is the member of staff who took the complaint; empty for
    the public form. An anonymous complaint keeps no contact. ``received_at``
    (default now) is for complaints received earlier, e.g. by letter.
    """
    text = clean_text(text or "")
    contact = "" if anonymous else clean_text(contact or "")
    _check_new_complaint(
        source=source,
        channel=channel,
        category=category,
        text=text,
        contact=contact,
        funder=funder,
        provider=provider,
        case=case,
        recorded_by=recorded_by,
    )
    received_at = received_at or timezone.now()
    complaint = Complaint(
        reference=free_reference(),
        source=source,
        channel=channel,
        category=category,
        anonymous=anonymous,
        funder=funder,
        provider=provider,
        case=case,
        received_at=received_at,
        recorded_by=recorded_by,
    )
    complaint.acknowledge_due_on, complaint.answer_due_on = deadlines(
        timezone.localdate(received_at), concerned_organisation(complaint)
    )
    complaint.write(text=text, contact=contact)
    with transaction.atomic():
        complaint.save()
        if recorded_by is not None:
            _log(recorded_by, AccessAction.CHANGE_COMPLAINT, complaint, "recorded")
        notify_handlers(complaint)
    logger.info(
        "complaint %s received (%s, %s)",
        complaint.reference,
        complaint.channel,
        complaint.category,
    )
    return complaint


def _check_new_complaint(
    *, source, channel, category, text, contact, funder, provider, case, recorded_by
):
    if source not in ComplaintSource.values:
        raise ComplaintError(_("Please choose who the complaint comes from."))
    if channel not in ComplaintChannel.values:
        raise ComplaintError(_("Please choose how the complaint was received."))
    if category not in ComplaintCategory.values:
        raise ComplaintError(_("Please choose what the complaint is about."))
    if not text:
        raise ComplaintError(_("The complaint has no text."))
    if len(text) > TEXT_MAX_LENGTH or len(contact) > CONTACT_MAX_LENGTH:
        raise ComplaintError(_("The text or the contact is too long."))
    if funder is None and provider is None:
        raise ComplaintError(_("Please choose the organisation concerned."))
    if funder is not None and funder.kind != OrganisationKind.FUNDER:
        raise ComplaintError(_("The funder concerned is not a funder."))
    if provider is not None and provider.kind != OrganisationKind.PROVIDER:
        raise ComplaintError(_("The provider concerned is not a provider."))
    concerned = {o.pk for o in (funder, provider) if o is not None}
    if case is not None and not concerned & {case.funder_id, case.provider_id}:
        raise ComplaintError(
            _("The case does not belong to the organisation concerned.")
        )
    if recorded_by is not None and not (
        concerned & scoping.reportable_organisations(recorded_by)
    ):
        raise PermissionDenied


def free_reference() -> str:
    """Return a new reference that no complaint has yet."""
    while True:
        reference = new_complaint_reference()
        if not Complaint.objects.filter(reference=reference).exists():
            return reference


def handlers(complaint):
    """Return the people who handle complaints about the organisations concerned."""
    roles = [
        role
        for role in Role.values
        if decision(role, Action.HANDLE_COMPLAINTS)
        in (Decision.SCOPED, Decision.GLOBAL)
    ]
    organisations = [o for o in (complaint.funder_id, complaint.provider_id) if o]
    memberships = Membership.objects.active().filter(
        organisation_id__in=organisations, role__in=roles
    )
    return User.objects.filter(
        is_active=True, pk__in=memberships.values("user_id")
    ).order_by("pk")


def notify_handlers(complaint) -> int:
    """Tell the handlers that a complaint arrived: reference, topic, deadlines."""
    # E-mails go out in the site's language, whatever the complainant chose.
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("New complaint %(reference)s: %(category)s") % {
            "reference": complaint.reference,
            "category": complaint.get_category_display(),
        }
        body = _(
            "A complaint has been received (%(channel)s). Please confirm receipt "
            "by %(acknowledge)s and answer by %(answer)s. Its text is shown in "
            "Dialoq only."
        ) % {
            "channel": complaint.get_channel_display(),
            "acknowledge": date_format(
                complaint.acknowledge_due_on, "SHORT_DATE_FORMAT"
            ),
            "answer": date_format(complaint.answer_due_on, "SHORT_DATE_FORMAT"),
        }
    return notify(
        handlers(complaint),
        key=f"complaint:{complaint.pk}:received",
        subject=subject,
        body=body,
        url=reverse("deviations:complaint_detail", args=[complaint.pk]),
    )


# --- Reading --------------------------------------------------------------------


def may_handle(user, complaint) -> bool:
    """Return whether the user handles complaints about the organisation concerned."""
    return scoping.visible_complaints(user).filter(pk=complaint.pk).exists()


def read_complaint(user, complaint) -> dict:
    """Return text, contact and answer of the complaint; log the read."""
    if not may_handle(user, complaint):
        raise PermissionDenied
    with transaction.atomic():
        _log(user, AccessAction.VIEW_COMPLAINT, complaint, "read")
    document = decrypt_json(complaint.encrypted)
    return {
        "text": document.get("text", ""),
        "contact": document.get("contact", ""),
        "answer_note": document.get("answer_note", ""),
    }


def _log(user, action, complaint, detail):
    """Record the access like ``cases.audit.log_access``, with the complaint's parties.

    The complaint's funder and provider make the entry visible in their
    access log even when the complaint concerns no case.
    """
    case = complaint.case
    return AccessLogEntry.objects.create(
        user=user if user and user.is_authenticated else None,
        username=getattr(user, "username", "") or "",
        action=action,
        case=case,
        case_reference=case.reference if case else "",
        funder_id=complaint.funder_id,
        provider_id=complaint.provider_id,
        pseudonym=case.beneficiary.pseudonym if case else "",
        detail=f"{complaint.reference} {detail}"[:200],
    )


# --- Working ----------------------------------------------------------------------


def _locked(user, complaint) -> Complaint:
    """Return the complaint locked for change; refuse users who do not handle it."""
    if not may_handle(user, complaint):
        raise PermissionDenied
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


def do_acknowledge(user, complaint) -> None:
    """Record that receipt was confirmed to the complainant."""
    with transaction.atomic():
        locked = _locked(user, complaint)
        if locked.status != ComplaintStatus.RECEIVED:
            raise ComplaintError(_("Receipt of this complaint is already confirmed."))
        locked.status = ComplaintStatus.ACKNOWLEDGED
        locked.acknowledged_at = timezone.now()
        locked.handled_by = locked.handled_by or user
        locked.save(update_fields=["status", "acknowledged_at", "handled_by"])
    complaint.refresh_from_db()


def do_answer(user, complaint, outcome, answer_note) -> None:
    """Record the outcome and the answer given (an answer confirms receipt too)."""
    answer_note = clean_text(answer_note or "")
    if outcome not in ComplaintOutcome.values:
        raise ComplaintError(_("Please choose whether the complaint was justified."))
    if not answer_note:
        raise ComplaintError(_("Please write down what was answered."))
    if len(answer_note) > ANSWER_MAX_LENGTH:
        raise ComplaintError(_("The answer is too long."))
    with transaction.atomic():
        locked = _locked(user, complaint)
        if locked.status not in (
            ComplaintStatus.RECEIVED,
            ComplaintStatus.ACKNOWLEDGED,
        ):
            raise ComplaintError(_("This complaint has already been answered."))
        now = timezone.now()
        write_answer(locked, answer_note)
        locked.status = ComplaintStatus.ANSWERED
        locked.outcome = outcome
        locked.acknowledged_at = locked.acknowledged_at or now
        locked.answered_at = now
        locked.handled_by = locked.handled_by or user
        locked.save()
        _log(user, AccessAction.CHANGE_COMPLAINT, locked, "answered")
    complaint.refresh_from_db()


def write_answer(complaint, answer_note: str) -> None:
    """Encrypt the answer into the record beside text and contact (not saved)."""
    document = decrypt_json(complaint.encrypted)
    document["answer_note"] = answer_note
    complaint.encrypted = encrypt_json(document)


def do_close(user, complaint) -> None:
    """Close an answered complaint."""
    with transaction.atomic():
        locked = _locked(user, complaint)
        if locked.status != ComplaintStatus.ANSWERED:
            raise ComplaintError(
                _("Only an answered complaint can be closed: record the answer first.")
            )
        locked.status = ComplaintStatus.CLOSED
        locked.save(update_fields=["status"])
    complaint.refresh_from_db()


def deviation_title(complaint) -> str:
    """Return the deviation's title: reference and category, never the text."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Complaint %(reference)s: %(category)s") % {
            "reference": complaint.reference,
            "category": complaint.get_category_display(),
        }


def do_open_deviation(user, complaint, severity) -> Deviation:
    """Open a deviation from the complaint, owned by the handler's organisation."""
    from dialoq.deviations.workflow import default_due_on, do_record_event

    if severity not in DeviationSeverity.values:
        raise ComplaintError(_("Please choose a severity."))
    with transaction.atomic():
        locked = _locked(user, complaint)
        if locked.deviation_id:
            raise ComplaintError(_("A deviation has already been opened for it."))
        today = timezone.localdate()
        deviation = Deviation.objects.create(
            source=DeviationSource.COMPLAINT,
            severity=severity,
            title=deviation_title(locked),
            case=locked.case,
            funder=locked.funder,
            provider=locked.provider,
            occurred_on=timezone.localdate(locked.received_at),
            owner_organisation_id=_owner_organisation(user, locked),
            owner=user,
            reported_by=user,
            due_on=default_due_on(severity, today),
        )
        do_record_event(
            deviation,
            DeviationEventKind.CREATED,
            actor=user,
            to_status=DeviationStatus.REPORTED,
        )
        locked.deviation = deviation
        locked.save(update_fields=["deviation"])
    complaint.refresh_from_db()
    return deviation


def _owner_organisation(user, complaint) -> int:
    """Return the concerned organisation in which the user handles complaints."""
    handled = {
        grant.organisation_id
        for grant in account_scoping.grants(user, Action.HANDLE_COMPLAINTS)
    }
    for organisation_id in (complaint.provider_id, complaint.funder_id):
        if organisation_id in handled:
            return organisation_id
    raise PermissionDenied


# --- Overdue --------------------------------------------------------------------


def overdue_acknowledgement(queryset, today=None):
    """Return the complaints whose receipt is not confirmed in time."""
    today = today or timezone.localdate()
    return queryset.filter(
        status=ComplaintStatus.RECEIVED, acknowledge_due_on__lt=today
    )


def overdue_answer(queryset, today=None):
    """Return the complaints not answered in time."""
    today = today or timezone.localdate()
    return queryset.filter(
        status__in=(ComplaintStatus.RECEIVED, ComplaintStatus.ACKNOWLEDGED),
        answer_due_on__lt=today,
    )


def erase_old_complaints(*, today=None, dry_run=False) -> int:
    """Erase text, contact and answer of complaints closed long enough ago.

    A closed complaint whose answer is older than ``RETENTION_YEARS`` keeps
    its reference, organisations, category, dates and outcome (evidence for
    quality assurance and statistics) and loses everything the complainant
    wrote or could be reached by. Returns how many were (or would be) erased.
    """
    from dialoq.cases.retention import retention_cutoff

    cutoff = retention_cutoff(today or timezone.localdate(), settings.RETENTION_YEARS)
    due = Complaint.objects.filter(
        status=ComplaintStatus.CLOSED,
        erased_at__isnull=True,
        answered_at__date__lt=cutoff,
    )
    if dry_run:
        return due.count()
    empty = encrypt_json({"text": "", "contact": "", "answer_note": ""})
    with transaction.atomic():
        return due.update(encrypted=empty, erased_at=timezone.now())
