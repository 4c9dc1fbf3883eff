"""The register of deviations as rows: CSV (for machines) or XLSX (for people).

Follows the conventions of ``dialoq.cases.exports`` (docs/exports.md): the
same CSV dialect, the same workbook layout, stable column names, streaming
rows, the command acting as a named user. Two additions: times (``detected_at``,
``closed_at``) are ISO 8601 with offset in the CSV and local ``TT.MM.JJJJ hh:mm``
in the workbook, and free text (the title) is always written to the workbook as
text, never as a formula.
"""

from collections import Counter

from django.db import transaction
from django.db.models import BooleanField, Case, F, Q, Value, When
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from dialoq.accounts import scoping as account_scoping
from dialoq.cases.audit import log_access
from dialoq.cases.exports import (
    CHUNK_SIZE,
    FORMATS,
    XLSX_DATE_FORMAT,
    XLSX_MAX_ROWS,
    Column,
    ExportKind,
    OperatorError,
    file_name,
    operator_user,
    write_csv,
    write_file_atomically,
)
from dialoq.cases.models import AccessAction
from dialoq.catalog.models import DeviationSeverity
from dialoq.deviations.models import (
    OPEN_STATUSES,
    DeviationSource,
    DeviationStatus,
    Resolution,
)
from dialoq.deviations.scoping import visible_deviations

XLSX_TIME_FORMAT = "DD.MM.YYYY hh:mm"
KIND = "deviations"

COLUMNS = (
    Column("deviation_id", _("deviation ID"), "pk", "number", width=10),
    Column("source", _("source"), "source", "choice", DeviationSource, width=22),
    Column("severity", _("severity"), "severity", "choice", DeviationSeverity),
    Column("title", _("what deviates"), "title", width=40),
    Column("status", _("status"), "status", "choice", DeviationStatus, width=22),
    Column("resolution", _("resolution"), "resolution", "choice", Resolution, width=22),
    Column(
        "standard_key", _("process standard key"), "standard_version__standard__key"
    ),
    Column(
        "standard_version",
        _("version of the standard"),
        "standard_version__version",
        "number",
        width=10,
    ),
    Column("case_id", _("case ID"), "export_case_id", "number", width=10),
    Column("funder_id", _("funder ID"), "funder_id", "number", width=10),
    Column("provider_id", _("provider ID"), "provider_id", "number", width=10),
    Column(
        "owner_organisation_id",
        _("responsible organisation ID"),
        "owner_organisation_id",
        "number",
        width=10,
    ),
    Column("detected_at", _("detected at"), "detected_at", "time", width=17),
    Column("occurred_on", _("occurred on"), "occurred_on", "date", width=12),
    Column("due_on", _("to be closed by"), "due_on", "date", width=12),
    Column("closed_at", _("closed at"), "closed_at", "time", width=17),
    Column("overdue", _("overdue"), "export_overdue", "bool", width=10),
)

EXPORT = ExportKind(KIND, _("Deviations"), COLUMNS, None)


def deviation_rows(user, deviations, today):
    """Yield the export rows of the deviations (already within the user's scope)."""
    visible_cases = account_scoping.visible_cases(user).values("pk")
    rows = (
        deviations.order_by("pk")
        .annotate(
            export_case_id=Case(
                When(case_id__in=visible_cases, then=F("case_id")), default=None
            ),
            export_overdue=Case(
                When(Q(status__in=OPEN_STATUSES, due_on__lt=today), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .values_list(*(column.source for column in COLUMNS))
        .iterator(chunk_size=CHUNK_SIZE)
    )
    times = [index for index, column in enumerate(COLUMNS) if column.kind == "time"]
    for row in rows:
        row = list(row)
        for index in times:
            if row[index] is not None:
                row[index] = timezone.localtime(row[index])
        yield row


def do_export(user, fmt, handle, *, deviations=None, today=None) -> int:
    """Write the export to the binary file ``handle``, log it and return its rows.

    ``deviations`` may narrow the export (the register's filters); it never
    widens it beyond the deviations the user may see.
    """
    today = today or timezone.localdate()
    names = [column.name for column in COLUMNS]
    case, funder, provider = (
        names.index("case_id"),
        names.index("funder_id"),
        names.index("provider_id"),
    )
    per_pair = Counter()
    total = 0

    def counted(rows):
        nonlocal total
        for row in rows:
            total += 1
            if row[case] is not None:
                per_pair[row[funder], row[provider]] += 1
            yield row

    with transaction.atomic():
        rows = counted(
            deviation_rows(user, visible_deviations(user, deviations), today)
        )
        write = write_csv if fmt == "csv" else write_xlsx
        write(EXPORT, rows, handle)
        _log_export(user, fmt, per_pair)
    return total


def _log_export(user, fmt, per_pair):
    """Log the export once per funder and provider whose cases its rows name."""
    if not per_pair:
        log_access(user, AccessAction.EXPORT_CASES, detail=f"{KIND} {fmt} n=0")
    for (funder_id, provider_id), count in sorted(
        per_pair.items(), key=lambda item: (item[0][0] or 0, item[0][1] or 0)
    ):
        entry = log_access(
            user, AccessAction.EXPORT_CASES, detail=f"{KIND} {fmt} n={count}"
        )
        entry.funder_id, entry.provider_id = funder_id, provider_id
        entry.save(update_fields=["funder", "provider"])


def write_xlsx(export, rows, handle):
    """Write a workbook like the case exports; text cells are never formulas."""
    from dialoq.cases.exports import _new_sheet

    workbook = Workbook(write_only=True)
    workbook.properties.title = str(capfirst(export.title))
    converters = [_converter(column) for column in export.columns]
    sheet, written = None, XLSX_MAX_ROWS
    for row in rows:
        if written >= XLSX_MAX_ROWS:
            sheet = _new_sheet(workbook, export, len(workbook.worksheets) + 1)
            written = 1
        sheet.append(
            [
                convert(sheet, value)
                for convert, value in zip(converters, row, strict=True)
            ]
        )
        written += 1
    if sheet is None:
        _new_sheet(workbook, export, 1)
    workbook.save(handle)


def _converter(column):
    if column.kind in ("date", "time"):
        number_format = XLSX_DATE_FORMAT if column.kind == "date" else XLSX_TIME_FORMAT

        def dated(sheet, value):
            if value is None:
                return None
            if column.kind == "time":
                value = value.replace(tzinfo=None)  # already local time
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = number_format
            return cell

        return dated
    if column.kind == "choice":
        labels = {value: str(label) for value, label in column.choices.choices}
        return lambda sheet, value: labels.get(value, value) if value else None
    if column.kind == "text":
        return _text_cell
    return lambda sheet, value: value


def _text_cell(sheet, value):
    if not value:
        return None
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # "=…" stays text: no formula from user input
    return cell


def export_file_name(fmt, today) -> str:
    """Return the download name, such as ``dialoq-deviations-2026-11-23.csv``."""
    return file_name(KIND, fmt, today)


def run_export(fmt, out_path, username, *, out):
    """Export as the named user into ``out_path``; report the row count to ``out``."""
    user = operator_user(username)
    if fmt not in FORMATS:
        raise OperatorError(f"Unknown format {fmt!r}.")
    count = write_file_atomically(out_path, lambda handle: do_export(user, fmt, handle))
    out.write(f"Wrote {count} {KIND} rows to {out_path} as {username}.\n")
    return count
