"""Fixtures for the case-work tests: signed-in clients that ask for English pages."""

import pytest

HTMX = {"HX-Request": "true"}


@pytest.fixture
def client_for(client_for):
    """Return a function giving a signed-in client that asks for English pages."""

    def sign_in(user):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return sign_in
