"""Inserts of many rows without a model instance each, for the monitor's large writes.

Django's ``bulk_create`` builds and prepares a model instance per row, and
its cursor wrapper (in debug mode) formats every statement for the query
log, which costs more than the insert itself when a first run opens tens of
thousands of deviations. Here each column is one list (or one value for
every row), the fields not given get their model default once, values are
adapted to the database once per distinct kind (dates and times as SQLite
stores them), and the rows go to the driver's ``executemany`` with one
single-row statement: the database prepares it once.

Call inside ``transaction.atomic()``: the driver's cursor takes part in
Django's transaction on the same connection.
"""

from contextlib import closing, contextmanager
from datetime import date, datetime

from django.db import connection


def insert_rows(model, columns: dict, count: int, *, ignore_conflicts=False) -> int:
    """Insert ``count`` rows: {field attname: list of values, or one value for all}.

    With ``ignore_conflicts`` a row that would break a unique constraint is
    skipped (``ON CONFLICT DO NOTHING``, SQLite and PostgreSQL alike; other
    constraints still raise). Returns how many rows were inserted.
    """
    if not count:
        return 0
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    names, values = [], []
    for field in fields:
        if field.attname in columns:
            given = columns[field.attname]
        else:
            # The default, or "" for text and None for nullable fields.
            given = field.get_default()
        names.append(connection.ops.quote_name(field.column))
        if isinstance(given, list):
            if len(given) != count:
                raise ValueError(f"{field.attname}: {len(given)} values for {count}")
            values.append([_adapt(value) for value in given])
        else:
            values.append([_adapt(given)] * count)
    table = connection.ops.quote_name(model._meta.db_table)
    suffix = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    statement = (
        f"INSERT INTO {table} ({', '.join(names)}) "  # noqa: S608 - names from the model
        f"VALUES ({', '.join([placeholder()] * len(names))}){suffix}"
    )
    with closing(raw_cursor()) as cursor:
        cursor.executemany(statement, list(zip(*values, strict=True)))
        return cursor.rowcount if cursor.rowcount >= 0 else count


# SQLite's page cache while the monitor writes, in KiB: with the default 2 MiB
# the indexes of a large insert no longer fit and every row costs page reads.
SQLITE_CACHE_KIB = 131_072


@contextmanager
def large_page_cache():
    """Give SQLite a larger page cache for the duration (other databases: no-op)."""
    if connection.vendor != "sqlite":
        yield
        return
    with closing(raw_cursor()) as cursor:
        previous = cursor.execute("PRAGMA cache_size").fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with closing(raw_cursor()) as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def raw_cursor():
    """Return a cursor of the database driver on Django's connection."""
    connection.ensure_connection()
    return connection.connection.cursor()


def placeholder() -> str:
    """Return the driver's placeholder for a bound value."""
    return "?" if connection.vendor == "sqlite" else "%s"


def _adapt(value):
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value
