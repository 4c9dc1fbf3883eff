"""A small demo district, loaded once per test module and undone afterwards."""

import io

import pytest
from django.db import transaction

from dialoq.demo import loader

CASES = 600
SEED = 7


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load a small demo once for the module, inside a transaction undone afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        loader.load(cases=CASES, seed=SEED, out=io.StringIO())
        yield
        transaction.set_rollback(True)
