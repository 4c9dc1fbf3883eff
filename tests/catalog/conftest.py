"""Fixtures for the catalogue tests: English pages, QM officers, indicators."""

from types import SimpleNamespace

import pytest

from tests.catalog.factories import make_indicator, make_qm_officer

HTMX = {"HX-Request": "true"}


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
        funder=make_qm_officer(world.funder, "qm_funder"),
        provider_a=make_qm_officer(world.provider_a, "qm_provider_a"),
        elsewhere=make_qm_officer(world.elsewhere, "qm_elsewhere"),
    )


@pytest.fixture
def funder_indicator(world):
    """Return the version in force of an indicator owned by the funder."""
    return make_indicator(world.funder, key="jugendamt-planned-endings")


@pytest.fixture
def built_in():
    """Return the version in force of a built-in indicator of the catalogue."""
    from dialoq.catalog.models import IndicatorVersion, VersionStatus

    version = (
        IndicatorVersion.objects.filter(
            definition__owner=None, status=VersionStatus.IN_FORCE
        )
        .select_related("definition")
        .order_by("definition__key")
        .first()
    )
    if version is None:  # the catalogue is loaded after migrate; keep tests whole
        version = make_indicator(None, key="built-in-planned-endings")
    return version
