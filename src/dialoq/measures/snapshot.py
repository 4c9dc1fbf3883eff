"""The fact snapshot: the extracts of the facts, kept in a DuckDB file.

Reading the facts from the system of record passes every value through
Python once (``facts.load_fact``); at a million cases that takes minutes. The
snapshot keeps the typed extracts (before the derived columns, which depend
on the day and the window) in ``<data dir>/facts/facts.duckdb``, one table
per extraction, and is refreshed incrementally: the writes recorded in
``FactChange`` (``measures.changes``) name the cases, survey answers or staff
that changed; only their rows are extracted again. ``load_facts`` then
derives the facts for a window from the snapshot in DuckDB, with the same
derivation as a fresh read.

Consistency: the file and the row ``FactSnapshotState`` carry the same
token. A refresh writes the file first (a rebuild into a temporary file that
is renamed into place; an update in one DuckDB transaction), then the new
token and the removal of the changes it took in, in one database
transaction. A crash or rollback between the two leaves different tokens, and
the next refresh rebuilds the file. Deleted and erased cases disappear from
the snapshot with the refresh; after the retention job erased cases the
file is rebuilt (``rebuild_after_erasure``), so that no old bytes remain.

One process at a time uses the file (an exclusive lock on ``facts.lock``).
"""

import fcntl
import os
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .facts import (
    _EXTRACTIONS,
    FactView,
    arrow_schema,
    define_fact_view,
    derive_fact,
    extract_into,
)

# Each snapshot table and the extraction that fills it (goal ratings and
# outcomes share theirs).
TABLES = {
    "cases": _EXTRACTIONS["cases"],
    "final_levels": _EXTRACTIONS["goal_ratings"],
    "reviews": _EXTRACTIONS["reviews"],
    "help_plans": _EXTRACTIONS["help_plans"],
    "need_changes": _EXTRACTIONS["need_changes"],
    "survey": _EXTRACTIONS["survey"],
    "staff": _EXTRACTIONS["staff"],
}
FAMILY_KEYS = {"case": "case_id", "survey": "response_id"}
# DuckDB's memory for the facts shared by the indicators; beyond, it spills.
MEMORY_LIMIT = "2GB"
# Record ids per extraction query: bound values stay below SQLite's limit.
KEYS_PER_QUERY = 5_000


@dataclass(frozen=True)
class RefreshSummary:
    rebuilt: bool
    changes: int
    records: int
    seconds: float


def snapshot_path() -> Path:
    configured = getattr(settings, "DIALOQ_FACT_SNAPSHOT", "")
    return Path(configured or Path(settings.DATA_DIR) / "facts" / "facts.duckdb")


@contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def load_facts(
    names, *, start: date | None = None, end: date | None = None
) -> dict[str, pa.Table]:
    """Return the facts for the window, read from the refreshed snapshot.

    The same tables as ``facts.load_fact`` for each name.
    """
    path = snapshot_path()
    with _locked(path):
        _refresh(path)
        facts = {}
        with duckdb.connect() as con:
            con.execute(f"ATTACH '{_quoted(path)}' AS snapshot (READ_ONLY)")
            for name in names:
                extraction = _EXTRACTIONS.get(name)
                if extraction is None:
                    facts[name] = arrow_schema(name).empty_table()
                    continue
                where, _params = extraction.window.condition(start, end, local=True)
                facts[name] = derive_fact(
                    con,
                    name,
                    f"snapshot.{extraction.table}",
                    start=start,
                    end=end,
                    where=where,
                )
            con.execute("DETACH snapshot")
    return facts


@contextmanager
def fact_views(
    names,
    *,
    start: date | None = None,
    end: date | None = None,
    columns: dict[str, set[str]] | None = None,
    starts: dict[str, date] | None = None,
):
    """Yield the facts for the window as views over the refreshed snapshot.

    A dictionary name → ``FactView``, all in one DuckDB connection, for
    ``engine.evaluate``: nothing is read before an indicator reads it, and
    then only the columns it uses. With ``columns`` (fact → the columns the
    indicators read) each fact is derived once into a DuckDB table of those
    columns, which the indicators then share. ``starts`` gives some facts an
    earlier start than ``start``. The snapshot stays locked meanwhile.
    """
    path = snapshot_path()
    with _locked(path):
        _refresh(path)
        with duckdb.connect() as con:
            # Large shared tables go to disk rather than exhausting memory.
            con.execute(f"SET temp_directory = '{_quoted(path.parent / 'spill')}'")
            con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
            con.execute(f"ATTACH '{_quoted(path)}' AS snapshot (READ_ONLY)")
            empty = {}
            views = {}
            for name in names:
                extraction = _EXTRACTIONS.get(name)
                if extraction is None:
                    empty[name] = arrow_schema(name).empty_table()
                    con.register(f"empty_{name}", empty[name])
                    view = f"empty_{name}"
                else:
                    begins = (starts or {}).get(name, start)
                    where, _params = extraction.window.condition(
                        begins, end, local=True
                    )
                    view = define_fact_view(
                        con,
                        name,
                        f"snapshot.{extraction.table}",
                        start=begins,
                        end=end,
                        where=where,
                    )
                names_ = tuple(arrow_schema(name).names)
                if columns is not None and extraction is not None:
                    names_ = tuple(c for c in names_ if c in columns.get(name, ()))
                    listed = ", ".join(f'"{c}"' for c in names_)
                    shared = f"shared_{name}"
                    con.execute(
                        f"CREATE TEMP TABLE {shared} AS SELECT {listed} FROM {view}"  # noqa: S608
                    )
                    view = shared
                views[name] = FactView(name, view, names_, con)
            yield views


def refresh(*, rebuild: bool = False) -> RefreshSummary:
    """Bring the snapshot up to date with the database; rebuild it if asked."""
    path = snapshot_path()
    with _locked(path):
        return _refresh(path, rebuild=rebuild)


def rebuild_after_erasure() -> None:
    """Rebuild an existing snapshot after cases were erased (``cases.retention``).

    A refresh would delete their rows, but the file could still hold the
    old bytes; a rebuild writes a new file with the remaining cases only and
    removes the old one.
    """
    if snapshot_path().exists():
        refresh(rebuild=True)


def _refresh(path: Path, *, rebuild: bool = False) -> RefreshSummary:
    from .models import FactChange, FactSnapshotState

    started = time.perf_counter()
    state = FactSnapshotState.objects.first()
    if rebuild or state is None or not state.token or _file_token(path) != state.token:
        return _rebuild(path, started)
    changes = list(
        FactChange.objects.values_list("id", "family", "key", "beneficiary_id")
    )
    if not changes:
        return RefreshSummary(False, 0, 0, time.perf_counter() - started)
    if any(family == "everything" for _id, family, _key, _b in changes):
        return _rebuild(path, started)
    keys = _changed_keys(changes)
    token = uuid.uuid4().hex
    with duckdb.connect(str(path)) as con:
        con.begin()
        for table, extraction in TABLES.items():
            if not extraction.key:
                if keys["staff"]:
                    extract_into(con, table, extraction)
                continue
            family = next(
                f for f, k in FAMILY_KEYS.items() if k == extraction.key_column
            )
            _replace_rows(con, table, extraction, sorted(keys[family]))
        con.execute("UPDATE meta SET token = ?", [token])
        con.commit()
    _commit_state(token, [change[0] for change in changes])
    records = len(keys["case"]) + len(keys["survey"])
    return RefreshSummary(False, len(changes), records, time.perf_counter() - started)


def _changed_keys(changes) -> dict:
    """Return the changed records per family, with each case's sibling cases.

    A case's ``reentry_within_12_months`` depends on the other cases of the
    same beneficiary, so those are extracted again as well.
    """
    from dialoq.cases.models import Case

    keys = {"case": set(), "survey": set(), "staff": False}
    beneficiaries = set()
    for _id, family, key, beneficiary_id in changes:
        if family == "case":
            if key:
                keys["case"].add(int(key))
            if beneficiary_id is not None:
                beneficiaries.add(beneficiary_id)
        elif family == "survey":
            keys["survey"].add(str(key))
        elif family == "staff":
            keys["staff"] = True
    cases = sorted(keys["case"])
    for offset in range(0, len(cases), KEYS_PER_QUERY):
        beneficiaries.update(
            Case.objects.filter(pk__in=cases[offset : offset + KEYS_PER_QUERY])
            .values_list("beneficiary_id", flat=True)
            .distinct()
        )
    people = sorted(beneficiaries)
    for offset in range(0, len(people), KEYS_PER_QUERY):
        keys["case"].update(
            Case.objects.filter(
                beneficiary_id__in=people[offset : offset + KEYS_PER_QUERY]
            ).values_list("pk", flat=True)
        )
    return keys


def _replace_rows(con, table: str, extraction, keys: list) -> None:
    """Replace the rows of the records ``keys`` in ``table`` by fresh ones."""
    if not keys:
        return
    column = extraction.key_column
    kind = pa.int64() if column == "case_id" else pa.string()
    con.register("changed", pa.table({"key": pa.array(keys, kind)}))
    # The table and column names are the constants of TABLES.
    con.execute(f"DELETE FROM {table} WHERE {column} IN (SELECT key FROM changed)")  # noqa: S608
    con.unregister("changed")
    for offset in range(0, len(keys), KEYS_PER_QUERY):
        batch = [_db_key(column, key) for key in keys[offset : offset + KEYS_PER_QUERY]]
        extract_into(con, "fresh", extraction, keys=batch, temporary=True)
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM fresh")  # noqa: S608
        con.execute("DROP TABLE fresh")


def _db_key(column: str, key):
    """Return a record id as the database takes it (survey answers: UUIDs)."""
    if column != "response_id":
        return key
    from dialoq.feedback.models import SurveyResponse

    return SurveyResponse._meta.pk.get_db_prep_value(uuid.UUID(key), connection)


def _rebuild(path: Path, started: float) -> RefreshSummary:
    """Extract every fact into a new file and put it in place of the old one."""
    from .models import FactChange, FactSnapshotState

    # From here on writes are recorded (an empty token: nothing matches yet);
    # the changes seen now are in the new extract, later ones are kept.
    with transaction.atomic():
        state = FactSnapshotState.objects.select_for_update().first()
        if state is None:
            FactSnapshotState.objects.create(token="")
        elif state.token:
            FactSnapshotState.objects.filter(pk=state.pk).update(token="")
    seen = list(FactChange.objects.values_list("id", flat=True))
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    token = uuid.uuid4().hex
    try:
        with duckdb.connect(str(temporary)) as con:
            for table, extraction in TABLES.items():
                extract_into(con, table, extraction)
            con.execute(
                "CREATE TABLE meta AS SELECT CAST(? AS VARCHAR) AS token", [token]
            )
            con.execute("CHECKPOINT")
        # The write-ahead log of the old file must not be replayed into the new.
        path.with_name(path.name + ".wal").unlink(missing_ok=True)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
        temporary.with_name(temporary.name + ".wal").unlink(missing_ok=True)
    _commit_state(token, seen)
    return RefreshSummary(True, len(seen), 0, time.perf_counter() - started)


def _commit_state(token: str, change_ids: list[int]) -> None:
    from .models import FactChange, FactSnapshotState

    with transaction.atomic():
        state = FactSnapshotState.objects.select_for_update().first()
        if state is None:
            FactSnapshotState.objects.create(token=token)
        else:
            FactSnapshotState.objects.filter(pk=state.pk).update(
                token=token, refreshed_at=timezone.now()
            )
        for offset in range(0, len(change_ids), KEYS_PER_QUERY):
            FactChange.objects.filter(
                pk__in=change_ids[offset : offset + KEYS_PER_QUERY]
            ).delete()


def _file_token(path: Path) -> str | None:
    if not path.exists():
        return None
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            return con.execute("SELECT token FROM meta").fetchone()[0]
    except (duckdb.Error, TypeError):
        return None


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
