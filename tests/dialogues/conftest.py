"""Personas of the quality dialogue: QM officers and managers of the funder and
provider A, a QM officer elsewhere; pages asked for in English."""

from types import SimpleNamespace

import pytest

from dialoq.accounts.roles import Role
from tests import factories


@pytest.fixture(autouse=True)
def _own_fact_snapshot(settings, tmp_path):
    settings.DIALOQ_FACT_SNAPSHOT = str(tmp_path / "facts" / "facts.duckdb")


@pytest.fixture
def people(world):
    make = factories.make_user
    return SimpleNamespace(
        qm_funder=make("qm_funder", role=Role.QM_OFFICER, organisation=world.funder),
        qm_provider=make(
            "qm_provider", role=Role.QM_OFFICER, organisation=world.provider_a
        ),
        qm_elsewhere=make(
            "qm_elsewhere", role=Role.QM_OFFICER, organisation=world.elsewhere
        ),
        manager_funder=make(
            "manager_funder", role=Role.MANAGER, organisation=world.funder
        ),
        manager_provider=make(
            "manager_provider", role=Role.MANAGER, organisation=world.provider_a
        ),
    )


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
    def sign_in(user):
        client = verified_client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return sign_in
