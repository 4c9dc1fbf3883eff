"""Personas of the self-assessment: QM officers of funder, provider A and elsewhere."""

from types import SimpleNamespace

import pytest

from tests.self_assessment.factories import make_officer


@pytest.fixture
def client_for(client_for):
    """Return a function giving a signed-in client that asks for English pages."""

    def sign_in(user):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return sign_in


@pytest.fixture
def verified_client_for(verified_client_for):
    """Return a function giving a verified client that asks for English pages."""

    def sign_in(user):
        client = verified_client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return sign_in


@pytest.fixture
def qm(world):
    """Return QM officers of the funder, of provider A and of an unrelated provider."""
    return SimpleNamespace(
        funder=make_officer(world.funder, "qm_funder"),
        provider_a=make_officer(world.provider_a, "qm_provider_a"),
        elsewhere=make_officer(world.elsewhere, "qm_elsewhere"),
    )
