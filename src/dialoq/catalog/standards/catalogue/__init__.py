"""The built-in key processes and process standards: TOML data files and their loader.

``key_processes.toml`` holds the key processes (``[[key_process]]`` with
``[[key_process.step]]`` and ``[[key_process.interface]]`` tables); every
other ``*.toml`` file in this folder holds process standards
(``[[standard]]``, each with a ``[standard.rule]`` table in the rule language
of ``dialoq.catalog.standards``). Texts are German; ``title_en`` is the
English title.

``load_catalogue`` reads and checks the files: a broken file fails loudly,
naming the file, the key and what is wrong (rules are checked with
``parse_rule``). ``sync_catalogue`` brings the database in line with the
files and runs after every ``migrate`` (see ``CatalogConfig.ready``): a
built-in process or standard whose texts, steps, interfaces or rule changed
gets a new version in force and its old one is retired; one removed from the
files has its version in force retired. When nothing changed, nothing is
written.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Max
from django.utils import translation

from dialoq.catalog import catalogue_files as files
from dialoq.catalog.catalogue_files import CatalogueError
from dialoq.catalog.models import (
    DeviationSeverity,
    InterfaceForm,
    ProcessParty,
    QualityPerspective,
    VersionStatus,
)
from dialoq.catalog.standards import Rule, RuleError, parse_rule

CATALOGUE_DIR = Path(__file__).resolve().parent
PROCESS_FILE = "key_processes.toml"
MAX_TITLE_LENGTH = 200
MAX_LINE_LENGTH = 300
# The catalogue's texts are German data, like the files; this note is one of them.
DEFAULT_CHANGE_NOTE = "Aktualisierung des mitgelieferten Katalogs"

PROCESS_VERSION_FIELDS = ("title", "title_en", "purpose", "legal_basis", "source")
STEP_FIELDS = ("key", "title", "description", "responsible")
INTERFACE_FIELDS = ("step", "from_party", "to_party", "subject", "trigger", "form")
INTERFACE_FIELDS += ("consensus",)
STANDARD_VERSION_FIELDS = (
    "title",
    "title_en",
    "quality_goal",
    "rationale",
    "source",
    "perspective",
    "responsible",
    "severity",
    "step_key",
    "rule",
)


@dataclass(frozen=True)
class StepEntry:
    key: str
    title: str
    description: str
    responsible: str


@dataclass(frozen=True)
class InterfaceEntry:
    step: str
    from_party: str
    to_party: str
    subject: str
    trigger: str
    form: str
    consensus: str


@dataclass(frozen=True)
class KeyProcessEntry:
    key: str
    title: str
    title_en: str
    purpose: str
    legal_basis: str
    source: str
    steps: tuple[StepEntry, ...]
    interfaces: tuple[InterfaceEntry, ...]
    change_note: str
    file: str


@dataclass(frozen=True)
class StandardEntry:
    key: str
    title: str
    title_en: str
    quality_goal: str
    rationale: str
    source: str
    perspective: str
    responsible: str
    severity: str
    key_process: str
    step_key: str
    rule: dict[str, Any]
    change_note: str
    file: str
    parsed: Rule


@dataclass(frozen=True)
class Catalogue:
    key_processes: tuple[KeyProcessEntry, ...]
    standards: tuple[StandardEntry, ...]

    def key_process(self, key: str) -> KeyProcessEntry:
        return next(entry for entry in self.key_processes if entry.key == key)

    def standard(self, key: str) -> StandardEntry:
        return next(entry for entry in self.standards if entry.key == key)


@dataclass(frozen=True)
class SyncSummary:
    """What ``sync_catalogue`` wrote."""

    processes_created: int = 0
    standards_created: int = 0
    versions_created: int = 0
    versions_retired: int = 0

    @property
    def changed(self) -> bool:
        return any(
            (
                self.processes_created,
                self.standards_created,
                self.versions_created,
                self.versions_retired,
            )
        )


# --- loading -------------------------------------------------------------------


def load_catalogue(directory: Path = CATALOGUE_DIR) -> Catalogue:
    """Read and check the catalogue files; raise ``CatalogueError`` if broken."""
    process_path = directory / PROCESS_FILE
    processes = tuple(
        _key_process(process_path, raw)
        for raw in files.entries(process_path, "key_process")
    )
    files.check_unique(processes, "key process")
    steps = {entry.key: {step.key for step in entry.steps} for entry in processes}
    standards: list[StandardEntry] = []
    for path in sorted(directory.glob("*.toml")):
        if path.name == PROCESS_FILE:
            continue
        standards.extend(
            _standard(path, raw, steps) for raw in files.entries(path, "standard")
        )
    files.check_unique(standards, "standard")
    return Catalogue(processes, tuple(standards))


def _key_process(path: Path, raw: dict[str, Any]) -> KeyProcessEntry:
    key = files.key(path, raw, "key process")
    where = f"{path}: key process “{key}”"
    files.check_fields(
        where,
        raw,
        {"key", *PROCESS_VERSION_FIELDS, "step", "interface", "change_note"},
        optional={"interface", "change_note"},
    )
    steps = tuple(
        _step(where, item) for item in _tables(where, raw, "step", required=True)
    )
    _check_unique_keys(where, [step.key for step in steps], "step")
    step_keys = {step.key for step in steps}
    interfaces = tuple(
        _interface(where, item, step_keys)
        for item in _tables(where, raw, "interface", required=False)
    )
    return KeyProcessEntry(
        key=key,
        title=files.text(where, raw, "title", MAX_TITLE_LENGTH),
        title_en=files.text(where, raw, "title_en", MAX_TITLE_LENGTH),
        purpose=files.text(where, raw, "purpose"),
        legal_basis=files.text(where, raw, "legal_basis", MAX_TITLE_LENGTH),
        source=files.text(where, raw, "source"),
        steps=steps,
        interfaces=interfaces,
        change_note=_optional_text(where, raw, "change_note"),
        file=str(path),
    )


def _tables(where: str, raw: dict, name: str, *, required: bool) -> list[dict]:
    items = raw.get(name, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise CatalogueError(f"{where}: “{name}” must be written as tables.")
    if required and not items:
        raise CatalogueError(f"{where}: needs at least one {name}.")
    return items


def _step(where: str, raw: dict) -> StepEntry:
    key = raw.get("key")
    if not isinstance(key, str) or not files.KEY_PATTERN.match(key) or len(key) > 60:
        raise CatalogueError(
            f"{where}: step key “{key}” must be lower-case words joined by hyphens."
        )
    where = f"{where}, step “{key}”"
    files.check_fields(where, raw, set(STEP_FIELDS), optional={"description"})
    return StepEntry(
        key=key,
        title=files.text(where, raw, "title", MAX_TITLE_LENGTH),
        description=_optional_text(where, raw, "description"),
        responsible=_choice(where, raw, "responsible", ProcessParty),
    )


def _interface(where: str, raw: dict, step_keys: set[str]) -> InterfaceEntry:
    where = f"{where}, interface “{raw.get('subject', '?')}”"
    fields = {"step", "from", "to", "subject", "trigger", "form", "consensus"}
    files.check_fields(where, raw, fields, optional={"step", "consensus"})
    step = raw.get("step", "")
    if step and step not in step_keys:
        raise CatalogueError(
            f"{where}: unknown step “{step}”; possible: {', '.join(sorted(step_keys))}."
        )
    return InterfaceEntry(
        step=step,
        from_party=_choice(where, raw, "from", ProcessParty),
        to_party=_choice(where, raw, "to", ProcessParty),
        subject=files.text(where, raw, "subject", MAX_LINE_LENGTH),
        trigger=files.text(where, raw, "trigger", MAX_LINE_LENGTH),
        form=_choice(where, raw, "form", InterfaceForm),
        consensus=_optional_text(where, raw, "consensus"),
    )


def _standard(
    path: Path, raw: dict[str, Any], steps: dict[str, set[str]]
) -> StandardEntry:
    key = files.key(path, raw, "standard")
    where = f"{path}: standard “{key}”"
    fields = {
        "key",
        "title",
        "title_en",
        "quality_goal",
        "rationale",
        "source",
        "perspective",
        "responsible",
        "severity",
        "key_process",
        "step",
        "rule",
        "change_note",
    }
    files.check_fields(where, raw, fields, optional={"change_note"})
    process = raw["key_process"]
    if process not in steps:
        raise CatalogueError(
            f"{where}: unknown key process “{process}”; key processes are "
            f"declared in {PROCESS_FILE}."
        )
    if raw["step"] not in steps[process]:
        raise CatalogueError(
            f"{where}: key process “{process}” has no step “{raw['step']}”; "
            f"possible: {', '.join(sorted(steps[process]))}."
        )
    rule = raw["rule"]
    if not isinstance(rule, dict):
        raise CatalogueError(f"{where}: “rule” must be a table ([standard.rule]).")
    try:
        with translation.override("en"):
            parsed = parse_rule(rule)
    except RuleError as error:
        raise CatalogueError(
            f"{where}: rule field “{error.field}”: {error.message}"
        ) from None
    return StandardEntry(
        key=key,
        title=files.text(where, raw, "title", MAX_TITLE_LENGTH),
        title_en=files.text(where, raw, "title_en", MAX_TITLE_LENGTH),
        quality_goal=files.text(where, raw, "quality_goal"),
        rationale=files.text(where, raw, "rationale"),
        source=files.text(where, raw, "source"),
        perspective=_choice(where, raw, "perspective", QualityPerspective),
        responsible=_choice(where, raw, "responsible", ProcessParty),
        severity=_choice(where, raw, "severity", DeviationSeverity),
        key_process=process,
        step_key=raw["step"],
        rule=rule,
        change_note=_optional_text(where, raw, "change_note"),
        file=str(path),
        parsed=parsed,
    )


def _optional_text(where: str, raw: dict, name: str) -> str:
    return (
        files.text(where, raw, name, MAX_LINE_LENGTH if name == "change_note" else None)
        if name in raw
        else ""
    )


def _choice(where: str, raw: dict, name: str, choices) -> str:
    value = raw.get(name)
    if value not in choices.values:
        raise CatalogueError(
            f"{where}: “{name}” must be one of {', '.join(choices.values)}, "
            f"not “{value}”."
        )
    return value


def _check_unique_keys(where: str, keys: list[str], kind: str):
    seen = set()
    for key in keys:
        if key in seen:
            raise CatalogueError(f"{where}: {kind} key “{key}” is used twice.")
        seen.add(key)


# --- synchronising ------------------------------------------------------------------


def sync_catalogue(
    catalogue: Catalogue | None = None,
    *,
    using: str = DEFAULT_DB_ALIAS,
    apps=None,
) -> SyncSummary:
    """Bring the built-in key processes and standards in the database up to date.

    ``apps`` is the model registry to use (the migration state after
    ``migrate``); by default the project's models.
    """
    catalogue = catalogue or load_catalogue()
    registry = apps or global_apps
    process_versions = _process_versions_in_force(registry, using)
    standard_versions = _standard_versions_in_force(registry, using)
    if _processes_up_to_date(catalogue, process_versions) and _standards_up_to_date(
        catalogue, standard_versions
    ):
        return SyncSummary()
    with transaction.atomic(using=using):
        processes, processes_created = _write_owners(
            catalogue.key_processes, "KeyProcess", registry, using
        )
        created, retired = _write_process_versions(
            catalogue, process_versions, processes, registry, using
        )
        standards, standards_created = _write_owners(
            catalogue.standards, "ProcessStandard", registry, using
        )
        more_created, more_retired = _write_standard_versions(
            catalogue, standard_versions, standards, processes, registry, using
        )
    return SyncSummary(
        processes_created,
        standards_created,
        created + more_created,
        retired + more_retired,
    )


def _process_versions_in_force(registry, using) -> dict:
    model = registry.get_model("catalog", "KeyProcessVersion")
    versions = (
        model.objects.using(using)
        .filter(status=VersionStatus.IN_FORCE, process__owner__isnull=True)
        .select_related("process")
        .prefetch_related("steps", "interfaces__step")
    )
    return {version.process.key: version for version in versions}


def _standard_versions_in_force(registry, using) -> dict:
    model = registry.get_model("catalog", "ProcessStandardVersion")
    versions = (
        model.objects.using(using)
        .filter(status=VersionStatus.IN_FORCE, standard__owner__isnull=True)
        .select_related("standard", "key_process")
    )
    return {version.standard.key: version for version in versions}


def _stored_steps(version) -> tuple:
    return tuple(
        StepEntry(step.key, step.title, step.description, step.responsible)
        for step in sorted(version.steps.all(), key=lambda step: step.order)
    )


def _stored_interfaces(version) -> tuple:
    return tuple(
        InterfaceEntry(
            item.step.key if item.step_id else "",
            item.from_party,
            item.to_party,
            item.subject,
            item.trigger,
            item.form,
            item.consensus,
        )
        for item in sorted(version.interfaces.all(), key=lambda item: item.order)
    )


def _process_matches(version, entry: KeyProcessEntry) -> bool:
    return (
        files.same(version, entry, PROCESS_VERSION_FIELDS)
        and _stored_steps(version) == entry.steps
        and _stored_interfaces(version) == entry.interfaces
    )


def _standard_matches(version, entry: StandardEntry) -> bool:
    process_key = version.key_process.key if version.key_process_id else ""
    return process_key == entry.key_process and files.same(
        version, entry, STANDARD_VERSION_FIELDS
    )


def _processes_up_to_date(catalogue: Catalogue, in_force: dict) -> bool:
    if set(in_force) != {entry.key for entry in catalogue.key_processes}:
        return False
    return all(
        _process_matches(in_force[entry.key], entry)
        for entry in catalogue.key_processes
    )


def _standards_up_to_date(catalogue: Catalogue, in_force: dict) -> bool:
    if set(in_force) != {entry.key for entry in catalogue.standards}:
        return False
    return all(
        _standard_matches(in_force[entry.key], entry) for entry in catalogue.standards
    )


def _write_owners(entries, model_name: str, registry, using) -> tuple[dict, int]:
    """Create the missing built-in processes or standards; return them by key."""
    model = registry.get_model("catalog", model_name)
    existing = {
        item.key: item
        for item in model.objects.using(using).filter(
            key__in=[entry.key for entry in entries]
        )
    }
    created = 0
    for entry in entries:
        item = existing.get(entry.key)
        if item is None:
            existing[entry.key] = model.objects.using(using).create(
                key=entry.key, owner=None
            )
            created += 1
        elif item.owner_id is not None:
            raise CatalogueError(
                f"{entry.file}: key “{entry.key}” is already used by organisation "
                f"{item.owner_id}; rename one of them."
            )
    return existing, created


def _next_numbers(model, owner_field: str, owners, using) -> dict:
    return dict(
        model.objects.using(using)
        .filter(**{f"{owner_field}__in": [owner.pk for owner in owners]})
        .values_list(f"{owner_field}_id")
        .annotate(last=Max("version"))
    )


def _write_process_versions(catalogue, in_force, processes, registry, using):
    """Put a new version in force where a process changed; retire removed ones."""
    model = registry.get_model("catalog", "KeyProcessVersion")
    step_model = registry.get_model("catalog", "ProcessStep")
    interface_model = registry.get_model("catalog", "ProcessInterface")
    last_numbers = _next_numbers(model, "process", processes.values(), using)
    created = retired = 0
    for entry in catalogue.key_processes:
        version = in_force.get(entry.key)
        if version is not None and _process_matches(version, entry):
            continue
        if version is not None:  # retired first: one version in force at a time
            files.retire(version, using)
            retired += 1
        process = processes[entry.key]
        number = last_numbers.get(process.pk, 0) + 1
        new = model.objects.using(using).create(
            process=process,
            version=number,
            status=VersionStatus.IN_FORCE,
            change_note=entry.change_note
            or (DEFAULT_CHANGE_NOTE if number > 1 else ""),
            **{name: getattr(entry, name) for name in PROCESS_VERSION_FIELDS},
        )
        steps = {}
        for order, step in enumerate(entry.steps, start=1):
            steps[step.key] = step_model.objects.using(using).create(
                process_version=new,
                order=order,
                **{name: getattr(step, name) for name in STEP_FIELDS},
            )
        interface_model.objects.using(using).bulk_create(
            [
                interface_model(
                    process_version=new,
                    order=order,
                    step=steps.get(item.step),
                    from_party=item.from_party,
                    to_party=item.to_party,
                    subject=item.subject,
                    trigger=item.trigger,
                    form=item.form,
                    consensus=item.consensus,
                )
                for order, item in enumerate(entry.interfaces, start=1)
            ]
        )
        created += 1
    retired += _retire_removed(in_force, catalogue.key_processes, using)
    return created, retired


def _write_standard_versions(
    catalogue, in_force, standards, processes, registry, using
):
    """Put a new version in force where a standard changed; retire removed ones."""
    model = registry.get_model("catalog", "ProcessStandardVersion")
    last_numbers = _next_numbers(model, "standard", standards.values(), using)
    created = retired = 0
    for entry in catalogue.standards:
        version = in_force.get(entry.key)
        if version is not None and _standard_matches(version, entry):
            continue
        if version is not None:
            files.retire(version, using)
            retired += 1
        standard = standards[entry.key]
        number = last_numbers.get(standard.pk, 0) + 1
        model.objects.using(using).create(
            standard=standard,
            version=number,
            status=VersionStatus.IN_FORCE,
            key_process=processes[entry.key_process],
            change_note=entry.change_note
            or (DEFAULT_CHANGE_NOTE if number > 1 else ""),
            **{name: getattr(entry, name) for name in STANDARD_VERSION_FIELDS},
        )
        created += 1
    retired += _retire_removed(in_force, catalogue.standards, using)
    return created, retired


def _retire_removed(in_force: dict, entries, using) -> int:
    keys = {entry.key for entry in entries}
    removed = [version for key, version in in_force.items() if key not in keys]
    for version in removed:
        files.retire(version, using)
    return len(removed)
