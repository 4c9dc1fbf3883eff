"""Fixtures for the agreement tests: the personas and an agreement in force."""

from datetime import date
from types import SimpleNamespace

import pytest

from dialoq.accounts.roles import Role
from tests import factories
from tests.agreements.factories import (
    agreement_between,
    make_approved,
    make_manager,
    make_qm_officer,
    make_terms,
)


@pytest.fixture
def people(world):
    """Return the personas: managers and QM officers of both sides, and the rest."""
    return SimpleNamespace(
        funder_manager=make_manager(world.funder, "leitung_ja"),
        funder_manager_2=make_manager(world.funder, "leitung_ja_2"),
        provider_manager=make_manager(world.provider_a, "leitung_a"),
        funder_qm=make_qm_officer(world.funder, "qm_ja"),
        provider_qm=make_qm_officer(world.provider_a, "qm_a"),
        caseworker=world.people.provider_a,
        outsider=world.people.outsider,
        outside_manager=make_manager(world.elsewhere, "leitung_z"),
        committee=factories.make_user(
            "ausschuss", role=Role.COMMITTEE_VIEWER, organisation=world.funder
        ),
    )


@pytest.fixture
def agreement(world, people):
    """Return the agreement of the funder with provider A, version 1 in force."""
    agreement = agreement_between(world.funder, world.provider_a)
    make_approved(
        agreement,
        people.funder_qm,
        people.funder_manager,
        people.provider_manager,
        make_terms(date(2025, 1, 1), note="Erste Vereinbarung"),
    )
    return agreement
