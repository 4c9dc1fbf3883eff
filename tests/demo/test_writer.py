"""Bulk writing: indexes built after loading, foreign keys checked at the end."""

import pytest
from django.db import IntegrityError, connection, transaction

from dialoq.cases.models import Contact
from dialoq.demo import loader, writer


def _indexed_columns(table):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {
        tuple(info["columns"])
        for info in constraints.values()
        if info["index"] and not info["primary_key"]
    }


def test_indexes_over_staff_exist_after_loading(demo, db):
    """The indexes dropped while loading are built again."""
    for model, name in loader.LATE_INDEXES:
        column = model._meta.get_field(name).column
        assert (column,) in _indexed_columns(model._meta.db_table), column


def test_a_dangling_reference_fails_the_load_with_an_integrity_error(db):
    """A row pointing at a missing case is reported when foreign keys are checked."""
    with (
        pytest.raises(IntegrityError),
        transaction.atomic(),
        writer.foreign_keys_checked_once([Contact]),
    ):
        writer.BulkWriter().write(
            Contact,
            {
                "id": [987654],
                "case": [987654],
                "occurred_on": ["2026-01-05"],
                "duration_minutes": [60],
                "kind": ["phone"],
                "staff": [None],
            },
        )
    assert not Contact.objects.filter(pk=987654).exists()


def test_a_failed_load_leaves_the_indexes_in_place(db):
    """An error while loading inside a transaction keeps the indexes."""
    column = Contact._meta.get_field("staff").column
    with (
        pytest.raises(RuntimeError),
        transaction.atomic(),
        writer.indexes_built_after([(Contact, "staff")]),
    ):
        assert (column,) not in _indexed_columns(Contact._meta.db_table)
        raise RuntimeError("stop")
    assert (column,) in _indexed_columns(Contact._meta.db_table)
