"""What changed between two versions of a key process or a process standard."""

import difflib

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from dialoq.catalog.history import CONTEXT_LINES, DiffLine
from dialoq.catalog.models import (
    KeyProcessVersion,
    ProcessInterface,
    ProcessStandardVersion,
    ProcessStep,
)
from dialoq.catalog.standards.rule_text import rule_as_toml


def _text_lines(model, instance, names) -> list[str]:
    lines = []
    for name in names:
        label = capfirst(model._meta.get_field(name).verbose_name)
        value = getattr(instance, name)
        text = str(value if value is not None else "").strip()
        parts = text.splitlines() or [""]
        lines.append(f"{label}: {parts[0]}")
        lines += [f"    {part}" for part in parts[1:]]
    return lines


def standard_lines(version: ProcessStandardVersion) -> list[str]:
    """Return a standard version's texts, settings and rule as comparable lines."""
    lines = _text_lines(
        ProcessStandardVersion,
        version,
        ("title", "title_en", "quality_goal", "rationale", "source"),
    )
    lines += [
        f"{capfirst(_('perspective'))}: {version.get_perspective_display()}",
        f"{capfirst(_('responsible'))}: {version.get_responsible_display()}",
        f"{capfirst(_('severity of a breach'))}: {version.get_severity_display()}",
        f"{capfirst(_('key process'))}: "
        f"{version.key_process.key if version.key_process_id else '–'}",
        f"{capfirst(_('process step'))}: {version.step_key or '–'}",
        _("Rule:"),
    ]
    lines += rule_as_toml(version.rule).splitlines()
    return lines


def process_lines(version: KeyProcessVersion) -> list[str]:
    """Return a key process version's texts, steps and interfaces as lines."""
    lines = _text_lines(
        KeyProcessVersion,
        version,
        ("title", "title_en", "purpose", "legal_basis", "source"),
    )
    service_types = ", ".join(st.key for st in version.service_types.all())
    lines.append(f"{capfirst(_('service types'))}: {service_types or '–'}")
    steps = list(version.steps.order_by("order"))
    keys = {step.pk: step.key for step in steps}
    for step in steps:
        lines.append(
            _("Step %(number)s (%(key)s): %(title)s – %(party)s")
            % {
                "number": step.order,
                "key": step.key,
                "title": step.title,
                "party": step.get_responsible_display(),
            }
        )
        lines += [
            f"    {line}"
            for line in _text_lines(ProcessStep, step, ("description",))
            if line.split(": ", 1)[-1]
        ]
    for item in version.interfaces.order_by("order"):
        lines.append(
            _("Interface %(number)s at %(step)s: %(from)s → %(to)s")
            % {
                "number": item.order,
                "step": keys.get(item.step_id, "–"),
                "from": item.get_from_party_display(),
                "to": item.get_to_party_display(),
            }
        )
        lines += [
            f"    {line}"
            for line in _text_lines(
                ProcessInterface, item, ("subject", "trigger", "consensus")
            )
        ]
        lines.append(f"    {capfirst(_('in which form'))}: {item.get_form_display()}")
    return lines


def diff_lines(old: list[str], new: list[str]) -> list[DiffLine]:
    """Return the changed lines with a little context; empty if nothing changed."""
    result = []
    for line in difflib.unified_diff(old, new, lineterm="", n=CONTEXT_LINES):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            if result:
                result.append(DiffLine("gap", ""))
            continue
        kind = {"+": "added", "-": "removed"}.get(line[:1], "same")
        result.append(DiffLine(kind, line[1:]))
    return result


def diff_standard_versions(old, new) -> list[DiffLine]:
    return diff_lines(standard_lines(old), standard_lines(new))


def diff_process_versions(old, new) -> list[DiffLine]:
    return diff_lines(process_lines(old), process_lines(new))
