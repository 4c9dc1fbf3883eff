"""Reading the built-in catalogues' TOML data files, the same way for each catalogue.

The indicator catalogue (``measures.catalogue``) and the catalogue of key
processes and standards (``catalog.standards.catalogue``) check their files
with these functions: a broken file fails loudly, naming the file, the key
and what is wrong.
"""

import re
import tomllib
from pathlib import Path
from typing import Any

from dialoq.catalog.models import VersionStatus

KEY_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_KEY_LENGTH = 60


class CatalogueError(Exception):
    """A data file of the built-in catalogue cannot be used."""


def entries(path: Path, name: str) -> list[dict[str, Any]]:
    """Return the ``[[name]]`` tables of the file, the only tables it may hold."""
    try:
        with path.open("rb") as file:
            data = tomllib.load(file)
    except FileNotFoundError:
        raise CatalogueError(f"{path}: the file is missing.") from None
    except tomllib.TOMLDecodeError as error:
        raise CatalogueError(f"{path}: not valid TOML: {error}") from None
    unknown = sorted(set(data) - {name})
    if unknown:
        raise CatalogueError(
            f"{path}: unexpected table(s) {', '.join(unknown)}; "
            f"this file holds [[{name}]] entries only."
        )
    found = data.get(name, [])
    if not isinstance(found, list) or not all(isinstance(e, dict) for e in found):
        raise CatalogueError(f"{path}: “{name}” must be written as [[{name}]] tables.")
    return found


def key(path: Path, raw: dict[str, Any], kind: str) -> str:
    """Return the entry's key: lower-case words joined by hyphens."""
    value = raw.get("key")
    if not isinstance(value, str) or not value:
        raise CatalogueError(f"{path}: a {kind} has no “key”.")
    if len(value) > MAX_KEY_LENGTH or not KEY_PATTERN.match(value):
        raise CatalogueError(
            f"{path}: {kind} key “{value}” must be lower-case words joined by "
            f"hyphens, at most {MAX_KEY_LENGTH} characters."
        )
    return value


def check_fields(where: str, raw: dict, fields: set[str], *, optional: set[str]):
    """Raise unless the entry has every required field and no unknown one."""
    missing = sorted(fields - optional - set(raw))
    if missing:
        raise CatalogueError(f"{where}: missing field(s) {', '.join(missing)}.")
    unknown = sorted(set(raw) - fields)
    if unknown:
        raise CatalogueError(f"{where}: unknown field(s) {', '.join(unknown)}.")


def text(where: str, raw: dict, name: str, max_length: int | None = None) -> str:
    """Return the field as a stripped, non-empty text of at most ``max_length``."""
    value = raw[name]
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(f"{where}: “{name}” must be a non-empty text.")
    value = value.strip()
    if max_length is not None and len(value) > max_length:
        raise CatalogueError(
            f"{where}: “{name}” has {len(value)} characters; at most {max_length}."
        )
    return value


def check_unique(found, kind: str):
    """Raise if two entries (with ``key`` and ``file``) share a key."""
    seen: dict[str, str] = {}
    for entry in found:
        if entry.key in seen:
            raise CatalogueError(
                f"{entry.file}: {kind} key “{entry.key}” is declared twice "
                f"(also in {seen[entry.key]})."
            )
        seen[entry.key] = entry.file


def same(instance, entry, fields) -> bool:
    """Return whether the stored instance holds the entry's values of the fields."""
    return all(getattr(instance, name) == getattr(entry, name) for name in fields)


def retire(version, using) -> None:
    """Retire a version in force (it stays as history)."""
    version.status = VersionStatus.RETIRED
    version.save(using=using, update_fields=["status"])
