"""The built-in indicator catalogue: TOML data files and the code that loads them.

``criteria.toml`` holds the quality criteria (``[[criterion]]``); every other
``*.toml`` file in this folder holds indicators (``[[indicator]]``, each with
an ``[indicator.spec]`` table in the format of ``dialoq.measures.spec``). The
texts are German; ``title_en`` is the English title.

``load_catalogue`` reads and checks the files: a broken file fails loudly,
naming the file, the key and what is wrong. ``sync_catalogue`` brings the
database in line with the files and runs after every ``migrate`` (see
``MeasuresConfig.ready``): criteria are created or updated in place; a
built-in indicator whose texts or definition changed gets a new version in
force and its old one is retired; an indicator removed from the files has its
version in force retired. When nothing changed, one query finds that out and
nothing is written.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Max

from dialoq.catalog import catalogue_files as files
from dialoq.catalog.catalogue_files import CatalogueError
from dialoq.catalog.models import QualityDimension, QualityPerspective, VersionStatus
from dialoq.measures.conditions import DefinitionError
from dialoq.measures.spec import IndicatorSpec, parse_spec

CATALOGUE_DIR = Path(__file__).resolve().parent
CRITERIA_FILE = "criteria.toml"
MAX_TITLE_LENGTH = 200
MAX_CHANGE_NOTE_LENGTH = 300
# The catalogue's texts are German data, like the files; this note is one of them.
DEFAULT_CHANGE_NOTE = "Aktualisierung des mitgelieferten Katalogs"

CRITERION_FIELDS = (
    "title",
    "title_en",
    "description",
    "dimension",
    "perspective",
    "order",
)
VERSION_FIELDS = ("title", "title_en", "quality_goal", "rationale", "source", "spec")
_INDICATOR_FIELDS = {"key", "criterion", *VERSION_FIELDS, "change_note"}
_OPTIONAL_INDICATOR_FIELDS = {"change_note"}


@dataclass(frozen=True)
class CriterionEntry:
    key: str
    title: str
    title_en: str
    description: str
    dimension: str
    perspective: str
    order: int
    file: str


@dataclass(frozen=True)
class IndicatorEntry:
    key: str
    criterion: str
    title: str
    title_en: str
    quality_goal: str
    rationale: str
    source: str
    spec: dict[str, Any]
    change_note: str
    file: str
    parsed: IndicatorSpec


@dataclass(frozen=True)
class Catalogue:
    criteria: tuple[CriterionEntry, ...]
    indicators: tuple[IndicatorEntry, ...]

    def criterion(self, key: str) -> CriterionEntry:
        return next(entry for entry in self.criteria if entry.key == key)

    def indicator(self, key: str) -> IndicatorEntry:
        return next(entry for entry in self.indicators if entry.key == key)


@dataclass(frozen=True)
class SyncSummary:
    """What ``sync_catalogue`` wrote."""

    criteria_written: int = 0
    definitions_created: int = 0
    versions_created: int = 0
    versions_retired: int = 0

    @property
    def changed(self) -> bool:
        return any(
            (
                self.criteria_written,
                self.definitions_created,
                self.versions_created,
                self.versions_retired,
            )
        )


# --- loading -------------------------------------------------------------------


def load_catalogue(directory: Path = CATALOGUE_DIR) -> Catalogue:
    """Read and check the catalogue files; raise ``CatalogueError`` if broken."""
    criteria_path = directory / CRITERIA_FILE
    criteria = tuple(
        _criterion(criteria_path, raw)
        for raw in files.entries(criteria_path, "criterion")
    )
    files.check_unique(criteria, "criterion")
    criterion_keys = {entry.key for entry in criteria}
    indicators: list[IndicatorEntry] = []
    for path in sorted(directory.glob("*.toml")):
        if path.name == CRITERIA_FILE:
            continue
        indicators.extend(
            _indicator(path, raw, criterion_keys)
            for raw in files.entries(path, "indicator")
        )
    files.check_unique(indicators, "indicator")
    measured = {entry.criterion for entry in indicators}
    for entry in criteria:
        if entry.key not in measured:
            raise CatalogueError(
                f"{entry.file}: criterion “{entry.key}” has no indicator; "
                "a built-in criterion is made measurable by at least one."
            )
    return Catalogue(criteria, tuple(indicators))


def _criterion(path: Path, raw: dict[str, Any]) -> CriterionEntry:
    key = files.key(path, raw, "criterion")
    where = f"{path}: criterion “{key}”"
    files.check_fields(where, raw, {"key", *CRITERION_FIELDS}, optional=set())
    order = raw["order"]
    if not isinstance(order, int) or isinstance(order, bool) or not 0 <= order < 32768:
        raise CatalogueError(f"{where}: “order” must be a whole number from 0.")
    for name, choices in (
        ("dimension", QualityDimension),
        ("perspective", QualityPerspective),
    ):
        if raw[name] not in choices.values:
            raise CatalogueError(
                f"{where}: “{name}” must be one of {', '.join(choices.values)}, "
                f"not “{raw[name]}”."
            )
    return CriterionEntry(
        key=key,
        title=files.text(where, raw, "title", MAX_TITLE_LENGTH),
        title_en=files.text(where, raw, "title_en", MAX_TITLE_LENGTH),
        description=files.text(where, raw, "description"),
        dimension=raw["dimension"],
        perspective=raw["perspective"],
        order=order,
        file=str(path),
    )


def _indicator(
    path: Path, raw: dict[str, Any], criterion_keys: set[str]
) -> IndicatorEntry:
    key = files.key(path, raw, "indicator")
    where = f"{path}: indicator “{key}”"
    files.check_fields(
        where, raw, _INDICATOR_FIELDS, optional=_OPTIONAL_INDICATOR_FIELDS
    )
    if raw["criterion"] not in criterion_keys:
        raise CatalogueError(
            f"{where}: unknown criterion “{raw['criterion']}”; "
            f"criteria are declared in {CRITERIA_FILE}."
        )
    spec = raw["spec"]
    if not isinstance(spec, dict):
        raise CatalogueError(f"{where}: “spec” must be a table ([indicator.spec]).")
    try:
        parsed = parse_spec(spec)
    except DefinitionError as error:
        raise CatalogueError(f"{where}: {error}") from None
    return IndicatorEntry(
        key=key,
        criterion=raw["criterion"],
        title=files.text(where, raw, "title", MAX_TITLE_LENGTH),
        title_en=files.text(where, raw, "title_en", MAX_TITLE_LENGTH),
        quality_goal=files.text(where, raw, "quality_goal"),
        rationale=files.text(where, raw, "rationale"),
        source=files.text(where, raw, "source"),
        spec=spec,
        change_note=(
            files.text(where, raw, "change_note", MAX_CHANGE_NOTE_LENGTH)
            if "change_note" in raw
            else ""
        ),
        file=str(path),
        parsed=parsed,
    )


# --- synchronising ------------------------------------------------------------------


def sync_catalogue(
    catalogue: Catalogue | None = None,
    *,
    using: str = DEFAULT_DB_ALIAS,
    apps=None,
) -> SyncSummary:
    """Bring the built-in criteria and indicators in the database up to date.

    ``apps`` is the model registry to use (the migration state after
    ``migrate``); by default the project's models.
    """
    catalogue = catalogue or load_catalogue()
    registry = apps or global_apps
    version_model = registry.get_model("catalog", "IndicatorVersion")
    in_force = list(
        version_model.objects.using(using)
        .filter(status=VersionStatus.IN_FORCE, definition__owner__isnull=True)
        .select_related("definition__criterion")
    )
    if _up_to_date(catalogue, in_force):
        return SyncSummary()
    with transaction.atomic(using=using):
        return _write(catalogue, in_force, registry, using)


def _up_to_date(catalogue: Catalogue, in_force) -> bool:
    """Return whether the versions in force match the catalogue exactly."""
    by_key = {version.definition.key: version for version in in_force}
    if set(by_key) != {entry.key for entry in catalogue.indicators}:
        return False
    for entry in catalogue.indicators:
        version = by_key[entry.key]
        criterion = version.definition.criterion
        if criterion.key != entry.criterion or not files.same(
            version, entry, VERSION_FIELDS
        ):
            return False
        if not files.same(
            criterion, catalogue.criterion(entry.criterion), CRITERION_FIELDS
        ):
            return False
    return True


def _write(catalogue: Catalogue, in_force, registry, using) -> SyncSummary:
    criteria, criteria_written = _write_criteria(catalogue, registry, using)
    definitions, definitions_created = _write_definitions(
        catalogue, criteria, registry, using
    )
    created, retired = _write_versions(
        catalogue, in_force, definitions, registry, using
    )
    return SyncSummary(criteria_written, definitions_created, created, retired)


def _write_criteria(catalogue, registry, using) -> tuple[dict, int]:
    """Create or update the criteria in place; return them by key."""
    model = registry.get_model("catalog", "QualityCriterion")
    criteria = {
        criterion.key: criterion
        for criterion in model.objects.using(using).filter(
            key__in=[entry.key for entry in catalogue.criteria]
        )
    }
    written = 0
    for entry in catalogue.criteria:
        criterion = criteria.get(entry.key)
        if criterion is None:
            criterion = criteria[entry.key] = model(key=entry.key)
        elif files.same(criterion, entry, CRITERION_FIELDS):
            continue
        for name in CRITERION_FIELDS:
            setattr(criterion, name, getattr(entry, name))
        criterion.save(using=using)
        written += 1
    return criteria, written


def _write_definitions(catalogue, criteria, registry, using) -> tuple[dict, int]:
    """Create the missing built-in definitions, move changed ones to their criterion."""
    model = registry.get_model("catalog", "IndicatorDefinition")
    definitions = {
        definition.key: definition
        for definition in model.objects.using(using).filter(
            key__in=[entry.key for entry in catalogue.indicators]
        )
    }
    created = 0
    for entry in catalogue.indicators:
        criterion = criteria[entry.criterion]
        definition = definitions.get(entry.key)
        if definition is None:
            definitions[entry.key] = model.objects.using(using).create(
                key=entry.key, criterion=criterion, owner=None
            )
            created += 1
        elif definition.owner_id is not None:
            raise CatalogueError(
                f"{entry.file}: indicator key “{entry.key}” is already used by an "
                f"indicator of organisation {definition.owner_id}; rename one of them."
            )
        elif definition.criterion_id != criterion.pk:
            definition.criterion = criterion
            definition.save(using=using, update_fields=["criterion"])
    return definitions, created


def _write_versions(catalogue, in_force, definitions, registry, using):
    """Put a new version in force where texts or definition changed; retire the
    versions of indicators no longer in the files. Return (created, retired)."""
    model = registry.get_model("catalog", "IndicatorVersion")
    current = {version.definition.key: version for version in in_force}
    last_numbers = dict(
        model.objects.using(using)
        .filter(definition__in=[d.pk for d in definitions.values()])
        .values_list("definition_id")
        .annotate(last=Max("version"))
    )
    created = retired = 0
    for entry in catalogue.indicators:
        version = current.get(entry.key)
        if version is not None and files.same(version, entry, VERSION_FIELDS):
            continue
        if version is not None:  # retired first: one version in force at a time
            files.retire(version, using)
            retired += 1
        definition = definitions[entry.key]
        number = last_numbers.get(definition.pk, 0) + 1
        model.objects.using(using).create(
            definition=definition,
            version=number,
            status=VersionStatus.IN_FORCE,
            change_note=entry.change_note
            or (DEFAULT_CHANGE_NOTE if number > 1 else ""),
            **{name: getattr(entry, name) for name in VERSION_FIELDS},
        )
        created += 1
    keys = {entry.key for entry in catalogue.indicators}
    for key, version in current.items():
        if key not in keys:
            files.retire(version, using)
            retired += 1
    return created, retired
