"""The case list: scoped, searchable by prefix, filtered, sorted and paginated."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dialoq.accounts.roles import Role
from dialoq.cases.models import CaseStatus
from tests import factories

LIST = reverse("cases:list")


def _listed(response):
    return [case.reference for case in response.context["page"].object_list]


def test_funder_sees_the_cases_at_both_providers(world, client_for):
    """The funder's case manager lists the cases at providers A and B."""
    response = client_for(world.people.funder).get(LIST)
    assert response.status_code == 200
    assert set(_listed(response)) == {world.case_a.reference, world.case_b.reference}
    assert world.case_a.beneficiary.pseudonym in response.text


@pytest.mark.parametrize(
    ("person", "case"), [("provider_a", "case_a"), ("provider_b", "case_b")]
)
def test_provider_sees_only_its_own_cases(person, case, world, client_for):
    """A provider's caseworker lists only the cases of that provider."""
    response = client_for(getattr(world.people, person)).get(LIST)
    assert _listed(response) == [getattr(world, case).reference]


def test_outsider_sees_no_case(world, client_for):
    """An outsider gets an empty list that explains why."""
    response = client_for(world.people.outsider).get(LIST)
    assert response.status_code == 200
    assert _listed(response) == []
    assert world.case_a.reference not in response.text
    assert "There are no cases you can see" in response.text


def test_read_only_auditor_cannot_open_cases(world, client_for):
    """The auditor lists the funder's cases but is offered no 'open a case' link."""
    response = client_for(world.people.auditor).get(LIST)
    assert len(_listed(response)) == 2
    assert reverse("cases:create") not in response.text
    funder_page = client_for(world.people.funder).get(LIST)
    assert reverse("cases:create") in funder_page.text


def test_search_matches_case_number_from_the_start(world, client_for):
    """The search finds a case number by its beginning, not by a middle part."""
    client = client_for(world.people.funder)
    reference = world.case_a.reference
    assert _listed(client.get(LIST, {"q": reference})) == [reference]
    assert _listed(client.get(LIST, {"q": f" {reference.lower()} "})) == [reference]
    assert len(_listed(client.get(LIST, {"q": "t-"}))) == 2
    assert _listed(client.get(LIST, {"q": reference[2:]})) == []


def test_search_matches_pseudonym_from_the_start(world, client_for):
    """A search term beginning with LB- looks up the pseudonym."""
    client = client_for(world.people.funder)
    pseudonym = world.case_b.beneficiary.pseudonym
    response = client.get(LIST, {"q": pseudonym.lower()})
    assert _listed(response) == [world.case_b.reference]


def test_search_stays_within_scope(world, client_for):
    """Provider B finds nothing when searching for provider A's case."""
    response = client_for(world.people.provider_b).get(
        LIST, {"q": world.case_a.reference}
    )
    assert _listed(response) == []
    assert "No case matches" in response.text


def test_filters_by_status_service_type_and_provider(world, client_for):
    """Status, service type and provider filters narrow the list."""
    coaching = factories.make_service_type(
        "coaching", name="Coaching", code_book="SGB II", legal_basis="§ 16a SGB II"
    )
    world.case_b.status = CaseStatus.INTAKE
    world.case_b.service_type = coaching
    world.case_b.save()
    client = client_for(world.people.funder)
    assert _listed(client.get(LIST, {"status": "intake"})) == [world.case_b.reference]
    assert _listed(client.get(LIST, {"service_type": coaching.pk})) == [
        world.case_b.reference
    ]
    assert _listed(client.get(LIST, {"provider": world.provider_a.pk})) == [
        world.case_a.reference
    ]


def test_filters_by_worker_on_either_side(world, client_for):
    """The worker filter finds cases by case manager or by caseworker."""
    colleague = factories.make_user(
        "colleague", role=Role.CASE_MANAGER, organisation=world.funder
    )
    world.case_b.case_manager = colleague
    world.case_b.save()
    client = client_for(world.people.funder)
    response = client.get(LIST, {"worker": world.people.funder.pk})
    assert _listed(response) == [world.case_a.reference]
    options = dict(response.context["form"].fields["worker"].choices)
    assert colleague.pk in options
    assert world.people.provider_a.pk not in options  # the other side's staff
    # A caseworker responsible for a visible case is accepted, e.g. from a link.
    page = client.get(world.case_b.get_absolute_url())
    assert f"?worker={world.people.provider_b.pk}" in page.text
    response = client.get(LIST, {"worker": world.people.provider_b.pk})
    assert _listed(response) == [world.case_b.reference]
    assert not response.context["form"].errors


def test_worker_outside_the_scope_is_refused(world, client_for):
    """Provider A cannot filter by provider B's caseworker: the filter is refused."""
    response = client_for(world.people.provider_a).get(
        LIST, {"worker": world.people.provider_b.pk}
    )
    assert "Choose a person from the list." in response.text
    assert _listed(response) == [world.case_a.reference]


def test_filter_options_come_from_the_scope(world, client_for):
    """Provider A is offered only its own organisation and its own staff."""
    response = client_for(world.people.provider_a).get(LIST)
    fields = response.context["form"].fields
    assert [pk for pk, _label in fields["provider"].choices if pk] == [
        world.provider_a.pk
    ]
    workers = [pk for pk, _label in fields["worker"].choices if pk]
    assert workers == [world.people.provider_a.pk]
    assert "Träger B" not in response.text


def test_review_due_filters(world, client_for):
    """'Overdue' and 'due within 14 days' select open cases by next review."""
    today = timezone.localdate()
    world.case_a.next_review_due = today - timedelta(days=1)
    world.case_a.save()
    world.case_b.next_review_due = today + timedelta(days=14)
    world.case_b.save()
    factories.make_case(
        world.funder,
        world.provider_a,
        status=CaseStatus.CLOSED,
        ended_on=date(2026, 6, 1),
        next_review_due=today - timedelta(days=3),
    )
    client = client_for(world.people.funder)
    overdue = client.get(LIST, {"review": "overdue"})
    assert _listed(overdue) == [world.case_a.reference]
    assert "(overdue)" in overdue.text
    assert _listed(client.get(LIST, {"review": "soon"})) == [world.case_b.reference]


def test_sorting_uses_the_whitelist(world, client_for):
    """Sorting by case number and next review works both ways; others are refused."""
    world.case_a.next_review_due = date(2026, 12, 1)
    world.case_a.referred_on = date(2026, 3, 1)
    world.case_a.save()
    world.case_b.next_review_due = date(2026, 12, 20)
    world.case_b.save()
    client = client_for(world.people.funder)
    a, b = world.case_a.reference, world.case_b.reference
    assert _listed(client.get(LIST, {"sort": "reference"})) == [a, b]
    assert _listed(client.get(LIST, {"sort": "-reference"})) == [b, a]
    assert _listed(client.get(LIST, {"sort": "next_review_due"})) == [a, b]
    assert _listed(client.get(LIST, {"sort": "-next_review_due"})) == [b, a]
    assert _listed(client.get(LIST)) == [a, b]  # newest referral first
    assert _listed(client.get(LIST, {"sort": "referred_on"})) == [b, a]
    refused = client.get(LIST, {"sort": "beneficiary__pseudonym"})
    assert "Choose a sort order from the list." in refused.text
    assert _listed(refused) == [a, b]


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"status": "archived"}, "Choose a status from the list."),
        ({"provider": "abc"}, "Choose a provider from the list."),
        ({"service_type": "999999"}, "Choose a service type from the list."),
        ({"review": "yesterday"}, "Choose a review option from the list."),
        ({"q": "X" * 30}, "Enter at most 24 characters."),
    ],
)
def test_bad_filter_values_are_named_and_left_out(
    parameters, message, world, client_for
):
    """An invalid filter value gets a specific message and filters nothing."""
    response = client_for(world.people.funder).get(LIST, parameters)
    assert response.status_code == 200
    assert message in response.text
    assert len(_listed(response)) == 2


def test_pagination_keeps_the_filters(world, client_for):
    """Page links are plain links that carry the filters along."""
    for _number in range(51):
        factories.make_case(world.funder, world.provider_a, status=CaseStatus.INTAKE)
    client = client_for(world.people.funder)
    response = client.get(LIST, {"status": "intake"})
    assert len(_listed(response)) == 50
    assert response.context["page"].paginator.count == 51
    assert 'href="?status=intake&amp;page=2"' in response.text
    second = client.get(LIST, {"status": "intake", "page": 2})
    assert len(_listed(second)) == 1
    assert client.get(LIST, {"page": "last"}).status_code == 200


def test_htmx_gets_only_the_results(world, client_for):
    """An htmx request gets the results partial; a history restore the full page."""
    client = client_for(world.people.funder)
    partial = client.get(LIST, {"status": "running"}, headers={"HX-Request": "true"})
    assert partial.text.lstrip().startswith('<div id="case-results">')
    assert "<html" not in partial.text
    assert "HX-Request" in partial["Vary"]
    restore = client.get(
        LIST,
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in restore.text


def test_filter_form_works_without_javascript(world, client_for):
    """The filter form is a labelled GET form whose action is the list itself."""
    response = client_for(world.people.funder).get(LIST)
    assert f'method="get" action="{LIST}"' in response.text
    for name in ("q", "status", "service_type", "provider", "worker", "review"):
        assert f'<label for="id_{name}">' in response.text


def test_query_count_does_not_grow_with_cases(world, client_for):
    """The list needs the same number of queries for 2 or 50 cases on the page."""
    client = client_for(world.people.funder)
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for _number in range(48):
        factories.make_case(world.funder, world.provider_b)
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)
    assert len(_listed(response)) == 50
    assert len(many) == len(few)
    assert len(many) <= 20  # sign-in and roles 7, filter options 3, page 3
