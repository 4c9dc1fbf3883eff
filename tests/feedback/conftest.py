import pytest
from django.core.cache import cache
from django.test import Client


@pytest.fixture(autouse=True)
def empty_cache():
    """Start every test with no counted link failures."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def beneficiary():
    """Return a client without an account that reads English."""
    return Client(headers={"Accept-Language": "en"})
