"""Builders for the agreement tests: people with roles, terms, approved versions."""

from datetime import date
from decimal import Decimal

from dialoq.accounts.models import Membership
from dialoq.accounts.roles import Role
from dialoq.agreements import services
from dialoq.agreements.models import (
    AgreedRate,
    AgreedService,
    AgreedStaffing,
    Agreement,
    ReportingDuty,
)
from tests import factories

# A day on which every proposal of these tests may still start.
TODAY = date(2025, 1, 1)


def make_manager(organisation, username=None):
    return factories.make_user(username, role=Role.MANAGER, organisation=organisation)


def make_qm_officer(organisation, username=None):
    return factories.make_user(
        username, role=Role.QM_OFFICER, organisation=organisation
    )


def make_dual_member(funder, provider, username="dual"):
    """Return a manager in both the funder and the provider."""
    user = make_manager(funder, username)
    Membership.objects.create(user=user, organisation=provider, role=Role.MANAGER)
    return user


def spfh():
    return factories.make_service_type()


def make_terms(
    valid_from,
    *,
    amount="58.40",
    valid_until=None,
    service_type=None,
    unit="hour",
    volume="12",
    note="Neue Entgeltverhandlung",
    **fields,
):
    """Return terms with one service type, its rate, staffing and a duty."""
    service_type = service_type or spfh()
    defaults = {
        "services": [
            AgreedService(
                service_type=service_type,
                target_group="Familien mit Kindern unter 14 Jahren",
                volume=Decimal(volume),
                volume_unit="places",
            )
        ],
        "staffing": [
            AgreedStaffing(
                qualification="social_work_degree",
                full_time_equivalents=Decimal("4.5"),
            )
        ],
        "rates": [
            AgreedRate(service_type=service_type, unit=unit, amount=Decimal(amount))
        ],
        "reporting_duties": [
            ReportingDuty(
                subject="Sachbericht",
                reporter="provider",
                recipient="Jugendamt",
                due="jährlich bis 31.03.",
            )
        ],
    }
    defaults.update(fields)
    return services.Terms(
        valid_from=valid_from, valid_until=valid_until, change_note=note, **defaults
    )


def agreement_between(funder, provider) -> Agreement:
    return Agreement.objects.get_or_create(funder=funder, provider=provider)[0]


def make_approved(
    agreement, proposer, funder_manager, provider_manager, terms, *, today=TODAY
):
    """Propose the terms and have both sides approve them; return the version."""
    version = services.do_propose(proposer, agreement, terms, today=today)
    services.do_approve(funder_manager, version, today=today)
    return services.do_approve(provider_manager, version, today=today)


def walk_proposal(world):
    """Return the open proposal of the funder and provider A, made if there is none.

    For the URL walk: version 1 is in force, version 2 is proposed.
    """
    agreement = agreement_between(world.funder, world.provider_a)
    proposal = services.open_proposal(agreement)
    if proposal is not None:
        return proposal
    qm = make_qm_officer(world.funder)
    make_approved(
        agreement,
        qm,
        make_manager(world.funder),
        make_manager(world.provider_a),
        make_terms(date(2025, 1, 1)),
    )
    return services.do_propose(qm, agreement, make_terms(date(2025, 7, 1)), today=TODAY)
