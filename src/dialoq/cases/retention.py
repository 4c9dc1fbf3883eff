"""Retention: anonymise or erase closed cases once the retention period has passed.

Run daily as ``dialoq retention`` (see docs/privacy.md). Each case is handled
once: anonymised cases carry ``anonymised_at``, erased cases are gone, so the
job can be repeated or interrupted at any point.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import models, transaction
from django.db.models import ProtectedError, Q, RestrictedError
from django.utils import timezone

from dialoq.cases.audit import log_access, record_event
from dialoq.cases.models import (
    AccessAction,
    Beneficiary,
    BeneficiaryIdentity,
    Case,
    CaseEventKind,
    CaseStatus,
    Goal,
    HelpPlan,
)

# What replaces free text that could identify a person in an anonymised case.
ANONYMISED_TEXT = "***"
GOAL_TEXT_FIELDS = (
    "level_minus_2",
    "level_minus_1",
    "level_0",
    "level_plus_1",
    "level_plus_2",
    "measures",
)
RETENTION_BATCH_SIZE = 500


@dataclass(frozen=True)
class SystemActor:
    """A job acting without a user account; named in the access log."""

    username: str
    is_authenticated: bool = False


RETENTION_ACTOR = SystemActor("system:retention")


def retention_cutoff(today: date, years: int) -> date:
    """Return the day before which a help must have ended to be past retention."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def expired_condition(cutoff: date) -> Q:
    """Return the filter for closed cases whose help ended before the cutoff."""
    return Q(status=CaseStatus.CLOSED, ended_on__lt=cutoff)


def cases_due_for_retention(mode: str, cutoff: date):
    """Return the cases the retention job has still to anonymise or erase."""
    cases = Case.objects.filter(expired_condition(cutoff))
    if mode == "anonymise":
        cases = cases.filter(anonymised_at__isnull=True)
    return cases


def _beneficiaries_without_live_cases(beneficiary_ids, cutoff):
    """Return those of the beneficiaries whose every remaining case is expired."""
    live = (
        Case.objects.filter(beneficiary_id__in=beneficiary_ids)
        .exclude(expired_condition(cutoff))
        .values_list("beneficiary_id", flat=True)
    )
    return set(beneficiary_ids) - set(live)


def do_anonymise_cases(case_ids, cutoff, now=None) -> tuple[int, int]:
    """Anonymise expired closed cases; return how many, and identities deleted.

    Case-mix, ratings, need assessments, dates and staff stay for statistics;
    free text that could identify a person goes; the identity goes once the
    beneficiary has no case left within the retention period.
    """
    now = now or timezone.now()
    with transaction.atomic():
        cases = list(
            Case.objects.filter(
                expired_condition(cutoff), pk__in=case_ids, anonymised_at__isnull=True
            ).select_related("beneficiary")
        )
        ids = [case.pk for case in cases]
        Goal.objects.filter(help_plan__case__in=ids).update(
            title=ANONYMISED_TEXT,
            **{field: _marker_unless_empty(field) for field in GOAL_TEXT_FIELDS},
        )
        HelpPlan.objects.filter(case__in=ids).update(participants="")
        Case.objects.filter(pk__in=ids).update(anonymised_at=now)
        for case in cases:
            record_event(case, CaseEventKind.ANONYMISED)
            log_access(RETENTION_ACTOR, AccessAction.ANONYMISE, case)
        forgotten = _forget_identities({case.beneficiary_id for case in cases}, cutoff)
    return len(cases), forgotten


def _marker_unless_empty(field):
    return models.Case(
        models.When(**{field: ""}, then=models.Value("")),
        default=models.Value(ANONYMISED_TEXT),
    )


def _forget_identities(beneficiary_ids, cutoff) -> int:
    forget = _beneficiaries_without_live_cases(beneficiary_ids, cutoff)
    Beneficiary.objects.filter(pk__in=forget).update(birth_year=None)
    deleted, _ = BeneficiaryIdentity.objects.filter(beneficiary_id__in=forget).delete()
    return deleted


def do_erase_cases(case_ids, cutoff) -> int:
    """Delete expired closed cases with all their records; return how many.

    The access log keeps its entries (case number, pseudonym, organisations);
    a beneficiary left without cases is deleted with their identity.
    """
    with transaction.atomic():
        cases = list(
            Case.objects.filter(
                expired_condition(cutoff), pk__in=case_ids
            ).select_related("beneficiary")
        )
        for case in cases:
            log_access(RETENTION_ACTOR, AccessAction.ERASE, case)
        beneficiary_ids = {case.beneficiary_id for case in cases}
        Case.objects.filter(pk__in=[case.pk for case in cases]).delete()
        Beneficiary.objects.filter(pk__in=beneficiary_ids, cases__isnull=True).delete()
    return len(cases)


def run_retention(*, dry_run=False, out, today=None, batch_size=RETENTION_BATCH_SIZE):
    """Anonymise or erase every case past retention, reporting to ``out``."""
    mode, years = settings.RETENTION_MODE, settings.RETENTION_YEARS
    cutoff = retention_cutoff(today or timezone.localdate(), years)
    ids = list(
        cases_due_for_retention(mode, cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    out.write(
        f"Retention ({mode}): closed cases whose help ended before "
        f"{cutoff.isoformat()} ({years} years).\n"
    )
    undated = Case.objects.filter(status=CaseStatus.CLOSED, ended_on__isnull=True)
    if undated_count := undated.count():
        out.write(
            f"Warning: {undated_count} closed cases have no end date and are "
            "never covered; enter their end dates.\n"
        )
    if dry_run:
        out.write(f"Dry run: would {mode} {len(ids)} cases. Nothing was changed.\n")
        return {"cases": len(ids), "identities": 0, "failed": []}
    counts = {"cases": 0, "identities": 0, "failed": []}
    for start in range(0, len(ids), batch_size):
        _retain_batch(mode, ids[start : start + batch_size], cutoff, counts)
        if len(ids) > batch_size:
            out.write(f"  {min(start + batch_size, len(ids))}/{len(ids)} cases\n")
    past = {"anonymise": "Anonymised", "erase": "Erased"}[mode]
    out.write(f"{past} {counts['cases']} cases")
    if mode == "anonymise":
        out.write(f"; deleted the identifying data of {counts['identities']} people")
    out.write(".\n")
    if counts["failed"]:
        out.write(
            f"Could not erase {len(counts['failed'])} cases that other records "
            f"still protect (case ids: {', '.join(map(str, counts['failed']))}).\n"
        )
    if mode == "erase" and counts["cases"]:
        # Erased cases must not survive in the indicator engine's fact snapshot.
        from dialoq.measures.snapshot import rebuild_after_erasure

        rebuild_after_erasure()
    return counts


def _retain_batch(mode, batch, cutoff, counts):
    if mode == "anonymise":
        done, forgotten = do_anonymise_cases(batch, cutoff)
        counts["cases"] += done
        counts["identities"] += forgotten
        return
    try:
        counts["cases"] += do_erase_cases(batch, cutoff)
    except (ProtectedError, RestrictedError):
        # One case is held by a record of another app: erase the others alone.
        for case_id in batch:
            try:
                counts["cases"] += do_erase_cases([case_id], cutoff)
            except (ProtectedError, RestrictedError):
                counts["failed"].append(case_id)
