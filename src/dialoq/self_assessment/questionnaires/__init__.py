"""The built-in questionnaire templates: TOML files and the code that loads them.

Each ``*.toml`` file in this folder is one template: a key, German title and
texts (``title_en`` in English), its source, how the total is formed
(``total``: ``sum`` or ``mean``), the difference between partners that is
flagged (``flag_threshold``, in the items' unit), and ``[[criterion]]``
tables with ``[[criterion.item]]`` tables (``code``, ``scheme``, ``title``,
``title_en``, ``text``).

``load_questionnaires`` reads and checks the files and fails loudly, naming
the file and what is wrong. ``sync_questionnaires`` runs after every
``migrate`` (``SelfAssessmentConfig.ready``): a template whose content
changed gets a new version in force, the old one is retired and stays with
the rounds that used it; a template removed from the files is retired.
"""

import hashlib
import json
import re
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Max

from dialoq.self_assessment.scoring import Scheme, TotalRule, maximum

QUESTIONNAIRE_DIR = Path(__file__).resolve().parent
KEY_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CODE_PATTERN = re.compile(r"^[0-9]+(?:\.[0-9]+)?$")
TEMPLATE_FIELDS = {
    "key",
    "title",
    "title_en",
    "description",
    "source",
    "total",
    "flag_threshold",
    "criterion",
}
CRITERION_FIELDS = {"code", "title", "title_en", "item"}
ITEM_FIELDS = {"code", "scheme", "title", "title_en", "text"}
MAX_LENGTHS = {"title": 300, "title_en": 300, "code": 8}


class QuestionnaireError(Exception):
    """A questionnaire file cannot be used."""


@dataclass(frozen=True)
class ItemEntry:
    code: str
    scheme: str
    title: str
    title_en: str
    text: str


@dataclass(frozen=True)
class CriterionEntry:
    code: str
    title: str
    title_en: str
    items: tuple[ItemEntry, ...]


@dataclass(frozen=True)
class TemplateEntry:
    key: str
    title: str
    title_en: str
    description: str
    source: str
    total: str
    flag_threshold: int
    criteria: tuple[CriterionEntry, ...]

    @property
    def content_hash(self) -> str:
        """Return a fingerprint of the content, to see whether it changed."""
        text = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


def load_questionnaires(
    directory: Path = QUESTIONNAIRE_DIR,
) -> tuple[TemplateEntry, ...]:
    """Read and check every template file; raise ``QuestionnaireError`` if broken."""
    templates = tuple(_template(path) for path in sorted(directory.glob("*.toml")))
    keys = [template.key for template in templates]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise QuestionnaireError(
            f"{directory}: template key(s) declared twice: {', '.join(duplicates)}."
        )
    return templates


def _template(path: Path) -> TemplateEntry:
    try:
        with path.open("rb") as file:
            raw = tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise QuestionnaireError(f"{path}: not valid TOML: {error}") from None
    _fields(str(path), raw, TEMPLATE_FIELDS)
    key = raw["key"]
    if not isinstance(key, str) or len(key) > 60 or not KEY_PATTERN.match(key):
        raise QuestionnaireError(
            f"{path}: key “{key}” must be lower-case words joined by hyphens."
        )
    where = f"{path}: template “{key}”"
    if raw["total"] not in TotalRule.values:
        raise QuestionnaireError(
            f"{where}: “total” must be one of {', '.join(TotalRule.values)}."
        )
    criteria = raw["criterion"]
    if not isinstance(criteria, list) or not criteria:
        raise QuestionnaireError(f"{where}: needs [[criterion]] tables.")
    entries = tuple(_criterion(where, criterion) for criterion in criteria)
    _unique(where, [c.code for c in entries], "criterion")
    items = [item for criterion in entries for item in criterion.items]
    _unique(where, [item.code for item in items], "item")
    schemes = {item.scheme for item in items}
    if Scheme.ORDINAL in schemes and len(schemes) > 1:
        raise QuestionnaireError(
            f"{where}: items on the five-step scale and CAF items cannot be mixed."
        )
    threshold = raw["flag_threshold"]
    scheme = next(iter(schemes))
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, int)
        or not 0 < threshold <= maximum(scheme)
    ):
        raise QuestionnaireError(
            f"{where}: “flag_threshold” must be a whole number from 1 to "
            f"{maximum(scheme)}."
        )
    return TemplateEntry(
        key=key,
        title=_text(where, raw, "title"),
        title_en=_text(where, raw, "title_en"),
        description=_text(where, raw, "description", multiline=True),
        source=_text(where, raw, "source", multiline=True),
        total=raw["total"],
        flag_threshold=threshold,
        criteria=entries,
    )


def _criterion(where: str, raw: Any) -> CriterionEntry:
    if not isinstance(raw, dict):
        raise QuestionnaireError(f"{where}: “criterion” must be [[criterion]] tables.")
    code = _code(where, raw, "criterion")
    where = f"{where}, criterion {code}"
    _fields(where, raw, CRITERION_FIELDS)
    items = raw["item"]
    if not isinstance(items, list) or not items:
        raise QuestionnaireError(f"{where}: needs [[criterion.item]] tables.")
    return CriterionEntry(
        code=code,
        title=_text(where, raw, "title"),
        title_en=_text(where, raw, "title_en"),
        items=tuple(_item(where, item) for item in items),
    )


def _item(where: str, raw: Any) -> ItemEntry:
    if not isinstance(raw, dict):
        raise QuestionnaireError(f"{where}: “item” must be [[criterion.item]] tables.")
    code = _code(where, raw, "item")
    where = f"{where}, item {code}"
    _fields(where, raw, ITEM_FIELDS)
    if raw["scheme"] not in Scheme.values:
        raise QuestionnaireError(
            f"{where}: “scheme” must be one of {', '.join(Scheme.values)}."
        )
    return ItemEntry(
        code=code,
        scheme=raw["scheme"],
        title=_text(where, raw, "title"),
        title_en=_text(where, raw, "title_en"),
        text=_text(where, raw, "text", multiline=True),
    )


def _code(where: str, raw: dict, kind: str) -> str:
    code = raw.get("code")
    if not isinstance(code, str) or not CODE_PATTERN.match(code):
        raise QuestionnaireError(f"{where}: a {kind} needs a “code” such as 1 or 1.2.")
    return code


def _fields(where: str, raw: dict, fields: set[str]):
    missing = sorted(fields - set(raw))
    if missing:
        raise QuestionnaireError(f"{where}: missing field(s) {', '.join(missing)}.")
    unknown = sorted(set(raw) - fields)
    if unknown:
        raise QuestionnaireError(f"{where}: unknown field(s) {', '.join(unknown)}.")


def _text(where: str, raw: dict, name: str, *, multiline: bool = False) -> str:
    value = raw[name]
    if not isinstance(value, str) or not value.strip():
        raise QuestionnaireError(f"{where}: “{name}” must be a non-empty text.")
    value = value.strip()
    limit = MAX_LENGTHS.get(name)
    if not multiline and limit and len(value) > limit:
        raise QuestionnaireError(
            f"{where}: “{name}” has {len(value)} characters; at most {limit}."
        )
    return value


def _unique(where: str, codes: list[str], kind: str):
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise QuestionnaireError(
            f"{where}: {kind} code(s) used twice: {', '.join(duplicates)}."
        )


# --- synchronising --------------------------------------------------------------


def sync_questionnaires(
    templates: tuple[TemplateEntry, ...] | None = None,
    *,
    using: str = DEFAULT_DB_ALIAS,
    apps=None,
) -> int:
    """Write a new version of every template whose content changed; return how many.

    ``apps`` is the model registry to use (the migration state after
    ``migrate``); by default the project's models.
    """
    templates = load_questionnaires() if templates is None else templates
    registry = apps or global_apps
    version_model = registry.get_model("self_assessment", "TemplateVersion")
    in_force = {
        version.template.key: version
        for version in version_model.objects.using(using)
        .filter(status="in_force")
        .select_related("template")
    }
    changed = [
        entry
        for entry in templates
        if entry.key not in in_force
        or in_force[entry.key].content_hash != entry.content_hash
    ]
    removed = [
        version
        for key, version in in_force.items()
        if key not in {entry.key for entry in templates}
    ]
    if not changed and not removed:
        return 0
    with transaction.atomic(using=using):
        for version in removed:
            version.status = "retired"
            version.save(using=using, update_fields=["status"])
        for entry in changed:
            _write_version(entry, in_force.get(entry.key), registry, using)
    return len(changed)


def _write_version(entry: TemplateEntry, current, registry, using):
    template_model = registry.get_model("self_assessment", "QuestionnaireTemplate")
    version_model = registry.get_model("self_assessment", "TemplateVersion")
    criterion_model = registry.get_model("self_assessment", "Criterion")
    item_model = registry.get_model("self_assessment", "Item")
    template, _created = template_model.objects.using(using).get_or_create(
        key=entry.key
    )
    if current is not None:  # retired first: one version in force at a time
        current.status = "retired"
        current.save(using=using, update_fields=["status"])
    last = (
        version_model.objects.using(using)
        .filter(template=template)
        .aggregate(last=Max("version"))["last"]
    )
    version = version_model.objects.using(using).create(
        template=template,
        version=(last or 0) + 1,
        status="in_force",
        title=entry.title,
        title_en=entry.title_en,
        description=entry.description,
        source=entry.source,
        total_rule=entry.total,
        flag_threshold=entry.flag_threshold,
        content_hash=entry.content_hash,
    )
    for criterion_order, criterion_entry in enumerate(entry.criteria, start=1):
        criterion = criterion_model.objects.using(using).create(
            version=version,
            code=criterion_entry.code,
            order=criterion_order,
            title=criterion_entry.title,
            title_en=criterion_entry.title_en,
        )
        item_model.objects.using(using).bulk_create(
            item_model(
                criterion=criterion,
                code=item.code,
                order=item_order,
                scheme=item.scheme,
                title=item.title,
                title_en=item.title_en,
                text=item.text,
            )
            for item_order, item in enumerate(criterion_entry.items, start=1)
        )
