"""Turn hand-built case timelines into the monitor's Arrow input and evaluate them."""

import duckdb
import pyarrow as pa

from dialoq.catalog.standards import parse_rule
from dialoq.deviations.monitor import rules as duck_rules
from dialoq.deviations.monitor.reference import Occurrence
from dialoq.deviations.monitor.timelines import CASE_COLUMNS, Timelines


def to_timelines(cases, today, since) -> Timelines:
    """Return the Arrow timelines of reference ``CaseTimeline`` objects."""
    rows = {name: [] for name in CASE_COLUMNS}
    for case in cases:
        values = {
            "case_id": case.case_id,
            "funder_id": case.funder_id,
            "state": case.state,
            "provider_id": case.provider_id,
            "provider_unit_id": None,
            "caseworker_id": None,
            "case_manager_id": None,
            "service_type_key": case.service_type_key,
            "code_book": case.code_book,
            "status": case.status,
            "referred_on": case.referred_on,
            "started_on": case.started_on,
            "ended_on": case.ended_on,
            "next_review_due": case.next_review_due,
        }
        for name in CASE_COLUMNS:
            rows[name].append(values[name])
    table = pa.table(rows, schema=pa.schema(list(CASE_COLUMNS.items())))
    day = pa.date32()
    events = {
        "contact": pa.table(
            {
                "case_id": [c.case_id for c in cases for _ in c.contacts],
                "day": pa.array([d for c in cases for d, _k in c.contacts], day),
                "kind": [k for c in cases for _d, k in c.contacts],
            },
            schema=pa.schema(
                [("case_id", pa.int64()), ("day", day), ("kind", pa.string())]
            ),
        ),
        "help_plan": pa.table(
            {
                "case_id": [c.case_id for c in cases for _ in c.help_plans],
                "day": pa.array([d for c in cases for d, _p in c.help_plans], day),
                "beneficiary_participated": [
                    p for c in cases for _d, p in c.help_plans
                ],
            },
            schema=pa.schema(
                [
                    ("case_id", pa.int64()),
                    ("day", day),
                    ("beneficiary_participated", pa.bool_()),
                ]
            ),
        ),
    }
    for name in ("reviews", "progress_reports", "needs_assessments"):
        events[name.removesuffix("s")] = pa.table(
            {
                "case_id": [c.case_id for c in cases for _ in getattr(c, name)],
                "day": pa.array([d for c in cases for d in getattr(c, name)], day),
            },
            schema=pa.schema([("case_id", pa.int64()), ("day", day)]),
        )
    # Events past today are not read from the database either.
    for name, events_table in events.items():
        mask = pa.compute.less_equal(events_table.column("day"), pa.scalar(today, day))
        events[name] = events_table.filter(mask)
    return Timelines(today, since, table, events)


def duckdb_occurrences(rule, cases, today, since, owner_id=None) -> list[Occurrence]:
    """Return the occurrences the DuckDB evaluation finds, sorted like the reference."""
    parsed = parse_rule(rule) if isinstance(rule, dict) else rule
    timelines = to_timelines(cases, today, since)
    with duckdb.connect() as con:
        duck_rules.prepare(con, timelines, [parsed])
        check = duck_rules.Check(1, "test", parsed, owner_id)
        table = duck_rules.occurrences(con, check, since)
    found = [Occurrence(**row) for row in table.to_pylist()]
    return sorted(found, key=lambda o: (o.case_id, o.occurred_on))
