"""The access log screen: searched by QM officers, managers and auditors, scoped."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from dialoq.accounts.roles import Role
from dialoq.cases.audit import log_access
from dialoq.cases.models import AccessAction, AccessLogEntry
from tests import factories
from tests.privacy.builders import english

URL = reverse("cases:access_log")
CSV_URL = reverse("cases:access_log_csv")


@pytest.fixture
def log(world):
    """Log entries on both cases, one by a user of provider B on case B."""
    people = world.people
    log_access(people.funder, AccessAction.VIEW_IDENTITY, world.case_a)
    log_access(people.provider_a, AccessAction.VIEW_CASE, world.case_a)
    log_access(people.provider_b, AccessAction.CHANGE_CASE, world.case_b)
    old = log_access(people.funder, AccessAction.VIEW_CASE, world.case_b)
    old.at = datetime(2026, 1, 15, 11, tzinfo=UTC)
    old.save()
    return world


def _qm(world, organisation, role=Role.QM_OFFICER):
    return factories.make_user(role=role, organisation=organisation)


def _references(response):
    return sorted(entry.case_reference for entry in response.context["page"])


def test_each_persona_sees_the_entries_of_its_organisations(log, verified_client_for):
    """Funder-side reviewers see both cases; provider-side ones only their own."""
    world = log
    a, b = world.case_a.reference, world.case_b.reference
    expectations = [
        (_qm(world, world.funder), [a, a, b, b]),
        (_qm(world, world.provider_a), [a, a]),
        (_qm(world, world.provider_b, Role.MANAGER), [b, b]),
        (world.people.auditor, [a, a, b, b]),
    ]
    for person, expected in expectations:
        response = verified_client_for(person).get(URL)
        assert response.status_code == 200, person
        assert _references(response) == expected, person


@pytest.mark.parametrize("persona", ["outsider", "provider_a", "funder"])
def test_people_without_the_permission_get_403(log, client_for, persona):
    """Caseworkers, case managers and outsiders may not search the log at all."""
    client = client_for(getattr(log.people, persona))
    assert client.get(URL).status_code == 403
    assert client.get(CSV_URL).status_code == 403
    navigation = client.get(reverse("start")).context["navigation"]
    assert URL not in [item["url"] for item in navigation]


def test_navigation_offers_the_log_to_those_who_may_search_it(log, verified_client_for):
    """A QM officer finds the access log in the main navigation."""
    client = english(verified_client_for(_qm(log, log.funder)))
    navigation = client.get(reverse("start")).context["navigation"]
    assert {"label": "Access log", "url": URL, "current": False} in navigation


def test_outsiders_own_entries_are_not_shown_to_others(log, verified_client_for):
    """A QM officer of an unrelated provider sees none of the funder's entries."""
    response = verified_client_for(_qm(log, log.elsewhere)).get(URL)
    assert response.status_code == 200
    assert _references(response) == []


def test_search_by_each_criterion(log, verified_client_for):
    """Case number, pseudonym, user name, action and dates narrow the list."""
    world = log
    client = verified_client_for(_qm(world, world.funder))
    a, b = world.case_a.reference, world.case_b.reference
    searches = [
        ({"case_reference": a.lower()}, [a, a]),
        ({"pseudonym": world.case_b.beneficiary.pseudonym}, [b, b]),
        ({"username": "provider_b"}, [b]),
        ({"action": AccessAction.VIEW_IDENTITY}, [a]),
        ({"date_from": "2026-01-15", "date_to": "2026-01-15"}, [b]),
        ({"date_to": "2026-01-14"}, []),
    ]
    for criteria, expected in searches:
        response = client.get(URL, criteria)
        assert response.status_code == 200
        assert _references(response) == expected, criteria


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        (
            {"date_from": "2026-02-01", "date_to": "2026-01-01"},
            "The last day must not lie before the first day.",
        ),
        ({"date_from": "gestern"}, "Enter the first day as a date"),
        ({"action": "delete_everything"}, "Choose an action from the list."),
        ({"case_reference": "x" * 30}, "at most 24 characters"),
    ],
)
def test_bad_search_input_gets_a_clear_message(
    log, verified_client_for, criteria, message
):
    """Invalid criteria show a specific message and no entries, never an error page."""
    client = english(verified_client_for(_qm(log, log.funder)))
    response = client.get(URL, criteria)
    assert response.status_code == 200
    assert message in response.text
    assert _references(response) == []
    assert client.get(CSV_URL, criteria).status_code == 400


def test_htmx_search_returns_the_search_part(log, verified_client_for):
    """An htmx search swaps form and results, not the whole page."""
    client = verified_client_for(_qm(log, log.funder))
    response = client.get(URL, {"username": "funder"}, headers={"HX-Request": "true"})
    assert response.text.lstrip().startswith('<div id="access-log">')
    assert "<html" not in response.text


def test_the_log_is_paginated_and_pages_keep_the_search(log, verified_client_for):
    """Fifty entries a page; the next-page link carries the search criteria."""
    for _ in range(55):
        log_access(log.people.funder, AccessAction.VIEW_CASE, log.case_a)
    client = verified_client_for(_qm(log, log.funder))
    first = client.get(URL, {"username": "funder"})
    assert len(first.context["page"]) == 50
    assert "?username=funder&amp;page=2" in first.text
    second = client.get(URL, {"username": "funder", "page": 2})
    assert len(second.context["page"]) == 7


def test_csv_holds_the_matching_scoped_entries(log, verified_client_for):
    """The CSV has a stable header and only the visible, matching entries."""
    client = verified_client_for(_qm(log, log.provider_a))
    response = client.get(CSV_URL, {"action": AccessAction.VIEW_CASE})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = b"".join(response.streaming_content).decode().split("\n")
    assert lines[0] == (
        "at,username,action,case_reference,pseudonym,funder_id,provider_id,detail"
    )
    assert len(lines) == 3 and lines[2] == ""
    assert lines[1].split(",")[1:5] == [
        "provider_a",
        "view_case",
        log.case_a.reference,
        log.case_a.beneficiary.pseudonym,
    ]


def test_entries_of_erased_cases_stay_searchable(log, verified_client_for):
    """Once a case is deleted, its entries remain under its number and organisations."""
    reference = log.case_a.reference
    log.case_a.delete()
    client = verified_client_for(_qm(log, log.provider_a))
    response = client.get(URL, {"case_reference": reference})
    assert _references(response) == [reference, reference]
    assert AccessLogEntry.objects.filter(case__isnull=True).count() == 2


def test_a_unit_limited_membership_sees_its_units_cases_only(log, verified_client_for):
    """A QM officer of one team of the funder sees the entries of that team's cases."""
    team = factories.make_unit(log.funder)
    log.case_b.funder_unit = team
    log.case_b.save()
    officer = factories.make_user(
        role=Role.QM_OFFICER, organisation=log.funder, unit=team
    )
    response = verified_client_for(officer).get(URL)
    assert _references(response) == [log.case_b.reference] * 2
