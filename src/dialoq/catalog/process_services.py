"""Who may read and change key processes and process standards, and the writes.

The rules are those of the indicator catalogue (``catalog.services``):
every member who sees aggregated figures reads the built-in catalogue; a
process or standard owned by an organisation is read by that organisation's
members, its partners (the providers working for a funder, the funders a
provider works for) and the coordinators of its networks. Nobody else learns
that it exists. Built-ins are read-only; anyone who may define catalogue
entries (``Action.CHANGE_CATALOG``) copies one as their organisation's own,
and only QM officers of the owning organisation draft, change and put in
force its versions. A version in force or retired is never changed again:
deviations refer to it.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404

from dialoq.accounts import scoping
from dialoq.accounts.models import Organisation
from dialoq.accounts.roles import Action
from dialoq.catalog.models import (
    KeyProcess,
    KeyProcessVersion,
    ProcessInterface,
    ProcessStandard,
    ProcessStandardVersion,
    ProcessStep,
    VersionStatus,
)
from dialoq.catalog.services import VersionStateError, editing_organisations
from dialoq.catalog.standards import check_scope, parse_rule

STANDARD_FIELDS = (
    "title",
    "title_en",
    "quality_goal",
    "rationale",
    "source",
    "perspective",
    "responsible",
    "severity",
    "key_process",
    "step_key",
)
PROCESS_FIELDS = ("title", "title_en", "purpose", "legal_basis", "source")
STEP_FIELDS = ("key", "title", "description", "responsible")
INTERFACE_FIELDS = (
    "from_party",
    "to_party",
    "subject",
    "trigger",
    "form",
    "consensus",
)


# --- reading --------------------------------------------------------------------


def _readable_owners(user) -> Q | None:
    """Return the condition on ``owner`` of what the user may read, or None."""
    funders, providers, networks = set(), set(), set()
    for grant in scoping.grants(user, Action.VIEW_AGGREGATES):
        if grant.organisation_kind == "funder":
            funders.add(grant.organisation_id)
        elif grant.organisation_kind == "provider":
            providers.add(grant.organisation_id)
        elif grant.organisation_kind == "network":
            networks.add(grant.organisation_id)
    if not (funders or providers or networks):
        return None
    from dialoq.cases.models import Case

    condition = Q(owner__isnull=True) | Q(owner__in=funders | providers)
    if funders:
        partners = Case.objects.filter(funder__in=funders).values("provider")
        condition |= Q(owner__in=partners)
    if providers:
        partners = Case.objects.filter(provider__in=providers).values("funder")
        condition |= Q(owner__in=partners)
    if networks:
        members = Organisation.objects.filter(networks__in=networks).values("pk")
        condition |= Q(owner__in=members)
    return condition


def may_read_catalogue(user) -> bool:
    """Return whether the user reads the catalogue at all."""
    return scoping.has_permission(user, Action.VIEW_AGGREGATES)


def readable_standards(user) -> QuerySet:
    """Return the process standards the user may read."""
    condition = _readable_owners(user)
    standards = ProcessStandard.objects.all()
    return standards.none() if condition is None else standards.filter(condition)


def readable_key_processes(user) -> QuerySet:
    """Return the key processes the user may read."""
    condition = _readable_owners(user)
    processes = KeyProcess.objects.all()
    return processes.none() if condition is None else processes.filter(condition)


def can_define(user) -> bool:
    """Return whether the user may create processes and standards of an organisation."""
    return editing_organisations(user).exists()


def can_change(user, item) -> bool:
    """Return whether the user may draft and put in force versions of the item."""
    if item.owner_id is None:
        return False
    return any(
        grant.organisation_id == item.owner_id
        for grant in scoping.grants(user, Action.CHANGE_CATALOG)
    )


def access_standard(user, key, *, for_change=False) -> ProcessStandard:
    """Return the standard: 404 if the user may not read it, 403 if not change it."""
    try:
        standard = readable_standards(user).select_related("owner").get(key=key)
    except ProcessStandard.DoesNotExist:
        raise Http404 from None
    if for_change and not can_change(user, standard):
        raise PermissionDenied
    return standard


def access_key_process(user, key, *, for_change=False) -> KeyProcess:
    """Return the key process: 404 if the user may not read it, 403 if not change it."""
    try:
        process = readable_key_processes(user).select_related("owner").get(key=key)
    except KeyProcess.DoesNotExist:
        raise Http404 from None
    if for_change and not can_change(user, process):
        raise PermissionDenied
    return process


def shown_version(versions):
    """Return the version in force, else the newest."""
    in_force = [v for v in versions if v.status == VersionStatus.IN_FORCE]
    return in_force[0] if in_force else (versions[0] if versions else None)


def process_steps(process) -> list[ProcessStep]:
    """Return the steps of the key process's version in force (else its newest)."""
    if process is None:
        return []
    version = shown_version(list(process.versions.order_by("-version")))
    return list(version.steps.all()) if version else []


# --- process standards ----------------------------------------------------------------


def check_rule(rule: dict):
    """Return the parsed rule; raise ``RuleError`` if it or its scope is wrong."""
    parsed = parse_rule(rule)
    check_scope(parsed)
    return parsed


def do_create_standard(
    user, *, owner: Organisation, key: str, fields: dict, rule: dict, change_note=""
) -> ProcessStandardVersion:
    """Create a standard owned by the organisation, with a first draft."""
    check_rule(rule)
    with transaction.atomic():
        standard = ProcessStandard.objects.create(key=key, owner=owner)
        return ProcessStandardVersion.objects.create(
            standard=standard,
            version=1,
            status=VersionStatus.DRAFT,
            rule=rule,
            change_note=change_note,
            created_by=user,
            **{name: fields.get(name) for name in STANDARD_FIELDS},
        )


def do_start_standard_draft(user, standard) -> ProcessStandardVersion:
    """Return the open draft, or a new one copied from the newest version."""
    with transaction.atomic():
        ProcessStandard.objects.select_for_update().get(pk=standard.pk)
        versions = standard.versions.order_by("-version")
        draft = versions.filter(status=VersionStatus.DRAFT).first()
        if draft is not None:
            return draft
        newest = versions.first()
        return ProcessStandardVersion.objects.create(
            standard=standard,
            version=newest.version + 1,
            status=VersionStatus.DRAFT,
            rule=newest.rule,
            created_by=user,
            **{name: getattr(newest, name) for name in STANDARD_FIELDS},
        )


def do_change_standard_draft(
    version: ProcessStandardVersion, *, fields: dict, rule: dict, change_note: str
) -> ProcessStandardVersion:
    """Save new texts, settings and a validated rule into a draft."""
    check_rule(rule)
    with transaction.atomic():
        version = ProcessStandardVersion.objects.select_for_update().get(pk=version.pk)
        if version.status != VersionStatus.DRAFT:
            raise VersionStateError("Only a draft can be changed.")
        for name in STANDARD_FIELDS:
            setattr(version, name, fields.get(name))
        version.rule = rule
        version.change_note = change_note
        version.save()
    return version


def do_put_standard_in_force(version: ProcessStandardVersion):
    """Put a draft in force and retire the version in force before it, atomically.

    Return the retired version (None if there was none). The rule is checked
    again, its scope included: only a valid rule goes into force.
    """
    with transaction.atomic():
        ProcessStandard.objects.select_for_update().get(pk=version.standard_id)
        version.refresh_from_db()
        if version.status != VersionStatus.DRAFT:
            raise VersionStateError("Only a draft can be put in force.")
        check_rule(version.rule)  # raises RuleError
        previous = (
            ProcessStandardVersion.objects.filter(
                standard_id=version.standard_id, status=VersionStatus.IN_FORCE
            )
            .order_by("-version")
            .first()
        )
        if previous is not None:
            previous.status = VersionStatus.RETIRED
            previous.save(update_fields=["status"])
        version.status = VersionStatus.IN_FORCE
        version.save(update_fields=["status"])
    return previous


# --- key processes --------------------------------------------------------------------


def process_content(version: KeyProcessVersion) -> dict:
    """Return a version's texts, steps, interfaces and service types as plain data."""
    steps = list(version.steps.order_by("order"))
    keys = {step.pk: step.key for step in steps}
    return {
        "texts": {name: getattr(version, name) for name in PROCESS_FIELDS},
        "steps": [
            {name: getattr(step, name) for name in STEP_FIELDS} for step in steps
        ],
        "interfaces": [
            {
                "step": keys.get(item.step_id, ""),
                **{name: getattr(item, name) for name in INTERFACE_FIELDS},
            }
            for item in version.interfaces.order_by("order")
        ],
        "service_types": list(version.service_types.all()),
    }


def _write_content(version: KeyProcessVersion, content: dict):
    """Replace the version's steps, interfaces and service types."""
    version.interfaces.all().delete()
    version.steps.all().delete()
    steps = {}
    for order, step in enumerate(content["steps"], start=1):
        steps[step["key"]] = ProcessStep.objects.create(
            process_version=version,
            order=order,
            **{name: step.get(name, "") for name in STEP_FIELDS},
        )
    ProcessInterface.objects.bulk_create(
        [
            ProcessInterface(
                process_version=version,
                order=order,
                step=steps.get(item.get("step") or ""),
                **{name: item.get(name, "") for name in INTERFACE_FIELDS},
            )
            for order, item in enumerate(content["interfaces"], start=1)
        ]
    )
    version.service_types.set(content.get("service_types", []))


def _check_content(content: dict):
    keys = [step["key"] for step in content["steps"]]
    if len(set(keys)) != len(keys):
        raise ValueError("Step keys must be unique.")
    unknown = {item.get("step") for item in content["interfaces"]} - {"", None}
    if unknown - set(keys):
        raise ValueError("An interface names an unknown step.")


def do_create_key_process(
    user, *, owner: Organisation, key: str, content: dict, change_note=""
) -> KeyProcessVersion:
    """Create a key process owned by the organisation, with a first draft."""
    _check_content(content)
    with transaction.atomic():
        process = KeyProcess.objects.create(key=key, owner=owner)
        version = KeyProcessVersion.objects.create(
            process=process,
            version=1,
            status=VersionStatus.DRAFT,
            change_note=change_note,
            created_by=user,
            **content["texts"],
        )
        _write_content(version, content)
    return version


def do_start_process_draft(user, process) -> KeyProcessVersion:
    """Return the open draft, or a new one copied from the newest version."""
    with transaction.atomic():
        KeyProcess.objects.select_for_update().get(pk=process.pk)
        versions = process.versions.order_by("-version")
        draft = versions.filter(status=VersionStatus.DRAFT).first()
        if draft is not None:
            return draft
        newest = versions.first()
        content = process_content(newest)
        draft = KeyProcessVersion.objects.create(
            process=process,
            version=newest.version + 1,
            status=VersionStatus.DRAFT,
            created_by=user,
            **content["texts"],
        )
        _write_content(draft, content)
    return draft


def do_change_process_draft(
    version: KeyProcessVersion, *, content: dict, change_note: str
) -> KeyProcessVersion:
    """Save new texts, steps, interfaces and service types into a draft."""
    _check_content(content)
    with transaction.atomic():
        version = KeyProcessVersion.objects.select_for_update().get(pk=version.pk)
        if version.status != VersionStatus.DRAFT:
            raise VersionStateError("Only a draft can be changed.")
        for name, value in content["texts"].items():
            setattr(version, name, value)
        version.change_note = change_note
        version.save()
        _write_content(version, content)
    return version


def do_put_process_in_force(version: KeyProcessVersion):
    """Put a draft in force and retire the version in force before it, atomically.

    Return the retired version (None if there was none). A key process needs
    at least one step to go into force.
    """
    with transaction.atomic():
        KeyProcess.objects.select_for_update().get(pk=version.process_id)
        version.refresh_from_db()
        if version.status != VersionStatus.DRAFT:
            raise VersionStateError("Only a draft can be put in force.")
        if not version.steps.exists():
            raise ValueError("A key process needs at least one step.")
        previous = (
            KeyProcessVersion.objects.filter(
                process_id=version.process_id, status=VersionStatus.IN_FORCE
            )
            .order_by("-version")
            .first()
        )
        if previous is not None:
            previous.status = VersionStatus.RETIRED
            previous.save(update_fields=["status"])
        version.status = VersionStatus.IN_FORCE
        version.save(update_fields=["status"])
    return previous
