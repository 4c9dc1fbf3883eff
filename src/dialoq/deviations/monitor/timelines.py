"""The dated events of the cases to check, read from the database into Arrow.

Which cases: every case not closed, and the closed cases whose help ended
within the compliance window (the twelve months up to the check date), so
that the compliance figures cover the cases that ended in the window too.
Deviations are opened only for cases still open (``reconcile``).

Only what the standards in force need is read: the case table always (its
dates are the events referral, help start, closure and the next review due),
an event table only if a rule names its event, contact kinds only if a rule
filters by them, participation only for a participation rule. The queries
use bound values and no date arithmetic (which differs between SQLite and
PostgreSQL); rows are fetched in chunks and typed in Arrow.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

import pyarrow as pa
import pyarrow.compute as pc
from dateutil.relativedelta import relativedelta
from django.db import connection

from dialoq.accounts.models import Organisation
from dialoq.cases.models import (
    Case,
    CaseStatus,
    Contact,
    HelpPlan,
    NeedAssessment,
    ProgressReport,
    Review,
)
from dialoq.catalog.models import ServiceType

WINDOW_MONTHS = 12
FETCH_ROWS = 50_000

# Repeated events: their table and date column, and the extra column some rules need.
EVENT_SOURCES = {
    "contact": (Contact, "occurred_on", "kind"),
    "help_plan": (HelpPlan, "agreed_on", "beneficiary_participated"),
    "review": (Review, "held_on", None),
    "progress_report": (ProgressReport, "submitted_on", None),
    "needs_assessment": (NeedAssessment, "assessed_on", None),
}
EXTRA_TYPES = {"kind": pa.string(), "beneficiary_participated": pa.bool_()}
CASE_COLUMNS = {
    "case_id": pa.int64(),
    "funder_id": pa.int64(),
    "state": pa.string(),
    "provider_id": pa.int64(),
    "provider_unit_id": pa.int64(),
    "caseworker_id": pa.int64(),
    "case_manager_id": pa.int64(),
    "service_type_key": pa.string(),
    "code_book": pa.string(),
    "status": pa.string(),
    "referred_on": pa.date32(),
    "started_on": pa.date32(),
    "ended_on": pa.date32(),
    "next_review_due": pa.date32(),
}


@dataclass
class Timelines:
    """The cases to check (one row each) and their repeated events (one table each).

    Every event table has ``case_id`` and ``day``; contacts may have ``kind``,
    help plans ``beneficiary_participated``.
    """

    today: date
    since: date
    cases: pa.Table
    events: dict[str, pa.Table] = field(default_factory=dict)

    @property
    def case_count(self) -> int:
        return self.cases.num_rows


def window_start(today: date) -> date:
    """Return the first day of the compliance window ending on ``today``."""
    return today - relativedelta(months=WINDOW_MONTHS) + timedelta(days=1)


def needed_events(rules) -> dict[str, set[str]]:
    """Return the repeated events the rules need, each with the extra columns."""
    needed: dict[str, set[str]] = {}
    for rule in rules:
        names = {rule.event, rule.anchor, rule.requires}
        if rule.kind == "precondition" and rule.event == "review_due":
            names.add("review")  # the last review held bounds the interval
        for name in names & set(EVENT_SOURCES):
            extras = needed.setdefault(name, set())
            if name == "contact" and rule.contact_kinds:
                extras.add("kind")
            if rule.kind == "participation":
                extras.add("beneficiary_participated")
    return needed


def load_timelines(rules, today: date) -> Timelines:
    """Return the timelines of the cases to check on ``today`` for these rules."""
    since = window_start(today)
    selection, params = _selection(since)
    timelines = Timelines(today, since, _read_cases(selection, params))
    for name, extras in sorted(needed_events(rules).items()):
        timelines.events[name] = _read_events(
            name, sorted(extras), selection, params, today
        )
    return timelines


def _selection(since: date) -> tuple[str, list]:
    """Return the condition on ``c`` (cases) selecting the cases to check."""
    return "(c.status <> %s OR c.ended_on >= %s)", [str(CaseStatus.CLOSED), since]


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _day(column: str) -> str:
    # SQLite turns a bare date column into a Python date value by value,
    # which costs more than reading it; as text it is cast once in Arrow.
    return f"COALESCE({column}, NULL)"


def _read_cases(selection: str, params: list) -> pa.Table:
    query = f"""
        SELECT c.id, c.funder_id, o.federal_state, c.provider_id,
               c.provider_unit_id, c.caseworker_id, c.case_manager_id,
               s.{connection.ops.quote_name("key")}, s.code_book, c.status,
               {_day("c.referred_on")}, {_day("c.started_on")},
               {_day("c.ended_on")}, {_day("c.next_review_due")}
        FROM {_table(Case)} c
        JOIN {_table(Organisation)} o ON o.id = c.funder_id
        JOIN {_table(ServiceType)} s ON s.id = c.service_type_id
        WHERE {selection}
        ORDER BY c.id
    """  # noqa: S608 - table names from the models, values bound
    return _fetch(query, params, CASE_COLUMNS)


def _read_events(name, extras, selection, params, today) -> pa.Table:
    model, day_field, _extra = EVENT_SOURCES[name]
    day = model._meta.get_field(day_field).column
    extra_columns = "".join(
        f", e.{model._meta.get_field(extra).column}" for extra in extras
    )
    distinct = "" if "beneficiary_participated" in extras else "DISTINCT"
    query = f"""
        SELECT {distinct} e.case_id, {_day(f"e.{day}")}{extra_columns}
        FROM {_table(model)} e
        JOIN {_table(Case)} c ON c.id = e.case_id
        WHERE {selection} AND e.{day} <= %s
    """  # noqa: S608 - table and column names from the models, values bound
    types = {"case_id": pa.int64(), "day": pa.date32()}
    types.update({extra: EXTRA_TYPES[extra] for extra in extras})
    return _fetch(query, [*params, today], types)


def _fetch(query: str, params: list, types: dict[str, pa.DataType]) -> pa.Table:
    """Run a query; return its rows as an Arrow table with the given column types."""
    names = list(types)
    chunks = []
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        while rows := cursor.fetchmany(FETCH_ROWS):
            columns = zip(*rows, strict=True)
            chunks.append(
                pa.table(
                    {
                        name: _typed(values, types[name])
                        for name, values in zip(names, columns, strict=True)
                    }
                )
            )
    if not chunks:
        return pa.schema(list(types.items())).empty_table()
    return pa.concat_tables(chunks)


def _typed(values, arrow_type: pa.DataType) -> pa.Array:
    if arrow_type == pa.date32():
        array = pa.array(values)
        if pa.types.is_string(array.type) or pa.types.is_null(array.type):
            return pc.cast(array, arrow_type)
        return array.cast(arrow_type)
    if arrow_type == pa.bool_():
        return pa.array([None if v is None else bool(v) for v in values], arrow_type)
    return pa.array(values, arrow_type)
