"""What changed between two versions of an agreement, field by field, in words.

Figures read as a sentence ("Stundensatz § 31 SGB VIII: 58,40 € → 61,20 €");
free texts (target groups, principles of quality) are compared line by line
with ``difflib``. Rows are matched by what they are about (service type,
qualification, indicator), not by their position.
"""

import difflib
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from dialoq.accounts.models import Qualification
from dialoq.agreements.formatting import (
    format_date,
    format_decimal,
    format_euro,
    indicator_figures,
)
from dialoq.agreements.models import AgreementVersion, RateUnit, Side, VolumeUnit
from dialoq.catalog.models import VersionStatus as IndicatorStatus

ARROW = "→"


@dataclass(frozen=True)
class TextLine:
    """A line of a compared text: ``added``, ``removed``, ``same`` or ``gap``."""

    kind: str
    text: str

    @property
    def sign(self) -> str:
        return {"added": "+", "removed": "−", "same": " ", "gap": "…"}[self.kind]


@dataclass(frozen=True)
class Change:
    """One change: ``changed``, ``added``, ``removed`` or ``text`` (with lines)."""

    kind: str
    text: str
    lines: tuple[TextLine, ...] = ()


@dataclass
class Section:
    title: str
    changes: list[Change] = field(default_factory=list)


def diff_versions(old: AgreementVersion, new: AgreementVersion) -> list[Section]:
    """Return the changes from ``old`` to ``new`` by part; empty if none."""
    names = _service_names(old, new)
    sections = [
        Section(_("Validity"), _validity(old, new)),
        Section(
            _("Service agreement"), _services(old, new, names) + _staffing(old, new)
        ),
        Section(_("Remuneration"), _rates(old, new, names)),
        Section(_("Quality development agreement"), _quality(old, new)),
    ]
    return [section for section in sections if section.changes]


def diff_text(old: AgreementVersion, new: AgreementVersion) -> str:
    """Return the changes as plain text, one line per change."""
    lines = []
    for section in diff_versions(old, new):
        lines.append(f"{section.title}:")
        for change in section.changes:
            lines.append(f"  {change.text}")
            lines += [f"    {line.sign} {line.text}" for line in change.lines]
    return "\n".join(lines)


def text_lines(old: str, new: str, context: int = 1) -> tuple[TextLine, ...]:
    """Return the changed lines of a text with a little context."""
    result = []
    diff = difflib.unified_diff(
        old.splitlines(), new.splitlines(), lineterm="", n=context
    )
    for line in diff:
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            if result:
                result.append(TextLine("gap", ""))
            continue
        kind = {"+": "added", "-": "removed"}.get(line[:1], "same")
        result.append(TextLine(kind, line[1:]))
    return tuple(result)


def _pair(label: str, before: str, after: str) -> list[Change]:
    if before == after:
        return []
    return [Change("changed", f"{label}: {before} {ARROW} {after}")]


def _text(label: str, before: str, after: str) -> list[Change]:
    if before.strip() == after.strip():
        return []
    return [Change("text", f"{label}:", text_lines(before, after))]


def _validity(old, new) -> list[Change]:
    open_end = _("open")
    return _pair(
        _("Valid from"), format_date(old.valid_from), format_date(new.valid_from)
    ) + _pair(
        _("Valid until"),
        format_date(old.valid_until) if old.valid_until else open_end,
        format_date(new.valid_until) if new.valid_until else open_end,
    )


def _service_names(*versions) -> dict:
    """Return a short name per service type: its legal basis where that is unique."""
    types = {
        row.service_type
        for version in versions
        for part in (version.services.all(), version.rates.all())
        for row in part.select_related("service_type")
    }
    bases = [service_type.legal_basis for service_type in types]
    return {
        service_type: service_type.legal_basis
        if bases.count(service_type.legal_basis) == 1
        else str(service_type)
        for service_type in types
    }


def _volume(row) -> str:
    return f"{format_decimal(row.volume, 1)} {VolumeUnit(row.volume_unit).label}"


def _services(old, new, names) -> list[Change]:
    before = {row.service_type: row for row in old.services.all()}
    after = {row.service_type: row for row in new.services.all()}
    changes = []
    for service_type in sorted(before | after, key=lambda s: names[s]):
        name = names[service_type]
        if service_type not in before:
            row = after[service_type]
            changes.append(
                Change(
                    "added",
                    _("New service %(name)s: %(volume)s")
                    % {"name": name, "volume": _volume(row)},
                )
            )
        elif service_type not in after:
            changes.append(
                Change("removed", _("Service %(name)s dropped") % {"name": name})
            )
        else:
            changes += _pair(
                _("Volume %(name)s") % {"name": name},
                _volume(before[service_type]),
                _volume(after[service_type]),
            )
            changes += _text(
                _("Target group %(name)s") % {"name": name},
                before[service_type].target_group,
                after[service_type].target_group,
            )
    return changes


def _fte(value) -> str:
    return _("%(number)s full-time equivalents") % {"number": format_decimal(value)}


def _staffing(old, new) -> list[Change]:
    before = {
        row.qualification: row.full_time_equivalents for row in old.staffing.all()
    }
    after = {row.qualification: row.full_time_equivalents for row in new.staffing.all()}
    changes = []
    for qualification in Qualification.values:
        label = _("Staff: %(qualification)s") % {
            "qualification": Qualification(qualification).label
        }
        if qualification in before and qualification in after:
            changes += _pair(
                label, _fte(before[qualification]), _fte(after[qualification])
            )
        elif qualification in after:
            changes.append(
                Change("added", f"{label}: {_('new')} {_fte(after[qualification])}")
            )
        elif qualification in before:
            changes.append(
                Change(
                    "removed",
                    f"{label}: {_('dropped')} ({_fte(before[qualification])})",
                )
            )
    return changes


def _rate_label(unit, name) -> str:
    if unit == RateUnit.HOUR:
        return _("Hourly rate %(name)s") % {"name": name}
    return _("Daily rate %(name)s") % {"name": name}


def _rate_period(rate) -> str:
    if rate.valid_from is None and rate.valid_until is None:
        return _("whole validity of the version")
    start = format_date(rate.valid_from) if rate.valid_from else _("start")
    end = format_date(rate.valid_until) if rate.valid_until else _("end")
    return f"{start} – {end}"


def _rates(old, new, names) -> list[Change]:
    groups: dict = {}
    for index, version in enumerate((old, new)):
        for rate in version.rates.all():
            key = (rate.service_type, rate.unit)
            groups.setdefault(key, ([], []))[index].append(rate)
    changes = []
    for (service_type, unit), (before, after) in sorted(
        groups.items(), key=lambda item: (names[item[0][0]], item[0][1])
    ):
        label = _rate_label(unit, names[service_type])
        before.sort(key=lambda rate: rate.valid_from or old.valid_from)
        after.sort(key=lambda rate: rate.valid_from or new.valid_from)
        for was, now in zip(before, after, strict=False):
            changes += _pair(label, format_euro(was.amount), format_euro(now.amount))
            changes += _pair(
                _("Period of the %(rate)s") % {"rate": label},
                _rate_period(was),
                _rate_period(now),
            )
        for rate in after[len(before) :]:
            changes.append(
                Change(
                    "added",
                    _("%(rate)s new: %(amount)s (%(period)s)")
                    % {
                        "rate": label,
                        "amount": format_euro(rate.amount),
                        "period": _rate_period(rate),
                    },
                )
            )
        for rate in before[len(after) :]:
            changes.append(
                Change(
                    "removed",
                    _("%(rate)s dropped (was %(amount)s)")
                    % {"rate": label, "amount": format_euro(rate.amount)},
                )
            )
    return changes


def _indicator_display(definitions) -> dict:
    """Return (title, value format) per indicator, from its version in force."""
    result = {}
    for definition in definitions:
        version = definition.versions.filter(status=IndicatorStatus.IN_FORCE).first()
        figures = indicator_figures(version.spec if version else {})
        title = version.display_title if version else definition.key
        result[definition] = (title, figures)
    return result


def _indicator_value(figures, value) -> str:
    if value is None:
        return _("as in the catalogue")
    return figures.value(float(value))


def _indicator_range(figures, row) -> str:
    if row.reference_lower is None and row.reference_upper is None:
        return _("as in the catalogue")
    return figures.range(
        None if row.reference_lower is None else float(row.reference_lower),
        None if row.reference_upper is None else float(row.reference_upper),
    )


def _agreed_values(figures, row) -> str:
    """Return the values an agreed indicator sets itself, as "target 75,0 %"."""
    parts = []
    if row.target is not None:
        parts.append(
            _("target %(value)s") % {"value": figures.value(float(row.target))}
        )
    if row.reference_lower is not None or row.reference_upper is not None:
        parts.append(
            _("reference range %(range)s") % {"range": _indicator_range(figures, row)}
        )
    if row.minimum_standard is not None:
        value = figures.value(float(row.minimum_standard))
        parts.append(_("minimum standard %(value)s") % {"value": value})
    return ", ".join(parts)


def _indicators(old, new) -> list[Change]:
    before = {row.indicator: row for row in old.indicators.select_related("indicator")}
    after = {row.indicator: row for row in new.indicators.select_related("indicator")}
    display = _indicator_display(before | after)
    changes = []
    for definition in sorted(before | after, key=lambda d: d.key):
        title, figures = display[definition]
        if definition not in before:
            text = _("New indicator: %(title)s") % {"title": title}
            agreed = _agreed_values(figures, after[definition])
            changes.append(Change("added", f"{text} ({agreed})" if agreed else text))
            continue
        if definition not in after:
            changes.append(
                Change("removed", _("Indicator dropped: %(title)s") % {"title": title})
            )
            continue
        was, now = before[definition], after[definition]
        changes += _pair(
            _("Target %(title)s") % {"title": title},
            _indicator_value(figures, was.target),
            _indicator_value(figures, now.target),
        )
        changes += _pair(
            _("Reference range %(title)s") % {"title": title},
            _indicator_range(figures, was),
            _indicator_range(figures, now),
        )
        changes += _pair(
            _("Minimum standard %(title)s") % {"title": title},
            _indicator_value(figures, was.minimum_standard),
            _indicator_value(figures, now.minimum_standard),
        )
    return changes


def _duty_line(duty) -> str:
    return _("%(what)s – by the %(reporter)s to %(recipient)s – %(due)s") % {
        "what": duty.subject,
        "reporter": _("funder") if duty.reporter == Side.FUNDER else _("provider"),
        "recipient": duty.recipient,
        "due": duty.due,
    }


def catalogue_title(item) -> str:
    """Return the title of a process standard or key process in force, else its key."""
    version = item.versions.filter(status=IndicatorStatus.IN_FORCE).first()
    return version.display_title if version else item.key


def _catalogue_items(old, new, name, added, removed) -> list[Change]:
    before, after = set(getattr(old, name).all()), set(getattr(new, name).all())
    changes = []
    for item in sorted(after - before, key=lambda item: item.key):
        changes.append(Change("added", added % {"title": catalogue_title(item)}))
    for item in sorted(before - after, key=lambda item: item.key):
        changes.append(Change("removed", removed % {"title": catalogue_title(item)}))
    return changes


def _quality(old, new) -> list[Change]:
    def cadence(version):
        return _("every %(months)s months") % {
            "months": version.dialogue_cadence_months
        }

    changes = _indicators(old, new)
    changes += _catalogue_items(
        old,
        new,
        "process_standards",
        _("New process standard: %(title)s"),
        _("Process standard dropped: %(title)s"),
    )
    changes += _catalogue_items(
        old,
        new,
        "key_processes",
        _("New key process: %(title)s"),
        _("Key process dropped: %(title)s"),
    )
    changes += _pair(_("Quality dialogue"), cadence(old), cadence(new))
    changes += _text(
        _("Reporting duties"),
        "\n".join(_duty_line(duty) for duty in old.reporting_duties.all()),
        "\n".join(_duty_line(duty) for duty in new.reporting_duties.all()),
    )
    changes += _text(
        _("Principles and standards of quality"),
        old.quality_principles,
        new.quality_principles,
    )
    return changes
