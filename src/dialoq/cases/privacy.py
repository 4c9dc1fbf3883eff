"""Personal data of beneficiaries: identity, the access log, the GDPR Art. 15 export.

This module is the only reader and writer of ``BeneficiaryIdentity`` (the
retention job in :mod:`dialoq.cases.retention` only deletes it). Each read and
write of personal data is recorded in the access log, in the transaction that
reads or writes it. See docs/privacy.md.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dialoq.accounts import scoping
from dialoq.accounts.roles import Action
from dialoq.cases.audit import log_access, record_event
from dialoq.cases.exports import OperatorError, operator_user, write_file_atomically
from dialoq.cases.models import (
    IDENTITY_FIELDS,
    AccessAction,
    AccessLogEntry,
    Beneficiary,
    BeneficiaryIdentity,
    Case,
    CaseEventKind,
)
from dialoq.cases.planning import review_scores

# --- Identity -----------------------------------------------------------------


def may_change_identity(user, case) -> bool:
    """Return whether the user may see and change the identity through this case."""
    return (
        scoping.can_view_identity(user, case)
        and scoping.can_change_case(user, case)
        and case.anonymised_at is None
    )


def read_identity(user, case) -> dict | None:
    """Return the beneficiary's identity (None if none is stored) and log the read."""
    if not scoping.can_view_identity(user, case) or case.anonymised_at:
        raise PermissionDenied
    with transaction.atomic():
        identity = BeneficiaryIdentity.objects.filter(
            beneficiary_id=case.beneficiary_id
        ).first()
        log_access(user, AccessAction.VIEW_IDENTITY, case)
    return identity.read() if identity else None


def do_change_identity(user, case, values) -> bool:
    """Store the beneficiary's identity; log it; return whether anything changed."""
    if not may_change_identity(user, case):
        raise PermissionDenied
    values = {field: values.get(field) or "" for field in IDENTITY_FIELDS}
    with transaction.atomic():
        identity = (
            BeneficiaryIdentity.objects.select_for_update()
            .filter(beneficiary_id=case.beneficiary_id)
            .first()
        ) or BeneficiaryIdentity(beneficiary_id=case.beneficiary_id)
        if identity.pk and identity.read() == values:
            return False
        identity.write(**values)
        identity.save()
        # The history says that, never what, the identity changed.
        record_event(case, CaseEventKind.IDENTITY_CHANGED, user)
        log_access(user, AccessAction.CHANGE_IDENTITY, case)
    return True


# --- GDPR Art. 15 export --------------------------------------------------------


@dataclass
class CaseRecord:
    """Everything stored about one case of a beneficiary."""

    case: Case
    need_assessments: list
    help_plans: list
    reviews: list
    contacts: list
    events: list
    access_entries: list


@dataclass
class BeneficiaryExport:
    """All data about one beneficiary within the exporting user's scope."""

    beneficiary: Beneficiary
    identity: dict | None
    cases: list[CaseRecord]
    exported_at: datetime
    exported_by: str


def identity_cases(user, beneficiary) -> list:
    """Return the beneficiary's cases through which the user may see the identity."""
    cases = (
        scoping.visible_cases(user)
        .filter(beneficiary=beneficiary)
        .select_related(
            "funder",
            "provider",
            "service_type",
            "beneficiary",
            "case_manager",
            "caseworker",
        )
        .order_by("referred_on", "pk")
    )
    return [case for case in cases if scoping.can_view_identity(user, case)]


def do_export_beneficiary(user, beneficiary) -> BeneficiaryExport:
    """Collect all data about the beneficiary that the user's funder holds; log it.

    The export covers the cases through which the user may see the identity:
    the data this funder, as controller, processes about the person.
    """
    with transaction.atomic():
        cases = identity_cases(user, beneficiary)
        if not cases:
            raise PermissionDenied
        identity = BeneficiaryIdentity.objects.filter(beneficiary=beneficiary).first()
        export = BeneficiaryExport(
            beneficiary=beneficiary,
            identity=identity.read() if identity else None,
            cases=[_case_record(case) for case in cases],
            exported_at=timezone.now(),
            exported_by=user.username,
        )
        for case in cases:
            log_access(user, AccessAction.EXPORT_BENEFICIARY, case)
    return export


def _case_record(case) -> CaseRecord:
    reviews = list(
        case.reviews.select_related("help_plan").prefetch_related(
            "help_plan__goals", "ratings__goal"
        )
    )
    for review in reviews:
        scores = review_scores(review)["perspectives"]
        review.t_scores = {
            row["perspective"]: round(row["t_score"], 2)
            for row in scores
            if row["t_score"] is not None
        }
        review.t_score_list = [
            (row["label"], row["t_score"])
            for row in scores
            if row["t_score"] is not None
        ]
    return CaseRecord(
        case=case,
        need_assessments=list(
            case.need_assessments.prefetch_related("ratings__dimension")
        ),
        help_plans=list(case.help_plans.prefetch_related("goals")),
        reviews=reviews,
        contacts=list(case.contacts.select_related("staff").order_by("occurred_on")),
        events=list(case.events.select_related("actor").order_by("occurred_at")),
        access_entries=list(
            AccessLogEntry.objects.filter(case=case).order_by("at", "pk")
        ),
    )


CASE_JSON_FIELDS = (
    "status",
    "referred_on",
    "started_on",
    "ended_on",
    "next_review_due",
    "closure_reason",
    "integration_outcome",
    "age_band",
    "sex",
    "household_type",
    "prior_help",
    "transfer_benefits",
    "non_german_at_home",
    "anonymised_at",
)
HELP_PLAN_JSON_FIELDS = (
    "version",
    "agreed_on",
    "beneficiary_participated",
    "beneficiary_agreed",
    "participants",
    "agreed_hours_per_month",
    "next_review_due",
)
GOAL_JSON_FIELDS = (
    "title",
    "weight",
    "baseline_level",
    "level_minus_2",
    "level_minus_1",
    "level_0",
    "level_plus_1",
    "level_plus_2",
    "measures",
    "responsible",
)


def beneficiary_export_json(export: BeneficiaryExport) -> dict:
    """Return the export as a JSON-serialisable document (see docs/privacy.md)."""
    beneficiary = export.beneficiary
    return {
        "format": "dialoq.beneficiary_export",
        "version": 1,
        "exported_at": _json(export.exported_at),
        "exported_by": export.exported_by,
        "beneficiary": _values(beneficiary, ("pseudonym", "sex", "birth_year")),
        "identity": _values(export.identity, IDENTITY_FIELDS, dict.get)
        if export.identity
        else None,
        "cases": [_case_json(record) for record in export.cases],
    }


def _case_json(record: CaseRecord) -> dict:
    case = record.case
    return {
        "case_id": case.pk,
        "case_reference": case.reference,
        "service_type": case.service_type.key,
        "service_type_name": str(case.service_type),
        "funder": case.funder.name,
        "provider": case.provider.name,
        "case_manager": _person(case.case_manager),
        "caseworker": _person(case.caseworker),
        **_values(case, CASE_JSON_FIELDS),
        "need_assessments": [
            {
                **_values(assessment, ("occasion", "assessed_on")),
                "ratings": [
                    {"dimension": rating.dimension.key}
                    | _values(rating, ("level", "relevant"))
                    for rating in assessment.ratings.all()
                ],
            }
            for assessment in record.need_assessments
        ],
        "help_plans": [
            {"help_plan_id": plan.pk, **_values(plan, HELP_PLAN_JSON_FIELDS)}
            | {
                "goals": [
                    {"goal_id": goal.pk, **_values(goal, GOAL_JSON_FIELDS)}
                    for goal in plan.goals.all()
                ]
            }
            for plan in record.help_plans
        ],
        "reviews": [_review_json(review) for review in record.reviews],
        "contacts": [
            _values(contact, ("occurred_on", "duration_minutes", "kind"))
            | {"by": _person(contact.staff)}
            for contact in record.contacts
        ],
        "history": [
            _values(event, ("occurred_at", "kind", "changes"))
            | {"by": _person(event.actor)}
            for event in record.events
        ],
        "access_log": [
            _values(entry, ("at", "username", "action"))
            for entry in record.access_entries
        ],
    }


def _review_json(review) -> dict:
    return {
        "review_id": review.pk,
        "help_plan_version": review.help_plan.version,
        **_values(review, ("due_on", "held_on", "is_final")),
        "ratings": [
            {"goal_id": rating.goal_id}
            | _values(rating, ("perspective", "level", "instrument", "rated_at"))
            for rating in review.ratings.all()
        ],
        "t_scores": review.t_scores,
    }


def _values(source, names, get=getattr) -> dict:
    return {name: _json(get(source, name)) for name in names}


def _json(value):
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _person(user):
    return (user.get_full_name() or user.username) if user else None


# --- Access log ----------------------------------------------------------------


def visible_access_log(user):
    """Return the access-log entries about the organisations the user may audit."""
    clauses = []
    for grant in scoping.grants(user, Action.VIEW_ACCESS_LOG):
        if grant.organisation_kind == "funder":
            clause = Q(funder_id=grant.organisation_id)
            if grant.unit_id:
                clause &= Q(case__funder_unit_id=grant.unit_id)
        elif grant.organisation_kind == "provider":
            clause = Q(provider_id=grant.organisation_id)
            if grant.unit_id:
                clause &= Q(case__provider_unit_id=grant.unit_id)
        else:
            continue
        clauses.append(clause)
    if not clauses:
        return AccessLogEntry.objects.none()
    combined = clauses[0]
    for clause in clauses[1:]:
        combined |= clause
    return AccessLogEntry.objects.filter(combined)


def search_access_log(
    entries,
    *,
    case_reference="",
    pseudonym="",
    username="",
    action="",
    date_from=None,
    date_to=None,
):
    """Return the entries matching every given criterion (dates inclusive)."""
    if case_reference:
        entries = entries.filter(case_reference=case_reference)
    if pseudonym:
        entries = entries.filter(pseudonym=pseudonym)
    if username:
        entries = entries.filter(username=username)
    if action:
        entries = entries.filter(action=action)
    if date_from:
        entries = entries.filter(at__gte=_start_of(date_from))
    if date_to:
        entries = entries.filter(at__lt=_start_of(date_to + timedelta(days=1)))
    return entries


def _start_of(day):
    return timezone.make_aware(datetime.combine(day, time.min))


# --- The operator's command ------------------------------------------------------


def run_beneficiary_export(pseudonym, out_path, username, *, out):
    """Write the GDPR export of a beneficiary as the named user into ``out_path``."""
    user = operator_user(username)
    pseudonym = pseudonym.strip().upper()
    beneficiary = Beneficiary.objects.filter(pseudonym=pseudonym).first()
    if beneficiary is None:
        raise OperatorError(f"No beneficiary has the pseudonym {pseudonym!r}.")
    if not identity_cases(user, beneficiary):
        raise OperatorError(
            f"{username} may not export the data of {pseudonym}: only a case "
            "manager of the funder of one of their cases may."
        )

    def write(handle):
        document = beneficiary_export_json(do_export_beneficiary(user, beneficiary))
        handle.write(json.dumps(document, ensure_ascii=False, indent=2).encode())
        return len(document["cases"])

    count = write_file_atomically(out_path, write)
    out.write(f"Wrote the data of {pseudonym} ({count} cases) to {out_path}.\n")
    return count
