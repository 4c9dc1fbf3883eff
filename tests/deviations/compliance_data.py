"""Compliance figures and reviewers built directly, as monitoring writes them."""

from datetime import date

from dialoq.accounts.roles import Role
from dialoq.deviations.models import StandardCompliance
from tests import factories

PERIOD = (date(2025, 7, 1), date(2026, 6, 30))
TODAY = date(2026, 7, 1)


def make_compliance(
    version,
    funder,
    provider,
    unit=None,
    *,
    checked,
    met,
    breaches=None,
    workers=1,
    workers_with_breach=None,
    period=PERIOD,
):
    """Return one compliance row; breaches default to the cases not met."""
    breached = checked - met
    return StandardCompliance.objects.create(
        standard_version=version,
        funder=funder,
        provider=provider,
        provider_unit=unit,
        period_start=period[0],
        period_end=period[1],
        cases_checked=checked,
        cases_met=met,
        breaches=breached if breaches is None else breaches,
        workers=workers,
        workers_with_breach=(
            min(workers, breached)
            if workers_with_breach is None
            else workers_with_breach
        ),
    )


def make_qm_officer(organisation, username):
    return factories.make_user(
        username, role=Role.QM_OFFICER, organisation=organisation
    )


def make_manager(organisation, username):
    return factories.make_user(username, role=Role.MANAGER, organisation=organisation)


def walk_standard_version(world):
    """Return a standard version with figures of the funder and provider A only."""
    from tests.deviations.factories import make_standard_version

    version = make_standard_version()
    make_compliance(version, world.funder, world.provider_a, checked=10, met=6)
    return version


def walk_review_flag(world):
    """Return a review flag of the funder about provider A, which outsiders lack."""
    from dialoq.deviations.models import StandardReviewFlag

    version = walk_standard_version(world)
    return StandardReviewFlag.objects.create(
        standard_version=version,
        funder=world.funder,
        breach_rate=0.4,
        cases_checked=10,
        providers_with_breach=1,
        workers_with_breach=1,
        evidence={"providers": [{"provider_id": world.provider_a.pk}]},
    )
