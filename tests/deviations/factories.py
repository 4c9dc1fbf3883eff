"""Builders for deviations, complaints and process standards in tests."""

import itertools
from datetime import date

from django.utils import timezone

from dialoq.catalog.models import (
    DeviationSeverity,
    ProcessStandard,
    ProcessStandardVersion,
    VersionStatus,
)
from dialoq.deviations.models import (
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintSource,
    Deviation,
    DeviationSource,
)

_sequence = itertools.count(1)

DEFAULT_RULE = {
    "kind": "deadline",
    "anchor": "referral",
    "event": "contact",
    "within": "10 working days",
}


def make_standard_version(
    key=None, *, rule=None, status=VersionStatus.IN_FORCE, **fields
):
    """Return a version (in force unless told) of a new or existing standard."""
    key = key or f"standard-{next(_sequence)}"
    standard, _created = ProcessStandard.objects.get_or_create(key=key)
    defaults = {
        "version": standard.versions.count() + 1,
        "title": f"Standard {key}",
        "quality_goal": "Help begins quickly.",
        "perspective": "business_process",
        "responsible": "provider",
        "severity": DeviationSeverity.MEDIUM,
    }
    defaults.update(fields)
    return ProcessStandardVersion.objects.create(
        standard=standard, status=status, rule=rule or dict(DEFAULT_RULE), **defaults
    )


def make_deviation(case=None, *, owner_organisation=None, **fields):
    """Return a deviation, on a case (its parties filled in) or on an organisation.

    Without a case, give ``owner_organisation`` (and funder/provider as needed).
    Writes no event; use ``dialoq.deviations.workflow`` for realistic histories.
    """
    number = next(_sequence)
    defaults = {
        "source": DeviationSource.MANUAL,
        "title": f"Abweichung {number}",
        "severity": DeviationSeverity.MEDIUM,
    }
    if case is not None:
        defaults.update(
            case=case,
            funder=case.funder,
            provider=case.provider,
            provider_unit=case.provider_unit,
            owner=case.caseworker,
        )
        owner_organisation = owner_organisation or case.provider
    defaults.update(fields)
    if owner_organisation is None:
        owner_organisation = defaults.get("provider") or defaults.get("funder")
    return Deviation.objects.create(owner_organisation=owner_organisation, **defaults)


def make_complaint(
    *, funder=None, provider=None, text="Zu lange gewartet.", contact="", **fields
):
    """Return a complaint about a funder and/or provider (one is required)."""
    received = fields.pop("received_at", timezone.now())
    defaults = {
        "source": ComplaintSource.BENEFICIARY,
        "channel": ComplaintChannel.IN_PERSON,
        "category": ComplaintCategory.WAITING,
        "acknowledge_due_on": date(2026, 1, 8),
        "answer_due_on": date(2026, 2, 2),
    }
    defaults.update(fields)
    complaint = Complaint(
        funder=funder, provider=provider, received_at=received, **defaults
    )
    complaint.write(text=text, contact=contact)
    complaint.save()
    return complaint
