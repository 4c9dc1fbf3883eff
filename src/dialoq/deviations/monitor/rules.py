# ruff: noqa: S608 - SQL built from the validated rule; values are bound
"""Evaluation of process-standard rules over all cases at once, in DuckDB.

The semantics are those of ``dialoq.catalog.standards`` (its docstring), made
exact here; ``reference`` implements the same for one case in plain Python,
and the tests hold the two against each other.

Each rule gives **occurrences**: one row per (case, occurrence date), with the
date the standard required something by (``due_on``), whether it was met,
and for a breach whether it still persists (``ongoing``) or the late event
has happened since (``healed_on``, the day of that event).

- The horizon of a case is today while it is open, and the day its help
  ended (``ended_on``) once closed; events after the horizon are not seen.
- An event on the due day itself is in time.
- ``deadline``: one occurrence per case, dated on the anchor. Due = anchor +
  duration. Met if the first ``event`` on or after the anchor falls on or
  before the due day. Breached if it came later (healed on that day) or is
  still missing once the due day lies before the horizon (ongoing). While
  the due day has not passed and nothing happened, there is no occurrence yet.
- ``max_interval``: the anchor and every ``event`` on or after it are points;
  one occurrence per point, dated on it, due = point + duration. Met if the
  next point falls on or before the due day; breached if it came later
  (healed then) or none came and the due day lies before the horizon
  (ongoing). So a closed case's last interval ends at ``ended_on``.
- ``precondition``: one occurrence per ``event`` day (reviews held, help
  plans agreed, or the open case's next review due), due = that day minus
  the duration. Met if a ``requires`` event happened after the previous
  ``event`` (for ``review_due``: the last review held before it) and on or
  before the due day. Otherwise breached, once decided: always for an event
  that has happened; for ``review_due`` only once the due day lies before
  today (the review is due within ``before`` from today or earlier). A
  ``requires`` event after the due day heals it: up to the event day for a
  held event, up to today for ``review_due``.
- ``participation``: one occurrence per help-plan day, due that day; met if
  every plan of that day records the participant. Never healed by later
  events (only by correcting the record).
- Durations: days and weeks are calendar days; months are calendar months
  (``date + INTERVAL n MONTH``: 31 January + 1 month is 28/29 February, as
  ``dateutil.relativedelta`` does); working days use the working-day table
  of the funder's federal state: N working days after d is the working day
  whose running number is number(d) + N; N working days before d is the
  last day whose number is at most number(d) − N.
- Scope: a case is in scope if its service type and code book are among
  those named (an empty list names all); a standard owned by an
  organisation applies only to cases that organisation funds or provides.
- Only occurrences due on or after ``since`` are returned (the compliance
  window); undecided ones never are.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from dialoq.catalog.standards import Duration, Rule
from dialoq.catalog.workdays import working_day_table

OCCURRENCE_SCHEMA = pa.schema(
    [
        ("case_id", pa.int64()),
        ("occurred_on", pa.date32()),
        ("due_on", pa.date32()),
        ("met", pa.bool_()),
        ("ongoing", pa.bool_()),
        ("healed_on", pa.date32()),
    ]
)
CASE_DATES = {
    "referral": "referred_on",
    "help_start": "started_on",
    "closure": "ended_on",
}
# Extra calendar days around the working-day table for holidays and weekends.
TABLE_MARGIN_DAYS = 60


@dataclass(frozen=True)
class Check:
    """One standard version to evaluate: its rule and who owns it (None: built in)."""

    version_id: int
    standard_key: str
    rule: Rule
    owner_id: int | None = None


def prepare(con: duckdb.DuckDBPyConnection, timelines, rules) -> None:
    """Register the timelines and the working-day table in the connection."""
    today = timelines.today
    con.register("cases_arrow", timelines.cases)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW case_view AS
        SELECT *, status <> 'closed' AS is_open,
               CASE WHEN status = 'closed'
                    THEN LEAST(COALESCE(ended_on, {_literal(today)}), {_literal(today)})
                    ELSE {_literal(today)} END AS end_on
        FROM cases_arrow
        """
    )
    for name in (
        "contact",
        "help_plan",
        "review",
        "progress_report",
        "needs_assessment",
    ):
        table = timelines.events.get(name)
        if table is None:
            table = pa.schema(
                [("case_id", pa.int64()), ("day", pa.date32())]
            ).empty_table()
        con.register(f"ev_{name}", table)
    start, end = _table_range(timelines, rules)
    states = timelines.cases.column("state").unique().to_pylist() or ["NI"]
    con.register(
        "workday_arrow",
        pa.table(
            working_day_table([s for s in states if s], start, end),
            schema=pa.schema(
                [
                    ("state", pa.string()),
                    ("day", pa.date32()),
                    ("number", pa.int64()),
                    ("is_working_day", pa.bool_()),
                ]
            ),
        ),
    )
    con.execute("CREATE OR REPLACE TEMP TABLE workdays AS FROM workday_arrow")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE working_days AS "
        "SELECT state, number, day FROM workdays WHERE is_working_day"
    )
    con.unregister("workday_arrow")


def occurrences(con: duckdb.DuckDBPyConnection, check: Check, since: date) -> pa.Table:
    """Return the occurrences of one standard over all registered cases."""
    sql, params = occurrence_sql(check)
    params["since"] = since
    return con.sql(sql, params=params).to_arrow_table().cast(OCCURRENCE_SCHEMA)


def occurrence_sql(check: Check) -> tuple[str, dict]:
    """Return the DuckDB query (and its values) giving the occurrences of a check."""
    rule = check.rule
    params: dict = {}
    conditions = ["TRUE"]
    if rule.scope.service_types:
        params["service_types"] = list(rule.scope.service_types)
        conditions.append("list_contains($service_types, service_type_key)")
    if rule.scope.code_books:
        params["code_books"] = list(rule.scope.code_books)
        conditions.append("list_contains($code_books, code_book)")
    if check.owner_id is not None:
        params["owner"] = check.owner_id
        conditions.append("(funder_id = $owner OR provider_id = $owner)")
    if rule.contact_kinds:
        params["contact_kinds"] = list(rule.contact_kinds)
    scoped = f"scoped AS (SELECT * FROM case_view WHERE {' AND '.join(conditions)})"
    build = {
        "deadline": _deadline,
        "max_interval": _max_interval,
        "precondition": _precondition,
        "participation": _participation,
    }[rule.kind]
    return f"WITH {scoped}, {build(rule)}", params


def _events(rule: Rule, name: str) -> str:
    """Return a relation (case_id, day) of an event within each case's horizon."""
    if name in CASE_DATES:
        column = CASE_DATES[name]
        closed = " AND NOT is_open" if name == "closure" else ""
        return (
            f"SELECT case_id, {column} AS day FROM scoped "
            f"WHERE {column} IS NOT NULL AND {column} <= end_on{closed}"
        )
    kinds = ""
    if name == "contact" and rule.contact_kinds:
        kinds = " AND list_contains($contact_kinds, e.kind)"
    return (
        f"SELECT DISTINCT e.case_id, e.day FROM ev_{name} e "
        f"JOIN scoped s USING (case_id) WHERE e.day <= s.end_on{kinds}"
    )


def _anchors(rule: Rule) -> str:
    return f"""
        anchors AS (
            SELECT a.case_id, s.state, s.end_on, a.day AS start
            FROM ({_events(rule, rule.anchor)}) a JOIN scoped s USING (case_id)
        )"""


def _shifted(source: str, duration: Duration, *, backwards=False) -> str:
    """Return SELECT source.*, due_on: ``start`` moved by the duration."""
    n = int(duration.amount)
    sign = "-" if backwards else "+"
    if duration.unit in ("days", "weeks"):
        days = n * (7 if duration.unit == "weeks" else 1)
        return f"SELECT src.*, src.start {sign} {days} AS due_on FROM {source} src"
    if duration.unit == "months":
        return (
            f"SELECT src.*, CAST(src.start {sign} INTERVAL ({n}) MONTH AS DATE) "
            f"AS due_on FROM {source} src"
        )
    # The day's running number first (materialised, so that the optimiser
    # cannot turn the two lookups into one join over all day pairs), then the
    # working day with the number sought.
    numbered = f"""
        WITH numbered AS MATERIALIZED (
            SELECT src.*, w0.number AS start_number FROM {source} src
            JOIN workdays w0 ON w0.state = src.state AND w0.day = src.start
        )"""
    if backwards:
        # The last day whose running number is at most number(start) - n is
        # the day before the working day numbered number(start) - n + 1.
        return f"""{numbered}
            SELECT n.* EXCLUDE (start_number), CAST(w1.day - 1 AS DATE) AS due_on
            FROM numbered n JOIN working_days w1
              ON w1.state = n.state AND w1.number = n.start_number - {n} + 1"""
    return f"""{numbered}
        SELECT n.* EXCLUDE (start_number), w1.day AS due_on
        FROM numbered n JOIN working_days w1
          ON w1.state = n.state AND w1.number = n.start_number + {n}"""


def _deadline(rule: Rule) -> str:
    return f"""{_anchors(rule)},
        due AS ({_shifted("anchors", rule.duration)}),
        events AS ({_events(rule, rule.event)}),
        firsts AS (
            SELECT d.case_id, MIN(e.day) AS first
            FROM due d JOIN events e ON e.case_id = d.case_id AND e.day >= d.start
            GROUP BY d.case_id
        )
        SELECT d.case_id, d.start AS occurred_on, d.due_on,
               COALESCE(f.first <= d.due_on, FALSE) AS met,
               f.first IS NULL AS ongoing,
               CASE WHEN f.first > d.due_on THEN f.first END AS healed_on
        FROM due d LEFT JOIN firsts f USING (case_id)
        WHERE (f.first IS NOT NULL OR d.due_on < d.end_on) AND d.due_on >= $since
    """


def _max_interval(rule: Rule) -> str:
    return f"""{_anchors(rule)},
        events AS ({_events(rule, rule.event)}),
        points AS (
            SELECT case_id, start AS day FROM anchors
            UNION
            SELECT e.case_id, e.day FROM events e JOIN anchors a USING (case_id)
            WHERE e.day >= a.start
        ),
        gaps AS (
            SELECT p.case_id, a.state, a.end_on, p.day AS start,
                   LEAD(p.day) OVER (PARTITION BY p.case_id ORDER BY p.day) AS next
            FROM points p JOIN anchors a USING (case_id)
        ),
        due AS ({_shifted("gaps", rule.duration)})
        SELECT case_id, start AS occurred_on, due_on,
               COALESCE(next <= due_on, FALSE) AS met,
               next IS NULL AS ongoing,
               CASE WHEN next > due_on THEN next END AS healed_on
        FROM due
        WHERE (next IS NOT NULL OR due_on < end_on) AND due_on >= $since
    """


def _precondition(rule: Rule) -> str:
    if rule.event == "review_due":
        targets = f"""
            SELECT s.case_id, s.state, s.end_on, s.next_review_due AS start,
                   (SELECT MAX(r.day) FROM ({_events(rule, "review")}) r
                    WHERE r.case_id = s.case_id AND r.day < s.next_review_due)
                   AS previous,
                   s.end_on AS limit_on
            FROM scoped s WHERE s.is_open AND s.next_review_due IS NOT NULL"""
    else:
        targets = f"""
            SELECT e.case_id, s.state, s.end_on, e.day AS start,
                   LAG(e.day) OVER (PARTITION BY e.case_id ORDER BY e.day)
                   AS previous,
                   e.day AS limit_on
            FROM ({_events(rule, rule.event)}) e JOIN scoped s USING (case_id)"""
    return f"""
        targets AS ({targets}),
        due AS ({_shifted("targets", rule.duration, backwards=True)}),
        required AS ({_events(rule, rule.requires)}),
        judged AS (
            SELECT d.case_id, d.start, d.due_on, d.end_on,
                   COALESCE(BOOL_OR(r.day <= d.due_on), FALSE) AS met,
                   MIN(r.day) FILTER (WHERE r.day > d.due_on) AS late
            FROM due d LEFT JOIN required r
              ON r.case_id = d.case_id
             AND (d.previous IS NULL OR r.day > d.previous)
             AND r.day <= d.limit_on
            GROUP BY d.case_id, d.start, d.due_on, d.end_on
        )
        SELECT case_id, start AS occurred_on, due_on, met,
               NOT met AND late IS NULL AS ongoing,
               CASE WHEN NOT met THEN late END AS healed_on
        FROM judged
        WHERE (met OR due_on < end_on) AND due_on >= $since
    """


def _participation(rule: Rule) -> str:
    return """
        plans AS (
            SELECT e.case_id, e.day,
                   BOOL_AND(COALESCE(e.beneficiary_participated, FALSE)) AS met
            FROM ev_help_plan e JOIN scoped s USING (case_id)
            WHERE e.day <= s.end_on
            GROUP BY e.case_id, e.day
        )
        SELECT case_id, day AS occurred_on, day AS due_on, met,
               NOT met AS ongoing, CAST(NULL AS DATE) AS healed_on
        FROM plans WHERE day >= $since
    """


def _literal(day: date) -> str:
    return f"DATE '{day.isoformat()}'"


def _table_range(timelines, rules) -> tuple[date, date]:
    """Return the days the working-day table must cover for these rules."""
    days = [timelines.today]
    for name in ("referred_on", "started_on", "ended_on", "next_review_due"):
        column = timelines.cases.column(name)
        days += [d for d in (pc.min(column).as_py(),) if d]
        days += [d for d in (pc.max(column).as_py(),) if d]
    for table in timelines.events.values():
        days += [d for d in (pc.min(table.column("day")).as_py(),) if d]
    longest = max(
        (
            rule.duration.approximate_days()
            for rule in rules
            if rule.duration is not None and rule.duration.unit == "working_days"
        ),
        default=0,
    )
    margin = timedelta(days=2 * longest + TABLE_MARGIN_DAYS)
    return min(days) - margin, max(days) + margin
