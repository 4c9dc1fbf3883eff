"""Reading the timelines: only as far back as the rules look, and through ADBC."""

import random
import sqlite3
from datetime import date, timedelta

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from django.db import connection

from dialoq.accounts.models import Organisation
from dialoq.cases.models import Case
from dialoq.catalog.models import ServiceType
from dialoq.catalog.standards import parse_rule
from dialoq.deviations.monitor import rules as duck_rules
from dialoq.deviations.monitor import timelines
from tests import factories
from tests.deviations.monitor.helpers import to_timelines
from tests.deviations.monitor.test_rules import RULES, random_case

TODAY = date(2026, 3, 2)
EVENT_MODELS = [model for model, _day, _extra in timelines.EVENT_SOURCES.values()]
SINCE = timelines.window_start(TODAY)


def _occurrences(parsed, data: timelines.Timelines) -> list[dict]:
    with duckdb.connect() as con:
        duck_rules.prepare(con, data, [parsed])
        table = duck_rules.occurrences(
            con, duck_rules.Check(1, "test", parsed), data.since
        )
    return sorted(
        table.to_pylist(), key=lambda row: (row["case_id"], row["occurred_on"])
    )


def _cut(data: timelines.Timelines, parsed) -> tuple[timelines.Timelines, int]:
    """Return the timelines without the events the rule never looks at."""
    events, dropped = {}, 0
    needed = timelines.needed_events([parsed], data.since)
    for name, table in data.events.items():
        earliest = needed[name].earliest if name in needed else None
        if earliest is not None:
            mask = pc.greater_equal(
                table.column("day"), pa.scalar(earliest, pa.date32())
            )
            dropped += table.num_rows - pc.sum(mask).as_py()
            table = table.filter(mask)
        events[name] = table
    return timelines.Timelines(data.today, data.since, data.cases, events), dropped


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule["kind"])
def test_events_before_the_earliest_day_change_no_occurrence(rule):
    rng = random.Random(815)
    cases = [random_case(rng, case_id, TODAY) for case_id in range(1, 301)]
    parsed = parse_rule(rule)
    full = to_timelines(cases, TODAY, SINCE)
    cut, dropped = _cut(full, parsed)
    assert _occurrences(parsed, cut) == _occurrences(parsed, full)
    if parsed.kind != "precondition" and timelines.needed_events([parsed]):
        assert dropped > 0  # the random timelines reach back far enough


def test_earliest_day_per_event_is_the_earliest_any_rule_needs():
    since = date(2025, 3, 3)
    parsed = [
        parse_rule({"kind": "max_interval", "event": "contact", "every": "2 weeks"}),
        parse_rule(
            {
                "kind": "deadline",
                "anchor": "referral",
                "event": "contact",
                "within": "10 working days",
            }
        ),
        parse_rule({"kind": "max_interval", "event": "review", "every": "2 months"}),
        parse_rule(
            {
                "kind": "precondition",
                "event": "review",
                "requires": "progress_report",
                "before": "10 days",
            }
        ),
        parse_rule(
            {
                "kind": "participation",
                "event": "help_plan",
                "participant": "beneficiary",
            }
        ),
    ]
    needed = timelines.needed_events(parsed, since)
    # 10 working days: twice as many calendar days and a month more.
    assert needed["contact"].earliest == since - timedelta(days=51)
    assert needed["review"].earliest is None  # the precondition needs all reviews
    assert needed["progress_report"].earliest is None
    assert needed["help_plan"].earliest == since
    assert needed["help_plan"].extras == {"beneficiary_participated"}
    # 2 months: 31 days each and one more.
    only_interval = timelines.needed_events(parsed[2:3], since)
    assert only_interval["review"].earliest == since - timedelta(days=63)
    assert timelines.needed_events(parsed)["contact"].earliest is None


def test_longest_days_covers_every_duration():
    from dialoq.catalog.standards import Duration
    from dialoq.catalog.workdays import add_working_days

    start = date(2025, 12, 23)  # over Christmas and New Year
    for amount in (1, 3, 10, 40):
        duration = Duration(amount, "working_days")
        assert (
            add_working_days(start, amount, "BY") - start
        ).days <= timelines.longest_days(duration)
    assert timelines.longest_days(Duration(1, "months")) >= 31
    assert timelines.longest_days(Duration(2, "weeks")) >= 14


@pytest.fixture
def recorded(world):
    """The world's cases with events, some fields empty, a closed case among them."""
    unit = factories.make_unit(world.provider_a)
    case_a, case_b = world.case_a, world.case_b
    case_a.provider_unit = unit
    case_a.save()
    closed = factories.make_case(
        world.funder,
        world.provider_a,
        status="closed",
        referred_on=date(2025, 3, 3),
        started_on=date(2025, 3, 10),
        ended_on=date(2025, 9, 30),
        next_review_due=None,
    )
    factories.make_case(  # closed before the window: not read
        world.funder,
        world.provider_b,
        status="closed",
        referred_on=date(2023, 6, 1),
        started_on=date(2023, 6, 12),
        ended_on=date(2024, 1, 31),
    )
    factories.make_contact(case_a, occurred_on=date(2026, 1, 20), kind="phone")
    factories.make_contact(case_a, occurred_on=date(2026, 1, 20), kind="home_visit")
    factories.make_contact(case_a, occurred_on=date(2023, 5, 1))  # long ago
    factories.make_contact(case_b, occurred_on=date(2026, 4, 1))  # after today
    factories.make_contact(closed, occurred_on=date(2025, 9, 1))
    plan = factories.make_help_plan(
        case_a, agreed_on=date(2026, 2, 2), beneficiary_participated=True
    )
    factories.make_help_plan(case_b, agreed_on=date(2026, 2, 9))
    factories.make_review(plan, held_on=date(2026, 2, 20))
    return world


def _all_rules():
    return [parse_rule(rule) for rule in RULES]


def _sorted(table: pa.Table) -> pa.Table:
    return table.sort_by([(name, "ascending") for name in table.column_names])


def _assert_same(read: timelines.Timelines, expected: timelines.Timelines) -> None:
    assert read.cases.schema == expected.cases.schema
    assert read.cases.to_pylist() == expected.cases.to_pylist()
    assert read.events.keys() == expected.events.keys()
    for name, table in expected.events.items():
        assert read.events[name].schema == table.schema, name
        assert _sorted(read.events[name]).equals(_sorted(table)), name


def test_cursor_reader_reads_the_cases_and_recent_events(recorded):
    data = timelines.load_timelines(
        _all_rules(), TODAY, reader=timelines._CursorReader()
    )
    assert sorted(data.cases.column("case_id").to_pylist()) == sorted(
        [recorded.case_a.pk, recorded.case_b.pk, *_closed_in_window()]
    )
    contacts = data.events["contact"].to_pylist()
    # The 2023 contact is older than any contact rule looks; the April one
    # lies after the check date; duplicates of a day are kept for DuckDB.
    assert sorted((row["day"], row["kind"]) for row in contacts) == [
        (date(2025, 9, 1), "face_to_face"),
        (date(2026, 1, 20), "home_visit"),
        (date(2026, 1, 20), "phone"),
    ]
    plans = {row["case_id"]: row for row in data.events["help_plan"].to_pylist()}
    assert plans[recorded.case_a.pk]["beneficiary_participated"] is True


def _closed_in_window():
    from dialoq.cases.models import Case

    return list(
        Case.objects.filter(status="closed", ended_on__gte=SINCE).values_list(
            "pk", flat=True
        )
    )


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite file copy")
def test_sqlite_adbc_reader_reads_what_the_cursor_reads(recorded, tmp_path):
    copy = tmp_path / "copy.sqlite3"
    # The test's rows are not committed: copy the tables read through the
    # test's own connection.
    source = connection.connection
    target = sqlite3.connect(copy)
    for model in (Case, Organisation, ServiceType, *EVENT_MODELS):
        table = model._meta.db_table
        (create,) = source.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
        ).fetchone()
        target.execute(create)
        rows = source.execute(f'SELECT * FROM "{table}"').fetchall()  # noqa: S608
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            target.executemany(f'INSERT INTO "{table}" VALUES ({marks})', rows)  # noqa: S608
    target.commit()
    target.close()
    expected = timelines.load_timelines(
        _all_rules(), TODAY, reader=timelines._CursorReader()
    )
    reader = timelines._SqliteReader(copy)
    try:
        read = timelines.load_timelines(_all_rules(), TODAY, reader=reader)
    finally:
        reader.close()
    assert read.cases.num_rows == 3
    assert read.cases.column("provider_unit_id").null_count == 2
    _assert_same(read, expected)


def test_adbc_reader_keeps_empty_values_after_many_rows(db, tmp_path):
    """A column empty in the first rows and filled later keeps its type."""
    if connection.vendor == "sqlite":
        reader = timelines._SqliteReader(tmp_path / "empty.sqlite3")
        query = """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
                                    WHERE i < 3000)
            SELECT {columns} FROM n WHERE i <= %s ORDER BY i
        """
        names = {
            "number": "CASE WHEN i > 2000 THEN i END",
            "day": "CASE WHEN i > 2000 THEN '2026-03-02' END",
            "flag": "CASE WHEN i > 2000 THEN i % 2 END",
            "text": "CASE WHEN i > 2000 THEN 'x' END",
        }
    else:
        reader = timelines._PostgresReader()
        query = (
            "SELECT {columns} FROM generate_series(1, 3000) AS n(i) "
            "WHERE i <= %s ORDER BY i"
        )
        names = {
            "number": "CASE WHEN i > 2000 THEN i::bigint END",
            "day": "CASE WHEN i > 2000 THEN DATE '2026-03-02' END",
            "flag": "CASE WHEN i > 2000 THEN i % 2 = 1 END",
            "text": "CASE WHEN i > 2000 THEN 'x' END",
        }
    types = {
        "number": pa.int64(),
        "day": pa.date32(),
        "flag": pa.bool_(),
        "text": pa.string(),
    }
    try:
        table = reader.read(
            query.format(columns=reader.columns(names, types)), [3000], types
        )
        empty = reader.read(
            query.format(columns=reader.columns(names, types)), [0], types
        )
    finally:
        reader.close()
    assert table.schema == pa.schema(list(types.items()))
    assert table.num_rows == 3000
    assert table.column("number").null_count == 2000
    assert table.column("number").to_pylist()[2000:2002] == [2001, 2002]
    assert table.column("day").to_pylist()[2999] == date(2026, 3, 2)
    assert table.column("flag").to_pylist()[2000:2002] == [True, False]
    assert table.column("text").to_pylist()[1999:2001] == [None, "x"]
    assert empty.num_rows == 0 and empty.schema == table.schema


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_postgres_uri_names_the_test_database(db):
    uri = timelines._postgres_uri()
    assert uri.startswith("postgresql://")
    assert uri.endswith("/" + connection.settings_dict["NAME"])
