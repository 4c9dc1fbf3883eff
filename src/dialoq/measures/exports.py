"""Indicator results as rows, written as CSV (for machines) or XLSX (for people).

An export holds the results the user may see (``Result.objects.visible_to``),
narrowed by ``ResultFilters`` and passed through the disclosure policy: a
suppressed result keeps its indicator, unit, period and stratum, its figures
are empty and its evaluation reads ``suppressed``. The policy decides on all
results of a version, so no filter changes what is withheld. Results stream
version by version from ``.iterator()``; only one version's withheld pattern
is held in memory. Columns are documented in docs/exports.md (a stable
interface); the file conventions are those of the case exports.
"""

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime

from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from dialoq.accounts import scoping
from dialoq.accounts.roles import Action
from dialoq.cases.exports import (
    CHUNK_SIZE,
    XLSX_DATE_FORMAT,
    XLSX_MAX_ROWS,
    Column,
    ExportKind,
    OperatorError,
    operator_user,
    write_csv,
    write_file_atomically,
)
from dialoq.catalog.models import IndicatorVersion

from . import disclosure
from .models import PeriodType, Result, UnitType
from .statistics import Evaluation

logger = logging.getLogger(__name__)

XLSX_DATETIME_FORMAT = "DD.MM.YYYY HH:MM"
XLSX_SHARE_FORMAT = "0.0%"

RESULT_COLUMNS = (
    Column("indicator_key", _("indicator key"), "", width=28),
    Column("indicator_version", _("version"), "", "number", width=8),
    Column("indicator_title", _("indicator"), "", width=40),
    Column("unit_type", _("unit type"), "", "choice", UnitType, width=16),
    Column("unit_id", _("unit ID"), "", "number", width=10),
    Column("unit_name", _("unit"), "", width=30),
    Column("funder_id", _("funder ID"), "", "number", width=10),
    Column("provider_id", _("provider ID"), "", "number", width=10),
    Column("period_type", _("period"), "", "choice", PeriodType, width=16),
    Column("period_start", _("period start"), "", "date", width=12),
    Column("period_end", _("period end"), "", "date", width=12),
    Column("stratum", _("stratum"), "", width=14),
    Column("cases", _("cases"), "", "number", width=10),
    Column("numerator", _("numerator"), "", "number", width=11),
    Column("denominator", _("denominator"), "", "number", width=11),
    Column("value", _("value"), "", "share", width=12),
    Column("ci_lower", _("lower confidence limit"), "", "share", width=12),
    Column("ci_upper", _("upper confidence limit"), "", "share", width=12),
    Column("expected", _("expected"), "", "number", width=11),
    Column("oe_ratio", _("observed / expected"), "", "number", width=11),
    Column("funnel_target", _("funnel target"), "", "share", width=12),
    Column("funnel_lower_95", _("funnel lower 95 % limit"), "", "share", width=12),
    Column("funnel_upper_95", _("funnel upper 95 % limit"), "", "share", width=12),
    Column("funnel_lower_998", _("funnel lower 99.8 % limit"), "", "share", width=12),
    Column("funnel_upper_998", _("funnel upper 99.8 % limit"), "", "share", width=12),
    Column("reference_lower", _("reference range from"), "", "share", width=12),
    Column("reference_upper", _("reference range to"), "", "share", width=12),
    Column("evaluation", _("evaluation"), "", "evaluation", width=26),
    Column("method", _("method and parameters"), "", width=40),
    Column("computed_at", _("computed at"), "", "datetime", width=17),
    Column("data_until", _("data up to"), "", "date", width=12),
)
RESULTS = ExportKind("results", _("Results"), RESULT_COLUMNS, rows=None)
# The columns read from the disclosure policy: empty where a result is suppressed.
FIGURES = (
    "cases",
    "numerator",
    "denominator",
    "value",
    "ci_lower",
    "ci_upper",
    "expected",
    "oe_ratio",
    "funnel_target",
    "funnel_lower_95",
    "funnel_upper_95",
    "funnel_lower_998",
    "funnel_upper_998",
    "reference_lower",
    "reference_upper",
    "evaluation",
)


# --- What to export -----------------------------------------------------------------


@dataclass(frozen=True)
class ResultFilters:
    """What narrows an export: indicators, period type, unit type, period range."""

    indicators: tuple[str, ...] = ()
    period_type: str = ""
    unit_type: str = ""
    period_from: date | None = None
    period_to: date | None = None

    def apply(self, results):
        """Return the results that lie within every filter given."""
        if self.indicators:
            results = results.filter(version__definition__key__in=self.indicators)
        if self.period_type:
            results = results.filter(period_type=self.period_type)
        if self.unit_type:
            results = results.filter(unit_type=self.unit_type)
        if self.period_from:
            results = results.filter(period_start__gte=self.period_from)
        if self.period_to:
            results = results.filter(period_end__lte=self.period_to)
        return results


class ResultFilterForm(forms.Form):
    """The filters of a result export, from a query string or the command line."""

    format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            ("xlsx", _("Excel workbook (XLSX) – to read and work with")),
            ("csv", _("CSV – for statistics software and further processing")),
        ],
        widget=forms.RadioSelect,
        initial="xlsx",
        error_messages={
            "required": _("Choose a format."),
            "invalid_choice": _("Choose XLSX or CSV."),
        },
    )
    indicator = forms.MultipleChoiceField(
        label=_("Indicators"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: all indicators."),
        error_messages={
            "invalid_choice": _(
                "There is no indicator “%(value)s” among your results. "
                "Choose from the list."
            ),
        },
    )
    period_type = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=[("", _("all periods")), *PeriodType.choices],
        error_messages={
            "invalid_choice": _(
                "“%(value)s” is not a period; choose month, quarter, year or rolling12."
            )
        },
    )
    unit_type = forms.ChoiceField(
        label=_("Unit"),
        required=False,
        choices=[("", _("all units")), *UnitType.choices],
        error_messages={
            "invalid_choice": _(
                "“%(value)s” is not a unit type; choose whole, funder, provider, "
                "service_type or team."
            )
        },
    )
    period_from = forms.DateField(
        label=_("Periods starting on or after"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "invalid": _("Enter the first day as a date, e.g. 1.1.2026 or 2026-01-01.")
        },
    )
    period_to = forms.DateField(
        label=_("Periods ending on or before"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "invalid": _("Enter the last day as a date, e.g. 31.12.2026 or 2026-12-31.")
        },
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        visible = Result.objects.visible_to(user).order_by().values("version")
        titles = {}
        for version in (
            IndicatorVersion.objects.filter(pk__in=visible)
            .select_related("definition")
            .order_by("definition__key", "-version")
        ):
            titles.setdefault(version.key, version.display_title)
        self.fields["indicator"].choices = [
            (key, f"{title} ({key})") for key, title in titles.items()
        ]

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("period_from"), cleaned.get("period_to")
        if first and last and first > last:
            self.add_error(
                "period_to", _("The last day must not lie before the first day.")
            )
        return cleaned

    def filters(self) -> ResultFilters:
        data = self.cleaned_data
        return ResultFilters(
            indicators=tuple(data["indicator"]),
            period_type=data["period_type"],
            unit_type=data["unit_type"],
            period_from=data["period_from"],
            period_to=data["period_to"],
        )


# --- The rows -----------------------------------------------------------------------


# What is read of each result: plain rows, no model instances (they cost more
# than everything else of an export). The disclosure policy reads them as it
# reads results.
SOURCES = (
    "pk",
    "version_id",
    "unit_type",
    "funder_id",
    "provider_id",
    "service_type_id",
    "team_id",
    "funder__name",
    "provider__name",
    "service_type__name",
    "team__name",
    "period_type",
    "period_start",
    "period_end",
    "stratum",
    *(name for name in FIGURES if name != "evaluation"),
    "evaluation",
    "decision_criterion",
    "method",
    "computed_at",
    "data_until",
)


def _results(user, filters: ResultFilters):
    """Return the results to export as rows, by version so patterns come one by one."""
    return (
        filters.apply(Result.objects.visible_to(user))
        .order_by(
            "version__definition__key",
            "version__version",
            "period_type",
            "period_start",
            "unit_type",
            "unit_key",
            "stratum",
        )
        .values_list(*SOURCES, named=True)
    )


@dataclass(frozen=True)
class _Version:
    key: str
    number: int
    title: str
    is_rate: bool


def _versions():
    """Return a function giving a version's key, number, title, kind, read once."""
    known = {}

    def version(pk) -> _Version:
        if pk not in known:
            found = IndicatorVersion.objects.select_related("definition").get(pk=pk)
            known[pk] = _Version(
                found.definition.key,
                found.version,
                found.title,
                isinstance(found.spec, dict) and found.spec.get("kind") == "rate",
            )
        return known[pk]

    return version


def _unit(result) -> tuple[int | None, str]:
    """Return the id and name of the result's own unit."""
    if result.unit_type == "whole":
        return None, str(UnitType.WHOLE.label)
    return (
        getattr(result, f"{result.unit_type}_id"),
        getattr(result, f"{result.unit_type}__name"),
    )


def _row(item: disclosure.Disclosed, version: _Version) -> tuple:
    result = item.result
    return (
        version.key,
        version.number,
        version.title,
        result.unit_type,
        *_unit(result),
        result.funder_id,
        result.provider_id,
        result.period_type,
        result.period_start,
        result.period_end,
        result.stratum,
        *(getattr(item, name) for name in FIGURES),
        json.dumps(item.method, sort_keys=True, ensure_ascii=False)
        if item.method
        else "",
        result.computed_at,
        result.data_until,
    )


@dataclass
class ExportSummary:
    rows: int = 0
    suppressed: int = 0


def do_export(user, fmt, handle, filters: ResultFilters | None = None):
    """Write the user's results to the binary file ``handle``; return the counts."""
    summary = ExportSummary()
    owned = scoping.owned_organisations(user)

    version = _versions()

    def rows():
        results = _results(user, filters or ResultFilters())
        for item in disclosure.disclosing(
            results.iterator(chunk_size=CHUNK_SIZE), owned=owned
        ):
            summary.rows += 1
            summary.suppressed += item.suppressed
            about = version(item.result.version_id)
            yield _row(item, about), about.is_rate

    with transaction.atomic():
        if fmt == "csv":
            zone = timezone.get_current_timezone()
            csv_rows = (_csv_row(row, zone) for row, _share in rows())
            write_csv(RESULTS, csv_rows, handle)
        else:
            write_xlsx(rows(), handle)
    logger.info(
        "Results exported by user %s as %s: %d rows, %d suppressed",
        user.pk,
        fmt,
        summary.rows,
        summary.suppressed,
    )
    return summary


def _csv_row(row: tuple, zone=None) -> tuple:
    """Return the row with aware times in local ISO 8601 with their offset."""
    zone = zone or timezone.get_current_timezone()
    return tuple(
        value.astimezone(zone).isoformat(timespec="seconds")
        if isinstance(value, datetime)
        else value
        for value in row
    )


# --- XLSX ---------------------------------------------------------------------------


def write_xlsx(rows, handle):
    """Write a workbook for people: translated headers and labels, German dates.

    ``rows`` gives (row, is_share) pairs: a rate's values are shares, written
    as numbers formatted as percentages.
    """
    workbook = Workbook(write_only=True)
    workbook.properties.title = str(capfirst(RESULTS.title))
    sheet, written = None, XLSX_MAX_ROWS
    for row, share in rows:
        if written >= XLSX_MAX_ROWS:
            sheet = _new_sheet(workbook, len(workbook.worksheets) + 1)
            written = 1
        sheet.append(
            [
                _xlsx_value(sheet, column, value, share)
                for column, value in zip(RESULT_COLUMNS, row, strict=True)
            ]
        )
        written += 1
    if sheet is None:
        _new_sheet(workbook, 1)
    workbook.save(handle)


def _new_sheet(workbook, number):
    title = str(capfirst(RESULTS.title))
    sheet = workbook.create_sheet(title if number == 1 else f"{title} ({number})")
    sheet.freeze_panes = "A2"
    for index, column in enumerate(RESULT_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    bold = Font(bold=True)
    header = []
    for column in RESULT_COLUMNS:
        cell = WriteOnlyCell(sheet, value=str(capfirst(column.label)))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    return sheet


def _xlsx_value(sheet, column: Column, value, share: bool):
    if value is None or value == "":
        return None
    if column.kind == "choice":
        return str(column.choices(value).label)
    if column.kind == "evaluation":
        if value == disclosure.SUPPRESSED:
            return str(_("suppressed (small numbers)"))
        return str(Evaluation(value).label)
    if column.kind == "date":
        return _formatted(sheet, value, XLSX_DATE_FORMAT)
    if column.kind == "datetime":
        local = timezone.localtime(value).replace(tzinfo=None)  # Excel has no zones
        return _formatted(sheet, local, XLSX_DATETIME_FORMAT)
    if column.kind == "share" and share:
        return _formatted(sheet, value, XLSX_SHARE_FORMAT)
    return value


def _formatted(sheet, value, number_format):
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell


# --- The operator's command ---------------------------------------------------------


def run_export(fmt, out_path, username, *, options, out):
    """Export as the named user into ``out_path``; report the row count to ``out``.

    ``options`` are the filters as the form takes them (``indicator`` a list,
    dates as dates); an invalid one is an ``OperatorError`` naming the problem.
    """
    user = operator_user(username)
    if not scoping.has_permission(user, Action.VIEW_AGGREGATES):
        raise OperatorError(f"The user {username!r} may not see aggregated figures.")
    form = ResultFilterForm({"format": fmt, **options}, user=user)
    if not form.is_valid():
        raise OperatorError(
            " ".join(
                str(message) for field in form.errors.values() for message in field
            )
        )
    summary = write_file_atomically(
        out_path, lambda handle: do_export(user, fmt, handle, form.filters())
    )
    out.write(
        f"Wrote {summary.rows} results rows ({summary.suppressed} suppressed) "
        f"to {out_path} as {username}.\n"
    )
    return summary
