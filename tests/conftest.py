"""Personas shared by all tests: funder, provider A, provider B, outsider, auditor.

The funder funds cases at providers A and B. The outsider is a caseworker of a
provider with no case of the funder, so it is signed in and has a role, yet
must see nothing of theirs.
"""

from types import SimpleNamespace

import pytest
from django.test import Client

from dialoq.accounts.roles import OrganisationKind, Role
from tests import factories


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hash test passwords quickly; the Argon2 setting has its own test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    """Return the organisations, people and cases of the shared test world."""
    funder = factories.make_organisation(OrganisationKind.FUNDER, "Jugendamt Testkreis")
    provider_a = factories.make_organisation(OrganisationKind.PROVIDER, "Träger A")
    provider_b = factories.make_organisation(OrganisationKind.PROVIDER, "Träger B")
    elsewhere = factories.make_organisation(OrganisationKind.PROVIDER, "Träger Z")
    network = factories.make_organisation(OrganisationKind.NETWORK, "Vergleichsring")
    funder.networks.add(network)

    people = SimpleNamespace(
        funder=factories.make_user(
            "funder", role=Role.CASE_MANAGER, organisation=funder
        ),
        provider_a=factories.make_user(
            "provider_a", role=Role.CASEWORKER, organisation=provider_a
        ),
        provider_b=factories.make_user(
            "provider_b", role=Role.CASEWORKER, organisation=provider_b
        ),
        outsider=factories.make_user(
            "outsider", role=Role.CASEWORKER, organisation=elsewhere
        ),
        auditor=factories.make_user("auditor", role=Role.AUDITOR, organisation=funder),
    )
    case_a = factories.make_case(
        funder, provider_a, case_manager=people.funder, caseworker=people.provider_a
    )
    case_b = factories.make_case(
        funder, provider_b, case_manager=people.funder, caseworker=people.provider_b
    )
    return SimpleNamespace(
        funder=funder,
        provider_a=provider_a,
        provider_b=provider_b,
        elsewhere=elsewhere,
        network=network,
        people=people,
        case_a=case_a,
        case_b=case_b,
    )


@pytest.fixture
def client_for(db):
    """Return a function that gives a test client signed in as a user."""

    def sign_in(user):
        client = Client()
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def verified_client_for(db):
    """Return a function giving a client signed in with a confirmed second factor."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def sign_in(user):
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        client = Client()
        client.force_login(user)
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
        return client

    return sign_in
