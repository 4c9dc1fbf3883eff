"""What changed between two versions of an indicator, line by line."""

import difflib
import json
from dataclasses import dataclass

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from dialoq.catalog.models import IndicatorVersion

CONTEXT_LINES = 2


@dataclass(frozen=True)
class DiffLine:
    """One line of a comparison: ``added``, ``removed``, ``same`` or ``gap``."""

    kind: str
    text: str

    @property
    def sign(self) -> str:
        return {"added": "+", "removed": "−", "same": " ", "gap": "…"}[self.kind]


def pretty_spec(spec: dict) -> str:
    """Return a definition as indented JSON with sorted keys."""
    return json.dumps(spec, indent=2, ensure_ascii=False, sort_keys=True)


def version_lines(version: IndicatorVersion) -> list[str]:
    """Return the texts and the definition of a version as comparable lines."""
    lines = []
    for name in ("title", "title_en", "quality_goal", "rationale", "source"):
        label = capfirst(IndicatorVersion._meta.get_field(name).verbose_name)
        text = getattr(version, name).strip()
        parts = text.splitlines() or [""]
        lines.append(f"{label}: {parts[0]}")
        lines += [f"    {part}" for part in parts[1:]]
    lines.append(_("Definition:"))
    lines += pretty_spec(version.spec).splitlines()
    return lines


def diff_versions(old: IndicatorVersion, new: IndicatorVersion) -> list[DiffLine]:
    """Return the changed lines with a little context; empty if nothing changed."""
    diff = difflib.unified_diff(
        version_lines(old), version_lines(new), lineterm="", n=CONTEXT_LINES
    )
    result = []
    for line in diff:
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            if result:
                result.append(DiffLine("gap", ""))
            continue
        kind = {"+": "added", "-": "removed"}.get(line[:1], "same")
        result.append(DiffLine(kind, line[1:]))
    return result
