"""The compliance view: share of cases in which each standard was met."""

from html import escape

import pytest
from django.urls import reverse
from django.utils import translation
from statsmodels.stats.proportion import proportion_confint

from dialoq.catalog.models import VersionStatus
from dialoq.catalog.standards.describe import describe_rule
from dialoq.deviations import review
from dialoq.deviations.review_views import ComplianceLine
from tests import factories
from tests.deviations.compliance_data import make_compliance, make_qm_officer
from tests.deviations.factories import make_standard_version


@pytest.fixture
def figures(world):
    """Return a standard met at A in 30 of 40 cases (two teams) and at B in 9 of 12."""
    version = make_standard_version("hilfeplan", title="Hilfeplan binnen 6 Wochen")
    north = factories.make_unit(world.provider_a, "Team Nord")
    south = factories.make_unit(world.provider_a, "Team Süd")
    make_compliance(version, world.funder, world.provider_a, checked=40, met=30)
    make_compliance(version, world.funder, world.provider_a, north, checked=25, met=21)
    make_compliance(version, world.funder, world.provider_a, south, checked=15, met=9)
    make_compliance(version, world.funder, world.provider_b, checked=12, met=9)
    return version


def test_share_met_and_wilson_interval_in_german(figures, world):
    """The share met reads in German, its interval matches statsmodels' Wilson."""
    row = figures.compliance.get(provider=world.provider_a, provider_unit=None)
    lower, upper = proportion_confint(30, 40, alpha=0.05, method="wilson")
    with translation.override("de"):
        line = ComplianceLine.of(row)
    assert line.share == "75,0\xa0%"
    expected = f"{lower * 100:.1f}\xa0% – {upper * 100:.1f}\xa0%".replace(".", ",")
    assert line.interval == expected


def test_funder_sees_its_providers_without_teams(figures, world, client_for):
    """The funder's case manager sees both providers' totals, not their teams."""
    client = client_for(world.people.funder)
    listing = client.get(reverse("deviations:compliance"))
    assert listing.status_code == 200
    assert "Hilfeplan binnen 6 Wochen" in listing.text
    assert "Träger A" in listing.text and "Träger B" in listing.text
    assert "75,0\xa0%" in listing.text  # A: 30 of 40, and B: 9 of 12

    page = client.get(reverse("deviations:compliance_standard", args=[figures.pk]))
    assert page.status_code == 200
    assert "Träger A" in page.text and "Träger B" in page.text
    assert "Team Nord" not in page.text
    assert "30.06.2026" in page.text  # the period the figures cover
    with translation.override("de"):
        assert escape(describe_rule(figures.parsed())) in page.text


def test_provider_sees_only_its_own_rows_and_teams(figures, world, client_for):
    """Provider A's caseworker sees A and its teams, nothing of B."""
    client = client_for(world.people.provider_a)
    listing = client.get(reverse("deviations:compliance"))
    assert "Träger A" in listing.text
    assert "Träger B" not in listing.text
    page = client.get(reverse("deviations:compliance_standard", args=[figures.pk]))
    assert page.status_code == 200
    assert "Team Nord" in page.text and "Team Süd" in page.text
    assert "84,0\xa0%" in page.text  # Team Nord: 21 of 25
    assert "Träger B" not in page.text


def test_provider_qm_officer_sees_own_rows_for_every_funder(
    figures, world, verified_client_for
):
    """A provider working for two funders sees its rows of both."""
    other = factories.make_organisation("funder", "Sozialamt Testkreis")
    make_compliance(figures, other, world.provider_a, checked=10, met=2)
    make_compliance(figures, other, world.provider_b, checked=10, met=10)
    client = verified_client_for(make_qm_officer(world.provider_a, "a_qm"))
    page = client.get(reverse("deviations:compliance_standard", args=[figures.pk]))
    assert "Sozialamt Testkreis" in page.text and "Jugendamt Testkreis" in page.text
    assert "20,0\xa0%" in page.text
    assert "Träger B" not in page.text


def test_outsider_sees_nothing(figures, world, client_for):
    """A provider without cases of the funder gets an empty list and 404."""
    client = client_for(world.people.outsider)
    listing = client.get(reverse("deviations:compliance"))
    assert listing.status_code == 200
    assert "Hilfeplan binnen 6 Wochen" not in listing.text
    assert "Träger" not in listing.text
    page = client.get(reverse("deviations:compliance_standard", args=[figures.pk]))
    assert page.status_code == 404
    assert not review.visible_compliance(world.people.outsider).exists()


def test_list_shows_only_versions_in_force(figures, world, client_for):
    """Figures of a retired version stay off the list."""
    retired = make_standard_version(
        "alt", title="Alter Standard", status=VersionStatus.RETIRED
    )
    make_compliance(retired, world.funder, world.provider_a, checked=5, met=5)
    listing = client_for(world.people.funder).get(reverse("deviations:compliance"))
    assert "Alter Standard" not in listing.text


def test_unknown_standard_is_404(world, client_for):
    response = client_for(world.people.funder).get(
        reverse("deviations:compliance_standard", args=[999999])
    )
    assert response.status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in(figures, client):
    for url in (
        reverse("deviations:compliance"),
        reverse("deviations:compliance_standard", args=[figures.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:sign_in"))
