"""The condition language: parsed, checked against the schema, bound, never pasted."""

from datetime import date

import duckdb
import pytest
from django.utils import translation

from dialoq.measures.conditions import (
    Column,
    DefinitionError,
    FactSchema,
    compile_condition,
)

SCHEMA = FactSchema(
    "cases",
    {
        "status": Column("status", "text", choices=frozenset({"closed", "running"})),
        "code_book": Column("code_book", "text"),
        "closure_reason": Column(
            "closure_reason", "text", choices=frozenset({"planned", "other", ""})
        ),
        "duration_days": Column("duration_days", "integer"),
        "t_score": Column("t_score", "number"),
        "prior_help": Column("prior_help", "boolean"),
        "ended_on": Column("ended_on", "date"),
    },
)

ROWS = [
    # status, code_book, closure_reason, duration_days, t_score, prior_help, ended_on
    ("closed", "SGB VIII", "planned", 300, 55.0, True, date(2025, 3, 1)),
    ("closed", "SGB VIII", "other", 20, 41.5, False, date(2025, 6, 1)),
    ("closed", "SGB II", "planned", 180, None, False, date(2026, 1, 15)),
    ("running", "SGB VIII", "", 90, None, True, None),
    ("closed", "O'Brien's code", "other", 10, 60.0, True, date(2026, 2, 1)),
]


@pytest.fixture(autouse=True)
def english():
    """Check messages by their English text."""
    with translation.override("en"):
        yield


@pytest.fixture(scope="module")
def facts():
    connection = duckdb.connect()
    connection.execute(
        "CREATE TABLE cases (id INTEGER, status TEXT, code_book TEXT, "
        "closure_reason TEXT, duration_days INTEGER, t_score DOUBLE, "
        "prior_help BOOLEAN, ended_on DATE)"
    )
    connection.executemany(
        "INSERT INTO cases VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(index, *row) for index, row in enumerate(ROWS)],
    )
    return connection


def _ids(facts, condition):
    sql, params = compile_condition(condition, SCHEMA)
    rows = facts.execute(f"SELECT id FROM cases WHERE {sql} ORDER BY id", params)  # noqa: S608
    return [row[0] for row in rows.fetchall()]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("status = 'closed'", [0, 1, 2, 4]),
        ("status = 'closed' and code_book = 'SGB VIII'", [0, 1]),
        ("status = 'closed' AND NOT closure_reason = 'planned'", [1, 4]),
        ("closure_reason in ('planned', 'other') and duration_days >= 100", [0, 2]),
        ("closure_reason not in ('planned')", [1, 3, 4]),
        ("t_score is null", [2, 3]),
        ("t_score is not null and t_score > 50", [0, 4]),
        ("duration_days between 20 and 180", [1, 2, 3]),
        ("prior_help = true or (status = 'running')", [0, 3, 4]),
        ("ended_on >= date '2026-01-01'", [2, 4]),
        ("code_book = 'O''Brien''s code'", [4]),
        ("(status = 'closed' or status = 'running') and duration_days < 15", [4]),
    ],
)
def test_conditions_select_the_right_rows(facts, condition, expected):
    """Each condition selects exactly the rows it describes."""
    assert _ids(facts, condition) == expected


def test_values_are_bound_not_pasted():
    """Values, even with quotes or SQL, travel as parameters."""
    sql, params = compile_condition("code_book = 'x''; DROP TABLE cases; --'", SCHEMA)
    assert "DROP" not in sql
    assert params == ["x'; DROP TABLE cases; --"]
    assert sql == '("code_book" = ?)'


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("", "empty"),
        ("salary > 5", "Unknown column"),
        ("status = 'open'", "not a value"),
        ("status > 'closed'", "needs a number or date"),
        ("duration_days = 'long'", "does not fit"),
        ("duration_days = 1.5", "whole numbers"),
        ("status = 'closed' and", "column name"),
        ("(status = 'closed'", "closing bracket"),
        ("status = 'closed')", "Unexpected"),
        ("status ; DROP TABLE cases", "Cannot read"),
        ("ended_on = date '2026-02-30'", "not a valid date"),
        ("status not 'closed'", "must be followed by"),
        ('status = "closed"', "Cannot read"),
        ("__import__('os').system('x')", "Cannot read"),
        ("status = " + "'a'" * 1000, "at most"),
    ],
)
def test_bad_conditions_are_rejected_with_a_clear_message(condition, message):
    """Invalid or unsafe conditions raise DefinitionError saying what is wrong."""
    with pytest.raises(DefinitionError, match=message):
        compile_condition(condition, SCHEMA)


def test_column_names_come_from_the_schema():
    """The SQL names only columns of the schema, quoted."""
    sql, _params = compile_condition("prior_help = false", SCHEMA)
    assert sql == '("prior_help" = ?)'
