"""Writes on a case: open it, move it on, close it, document contacts.

Each function is one use case in one transaction: it changes the rows, writes
the case's history (``record_event``) and the access log (``log_access``)
together, so the history can never miss a change.
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dialoq.cases.audit import field_changes, log_access, record_event
from dialoq.cases.models import (
    AccessAction,
    Beneficiary,
    Case,
    CaseEventKind,
    CaseStatus,
    Contact,
    Sex,
)

# Forward moves only; closing is its own use case (do_close_case) from any open state.
NEXT_STATUSES = {
    CaseStatus.REFERRAL: (CaseStatus.INTAKE, CaseStatus.PLANNING, CaseStatus.RUNNING),
    CaseStatus.INTAKE: (CaseStatus.PLANNING, CaseStatus.RUNNING),
    CaseStatus.PLANNING: (CaseStatus.RUNNING,),
    CaseStatus.RUNNING: (),
    CaseStatus.CLOSED: (),
}

# How long the person who documented a contact may still delete it.
CONTACT_DELETION_WINDOW = timedelta(hours=24)

CASE_FIELDS_ON_CREATE = (
    "reference",
    "service_type",
    "funder",
    "provider",
    "funder_unit",
    "provider_unit",
    "case_manager",
    "caseworker",
    "status",
    "referred_on",
    "age_band",
    "sex",
    "household_type",
    "prior_help",
    "transfer_benefits",
    "non_german_at_home",
)
CLOSURE_FIELDS = (
    "status",
    "ended_on",
    "closure_reason",
    "integration_outcome",
    "next_review_due",
)
CONTACT_FIELDS = ("occurred_on", "duration_minutes", "kind")


def next_statuses(case):
    """Return the statuses a case may move on to (closing excluded)."""
    return NEXT_STATUSES[CaseStatus(case.status)]


def is_sgb_ii(case):
    """Return whether the case is help under SGB II, which records integration."""
    return case.service_type.code_book == "SGB II"


def _values(instance, fields):
    return {field: getattr(instance, field) for field in fields}


def next_case_reference(today):
    """Return the next free case number of the year, such as ``DQ-2026-000042``."""
    prefix = f"DQ-{today.year}-"
    last = (
        Case.objects.filter(reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
        .first()
    )
    number = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{number:06d}"


def do_create_case(user, *, reference="", **fields):
    """Open a case for a new, pseudonymous beneficiary; return the case.

    ``fields`` are Case fields (service type, organisations, staff, referral
    date, case-mix attributes). Without a reference the next number is taken.
    """
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return _create_case(user, reference, fields)
        except IntegrityError:
            if reference:
                raise ValidationError(
                    {"reference": _("This case number is already in use.")}
                ) from None
    raise ValidationError(_("No free case number was found. Please try again."))


def _create_case(user, reference, fields):
    beneficiary = Beneficiary.objects.create(sex=fields.get("sex") or Sex.UNKNOWN)
    case = Case.objects.create(
        beneficiary=beneficiary,
        reference=reference or next_case_reference(timezone.localdate()),
        status=CaseStatus.REFERRAL,
        **fields,
    )
    changes = field_changes(
        {}, _values(case, CASE_FIELDS_ON_CREATE), CASE_FIELDS_ON_CREATE
    )
    record_event(case, CaseEventKind.CREATED, user, changes)
    log_access(user, AccessAction.CHANGE_CASE, case, detail="case opened")
    return case


@transaction.atomic
def do_change_case_status(user, case, status, *, started_on=None):
    """Move an open case on to a later status; running needs a start date."""
    if status not in next_statuses(case):
        raise ValidationError(
            {"status": _("A case cannot move from this status to the chosen one.")}
        )
    if status == CaseStatus.RUNNING:
        started_on = case.started_on or started_on
        if not started_on:
            raise ValidationError(
                {"started_on": _("Enter the date the help started to set it running.")}
            )
    else:
        started_on = case.started_on
    before = _values(case, ("status", "started_on"))
    case.status = status
    case.started_on = started_on
    case.save(update_fields=["status", "started_on"])
    changes = field_changes(before, _values(case, before), before)
    record_event(case, CaseEventKind.STATUS_CHANGED, user, changes)
    log_access(user, AccessAction.CHANGE_CASE, case, detail="status changed")
    return case


@transaction.atomic
def do_close_case(user, case, *, ended_on, closure_reason, integration_outcome=""):
    """End the help: record date, reason and, for SGB II, the integration outcome."""
    if case.status == CaseStatus.CLOSED:
        raise ValidationError(_("This case is already closed."))
    if is_sgb_ii(case) and not integration_outcome:
        raise ValidationError(
            {"integration_outcome": _("State the integration outcome of SGB II help.")}
        )
    if integration_outcome and not is_sgb_ii(case):
        raise ValidationError(
            {"integration_outcome": _("Only SGB II help has an integration outcome.")}
        )
    before = _values(case, CLOSURE_FIELDS)
    case.status = CaseStatus.CLOSED
    case.ended_on = ended_on
    case.closure_reason = closure_reason
    case.integration_outcome = integration_outcome
    case.next_review_due = None
    case.save(update_fields=list(CLOSURE_FIELDS))
    changes = field_changes(before, _values(case, CLOSURE_FIELDS), CLOSURE_FIELDS)
    record_event(case, CaseEventKind.CLOSED, user, changes)
    log_access(user, AccessAction.CHANGE_CASE, case, detail="case closed")
    return case


@transaction.atomic
def do_record_contact(user, case, *, occurred_on, duration_minutes, kind):
    """Document a contact by the user; its time counts as service hours."""
    contact = Contact.objects.create(
        case=case,
        occurred_on=occurred_on,
        duration_minutes=duration_minutes,
        kind=kind,
        staff=user,
    )
    changes = field_changes({}, _values(contact, CONTACT_FIELDS), CONTACT_FIELDS)
    changes["contact"] = [None, contact.pk]
    record_event(case, CaseEventKind.CONTACT_RECORDED, user, changes)
    log_access(user, AccessAction.CHANGE_CASE, case, detail="contact documented")
    return contact


def deletable_contact_ids(user, case, now=None):
    """Return the ids of the case's contacts the user may still delete.

    A contact may be deleted by the person who documented it, within 24 hours
    of documenting it; when is read from the case's history.
    """
    now = now or timezone.now()
    events = (
        case.events.filter(
            kind=CaseEventKind.CONTACT_RECORDED,
            actor_id=user.pk,
            occurred_at__gt=now - CONTACT_DELETION_WINDOW,
        )
        .order_by()
        .values_list("changes", flat=True)
    )
    recorded = {changes.get("contact", [None, None])[1] for changes in events}
    return set(
        case.contacts.filter(pk__in=recorded - {None}, staff_id=user.pk).values_list(
            "pk", flat=True
        )
    )


@transaction.atomic
def do_delete_contact(user, contact):
    """Delete a contact its author documented by mistake; the history keeps it."""
    case = contact.case
    if contact.pk not in deletable_contact_ids(user, case):
        raise PermissionDenied
    changes = field_changes(_values(contact, CONTACT_FIELDS), {}, CONTACT_FIELDS)
    changes["contact"] = [contact.pk, None]
    contact.delete()
    record_event(case, CaseEventKind.CHANGED, user, changes)
    log_access(user, AccessAction.CHANGE_CASE, case, detail="contact deleted")
