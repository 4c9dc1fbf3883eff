"""The documented facts that indicators are defined over.

A fact is a table with one row per countable thing (a case, a goal rating at
closure, a review, …) and the columns a definition may use. This module
declares them (``FACTS``: name → ``Fact`` with its ``FactSchema``) and reads
them from the system of record as Arrow tables (``load_fact``): a portable
extraction query runs in the database, and the derived columns (durations,
flags, T-scores) are computed in DuckDB from that extract. This is the one
place where analytics SQL over the case data lives.

Every fact carries the unit columns ``funder_id``, ``provider_id``,
``service_type_id`` and ``team_id`` (the provider's organisation unit) where
they exist; ``Fact.unit_types`` says which units a fact can be grouped by.
"""

import re
from dataclasses import dataclass
from datetime import date

import duckdb
import pyarrow as pa
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialoq.accounts.models import Qualification
from dialoq.cases.gas import DEFAULT_RHO
from dialoq.cases.models.cases import IntegrationOutcome
from dialoq.feedback.survey import ITEM_FIELDS, Agreement

from .conditions import Column, FactSchema

UNIT_COLUMNS = {
    "funder": ("funder_id",),
    "provider": ("funder_id", "provider_id"),
    "service_type": ("funder_id", "service_type_id"),
    "team": ("provider_id", "team_id"),
    "whole": (),
}

CLOSURE_REASONS = frozenset(
    {
        "planned",
        "dropout_beneficiary",
        "dropout_provider",
        "dropout_funder",
        "change_of_responsibility",
        "other",
    }
)
CODE_BOOKS = frozenset({"SGB II", "SGB VIII", "SGB IX", "SGB XII"})
PERSPECTIVES = frozenset({"funder", "provider", "beneficiary"})


@dataclass(frozen=True)
class FactView:
    """A fact readable as a view in a DuckDB connection (``snapshot.fact_views``)."""

    name: str
    view: str
    column_names: tuple[str, ...]
    con: object

    def to_arrow(self) -> pa.Table:
        table = self.con.sql(f"SELECT * FROM {self.view}").to_arrow_table()
        schema = arrow_schema(self.name)
        return table.cast(pa.schema([schema.field(c) for c in table.column_names]))

    @property
    def num_rows(self) -> int:
        return self.con.execute(f"SELECT COUNT(*) FROM {self.view}").fetchall()[0][0]


@dataclass(frozen=True)
class Fact:
    """A fact table: its columns, the units it can be grouped by, its text."""

    name: str
    label: str
    description: str
    schema: FactSchema
    unit_types: tuple[str, ...]

    @property
    def columns(self) -> dict[str, Column]:
        return self.schema.columns


def _columns(*columns: Column) -> dict[str, Column]:
    return {column.name: column for column in columns}


def _unit_columns(*, team=True, funder=True) -> tuple[Column, ...]:
    columns = [
        Column("provider_id", "integer", _("provider")),
        Column("service_type_id", "integer", _("service type")),
        Column("code_book", "text", _("code book"), CODE_BOOKS),
        Column("service_type_key", "text", _("service type key")),
        Column("category", "text", _("service category")),
        Column("setting", "text", _("setting")),
    ]
    if funder:
        columns.insert(0, Column("funder_id", "integer", _("funder")))
    if team:
        columns.insert(2, Column("team_id", "integer", _("team")))
    return tuple(columns)


def _case_mix() -> tuple[Column, ...]:
    return (
        Column("age_band", "text", _("age band")),
        Column("sex", "text", _("sex")),
        Column("household_type", "text", _("household type")),
        Column("prior_help", "boolean", _("earlier help received")),
        Column("transfer_benefits", "boolean", _("receives transfer benefits")),
        Column("non_german_at_home", "boolean", _("family language not German")),
    )


def _fact(name, label, description, *columns, unit_types=None):
    if unit_types is None:
        unit_types = ("whole", "funder", "provider", "service_type", "team")
    return Fact(
        name, label, description, FactSchema(name, _columns(*columns)), unit_types
    )


FACTS: dict[str, Fact] = {
    fact.name: fact
    for fact in (
        _fact(
            "cases",
            _("Cases"),
            _("One row per case, with its dates, outcome, volume and cost."),
            Column("case_id", "integer", _("case")),
            *_unit_columns(),
            Column(
                "status", "text", _("status"), frozenset({"referred", "open", "closed"})
            ),
            Column("referred_on", "date", _("referred on")),
            Column("started_on", "date", _("help started on")),
            Column("ended_on", "date", _("help ended on")),
            Column("stock_end", "date", _("end of help, or far future if open")),
            Column("closure_reason", "text", _("reason for ending"), CLOSURE_REASONS),
            Column("planned_ending", "boolean", _("ended according to the help plan")),
            Column("integration_outcome", "text", _("integration outcome (SGB II)")),
            Column("integrated", "boolean", _("integrated into work (SGB II)")),
            *_case_mix(),
            Column("initial_need", "number", _("mean need rating at intake")),
            Column("days_to_start", "integer", _("days from referral to start")),
            Column(
                "working_days_to_start",
                "integer",
                _("working days from referral to start (Mon–Fri)"),
            ),
            Column("duration_days", "integer", _("duration of the help in days")),
            Column("months_of_help", "number", _("duration of the help in months")),
            Column("contacts", "integer", _("number of contacts")),
            Column("contacts_per_month", "number", _("contacts per month of help")),
            Column("service_hours", "number", _("service hours delivered")),
            Column("agreed_hours_per_month", "number", _("agreed hours per month")),
            Column("cost", "number", _("cost in EUR (hours × rate)")),
            Column("goals", "integer", _("goals in the last help plan")),
            Column("goals_reached", "integer", _("goals reached at closure")),
            Column(
                "subsistence_benefit_per_month",
                "number",
                _("subsistence benefits per month (SGB II)"),
            ),
            Column(
                "reentry_within_12_months",
                "boolean",
                _("a new case of the same person within 12 months of the end"),
            ),
        ),
        _fact(
            "goal_ratings",
            _("Goal ratings at closure"),
            _("One row per goal and perspective in the review at closure."),
            Column("goal_id", "integer", _("goal")),
            Column("case_id", "integer", _("case")),
            *_unit_columns(),
            Column("rated_on", "date", _("date of the review at closure")),
            Column("perspective", "text", _("perspective"), PERSPECTIVES),
            Column("level", "integer", _("goal attainment level (−2 to +2)")),
            Column("reached", "boolean", _("goal reached (level ≥ 0)")),
            Column("weight", "integer", _("weight")),
            Column(
                "levels_agree",
                "boolean",
                _("all perspectives that rated the goal gave the same level"),
            ),
            Column("perspectives_rated", "integer", _("perspectives that rated")),
            *_case_mix(),
        ),
        _fact(
            "outcomes",
            _("Goal attainment at closure"),
            _("One row per closed case and perspective: the GAS T-score."),
            Column("case_id", "integer", _("case")),
            *_unit_columns(),
            Column("rated_on", "date", _("date of the review at closure")),
            Column("perspective", "text", _("perspective"), PERSPECTIVES),
            Column("t_score", "number", _("GAS T-score")),
            Column("goals", "integer", _("goals rated")),
            *_case_mix(),
        ),
        _fact(
            "reviews",
            _("Reviews"),
            _("One row per held review of a help plan."),
            Column("review_id", "integer", _("review")),
            Column("case_id", "integer", _("case")),
            *_unit_columns(),
            Column("due_on", "date", _("due on")),
            Column("held_on", "date", _("held on")),
            Column("is_final", "boolean", _("review at closure")),
            Column("days_late", "integer", _("days after the due date")),
            Column("on_time", "boolean", _("held by the due date")),
        ),
        _fact(
            "help_plans",
            _("Help plans"),
            _("One row per help plan version."),
            Column("plan_id", "integer", _("help plan")),
            Column("case_id", "integer", _("case")),
            *_unit_columns(),
            Column("agreed_on", "date", _("agreed on")),
            Column("version", "integer", _("version")),
            Column("first_plan", "boolean", _("first help plan of the case")),
            Column(
                "beneficiary_participated",
                "boolean",
                _("beneficiary took part in planning"),
            ),
            Column("beneficiary_agreed", "boolean", _("beneficiary agreed")),
        ),
        _fact(
            "need_changes",
            _("Change in needs"),
            _(
                "One row per closed case and relevant need dimension: "
                "intake and closure."
            ),
            Column("case_id", "integer", _("case")),
            *_unit_columns(),
            Column("assessed_on", "date", _("date of the assessment at closure")),
            Column("dimension", "text", _("need dimension")),
            Column("intake_level", "integer", _("need at intake (1–7)")),
            Column("closure_level", "integer", _("need at closure (1–7)")),
            Column(
                "change",
                "integer",
                _("change (closure minus intake; positive: less need)"),
            ),
            Column("improved", "boolean", _("need lower at closure")),
        ),
        _fact(
            "survey",
            _("Satisfaction survey"),
            _("One row per anonymous answer and aspect."),
            *_unit_columns(team=False),
            Column("period", "date", _("month of the answer")),
            Column("aspect", "text", _("aspect")),
            Column("answer", "integer", _("answer (1 = disagree … 5 = agree)")),
            Column("agrees", "boolean", _("agrees (4 or 5)")),
            unit_types=("whole", "funder", "provider", "service_type"),
        ),
        _fact(
            "staff",
            _("Staff"),
            _("One row per membership of a provider's staff."),
            Column("membership_id", "integer", _("membership")),
            Column("provider_id", "integer", _("provider")),
            Column("team_id", "integer", _("team")),
            Column("role", "text", _("role")),
            Column("valid_from", "date", _("valid from")),
            Column("stock_end", "date", _("valid until, or far future")),
            Column("full_time_equivalent", "number", _("full-time equivalent")),
            Column("qualification", "text", _("qualification")),
            Column(
                "professionally_qualified",
                "boolean",
                _("degree in social work, social pedagogy or similar"),
            ),
            unit_types=("whole", "provider", "team"),
        ),
        _fact(
            "complaints",
            _("Complaints"),
            _("One row per complaint (from complaint management)."),
            Column("complaint_id", "integer", _("complaint")),
            *_unit_columns(),
            Column("received_on", "date", _("received on")),
            Column("answer_due_on", "date", _("answer due on")),
            Column("answered_on", "date", _("answered on")),
            Column("answered_on_time", "boolean", _("answered by the due date")),
            Column("source", "text", _("from")),
        ),
        _fact(
            "deviations",
            _("Deviations"),
            _("One row per deviation in the register."),
            Column("deviation_id", "integer", _("deviation")),
            *_unit_columns(),
            Column("detected_on", "date", _("detected on")),
            Column("due_on", "date", _("due on")),
            Column("closed_on", "date", _("closed on")),
            Column("closed_on_time", "boolean", _("closed by the due date")),
            Column("source", "text", _("source")),
            Column("severity", "text", _("severity")),
        ),
    )
}


# --- Reading the facts ---------------------------------------------------------
#
# A fact is read in two steps. An extraction query runs in the system of record
# (SQLite or PostgreSQL): joins, and the aggregates that shrink the data
# (contacts per case, the levels given at the final review), with bound values
# and no date arithmetic, which differs between the databases. Its rows are
# fetched in chunks into Arrow and handed to in-process DuckDB, which types
# them, adds the service type's attributes (a small table read on its own, so
# that the long extracts do not repeat its texts) and computes the derived
# columns in one statement per fact.
#
# Every fetched value passes through Python once; that is most of the cost of
# reading. So the extracts carry no column twice, and one row per goal rather
# than per rating; and the indicator engine reads the typed extracts kept in
# the fact snapshot (``snapshot``), refreshed by changed case, rather than the
# database. The derivation is the same either way (``define_fact_view``).
# ``{keys:column}`` in a query restricts the aggregates over other tables to
# the records being extracted again.

ARROW_TYPES = {
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "text": pa.string(),
}
_DUCKDB_TYPES = {
    "integer": "BIGINT",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "text": "VARCHAR",
    "timestamp": "TIMESTAMPTZ",
}
# Fetched values are converted to these Arrow types directly, which is many
# times faster for integers than letting Arrow infer the type. Dates and flags
# are inferred: SQLite hands out dates as text, PostgreSQL as dates.
_FETCH_TYPES = {"integer": pa.int64(), "number": pa.float64(), "text": pa.string()}
FETCH_ROWS = 50_000
# The stock end of rows still open, and the start of a window open to the past.
FAR_FUTURE = date(9999, 12, 31)
FAR_PAST = date(1, 1, 1)
DAYS_PER_MONTH = 30.4375  # 365.25 / 12
# Below half a month of help there is no rate of contacts per month: a single
# contact in the first week would read as four a month.
MINIMUM_MONTHS_FOR_CONTACT_RATE = 0.5
DEGREES = (Qualification.SOCIAL_WORK_DEGREE, Qualification.OTHER_PEDAGOGICAL_DEGREE)
INTEGRATIONS = (
    IntegrationOutcome.EMPLOYMENT,
    IntegrationOutcome.APPRENTICESHIP,
    IntegrationOutcome.SELF_EMPLOYMENT,
)


def arrow_schema(name: str) -> pa.Schema:
    """Return the Arrow schema of a fact: its declared columns, in order."""
    return pa.schema(
        [
            (column.name, ARROW_TYPES[column.type])
            for column in _fact_named(name).columns.values()
        ]
    )


def load_fact(
    name: str, *, start: date | None = None, end: date | None = None
) -> pa.Table:
    """Return a fact as an Arrow table with exactly its declared columns.

    Only the rows relevant to the window ``start``…``end`` (both included;
    None leaves that side open): rows one of whose dates lies in the window,
    and for the stock-like facts (cases from referral to ``stock_end``, staff
    from ``valid_from`` to ``stock_end``) every row open during the window.
    Cases anonymised for retention are included: they keep their dates,
    case-mix and ratings and carry no personal data.

    What the columns mean, where the declaration leaves a choice:

    - ``cases``: ``status`` is ``referred`` before the help runs (referral,
      intake, help planning), ``open`` while it runs, ``closed`` after.
      ``duration_days`` counts the days from ``started_on`` to ``ended_on``;
      for a help still running it counts to the window's end, or to today if
      that is earlier or the window is open, so ``months_of_help``
      (``duration_days / 30.4375``) and ``contacts_per_month`` describe the
      help so far; ``contacts_per_month`` is empty below half a month.
      Contacts and service hours count the whole case, whatever the window.
      ``planned_ending`` and ``integrated`` are empty until the case is
      closed, ``integrated`` also outside SGB II. ``initial_need`` is the mean
      level of the dimensions rated relevant at the start (1 = severe need …
      7 = no need). ``goals`` counts the goals of the newest help plan (empty
      without a plan); ``goals_reached`` those of them rated 0 or more at the
      final review, by the funder or, for a goal the funder did not rate, by
      the provider (empty if neither rated a goal).
      ``reentry_within_12_months`` is true when the same person has another
      case referred within 12 months after this one ended, false when 12
      months have passed without one, empty while the case runs or the 12
      months are not over.
    - ``goal_ratings`` and ``outcomes``: the final review of closed cases, the
      last one recorded should there be more. ``levels_agree`` is empty where
      only one perspective rated the goal. The T-score is the one of
      ``dialoq.cases.gas.gas_t_score``.
    - ``need_changes``: the dimensions rated relevant at the start and rated
      again at closure. As the scale runs from 1 (severe need) to 7 (no need),
      ``change`` is closure minus intake, positive when the need went down, as
      on the case page (``cases.planning.need_change``), and ``improved``
      means a higher level at closure.
    - ``staff``: memberships with a staff role (caseworker, QM officer,
      manager) in a provider; the dates are local dates, ``stock_end`` the day
      the membership ends.
    - ``complaints`` and ``deviations``: always empty, with their declared
      columns, until complaint management and the deviation register exist.
    """
    _fact_named(name)  # an unknown name is an error
    if start and end and start > end:
        raise ValueError(f"The window starts ({start}) after it ends ({end}).")
    extraction = _EXTRACTIONS.get(name)
    if extraction is None:
        return arrow_schema(name).empty_table()
    with duckdb.connect() as con:
        extract_into(con, "extract_typed", extraction, start=start, end=end)
        return derive_fact(con, name, "extract_typed", start=start, end=end)


def extract_into(
    con,
    table: str,
    extraction,
    *,
    start: date | None = None,
    end: date | None = None,
    keys: list | None = None,
    temporary=False,
) -> None:
    """Run an extraction in the database into the DuckDB table ``table``, typed.

    The rows of the window ``start``…``end`` or, given ``keys``, those of
    these records only (ids of the extraction's ``key``). The rows are
    fetched and inserted in chunks, so that a large extract is never held in
    memory as a whole.
    """
    kinds = extraction.kinds()
    query, params = extraction.query_for(start, end, keys)
    con.execute("SET TimeZone = 'UTC'")  # SQLite hands out times in UTC
    created = False
    for chunk in _fetch_chunks(query, params, kinds):
        con.register("extract", chunk)
        rows = _cast_all("extract", chunk.column_names, kinds)
        if created:
            con.execute(f"INSERT INTO {table} {rows}")
        else:
            kind = "TEMP TABLE" if temporary else "TABLE"
            con.execute(f"CREATE OR REPLACE {kind} {table} AS {rows}")
            created = True
        con.unregister("extract")


def derive_fact(
    con,
    name: str,
    source: str,
    *,
    start: date | None = None,
    end: date | None = None,
    where: str = "TRUE",
) -> pa.Table:
    """Return a fact from its typed extract ``source`` (a DuckDB table).

    ``where`` (SQL without parameters) selects the rows of the window among
    the extract's rows; the derived columns are then computed exactly as when
    the fact is read from the database.
    """
    view = define_fact_view(con, name, source, start=start, end=end, where=where)
    result = con.sql(f"SELECT * FROM {view}").to_arrow_table()
    return result.cast(arrow_schema(name))


def define_fact_view(
    con,
    name: str,
    source: str,
    *,
    start: date | None = None,
    end: date | None = None,
    where: str = "TRUE",
) -> str:
    """Create the DuckDB view ``fact_<name>``: the fact derived from ``source``.

    ``source`` is a DuckDB table with the typed extract, ``where`` (SQL
    without parameters) selects the rows of the window. The view has exactly
    the declared columns; nothing is computed until it is read, and then only
    the columns read.
    """
    fact = _fact_named(name)
    extraction = _EXTRACTIONS[name]
    con.execute("SET TimeZone = 'UTC'")  # SQLite hands out times in UTC
    con.execute(_WEEKDAYS_MACRO)
    names = [row[0] for row in con.execute(f"DESCRIBE {source}").fetchall()]
    rows = f"SELECT * FROM {source} WHERE {where}"
    if "service_type_id" in names:
        con.register("service_types", _fetch(_SERVICE_TYPES, [], _SERVICE_TYPE_KINDS))
        casts = _cast_all("service_types", _SERVICE_TYPE_KINDS, _SERVICE_TYPE_KINDS)
        con.execute(f"CREATE OR REPLACE TEMP TABLE service_types_typed AS {casts}")
        typed = f"""
            SELECT e.*, s.code_book, s.service_type_key, s.category, s.setting,
                   s.rate_per_hour
            FROM ({rows}) AS e
            LEFT JOIN service_types_typed AS s USING (service_type_id)
        """
    else:
        typed = rows
    con.execute(f"CREATE OR REPLACE TEMP VIEW typed_{name} AS {typed}")
    derive = extraction.derive.strip()
    typed_cte = f"typed AS (SELECT * FROM typed_{name})"
    if derive[:4].upper() == "WITH":
        derive = f"WITH {typed_cte}, {derive[4:]}"
    else:
        derive = f"WITH {typed_cte} {derive}"
    values = _derive_params(start, end)
    derive = _PARAMETER.sub(lambda match: _literal(values[match.group(1)]), derive)
    columns = ", ".join(
        f'CAST("{column.name}" AS {_DUCKDB_TYPES[column.type]}) AS "{column.name}"'
        for column in fact.columns.values()
    )
    view = f"fact_{name}"
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT {columns} FROM ({derive})"
    )
    return view


def _literal(value) -> str:
    """Return a derivation value as a DuckDB literal of the type it binds as."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, int):
        return f"CAST({value} AS BIGINT)"
    if isinstance(value, float):
        return f"CAST('{value!r}' AS DOUBLE)"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_literal(item) for item in value) + "]"
    raise TypeError(f"No literal for {value!r}")


def _fact_named(name: str) -> Fact:
    try:
        return FACTS[name]
    except KeyError:
        known = ", ".join(sorted(FACTS))
        raise ValueError(f"Unknown fact “{name}”. Known facts: {known}.") from None


@dataclass(frozen=True)
class _Window:
    """Which rows of an extraction belong to a window of dates.

    A row belongs if one of its ``dates`` lies in the window or, for rows open
    from ``opens`` to ``closes`` (NULL while still open), if it is open at
    some time in the window. With ``monthly`` the dates are first days of
    months, and a window that starts within a month includes that month.
    Without columns the window is applied in DuckDB (``$start``, ``$end``).
    """

    dates: tuple[str, ...] = ()
    opens: str = ""
    closes: str = ""
    monthly: bool = False
    # Extract columns named otherwise than the queried column.
    renamed: tuple[tuple[str, str], ...] = ()

    def condition(self, start, end, *, local=False) -> tuple[str, list]:
        """Return the SQL condition, with placeholders, and its values.

        With ``local`` the condition is for DuckDB over the typed extract: its
        column names, and the dates written as literals (no values).
        """
        if self.monthly and start:
            start = start.replace(day=1)
        params = []
        renamed = dict(self.renamed)

        def column(expression):
            if not local:
                return expression
            return renamed.get(expression, expression.rsplit(".", 1)[-1])

        def value(day):
            if local:
                return f"DATE '{day.isoformat()}'"
            params.append(day)
            return "%s"

        parts = []
        if self.opens:
            if end:
                parts.append(f"{column(self.opens)} <= {value(end)}")
            if start:
                closes = column(self.closes)
                parts.append(f"({closes} IS NULL OR {closes} >= {value(start)})")
            return " AND ".join(parts) or "1 = 1", params
        if not (self.dates and (start or end)):
            return "1 = 1", []
        for date_column in self.dates:
            bounds = []
            if start:
                bounds.append(f"{column(date_column)} >= {value(start)}")
            if end:
                bounds.append(f"{column(date_column)} <= {value(end)}")
            parts.append("(" + " AND ".join(bounds) + ")")
        return "(" + " OR ".join(parts) + ")", params


@dataclass(frozen=True)
class _Extraction:
    """How one fact is read: a query in the database, a derivation in DuckDB.

    ``query`` contains ``{window}``, where the condition selecting the rows of
    the window goes. ``derive`` reads the typed extract, ``typed``; its
    ``$names`` are bound from ``_derive_params``. ``types`` gives the types of
    extract columns that are not columns of the fact.
    """

    query: str
    derive: str
    window: _Window = _Window()
    types: tuple[tuple[str, str], ...] = ()
    # Where the typed extract is kept in the fact snapshot (``snapshot``), the
    # column identifying the record its rows belong to, and that record's id
    # in the query; without ``key`` the extract is always read whole.
    table: str = ""
    key_column: str = ""
    key: str = ""
    fact: str = ""

    def query_for(self, start, end, keys=None) -> tuple[str, list]:
        """Return the query for a window, or for some records, and its values.

        ``{window}`` becomes the window's condition, or with ``keys`` the
        condition on the record ids; ``{keys:column}`` the condition on the
        record ids in ``column`` (or nothing without ``keys``), so that the
        aggregates over other tables are computed for those records only.
        """
        params: list = []

        def substitute(match):
            column = match.group(1)
            if keys is None and column is None:
                condition, values = self.window.condition(start, end)
                params.extend(values)
                return condition
            if keys is None:
                return "1 = 1"
            params.extend(keys)
            placeholders = ", ".join(["%s"] * len(keys)) or "NULL"
            return f"{column or self.key} IN ({placeholders})"

        return _PLACEHOLDER.sub(substitute, self.query), params

    def kinds(self) -> dict[str, str]:
        """Return the declared type of every column the extract may have."""
        kinds = {
            column.name: column.type
            for column in _fact_named(self.fact).columns.values()
        }
        kinds.update(self.types)
        return kinds


def _fetch(query: str, params: list, kinds: dict[str, str]) -> pa.Table:
    """Run a query; return its rows as an Arrow table, read in chunks."""
    chunks = list(_fetch_chunks(query, params, kinds))
    # A column that is empty throughout a chunk has no type there yet.
    return pa.concat_tables(chunks, promote_options="permissive")


def _fetch_chunks(query: str, params: list, kinds: dict[str, str]):
    """Run a query; yield its rows as Arrow tables of up to FETCH_ROWS rows.

    Without rows, yield one empty table with the query's columns.
    """
    with _cursor() as cursor:
        cursor.execute(query, params)
        names = [column[0] for column in cursor.description]
        empty = True
        while rows := cursor.fetchmany(FETCH_ROWS):
            empty = False
            columns = zip(*rows, strict=True)
            yield pa.table(
                {
                    name: _arrow_array(values, kinds[name])
                    for name, values in zip(names, columns, strict=True)
                }
            )
        if empty:
            yield pa.table({name: pa.nulls(0) for name in names})


def _arrow_array(values, kind: str) -> pa.Array:
    arrow_type = _FETCH_TYPES.get(kind)
    if arrow_type is not None:
        try:
            return pa.array(values, arrow_type)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass  # for example a number PostgreSQL hands out as a Decimal
    return pa.array(values)


def _cursor():
    """Return a cursor that streams a large result where the database can."""
    if connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
        return connection.cursor()
    return connection.chunked_cursor()


def _cast_all(table: str, names, kinds: dict[str, str]) -> str:
    casts = ", ".join(
        f'CAST("{name}" AS {_DUCKDB_TYPES[kinds[name]]}) AS "{name}"' for name in names
    )
    return f"SELECT {casts} FROM {table}"


_PARAMETER = re.compile(r"\$([a-z_]+)")
_PLACEHOLDER = re.compile(r"\{(?:window|keys:([a-z_.0-9]+))\}")


def _derive_params(start, end) -> dict:
    today = timezone.localdate()
    return {
        "far_future": FAR_FUTURE,
        "start": start or FAR_PAST,
        "end": end or FAR_FUTURE,
        "until": min(end, today) if end else today,
        "today": today,
        "days_per_month": DAYS_PER_MONTH,
        "minimum_months": MINIMUM_MONTHS_FOR_CONTACT_RATE,
        "integrations": [str(outcome) for outcome in INTEGRATIONS],
        "degrees": [str(degree) for degree in DEGREES],
        "rho": DEFAULT_RHO,
        "agrees_from": int(Agreement.MOSTLY),
        "time_zone": settings.TIME_ZONE,
    }


def _stored(column: str) -> str:
    """Return a date column as an expression, so that SQLite hands out its text.

    SQLite turns a bare date column into a Python date, value by value, which
    costs more than the rest of reading it; DuckDB casts the text instead.
    PostgreSQL returns a date either way.
    """
    return f"COALESCE({column}, NULL)"


# Weekdays (Monday to Friday) from Monday, 1 January 1900 to a day: the
# weekdays after a and up to b are weekdays_since_1900(b) - weekdays_since_1900(a).
_WEEKDAYS_MACRO = """
    CREATE OR REPLACE TEMP MACRO weekdays_since_1900(day) AS
        5 * (date_diff('day', DATE '1900-01-01', day) // 7)
        + LEAST(date_diff('day', DATE '1900-01-01', day) % 7 + 1, 5)
"""

_SERVICE_TYPES = """
    SELECT id AS service_type_id, code_book, key AS service_type_key, category,
           setting, CAST(reference_rate_per_hour AS DOUBLE PRECISION) AS rate_per_hour
    FROM catalog_servicetype
"""
_SERVICE_TYPE_KINDS = {
    "service_type_id": "integer",
    "code_book": "text",
    "service_type_key": "text",
    "category": "text",
    "setting": "text",
    "rate_per_hour": "number",
}

_CASE_UNITS = (
    "c.funder_id, c.provider_id, c.provider_unit_id AS team_id, c.service_type_id"
)
_CASE_MIX = """
    c.age_band, c.sex, c.household_type, c.prior_help, c.transfer_benefits,
    c.non_german_at_home"""
_UNIT_NAMES = """
    funder_id, provider_id, team_id, service_type_id,
    code_book, service_type_key, category, setting"""
_CASE_MIX_NAMES = """
    age_band, sex, household_type, prior_help, transfer_benefits, non_german_at_home"""

# The last final review recorded for each case.
_FINAL_REVIEW = """
    final_review AS (
        SELECT case_id, MAX(id) AS review_id
        FROM cases_review
        WHERE is_final AND {keys:case_id}
        GROUP BY case_id
    )"""

# Every aggregate below is computed once over its table and joined by case:
# both databases then aggregate in one pass and join by hashing or merging,
# where a lookup per case (a correlated subquery) is several times slower in
# PostgreSQL. The goals reached count only where the final review is of the
# newest help plan; a goal counts as reached by the funder's rating or, for a
# goal the funder did not rate, by the provider's.
_CASES = _Extraction(
    query=f"""
        WITH contacts AS (
            SELECT case_id, COUNT(*) AS contacts,
                   SUM(duration_minutes) AS contact_minutes
            FROM cases_contact
            WHERE {{keys:case_id}}
            GROUP BY case_id
        ),
        newest_plan AS (
            SELECT p.case_id, p.id AS plan_id, p.agreed_hours_per_month
            FROM cases_helpplan AS p
            WHERE {{keys:p.case_id}} AND NOT EXISTS (
                SELECT 1 FROM cases_helpplan AS later
                WHERE later.case_id = p.case_id AND later.version > p.version
            )
        ),
        plan_goals AS (
            SELECT g.help_plan_id AS plan_id, COUNT(*) AS goals
            FROM newest_plan AS np
            JOIN cases_goal AS g ON g.help_plan_id = np.plan_id
            GROUP BY g.help_plan_id
        ),
        {_FINAL_REVIEW},
        reached AS (
            SELECT f.case_id, r.help_plan_id, COUNT(*) AS goals_rated,
                   SUM(CASE WHEN gr.level >= 0 THEN 1 ELSE 0 END) AS goals_reached
            FROM final_review AS f
            JOIN cases_review AS r ON r.id = f.review_id
            JOIN cases_goalrating AS gr ON gr.review_id = f.review_id
            WHERE gr.perspective = 'funder'
               OR (gr.perspective = 'provider' AND NOT EXISTS (
                   SELECT 1 FROM cases_goalrating AS funder
                   WHERE funder.review_id = gr.review_id
                     AND funder.goal_id = gr.goal_id
                     AND funder.perspective = 'funder'
               ))
            GROUP BY f.case_id, r.help_plan_id
        ),
        next_case AS (
            SELECT c1.id AS case_id, MIN(c2.referred_on) AS next_referred_on
            FROM cases_case AS c1
            JOIN cases_case AS c2
              ON c2.beneficiary_id = c1.beneficiary_id
             AND c2.id <> c1.id
             AND c2.referred_on >= c1.ended_on
            WHERE c1.ended_on IS NOT NULL AND {{keys:c1.id}}
            GROUP BY c1.id
        ),
        initial_need AS (
            SELECT a.case_id, AVG(CAST(r.level AS DOUBLE PRECISION)) AS initial_need
            FROM cases_needassessment AS a
            JOIN cases_needrating AS r ON r.assessment_id = a.id
            WHERE a.occasion = 'start' AND r.relevant AND {{keys:a.case_id}}
            GROUP BY a.case_id
        )
        SELECT c.id AS case_id, {_CASE_UNITS}, c.status,
               {_stored("c.referred_on")} AS referred_on,
               {_stored("c.started_on")} AS started_on,
               {_stored("c.ended_on")} AS ended_on,
               c.closure_reason, c.integration_outcome, {_CASE_MIX},
               CAST(c.subsistence_benefit_per_month AS DOUBLE PRECISION)
                   AS subsistence_benefit_per_month,
               contacts.contacts, contacts.contact_minutes,
               CAST(np.agreed_hours_per_month AS DOUBLE PRECISION)
                   AS agreed_hours_per_month,
               CASE WHEN np.plan_id IS NOT NULL THEN COALESCE(pg.goals, 0) END
                   AS goals,
               CASE WHEN reached.help_plan_id = np.plan_id
                    THEN reached.goals_rated END AS goals_rated,
               CASE WHEN reached.help_plan_id = np.plan_id
                    THEN reached.goals_reached END AS goals_reached,
               initial_need.initial_need,
               {_stored("next_case.next_referred_on")} AS next_referred_on
        FROM cases_case AS c
        LEFT JOIN contacts ON contacts.case_id = c.id
        LEFT JOIN newest_plan AS np ON np.case_id = c.id
        LEFT JOIN plan_goals AS pg ON pg.plan_id = np.plan_id
        LEFT JOIN reached ON reached.case_id = c.id
        LEFT JOIN initial_need ON initial_need.case_id = c.id
        LEFT JOIN next_case ON next_case.case_id = c.id
        WHERE {{window}}
    """,
    window=_Window(opens="c.referred_on", closes="c.ended_on"),
    table="cases",
    key_column="case_id",
    key="c.id",
    fact="cases",
    types=(
        ("contact_minutes", "integer"),
        ("goals_rated", "integer"),
        ("next_referred_on", "date"),
    ),
    derive=f"""
        WITH timed AS (
            SELECT *,
                   CASE WHEN COALESCE(ended_on, $until) >= started_on
                        THEN date_diff('day', started_on, COALESCE(ended_on, $until))
                   END AS duration_days,
                   COALESCE(contacts, 0) AS contact_count,
                   COALESCE(contact_minutes, 0) / 60 AS service_hours
            FROM typed
        ),
        monthly AS (
            SELECT *, duration_days / $days_per_month AS months_of_help FROM timed
        )
        SELECT case_id, {_UNIT_NAMES},
               CASE status WHEN 'closed' THEN 'closed' WHEN 'running' THEN 'open'
                           ELSE 'referred' END AS status,
               referred_on, started_on, ended_on,
               COALESCE(ended_on, $far_future) AS stock_end,
               NULLIF(closure_reason, '') AS closure_reason,
               CASE WHEN closure_reason <> '' THEN closure_reason = 'planned' END
                   AS planned_ending,
               NULLIF(integration_outcome, '') AS integration_outcome,
               CASE WHEN integration_outcome <> ''
                    THEN list_contains($integrations, integration_outcome) END
                   AS integrated,
               {_CASE_MIX_NAMES},
               initial_need,
               date_diff('day', referred_on, started_on) AS days_to_start,
               weekdays_since_1900(started_on) - weekdays_since_1900(referred_on)
                   AS working_days_to_start,
               duration_days, months_of_help,
               contact_count AS contacts,
               CASE WHEN months_of_help >= $minimum_months
                    THEN contact_count / months_of_help END AS contacts_per_month,
               service_hours, agreed_hours_per_month,
               service_hours * rate_per_hour AS cost,
               goals,
               CASE WHEN goals_rated > 0 THEN goals_reached END AS goals_reached,
               subsistence_benefit_per_month,
               CASE WHEN ended_on IS NULL THEN NULL
                    WHEN next_referred_on <= ended_on + INTERVAL 12 MONTH THEN TRUE
                    WHEN ended_on + INTERVAL 12 MONTH <= $today THEN FALSE
               END AS reentry_within_12_months
        FROM monthly
    """,
)

# The levels given at the final review of closed cases: one row per goal,
# with the level from each perspective (NULL where it did not rate).
_FINAL_LEVELS = f"""
    WITH {_FINAL_REVIEW},
        levels AS (
            SELECT gr.review_id, gr.goal_id,
                   MAX(CASE WHEN gr.perspective = 'funder' THEN gr.level END)
                       AS funder_level,
                   MAX(CASE WHEN gr.perspective = 'provider' THEN gr.level END)
                       AS provider_level,
                   MAX(CASE WHEN gr.perspective = 'beneficiary' THEN gr.level END)
                       AS beneficiary_level
            FROM final_review AS f
            JOIN cases_review AS r ON r.id = f.review_id
            JOIN cases_case AS c ON c.id = f.case_id
            JOIN cases_goalrating AS gr ON gr.review_id = f.review_id
            WHERE c.status = 'closed' AND {{window}}
            GROUP BY gr.review_id, gr.goal_id
        )
        SELECT l.goal_id, c.id AS case_id, {_CASE_UNITS},
               {_stored("r.held_on")} AS rated_on, g.weight,
               l.funder_level, l.provider_level, l.beneficiary_level, {_CASE_MIX}
        FROM levels AS l
        JOIN cases_review AS r ON r.id = l.review_id
        JOIN cases_case AS c ON c.id = r.case_id
        JOIN cases_goal AS g ON g.id = l.goal_id
"""
_FINAL_LEVEL_TYPES = (
    ("goal_id", "integer"),
    ("weight", "integer"),
    ("funder_level", "integer"),
    ("provider_level", "integer"),
    ("beneficiary_level", "integer"),
)

# One row per goal and perspective that rated it.
_RATINGS = """
    WITH goal AS (
        SELECT *,
               CAST(funder_level IS NOT NULL AS INTEGER)
               + CAST(provider_level IS NOT NULL AS INTEGER)
               + CAST(beneficiary_level IS NOT NULL AS INTEGER) AS perspectives_rated,
               LEAST(funder_level, provider_level, beneficiary_level)
               = GREATEST(funder_level, provider_level, beneficiary_level)
                   AS same_level
        FROM typed
    ),
    rating AS (
        SELECT * EXCLUDE (level_column),
               replace(level_column, '_level', '') AS perspective
        FROM (
            UNPIVOT goal ON funder_level, provider_level, beneficiary_level
            INTO NAME level_column VALUE level
        )
    )"""

_FINAL_LEVELS_SNAPSHOT = {
    "window": _Window(dates=("r.held_on",), renamed=(("r.held_on", "rated_on"),)),
    "table": "final_levels",
    "key_column": "case_id",
    "key": "c.id",
}

_GOAL_RATINGS = _Extraction(
    query=_FINAL_LEVELS,
    **_FINAL_LEVELS_SNAPSHOT,
    fact="goal_ratings",
    types=_FINAL_LEVEL_TYPES,
    derive=f"""
        {_RATINGS}
        SELECT *, level >= 0 AS reached,
               CASE WHEN perspectives_rated > 1 THEN same_level END AS levels_agree
        FROM rating
    """,
)

# The Kiresuk–Sherman T-score of dialoq.cases.gas.gas_t_score.
_OUTCOMES = _Extraction(
    query=_FINAL_LEVELS,
    **_FINAL_LEVELS_SNAPSHOT,
    fact="outcomes",
    types=_FINAL_LEVEL_TYPES,
    derive=f"""
        {_RATINGS}
        SELECT case_id, {_UNIT_NAMES}, rated_on, perspective,
               50 + 10 * SUM(CAST(weight * level AS DOUBLE))
                   / SQRT((1 - $rho) * SUM(CAST(weight * weight AS DOUBLE))
                          + $rho * POW(SUM(CAST(weight AS DOUBLE)), 2))
                   AS t_score,
               COUNT(*) AS goals,
               {_CASE_MIX_NAMES}
        FROM rating
        GROUP BY ALL
    """,
)

_REVIEWS = _Extraction(
    query=f"""
        SELECT r.id AS review_id, r.case_id, {_CASE_UNITS},
               {_stored("r.due_on")} AS due_on, {_stored("r.held_on")} AS held_on,
               r.is_final
        FROM cases_review AS r
        JOIN cases_case AS c ON c.id = r.case_id
        WHERE {{window}}
    """,
    window=_Window(dates=("r.held_on", "r.due_on")),
    table="reviews",
    key_column="case_id",
    key="c.id",
    fact="reviews",
    derive="""
        SELECT *, date_diff('day', due_on, held_on) AS days_late,
               held_on <= due_on AS on_time
        FROM typed
    """,
)

# The versions of a case's help plan are numbered from 1.
_HELP_PLANS = _Extraction(
    query=f"""
        SELECT p.id AS plan_id, p.case_id, {_CASE_UNITS},
               {_stored("p.agreed_on")} AS agreed_on, p.version,
               p.beneficiary_participated, p.beneficiary_agreed
        FROM cases_helpplan AS p
        JOIN cases_case AS c ON c.id = p.case_id
        WHERE {{window}}
    """,
    window=_Window(dates=("p.agreed_on",)),
    table="help_plans",
    key_column="case_id",
    key="c.id",
    fact="help_plans",
    derive="SELECT *, version = 1 AS first_plan FROM typed",
)

_NEED_CHANGES = _Extraction(
    query=f"""
        SELECT c.id AS case_id, {_CASE_UNITS},
               {_stored("closure.assessed_on")} AS assessed_on,
               d.key AS dimension,
               intake_rating.level AS intake_level,
               closure_rating.level AS closure_level
        FROM cases_case AS c
        JOIN cases_needassessment AS intake
          ON intake.case_id = c.id AND intake.occasion = 'start'
        JOIN cases_needrating AS intake_rating
          ON intake_rating.assessment_id = intake.id AND intake_rating.relevant
        JOIN cases_needassessment AS closure
          ON closure.case_id = c.id AND closure.occasion = 'closure'
        JOIN cases_needrating AS closure_rating
          ON closure_rating.assessment_id = closure.id
         AND closure_rating.dimension_id = intake_rating.dimension_id
        JOIN cases_needdimension AS d ON d.id = intake_rating.dimension_id
        WHERE c.status = 'closed' AND {{window}}
    """,
    window=_Window(dates=("closure.assessed_on",)),
    table="need_changes",
    key_column="case_id",
    key="c.id",
    fact="need_changes",
    derive="""
        SELECT *, closure_level - intake_level AS change,
               closure_level > intake_level AS improved
        FROM typed
    """,
)

_SURVEY = _Extraction(
    query=f"""
        SELECT REPLACE(CAST(r.id AS VARCHAR(36)), '-', '') AS response_id,
               r.funder_id, r.provider_id, r.service_type_id,
               {_stored("r.period")} AS period,
               {", ".join(f"r.{field}" for field in ITEM_FIELDS)}
        FROM feedback_surveyresponse AS r
        WHERE {{window}}
    """,
    window=_Window(dates=("r.period",), monthly=True),
    types=(
        ("response_id", "text"),
        *((field, "integer") for field in ITEM_FIELDS),
    ),
    table="survey",
    key_column="response_id",
    key="r.id",
    fact="survey",
    # UNPIVOT leaves out the items not answered (NULL).
    derive=f"""
        SELECT *, answer >= $agrees_from AS agrees
        FROM (
            UNPIVOT typed ON {", ".join(ITEM_FIELDS)}
            INTO NAME aspect VALUE answer
        )
    """,
)

# A membership is valid from valid_from up to, not including, valid_until;
# both are times, read here as local dates. Staff are caseworkers, QM
# officers and managers; not auditors or platform administrators.
_STAFF = _Extraction(
    query="""
        SELECT m.id AS membership_id, m.organisation_id AS provider_id,
               m.unit_id AS team_id, m.role,
               m.valid_from AS valid_from_at, m.valid_until AS valid_until_at,
               CAST(m.full_time_equivalent AS DOUBLE PRECISION)
                   AS full_time_equivalent,
               m.qualification
        FROM accounts_membership AS m
        JOIN accounts_organisation AS o ON o.id = m.organisation_id
        WHERE o.kind = 'provider'
          AND m.role IN ('caseworker', 'qm_officer', 'manager')
    """,
    types=(("valid_from_at", "timestamp"), ("valid_until_at", "timestamp")),
    table="staff",
    fact="staff",
    derive="""
        WITH dated AS (
            SELECT *,
                   CAST(timezone($time_zone, valid_from_at) AS DATE) AS valid_from,
                   COALESCE(CAST(timezone($time_zone, valid_until_at) AS DATE),
                            $far_future) AS stock_end
            FROM typed
        )
        SELECT membership_id, provider_id, team_id, role, valid_from, stock_end,
               full_time_equivalent,
               NULLIF(qualification, '') AS qualification,
               CASE WHEN qualification <> ''
                    THEN list_contains($degrees, qualification) END
                   AS professionally_qualified
        FROM dated
        WHERE valid_from <= $end AND stock_end >= $start
    """,
)

_EXTRACTIONS = {
    "cases": _CASES,
    "goal_ratings": _GOAL_RATINGS,
    "outcomes": _OUTCOMES,
    "reviews": _REVIEWS,
    "help_plans": _HELP_PLANS,
    "need_changes": _NEED_CHANGES,
    "survey": _SURVEY,
    "staff": _STAFF,
    # complaints and deviations: no records yet, so load_fact returns them
    # empty with their declared columns.
}
