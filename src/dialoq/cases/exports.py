"""Cases, goals and reviews as rows, written as CSV (for machines) or XLSX (for people).

Rows come straight from ``values_list(...).iterator()`` and are written one by
one, so an export of 100,000 cases never holds them all in memory. Columns are
documented in docs/exports.md; their names are a stable interface.
"""

import csv
import io
import itertools
import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import transaction
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from dialoq.accounts import scoping
from dialoq.cases.audit import log_access
from dialoq.cases.gas import gas_t_score
from dialoq.cases.models import (
    AccessAction,
    AgeBand,
    CaseStatus,
    ClosureReason,
    Goal,
    GoalRating,
    GoalResponsibility,
    HouseholdType,
    IntegrationOutcome,
    Perspective,
    Sex,
)

CHUNK_SIZE = 2000
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
XLSX_DATE_FORMAT = "DD.MM.YYYY"
XLSX_MAX_ROWS = 1_048_576  # per sheet, header included


@dataclass(frozen=True)
class Column:
    """One export column: CSV name, XLSX header, database source and kind."""

    name: str
    label: str
    source: str
    kind: str = "text"  # text, number, date, bool, choice
    choices: type | None = None
    width: int = 14


@dataclass(frozen=True)
class ExportKind:
    """One export: its columns, sheet title and row source."""

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: object = field(repr=False)  # function(cases queryset) -> iterator of tuples


CASE_COLUMNS = (
    Column("case_id", _("case ID"), "pk", "number", width=10),
    Column("case_reference", _("case number"), "reference", width=18),
    Column("funder_id", _("funder ID"), "funder_id", "number", width=10),
    Column("funder_name", _("funder"), "funder__name", width=28),
    Column("provider_id", _("provider ID"), "provider_id", "number", width=10),
    Column("provider_name", _("provider"), "provider__name", width=28),
    Column("service_type", _("service type key"), "service_type__key", width=14),
    Column("service_type_name", _("service type"), "service_type__name", width=30),
    Column("status", _("status"), "status", "choice", CaseStatus),
    Column("referred_on", _("referred on"), "referred_on", "date", width=12),
    Column("start_date", _("help started on"), "started_on", "date", width=12),
    Column("end_date", _("help ended on"), "ended_on", "date", width=12),
    Column(
        "closure_reason",
        _("reason for ending"),
        "closure_reason",
        "choice",
        ClosureReason,
        width=30,
    ),
    Column(
        "integration_outcome",
        _("integration outcome"),
        "integration_outcome",
        "choice",
        IntegrationOutcome,
        width=24,
    ),
    Column("age_band", _("age band"), "age_band", "choice", AgeBand, width=12),
    Column("sex", _("sex"), "sex", "choice", Sex, width=12),
    Column(
        "household_type",
        _("household type"),
        "household_type",
        "choice",
        HouseholdType,
        width=22,
    ),
    Column("prior_help", _("earlier help received"), "prior_help", "bool"),
    Column(
        "transfer_benefits",
        _("household receives transfer benefits"),
        "transfer_benefits",
        "bool",
    ),
    Column(
        "non_german_at_home",
        _("language at home is not German"),
        "non_german_at_home",
        "bool",
    ),
)

GOAL_COLUMNS = (
    Column("case_id", _("case ID"), "help_plan__case_id", "number", width=10),
    Column("case_reference", _("case number"), "help_plan__case__reference", width=18),
    Column("funder_id", _("funder ID"), "help_plan__case__funder_id", "number"),
    Column("provider_id", _("provider ID"), "help_plan__case__provider_id", "number"),
    Column("help_plan_id", _("help plan ID"), "help_plan_id", "number"),
    Column("help_plan_version", _("version"), "help_plan__version", "number"),
    Column(
        "help_plan_agreed_on", _("agreed on"), "help_plan__agreed_on", "date", width=12
    ),
    Column("goal_id", _("goal ID"), "pk", "number", width=10),
    Column("weight", _("weight"), "weight", "number", width=10),
    Column("baseline_level", _("level at baseline"), "baseline_level", "number"),
    Column(
        "responsible",
        _("responsible"),
        "responsible",
        "choice",
        GoalResponsibility,
    ),
)

REVIEW_COLUMNS = (
    Column("case_id", _("case ID"), "review__case_id", "number", width=10),
    Column("case_reference", _("case number"), "review__case__reference", width=18),
    Column("funder_id", _("funder ID"), "review__case__funder_id", "number"),
    Column("provider_id", _("provider ID"), "review__case__provider_id", "number"),
    Column("help_plan_id", _("help plan ID"), "review__help_plan_id", "number"),
    Column("review_id", _("review ID"), "review_id", "number", width=10),
    Column("review_date", _("held on"), "review__held_on", "date", width=12),
    Column("review_due_date", _("due on"), "review__due_on", "date", width=12),
    Column("is_final", _("review at closure"), "review__is_final", "bool"),
    Column("goal_id", _("goal ID"), "goal_id", "number", width=10),
    Column(
        "perspective", _("perspective"), "perspective", "choice", Perspective, width=24
    ),
    Column("level", _("level"), "level", "number", width=8),
    Column("weight", _("weight"), "goal__weight", "number", width=10),
    Column("instrument", _("instrument"), "instrument", width=10),
    # Computed per review and perspective, not read from the database.
    Column("t_score", _("GAS T-score"), "", "number", width=12),
)


def _case_rows(cases):
    sources = [column.source for column in CASE_COLUMNS]
    return cases.order_by("pk").values_list(*sources).iterator(chunk_size=CHUNK_SIZE)


def _goal_rows(cases):
    sources = [column.source for column in GOAL_COLUMNS]
    goals = Goal.objects.filter(help_plan__case__in=cases.values("pk"))
    return goals.order_by("pk").values_list(*sources).iterator(chunk_size=CHUNK_SIZE)


def _review_rows(cases):
    """Yield one row per goal rating with the review's T-score for its perspective."""
    sources = [column.source for column in REVIEW_COLUMNS if column.source]
    ratings = (
        GoalRating.objects.filter(review__case__in=cases.values("pk"))
        .order_by("review_id", "goal_id", "perspective")
        .values_list(*sources)
        .iterator(chunk_size=CHUNK_SIZE)
    )
    review, perspective = sources.index("review_id"), sources.index("perspective")
    level, weight = sources.index("level"), sources.index("goal__weight")
    for _review_id, group in itertools.groupby(ratings, key=lambda row: row[review]):
        rows = list(group)
        scores = {}
        for row in rows:
            scores.setdefault(row[perspective], []).append((row[level], row[weight]))
        for name, pairs in scores.items():
            scores[name] = round(gas_t_score(pairs), 2)
        for row in rows:
            yield (*row, scores[row[perspective]])


KINDS = {
    "cases": ExportKind("cases", _("Cases"), CASE_COLUMNS, _case_rows),
    "goals": ExportKind("goals", _("Goals"), GOAL_COLUMNS, _goal_rows),
    "reviews": ExportKind("reviews", _("Reviews"), REVIEW_COLUMNS, _review_rows),
}


def do_export(user, kind, fmt, handle, *, cases=None) -> int:
    """Write an export to the binary file ``handle``, log it and return its rows.

    ``cases`` may narrow the export (e.g. the case list's filters); it never
    widens it beyond the cases the user may see.
    """
    export = KINDS[kind]
    names = [column.name for column in export.columns]
    funder, provider = names.index("funder_id"), names.index("provider_id")
    per_pair = Counter()

    def counted(rows):
        for row in rows:
            per_pair[row[funder], row[provider]] += 1
            yield row

    with transaction.atomic():
        rows = counted(export.rows(scoping.visible_cases(user, cases)))
        write = write_csv if fmt == "csv" else write_xlsx
        write(export, rows, handle)
        _log_export(user, kind, fmt, per_pair)
    return sum(per_pair.values())


def _log_export(user, kind, fmt, per_pair):
    """Log the export once per funder and provider whose rows it holds."""
    if not per_pair:
        log_access(user, AccessAction.EXPORT_CASES, detail=f"{kind} {fmt} n=0")
    for (funder_id, provider_id), count in sorted(per_pair.items()):
        entry = log_access(
            user, AccessAction.EXPORT_CASES, detail=f"{kind} {fmt} n={count}"
        )
        # A log entry without a case names the organisations whose data left.
        entry.funder_id, entry.provider_id = funder_id, provider_id
        entry.save(update_fields=["funder", "provider"])


def file_name(kind, fmt, today: date) -> str:
    """Return the download name, such as ``dialoq-cases-2026-11-23.csv``."""
    return f"dialoq-{kind}-{today.isoformat()}.{fmt}"


# --- Writers ------------------------------------------------------------------


def write_csv(export, rows, handle):
    """Write UTF-8 CSV without BOM: comma, ``\\n`` line ends, ISO dates."""
    text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow([column.name for column in export.columns])
    for row in rows:
        writer.writerow([_csv_value(value) for value in row])
    text.flush()
    text.detach()


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return value


def write_xlsx(export, rows, handle):
    """Write a workbook for people: translated headers, dates as TT.MM.JJJJ."""
    workbook = Workbook(write_only=True)
    workbook.properties.title = str(capfirst(export.title))
    converters = [_xlsx_converter(column) for column in export.columns]
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


def _new_sheet(workbook, export, number):
    title = str(capfirst(export.title))
    sheet = workbook.create_sheet(title if number == 1 else f"{title} ({number})")
    sheet.freeze_panes = "A2"
    for index, column in enumerate(export.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    bold = Font(bold=True)
    header = []
    for column in export.columns:
        cell = WriteOnlyCell(sheet, value=str(capfirst(column.label)))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    return sheet


def _xlsx_converter(column):
    if column.kind == "date":
        return _xlsx_date
    if column.kind == "choice":
        labels = {value: str(label) for value, label in column.choices.choices}
        return lambda sheet, value: labels.get(value, value) if value else None
    return lambda sheet, value: value if value != "" else None


def _xlsx_date(sheet, value):
    if value is None:
        return None
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = XLSX_DATE_FORMAT
    return cell


# --- The operator's command ------------------------------------------------------


class OperatorError(Exception):
    """A problem the operator can fix, reported as one clear line."""


def operator_user(username):
    """Return the active user a command acts as."""
    from dialoq.accounts.models import User

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise OperatorError(f"There is no active user named {username!r}.")
    return user


def write_file_atomically(path, write):
    """Call ``write(handle)`` on a temporary file, then move it to ``path``.

    On any failure no file is left behind. The file is readable by its owner
    only, as it holds social data.
    """
    path = Path(path)
    if path.is_dir():
        raise OperatorError(f"Cannot write {path}: it is a directory.")
    try:
        descriptor, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".part"
        )
    except OSError as error:
        raise OperatorError(f"Cannot write {path}: {error.strerror}.") from None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            result = write(handle)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise OperatorError(f"Cannot write {path}: {error.strerror}.") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return result


def run_export(kind, fmt, out_path, username, *, out):
    """Export as the named user into ``out_path``; report the row count to ``out``."""
    user = operator_user(username)
    if kind not in KINDS or fmt not in FORMATS:
        raise OperatorError(f"Unknown export {kind!r} in format {fmt!r}.")
    count = write_file_atomically(
        out_path, lambda handle: do_export(user, kind, fmt, handle)
    )
    out.write(f"Wrote {count} {kind} rows to {out_path} as {username}.\n")
    return count
