"""The fact snapshot: the same facts as a fresh read, kept up to date by change."""

import io
import math
from datetime import date

import duckdb
import pytest

from dialoq.cases import retention
from dialoq.cases.models import Case, CaseStatus
from dialoq.measures import engine, snapshot
from dialoq.measures.catalogue import load_catalogue
from dialoq.measures.facts import FACTS, load_fact
from dialoq.measures.models import FactChange, FactSnapshotState
from dialoq.measures.periods import periods_until
from tests import factories

from .test_facts import YEAR_2025, district  # noqa: F401  the fixture

WINDOWS = (
    {},
    YEAR_2025,
    {"start": date(2025, 7, 1), "end": date(2025, 7, 31)},
    {"start": date(2024, 12, 15), "end": date(2025, 3, 31)},
    {"end": date(2020, 12, 31)},
)


def rows(table) -> list[tuple]:
    """Return a table's rows as sorted tuples (None sorts first)."""
    return sorted(
        (tuple(row.values()) for row in table.to_pylist()),
        key=lambda row: [(value is not None, str(value)) for value in row],
    )


def snapshot_tables() -> dict[str, list[tuple]]:
    """Return every table of the snapshot file, its rows sorted."""
    with duckdb.connect(str(snapshot.snapshot_path()), read_only=True) as con:
        return {
            table: rows(con.sql(f"SELECT * FROM {table}").to_arrow_table())  # noqa: S608
            for table in snapshot.TABLES
        }


@pytest.mark.parametrize("window", WINDOWS, ids=str)
def test_snapshot_gives_exactly_the_facts_of_a_fresh_read(district, window):  # noqa: F811
    from_snapshot = snapshot.load_facts(sorted(FACTS), **window)
    for name in sorted(FACTS):
        fresh = load_fact(name, **window)
        assert from_snapshot[name].schema == fresh.schema, name
        assert rows(from_snapshot[name]) == rows(fresh), name


def test_results_from_the_snapshot_equal_those_from_a_fresh_read(district):  # noqa: F811
    periods = [p for p in periods_until(date(2025, 12, 31)) if p.start.year == 2025]
    window = {"start": date(2024, 1, 1), "end": date(2025, 12, 31)}
    from_snapshot = snapshot.load_facts(sorted(FACTS), **window)
    fresh = {name: load_fact(name, **window) for name in FACTS}
    compared = 0
    with snapshot.fact_views(sorted(FACTS), **window) as views:
        for entry in load_catalogue().indicators:
            spec = entry.parsed
            expected = engine.evaluate(spec, fresh, periods, date(2026, 1, 31))
            for facts in (from_snapshot, views):
                found = engine.evaluate(spec, facts, periods, date(2026, 1, 31))
                assert [vars(row) for row in sorted(found, key=_row_key)] == [
                    vars(row) for row in sorted(expected, key=_row_key)
                ], entry.key
            compared += len(found)
    assert compared > 100


def _row_key(row):
    return (row.unit_key, row.period_type, row.period_start, row.stratum)


def test_incremental_refresh_equals_a_full_rebuild(district):  # noqa: F811
    world = district.world
    assert snapshot.refresh().rebuilt
    # Change a case (closed now), add one with a contact, delete one.
    running = Case.objects.get(pk=district.running.pk)
    running.status = CaseStatus.CLOSED
    running.ended_on = date(2025, 10, 31)
    running.closure_reason = "planned"
    running.save()
    added = factories.make_case(
        world.funder, world.provider_b, referred_on=date(2025, 9, 1)
    )
    factories.make_contact(added, duration_minutes=20)
    Case.objects.get(pk=district.sgb2.pk).delete()
    factories.make_survey_response(district.closed, date(2025, 6, 1), framework_time=2)
    assert FactChange.objects.exists()

    summary = snapshot.refresh()
    assert not summary.rebuilt
    assert summary.records >= 3
    assert not FactChange.objects.exists()
    incremental = snapshot_tables()
    assert snapshot.refresh(rebuild=True).rebuilt
    assert incremental == snapshot_tables()
    cases = {row[0] for row in incremental["cases"]}
    assert added.pk in cases
    assert district.sgb2.pk not in cases
    facts = snapshot.load_facts(["cases"], **YEAR_2025)
    ended = {row["case_id"]: row["ended_on"] for row in facts["cases"].to_pylist()}
    assert ended[running.pk] == date(2025, 10, 31)


def test_a_new_case_of_the_same_person_updates_the_earlier_cases_reentry(world):
    earlier = factories.make_case(
        world.funder,
        world.provider_a,
        status=CaseStatus.CLOSED,
        referred_on=date(2024, 1, 8),
        started_on=date(2024, 1, 15),
        ended_on=date(2024, 6, 28),
        closure_reason="planned",
    )
    snapshot.refresh()
    factories.make_case(
        world.funder,
        world.provider_a,
        beneficiary=earlier.beneficiary,
        referred_on=date(2024, 9, 2),
    )
    facts = snapshot.load_facts(["cases"])
    reentry = {
        row["case_id"]: row["reentry_within_12_months"]
        for row in facts["cases"].to_pylist()
    }
    assert reentry[earlier.pk] is True
    assert rows(facts["cases"]) == rows(load_fact("cases"))


def test_erased_cases_leave_the_snapshot(district, settings):  # noqa: F811
    settings.RETENTION_MODE = "erase"
    settings.RETENTION_YEARS = 5
    snapshot.refresh()
    old = district.old.pk
    assert old in {row[0] for row in snapshot_tables()["cases"]}
    counts = retention.run_retention(out=io.StringIO(), today=date(2026, 1, 15))
    assert counts["cases"] == 1
    # The retention job rebuilt the snapshot: nothing else to take in.
    assert not FactChange.objects.exists()
    tables = snapshot_tables()
    assert old not in {row[0] for row in tables["cases"]}
    assert district.closed.pk in {row[0] for row in tables["cases"]}
    # Nothing of the case is left in any table.
    for table in ("final_levels", "reviews", "help_plans", "need_changes"):
        assert old not in {row[1] for row in tables[table]} | {
            row[0] for row in tables[table]
        }


def test_a_crash_while_rebuilding_leaves_the_old_snapshot(district, monkeypatch):  # noqa: F811
    snapshot.refresh()
    before = snapshot_tables()
    token = FactSnapshotState.objects.get().token

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(snapshot, "extract_into", crash)
    with pytest.raises(RuntimeError):
        snapshot.refresh(rebuild=True)
    monkeypatch.undo()
    assert snapshot_tables() == before
    assert list(snapshot.snapshot_path().parent.glob("*.tmp*")) == []
    # The file is not trusted any more (the state was reset): rebuilt next time.
    assert FactSnapshotState.objects.get().token != token
    assert snapshot.refresh().rebuilt


def test_a_crash_while_updating_leaves_the_old_snapshot(district, monkeypatch):  # noqa: F811
    snapshot.refresh()
    before = snapshot_tables()
    factories.make_contact(district.running, duration_minutes=15)
    real = snapshot.extract_into
    calls = []

    def crash_on_second(*args, **kwargs):
        calls.append(args[1])
        if len(calls) == 2:
            raise RuntimeError("power cut")
        return real(*args, **kwargs)

    monkeypatch.setattr(snapshot, "extract_into", crash_on_second)
    with pytest.raises(RuntimeError):
        snapshot.refresh()
    monkeypatch.undo()
    assert snapshot_tables() == before  # the transaction was rolled back
    assert FactChange.objects.exists()  # the change is still to be taken in
    assert not snapshot.refresh().rebuilt
    assert snapshot_tables() == snapshot_tables_after_rebuild()


def snapshot_tables_after_rebuild():
    snapshot.refresh(rebuild=True)
    return snapshot_tables()


def test_a_snapshot_of_another_database_state_is_rebuilt(district):  # noqa: F811
    snapshot.refresh()
    FactSnapshotState.objects.update(token="rolled-back")
    assert snapshot.refresh().rebuilt


def test_compute_reads_the_snapshot(district, monkeypatch):  # noqa: F811
    summary = engine.compute(data_until=date(2025, 12, 31))
    assert summary.results_written > 0
    assert snapshot.snapshot_path().exists()
    assert FactSnapshotState.objects.get().token
    # Recomputing a month takes in a new contact without a rebuild.
    factories.make_contact(district.running, duration_minutes=15)
    rebuilt = []
    real = snapshot._rebuild
    monkeypatch.setattr(snapshot, "_rebuild", lambda *a: rebuilt.append(1) or real(*a))
    engine.compute(months=[date(2025, 12, 1)], data_until=date(2025, 12, 31))
    assert rebuilt == []
    assert not FactChange.objects.exists()
    assert not math.isnan(summary.seconds)


def test_computed_results_equal_an_evaluation_of_fresh_facts(district):  # noqa: F811
    from dialoq.catalog.models import IndicatorVersion, VersionStatus
    from dialoq.measures.models import Result
    from dialoq.measures.periods import add_months

    data_until = date(2025, 12, 31)
    engine.compute(data_until=data_until)
    periods = periods_until(data_until)
    start = add_months(min(period.start for period in periods), -12)
    end = max(period.end for period in periods)
    fresh = {name: load_fact(name, start=start, end=end) for name in FACTS}
    fields = ("unit_key", "period_type", "period_start", "stratum", "cases")
    numbers = ("numerator", "denominator", "value", "ci_lower", "ci_upper")
    versions = IndicatorVersion.objects.filter(status=VersionStatus.IN_FORCE)
    assert versions.count() == 30
    compared = 0
    for version in versions:
        expected = {
            tuple(getattr(row, name) for name in fields): (
                *(getattr(row, name) for name in numbers),
                row.evaluation,
            )
            for row in engine.evaluate(version.parsed(), fresh, periods, data_until)
        }
        stored = {
            tuple(getattr(row, name) for name in fields): (
                *(getattr(row, name) for name in numbers),
                row.evaluation,
            )
            for row in Result.objects.filter(version=version)
        }
        assert stored == expected, version.definition.key
        compared += len(stored)
    assert compared > 100


def test_the_case_services_are_taken_in_by_the_refresh(district):  # noqa: F811
    from dialoq.cases import services

    user = district.world.people.provider_b
    snapshot.refresh()
    running = Case.objects.get(pk=district.running.pk)
    contact = services.do_record_contact(
        user, running, occurred_on=date(2025, 7, 1), duration_minutes=90, kind="phone"
    )
    services.do_close_case(
        user, running, ended_on=date(2025, 11, 28), closure_reason="planned"
    )
    assert FactChange.objects.filter(key=str(running.pk)).count() >= 2
    assert not snapshot.refresh().rebuilt
    row = next(
        row
        for row in snapshot.load_facts(["cases"])["cases"].to_pylist()
        if row["case_id"] == running.pk
    )
    assert (row["status"], row["ended_on"], row["contacts"]) == (
        "closed",
        date(2025, 11, 28),
        1,
    )
    services.do_delete_contact(user, contact)
    assert not snapshot.refresh().rebuilt
    incremental = snapshot_tables()
    snapshot.refresh(rebuild=True)
    assert incremental == snapshot_tables()
