"""The dated events of the cases to check, read from the database into Arrow.

Which cases: every case not closed, and the closed cases whose help ended
within the compliance window (the twelve months up to the check date), so
that the compliance figures cover the cases that ended in the window too.
Deviations are opened only for cases still open (``reconcile``).

Only what the standards in force need is read: the case table always (its
dates are the events referral, help start, closure and the next review due),
an event table only if a rule names its event, contact kinds only if a rule
filters by them, participation only for a participation rule. Events are
read only as far back as some rule can still look: a deadline or interval
rule back to the window's first day minus its longest duration (an earlier
anchor or event gives no occurrence due in the window), a participation rule
back to the window's first day; a precondition rule needs all of them (its
interval starts at the previous event, however old). Duplicates of an event
on the same day are removed in DuckDB (``rules``), not in the database.

The queries use bound values and no date arithmetic (which differs between
SQLite and PostgreSQL). Outside a transaction they run through ADBC
(``adbc-driver-sqlite`` / ``adbc-driver-postgresql``) on a connection of
their own and arrive as Arrow tables without a Python object per value;
inside one (tests, or a caller's transaction, whose uncommitted rows only
Django's connection sees) and for an in-memory SQLite database they go
through Django's cursor, fetched in chunks and typed in Arrow.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import quote

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

logger = logging.getLogger(__name__)

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


def needed_events(rules, since: date | None = None) -> dict[str, "EventNeed"]:
    """Return the repeated events the rules need: extra columns and earliest day.

    The earliest day is None (all history) unless ``since`` is given and
    every rule using the event looks back a bounded time (module docstring).
    """
    needed: dict[str, EventNeed] = {}
    for rule in rules:
        names = {rule.event, rule.anchor, rule.requires}
        if rule.kind == "precondition" and rule.event == "review_due":
            names.add("review")  # the last review held bounds the interval
        earliest = _earliest_day(rule, since)
        for name in names & set(EVENT_SOURCES):
            need = needed.get(name)
            if need is None:
                need = needed[name] = EventNeed(set(), earliest)
            elif need.earliest is not None:
                need.earliest = (
                    None if earliest is None else min(need.earliest, earliest)
                )
            if name == "contact" and rule.contact_kinds:
                need.extras.add("kind")
            if rule.kind == "participation":
                need.extras.add("beneficiary_participated")
    return needed


@dataclass
class EventNeed:
    extras: set
    earliest: date | None


def longest_days(duration) -> int:
    """Return at least as many calendar days as the duration can span."""
    amount = int(duration.amount)
    if duration.unit == "working_days":
        # Five working days a week, plus public holidays: twice as many
        # calendar days and a month more is always enough.
        return 2 * amount + 31
    per_unit = {"days": 1, "weeks": 7, "months": 31}[duration.unit]
    return amount * per_unit + 1


def _earliest_day(rule, since: date | None) -> date | None:
    if since is None or rule.kind == "precondition":
        return None
    if rule.kind == "participation":
        return since
    if rule.duration is None:
        return None
    return since - timedelta(days=longest_days(rule.duration))


def load_timelines(rules, today: date, *, reader=None) -> Timelines:
    """Return the timelines of the cases to check on ``today`` for these rules.

    ``reader`` (tests): read with this one instead of the one chosen here.
    """
    since = window_start(today)
    owned = reader is None
    reader = reader or _Reader.for_connection()
    try:
        timelines = Timelines(today, since, _read_cases(reader, since))
        for name, need in sorted(needed_events(rules, since).items()):
            timelines.events[name] = _read_events(
                reader, name, sorted(need.extras), since, today, need.earliest
            )
    finally:
        if owned:
            reader.close()
    return timelines


def _selection(since: date) -> tuple[str, list]:
    """Return the condition on ``c`` (cases) selecting the cases to check."""
    return "(c.status <> %s OR c.ended_on >= %s)", [str(CaseStatus.CLOSED), since]


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _read_cases(reader, since: date) -> pa.Table:
    selection, params = _selection(since)
    names = {
        "case_id": "c.id",
        "funder_id": "c.funder_id",
        "state": "o.federal_state",
        "provider_id": "c.provider_id",
        "provider_unit_id": "c.provider_unit_id",
        "caseworker_id": "c.caseworker_id",
        "case_manager_id": "c.case_manager_id",
        "service_type_key": f"s.{connection.ops.quote_name('key')}",
        "code_book": "s.code_book",
        "status": "c.status",
        "referred_on": "c.referred_on",
        "started_on": "c.started_on",
        "ended_on": "c.ended_on",
        "next_review_due": "c.next_review_due",
    }
    query = f"""
        SELECT {reader.columns(names, CASE_COLUMNS)}
        FROM {_table(Case)} c
        JOIN {_table(Organisation)} o ON o.id = c.funder_id
        JOIN {_table(ServiceType)} s ON s.id = c.service_type_id
        WHERE {selection}
        ORDER BY c.id
    """  # noqa: S608 - table names from the models, values bound
    return reader.read(query, params, CASE_COLUMNS)


def _read_events(reader, name, extras, since, today, earliest) -> pa.Table:
    model, day_field, _extra = EVENT_SOURCES[name]
    day = model._meta.get_field(day_field).column
    names = {"case_id": "e.case_id", "day": f"e.{day}"}
    names.update(
        {extra: f"e.{model._meta.get_field(extra).column}" for extra in extras}
    )
    types = {"case_id": pa.int64(), "day": pa.date32()}
    types.update({extra: EXTRA_TYPES[extra] for extra in extras})
    selection, params = _selection(since)
    params = [*params, today]
    lower = ""
    if earliest is not None:
        lower = f" AND e.{day} >= %s"
        params.append(earliest)
    query = f"""
        SELECT {reader.columns(names, types)}
        FROM {_table(model)} e
        JOIN {_table(Case)} c ON c.id = e.case_id
        WHERE {selection} AND e.{day} <= %s{lower}
    """  # noqa: S608 - table and column names from the models, values bound
    return reader.read(query, params, types)


class _Reader:
    """Run a query; return its rows as an Arrow table with the given column types."""

    @staticmethod
    def for_connection() -> "_Reader":
        """Return the ADBC reader where it sees the same data, else Django's."""
        if connection.in_atomic_block:
            return _CursorReader()
        try:
            if connection.vendor == "sqlite" and not connection.is_in_memory_db():
                return _SqliteReader()
            if connection.vendor == "postgresql":
                return _PostgresReader()
        except ImportError:  # the ADBC driver is not installed
            logger.warning("ADBC driver missing; the timelines are read row by row.")
        return _CursorReader()

    def columns(self, names: dict[str, str], types: dict) -> str:
        return ", ".join(names.values())

    def read(self, query: str, params: list, types: dict) -> pa.Table:
        raise NotImplementedError

    def close(self) -> None:
        """Release what the reader holds."""


class _CursorReader(_Reader):
    """Through Django's connection: its transaction, one Python value per cell."""

    def columns(self, names, types):
        # SQLite turns a bare date column into a Python date value by value,
        # which costs more than reading it; as text it is cast once in Arrow.
        return ", ".join(
            f"COALESCE({expression}, NULL)"
            if types[name] == pa.date32()
            else expression
            for name, expression in names.items()
        )

    def read(self, query, params, types):
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


class _AdbcReader(_Reader):
    """Through an ADBC connection of its own: straight into Arrow."""

    def __init__(self, database=None):
        self.connection = self._connect(database)

    def close(self):
        self.connection.close()

    def read(self, query, params, types):
        with self.connection.cursor() as cursor:
            self._prepare(cursor)
            cursor.execute(self._placeholders(query), self._values(params))
            table = cursor.fetch_arrow_table()
        if table.num_rows == 0:
            return pa.schema(list(types.items())).empty_table()
        return pa.table(
            {
                name: self._typed(table.column(index), arrow_type)
                for index, (name, arrow_type) in enumerate(types.items())
            }
        )

    def _prepare(self, cursor) -> None:
        """Set options of the statement."""

    def _typed(self, column, arrow_type):
        return column.cast(arrow_type)


class _SqliteReader(_AdbcReader):
    """SQLite: the driver guesses each column's type from the first rows.

    So no value may be NULL (a column of NULLs first would be taken for
    integers): ids read 0, texts and dates "" and flags -1 for NULL, and are
    turned back here. Dates arrive as their ISO text.
    """

    BATCH_ROWS = 65_536
    NULLS = {pa.int64(): "0", pa.string(): "''", pa.date32(): "''", pa.bool_(): "-1"}

    def _connect(self, database):
        import adbc_driver_sqlite.dbapi

        return adbc_driver_sqlite.dbapi.connect(
            str(database or connection.settings_dict["NAME"])
        )

    def columns(self, names, types):
        return ", ".join(
            f"COALESCE({expression}, {self.NULLS[types[name]]})"
            for name, expression in names.items()
        )

    def _prepare(self, cursor):
        cursor.adbc_statement.set_options(
            **{"adbc.sqlite.query.batch_rows": str(self.BATCH_ROWS)}
        )

    def _placeholders(self, query):
        return query.replace("%s", "?")

    def _values(self, params):
        return [
            value.isoformat() if isinstance(value, date) else value for value in params
        ]

    def _typed(self, column, arrow_type):
        if arrow_type == pa.int64():
            column = column.cast(pa.int64())
            return pc.if_else(pc.equal(column, 0), None, column)
        if arrow_type == pa.bool_():
            column = column.cast(pa.int64())
            return pc.if_else(pc.equal(column, -1), None, pc.not_equal(column, 0))
        column = column.cast(pa.string())
        column = pc.if_else(pc.equal(column, ""), None, column)
        return column.cast(arrow_type)


class _PostgresReader(_AdbcReader):
    """PostgreSQL: typed by the server."""

    def _connect(self, database):
        import adbc_driver_postgresql.dbapi

        return adbc_driver_postgresql.dbapi.connect(database or _postgres_uri())

    def _placeholders(self, query):
        parts = query.split("%s")
        return "".join(
            part + (f"${index}" if index < len(parts) else "")
            for index, part in enumerate(parts, start=1)
        )

    def _values(self, params):
        return params


def _postgres_uri() -> str:
    """Return the libpq URI of Django's database (the test database in tests)."""
    settings = connection.settings_dict
    user = quote(settings.get("USER") or "", safe="")
    password = quote(settings.get("PASSWORD") or "", safe="")
    login = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings.get("HOST") or ""
    host = quote(host, safe="") if host.startswith("/") else host
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    name = quote(str(settings["NAME"]), safe="")
    return f"postgresql://{login}{host}{port}/{name}"


def _typed(values, arrow_type: pa.DataType) -> pa.Array:
    if arrow_type == pa.date32():
        array = pa.array(values)
        if pa.types.is_string(array.type) or pa.types.is_null(array.type):
            return pc.cast(array, arrow_type)
        return array.cast(arrow_type)
    if arrow_type == pa.bool_():
        return pa.array([None if v is None else bool(v) for v in values], arrow_type)
    return pa.array(values, arrow_type)
