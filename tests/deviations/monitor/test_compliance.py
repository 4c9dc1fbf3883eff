"""Compliance figures per provider and team, checked against a worked example."""

from datetime import date

import pytest

from dialoq.accounts.roles import Role
from dialoq.catalog.models import ProcessStandardVersion, VersionStatus
from dialoq.deviations.models import StandardCompliance
from dialoq.deviations.monitor import job
from tests import factories
from tests.deviations.factories import make_standard_version

TODAY = date(2026, 3, 2)


@pytest.fixture
def standard(db):
    ProcessStandardVersion.objects.filter(status=VersionStatus.IN_FORCE).update(
        status=VersionStatus.RETIRED
    )
    return make_standard_version(
        "first-contact",
        rule={
            "kind": "deadline",
            "anchor": "referral",
            "event": "contact",
            "within": "10 working days",
        },
    )


def test_compliance_rows_per_team_and_provider_total(world, standard):
    """Worked example for provider A (all referred 5 Jan 2026, due 19 Jan).

    Team 1: worker X has a case met and a case breached; worker Y one met.
    Team 2: worker Z one breached. Without team: worker Y one met.
    Team 1: 3 checked, 2 met, 1 breach, 2 workers, 1 with a breach.
    Team 2: 1 checked, 0 met, 1 breach, 1 worker, 1 with a breach.
    Total: 5 checked, 3 met, 2 breaches, 3 workers (X, Y, Z), 2 with a breach,
    plus the world's own case A (breached, its own worker): 6, 3, 3, 4, 3.
    """
    provider = world.provider_a
    team_1 = factories.make_unit(provider, "Team 1")
    team_2 = factories.make_unit(provider, "Team 2")
    x, y, z = (
        factories.make_user(name, role=Role.CASEWORKER, organisation=provider)
        for name in ("x", "y", "z")
    )

    def case(worker, team, met):
        made = factories.make_case(
            world.funder, provider, caseworker=worker, provider_unit=team
        )
        if met:
            factories.make_contact(made, occurred_on=date(2026, 1, 19))
        return made

    case(x, team_1, True)
    case(x, team_1, False)
    case(y, team_1, True)
    case(z, team_2, False)
    case(y, None, True)

    job.monitor(TODAY)
    rows = {
        row.provider_unit_id: row
        for row in StandardCompliance.objects.filter(provider=provider)
    }
    expected = {
        team_1.pk: (3, 2, 1, 2, 1),
        team_2.pk: (1, 0, 1, 1, 1),
        None: (6, 3, 3, 4, 3),
    }
    found = {
        unit: (
            r.cases_checked,
            r.cases_met,
            r.breaches,
            r.workers,
            r.workers_with_breach,
        )
        for unit, r in rows.items()
    }
    assert found == expected
    total = rows[None]
    assert total.standard_version == standard
    assert total.funder == world.funder
    assert (total.period_start, total.period_end) == (date(2025, 3, 3), TODAY)
    assert total.share_met == pytest.approx(0.5)


def test_a_new_run_replaces_the_figures(world, standard):
    job.monitor(TODAY)
    assert StandardCompliance.objects.get(provider=world.provider_a).cases_met == 0
    factories.make_contact(world.case_a, occurred_on=date(2026, 1, 7))
    job.monitor(TODAY)
    rows = StandardCompliance.objects.filter(provider=world.provider_a)
    assert [(r.cases_checked, r.cases_met) for r in rows] == [(1, 1)]


def test_occurrences_due_before_the_window_do_not_count(world, standard):
    """A year later the January deadline lies outside the twelve months."""
    job.monitor(date(2027, 1, 20))
    assert not StandardCompliance.objects.exists()
