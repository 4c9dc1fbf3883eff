"""The quality framework: criteria by dimension and perspective, with indicators."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dialoq.accounts.roles import Role
from tests import factories
from tests.catalog.factories import make_criterion, make_indicator

URL = reverse("catalog:framework")


def test_funder_member_sees_built_in_and_own_indicators(
    world, client_for, funder_indicator, built_in
):
    """A funder's case manager reads the built-in catalogue and the funder's own."""
    response = client_for(world.people.funder).get(URL)
    assert response.status_code == 200
    assert funder_indicator.title_en in response.text
    assert built_in.title_en in response.text
    assert reverse("catalog:indicator", args=[funder_indicator.key]) in response.text


def test_provider_member_sees_the_indicators_of_its_funder(
    world, client_for, funder_indicator
):
    """A caseworker of a provider working for the funder sees the funder's indicator."""
    response = client_for(world.people.provider_a).get(URL)
    assert response.status_code == 200
    assert funder_indicator.title_en in response.text


def test_outsider_sees_the_built_in_catalogue_only(
    world, client_for, funder_indicator, built_in
):
    """A member of an unrelated provider sees the built-in catalogue, nothing owned."""
    response = client_for(world.people.outsider).get(URL)
    assert response.status_code == 200
    assert built_in.title_en in response.text
    assert funder_indicator.title_en not in response.text
    assert funder_indicator.key not in response.text


def test_member_without_aggregates_is_refused(world, client_for):
    """A committee viewer, who sees no aggregated figures, gets 403."""
    viewer = factories.make_user(
        "committee", role=Role.COMMITTEE_VIEWER, organisation=world.funder
    )
    assert client_for(viewer).get(URL).status_code == 403


def test_matrix_has_dimensions_as_rows_and_perspectives_as_columns(world, client_for):
    """Each criterion appears in the cell of its dimension and perspective."""
    criterion = make_criterion(
        title_en="Reachable in a crisis", dimension="structure", perspective="service"
    )
    html = client_for(world.people.funder).get(URL).text
    for dimension in ("Structure and potential", "Process", "Outcome"):
        assert f">{dimension}</h2>" in html
    structure = html.split('id="dimension-structure"')[1].split("</section>")[0]
    cells = structure.split("<h3>")[1:]
    perspectives = [cell.split("</h3>")[0] for cell in cells]
    assert perspectives == ["Business process", "Interaction", "Service", "Use"]
    assert criterion.title_en in cells[2]
    assert "No indicator yet." in cells[2]


def test_draft_only_indicator_is_marked(world, client_for):
    """An indicator that has only a draft says so."""
    version = make_indicator(world.funder, status="draft")
    response = client_for(world.people.funder).get(URL)
    assert f"{version.title_en}</a>" in response.text
    assert "(Draft)" in response.text


def test_query_count_does_not_grow_with_the_indicators(world, client_for):
    """The page loads indicators and versions in a fixed number of queries."""
    client = client_for(world.people.funder)
    make_indicator(world.funder)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for _number in range(5):
        make_indicator(world.funder)
    with CaptureQueriesContext(connection) as many:
        assert client.get(URL).status_code == 200
    assert len(many) == len(few)


def test_navigation_links_the_catalogue(world, client_for):
    """Members who see aggregates find the catalogue in the main navigation."""
    response = client_for(world.people.provider_a).get(reverse("start"))
    assert f'href="{URL}"' in response.text


def test_network_coordinator_sees_the_indicators_of_member_organisations(
    world, client_for, funder_indicator
):
    """A coordinator of the funder's network reads the funder's indicator."""
    coordinator = factories.make_user(
        "coordinator", role=Role.NETWORK_COORDINATOR, organisation=world.network
    )
    response = client_for(coordinator).get(URL)
    assert response.status_code == 200
    assert funder_indicator.title_en in response.text
