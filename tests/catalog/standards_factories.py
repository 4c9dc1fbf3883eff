"""Builders for the tests of key processes and process standards."""

import itertools

from dialoq.catalog.models import (
    KeyProcess,
    KeyProcessVersion,
    ProcessInterface,
    ProcessStandard,
    ProcessStandardVersion,
    ProcessStep,
    VersionStatus,
)

_sequence = itertools.count(1)

FIRST_CONTACT = {
    "kind": "deadline",
    "anchor": "referral",
    "event": "contact",
    "within": "10 working days",
}


def make_standard(owner=None, *, key=None, status=VersionStatus.IN_FORCE, **fields):
    """Return version 1 of a new process standard."""
    number = next(_sequence)
    standard = ProcessStandard.objects.create(
        key=key or f"test-standard-{number}", owner=owner
    )
    return make_standard_version(standard, status=status, **fields)


def make_standard_version(standard, **fields):
    number = next(_sequence)
    defaults = {
        "version": standard.versions.count() + 1,
        "status": VersionStatus.IN_FORCE,
        "title": f"Erstkontakt {number}",
        "title_en": f"First contact {number}",
        "quality_goal": "Familien erfahren schnell, wer ihnen hilft.",
        "rationale": "Wartezeiten verschärfen Krisen.",
        "source": "§ 36 SGB VIII",
        "perspective": "business_process",
        "responsible": "provider",
        "severity": "medium",
        "rule": FIRST_CONTACT,
    }
    defaults.update(fields)
    return ProcessStandardVersion.objects.create(standard=standard, **defaults)


def make_key_process(owner=None, *, key=None, status=VersionStatus.IN_FORCE, **fields):
    """Return version 1 of a new key process with two steps and one interface."""
    number = next(_sequence)
    process = KeyProcess.objects.create(
        key=key or f"test-process-{number}", owner=owner
    )
    defaults = {
        "version": 1,
        "status": status,
        "title": f"Hilfeplanung {number}",
        "title_en": f"Help planning {number}",
        "purpose": "Hilfen gemeinsam planen.",
        "legal_basis": "§ 36 SGB VIII",
    }
    defaults.update(fields)
    version = KeyProcessVersion.objects.create(process=process, **defaults)
    anfrage = ProcessStep.objects.create(
        process_version=version,
        order=1,
        key="anfrage",
        title="Anfrage",
        responsible="funder",
    )
    ProcessStep.objects.create(
        process_version=version,
        order=2,
        key="erstkontakt",
        title="Erstkontakt",
        responsible="provider",
    )
    ProcessInterface.objects.create(
        process_version=version,
        order=1,
        step=anfrage,
        from_party="funder",
        to_party="provider",
        subject="Anfrage mit Auftrag",
        trigger="nach der Entscheidung",
        form="written",
    )
    return version


def walk_arguments(world, kind: str, *, version=True) -> dict:
    """Return URL arguments of a draft owned by the funder, which outsiders lack.

    ``kind`` is "standard" or "process"; used by ``tests/test_url_walk.py``.
    """
    if kind == "standard":
        item = make_standard(world.funder, status=VersionStatus.DRAFT)
        key = item.standard.key
    else:
        item = make_key_process(world.funder, status=VersionStatus.DRAFT)
        key = item.process.key
    return {"key": key, "version": item.version} if version else {"key": key}
