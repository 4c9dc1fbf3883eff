"""Bulk writing of generated rows, on SQLite and PostgreSQL, without the ORM per row.

Rows come as columns (numpy arrays or lists) named by model field; table and
column names are taken from the models. SQLite gets multi-row ``INSERT``
statements with relaxed durability while loading; PostgreSQL gets ``COPY``.
"""

from collections import Counter
from contextlib import contextmanager

import numpy as np
from django.core.management.color import no_style
from django.db import connection, transaction

BATCH_ROWS = 100_000
ROWS_PER_STATEMENT = 200
SQLITE_LOAD_PRAGMAS = {
    # A crash while loading loses only demo data, which is generated anew.
    "synchronous": "OFF",
    "cache_size": "-65536",  # 64 MiB page cache
    "temp_store": "MEMORY",
}


class BulkWriter:
    """Write column-wise rows into model tables and count them."""

    def __init__(self):
        self.rows = Counter()

    def write(self, model, columns: dict):
        """Insert the rows given as {field name: column values}."""
        names = list(columns)
        count = len(columns[names[0]])
        if not count:
            return
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        column_list = ", ".join(
            quote(model._meta.get_field(name).column) for name in names
        )
        with connection.cursor() as cursor:
            for start in range(0, count, BATCH_ROWS):
                batch = _rows(columns, names, start, min(start + BATCH_ROWS, count))
                if connection.vendor == "postgresql":
                    _copy(cursor, table, column_list, batch)
                else:
                    _insert(cursor, table, column_list, batch)
        self.rows[model._meta.label] += count


def _rows(columns, names, start, stop):
    """Return the rows start:stop as a 2-d object array of Python values."""
    rows = np.empty((stop - start, len(names)), dtype=object)
    for index, name in enumerate(names):
        rows[:, index] = columns[name][start:stop]
    return rows


def _copy(cursor, table, column_list, rows):
    with cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
        for row in rows.tolist():
            copy.write_row(row)


def _insert(cursor, table, column_list, rows):
    """Insert with multi-row statements: far fewer round trips through sqlite3."""
    width = rows.shape[1]
    per_statement = max(
        1, min(ROWS_PER_STATEMENT, connection.features.max_query_params // width)
    )
    whole = len(rows) - len(rows) % per_statement
    for part, size in ((rows[:whole], per_statement), (rows[whole:], 1)):
        if not len(part):
            continue
        values = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * size)
        cursor.executemany(
            f"INSERT INTO {table} ({column_list}) VALUES {values}",  # noqa: S608 - names from the models
            part.reshape(-1, size * width).tolist(),
        )


def next_id(model) -> int:
    """Return the first free primary key of a model's table."""
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


@contextmanager
def foreign_keys_checked_once(models):
    """Check the tables' foreign keys once after loading instead of row by row.

    On PostgreSQL each inserted row would queue a trigger that checks and locks
    its parent rows. The constraints are dropped and added again in the same
    transaction instead, so a failed load leaves them as they were; adding a
    constraint checks all rows in one query. SQLite looks up the parents of
    every row; outside a transaction its checks are switched off while
    loading and run once per table at the end (``PRAGMA foreign_key_check``).
    """
    tables = [model._meta.db_table for model in models]
    if connection.vendor != "postgresql":
        with connection.constraint_checks_disabled():
            yield
        connection.check_constraints(table_names=tables)
        return
    quote = connection.ops.quote_name
    with transaction.atomic():
        # Pending checks of rows written before (e.g. the district's teams)
        # would forbid altering the tables they involve.
        connection.check_constraints()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint "
                "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
                [tables],
            )
            keys = cursor.fetchall()
            for table, name, _definition in keys:
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        yield
        with connection.cursor() as cursor:
            for table, name, definition in keys:
                cursor.execute(
                    f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}"
                )


@contextmanager
def indexes_built_after(fields):
    """Drop the indexes of some columns while loading and build them at the end.

    ``fields`` are (model, field name) pairs. Keeping an index on a column
    with scattered values (the staff who rated or contacted) up to date row
    by row costs more than building it once afterwards. The statements come
    from the models, so an index lost to an interrupted load is built again
    by the next one. A load that fails outside a transaction builds them
    before giving up.
    """
    editor = connection.SchemaEditorClass(connection)
    statements = [
        statement
        for model, name in fields
        for statement in editor._field_indexes_sql(model, model._meta.get_field(name))
    ]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(f"DROP INDEX IF EXISTS {statement.parts['name']}")
    try:
        yield
    except BaseException:
        # Inside a transaction the rollback brings the indexes back.
        if not connection.in_atomic_block:
            _execute(statements)
        raise
    _execute(statements)


def _execute(statements):
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(str(statement))


def reset_sequences(models):
    """Move primary-key sequences past the ids written by hand (PostgreSQL)."""
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


@contextmanager
def fast_writes():
    """Relax SQLite's durability and enlarge its cache while loading.

    Inside a caller's transaction (as in tests) SQLite cannot change them.
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        previous = {}
        for name, value in SQLITE_LOAD_PRAGMAS.items():
            previous[name] = cursor.execute(f"PRAGMA {name}").fetchone()[0]
            cursor.execute(f"PRAGMA {name} = {value}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, value in previous.items():
                cursor.execute(f"PRAGMA {name} = {value}")
