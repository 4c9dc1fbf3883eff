"""Multi-row inserts without a model instance per row, for the monitor's large writes.

Django's ``bulk_create`` builds and prepares a model instance per row, which
costs more than the insert itself when a first run opens tens of thousands of
deviations. Here each column is one list (or one value for every row), the
fields not given get their model default once, and values are adapted to the
database once per distinct kind (dates and times as SQLite stores them).
"""

from datetime import date, datetime

from django.db import connection

ROWS_PER_STATEMENT = 200
# PostgreSQL states no limit; its protocol allows 65,535 values per statement.
MAX_PARAMS = 65_535


def insert_rows(model, columns: dict, count: int, *, ignore_conflicts=False) -> None:
    """Insert ``count`` rows: {field attname: list of values, or one value for all}."""
    if not count:
        return
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
            values.append([_adapt(value) for value in given])
        else:
            values.append([_adapt(given)] * count)
    rows = list(zip(*values, strict=True))
    table = connection.ops.quote_name(model._meta.db_table)
    width = len(names)
    per_statement = max(
        1,
        min(
            ROWS_PER_STATEMENT,
            (connection.features.max_query_params or MAX_PARAMS) // width,
        ),
    )
    if ignore_conflicts:
        from django.db.models.constants import OnConflict

        insert = connection.ops.insert_statement(on_conflict=OnConflict.IGNORE)
        suffix = connection.ops.on_conflict_suffix_sql(
            fields, OnConflict.IGNORE, None, None
        )
    else:
        insert, suffix = "INSERT INTO", ""
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            part = rows[start : start + per_statement]
            placeholders = ", ".join(
                ["(" + ", ".join(["%s"] * width) + ")"] * len(part)
            )
            cursor.execute(
                f"{insert} {table} ({', '.join(names)}) VALUES {placeholders} {suffix}",
                [value for row in part for value in row],
            )


def _adapt(value):
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value
