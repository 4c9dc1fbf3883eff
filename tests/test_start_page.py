"""The start page shows each role what needs attention, and nothing of others."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from dialoq.accounts.roles import Role
from tests import factories


def test_case_manager_sees_overdue_reviews(world, client_for):
    """Overdue reviews of one's own cases are listed first."""
    world.case_a.next_review_due = timezone.localdate() - timedelta(days=10)
    world.case_a.save()
    response = client_for(world.people.funder).get(reverse("start"))
    section = response.context["sections"][0]
    assert section["overdue"] == [world.case_a]
    assert world.case_a.reference in response.text


def test_caseworker_sees_only_own_provider(world, client_for):
    """Provider B's caseworker is not shown provider A's overdue case."""
    world.case_a.next_review_due = timezone.localdate() - timedelta(days=10)
    world.case_a.save()
    response = client_for(world.people.provider_b).get(reverse("start"))
    assert world.case_a.reference not in response.text


def test_outsider_start_page_has_no_foreign_data(world, client_for):
    """An outsider's start page names none of the funder's cases."""
    response = client_for(world.people.outsider).get(reverse("start"))
    assert response.status_code == 200
    assert world.case_a.reference not in response.text
    assert world.case_b.reference not in response.text
    assert response.context["sections"][0]["open_count"] == 0


def test_user_without_role_gets_an_empty_state(db, client_for):
    """Someone without a role is told what to do next."""
    user = factories.make_user("newcomer")
    response = client_for(user).get(reverse("start"))
    assert response.context["sections"] == []
    assert "empty-state" in response.text


@override_settings(DEMO_WAIVE_TWO_FACTOR=True)
@pytest.mark.parametrize(
    ("role", "organisation"),
    [
        (Role.QM_OFFICER, "funder"),
        (Role.MANAGER, "provider_a"),
        (Role.COMMITTEE_VIEWER, "funder"),
        (Role.AUDITOR, "funder"),
        (Role.NETWORK_COORDINATOR, "network"),
        (Role.PLATFORM_ADMIN, "funder"),
    ],
)
def test_every_role_has_a_start_section(role, organisation, world, client_for):
    """Each role gets its own section rendered from its own template."""
    user = factories.make_user(
        f"person_{role}", role=role, organisation=getattr(world, organisation)
    )
    response = client_for(user).get(reverse("start"))
    assert response.status_code == 200
    sections = response.context["sections"]
    assert [section["membership"].role for section in sections] == [role]
    assert f"start/{role}.html" in [t.name for t in response.templates]


@override_settings(DEMO_WAIVE_TWO_FACTOR=True)
def test_organisation_figures_are_scoped(world, client_for):
    """A provider's QM officer counts only the provider's cases."""
    qm = factories.make_user(
        "qm_a", role=Role.QM_OFFICER, organisation=world.provider_a
    )
    response = client_for(qm).get(reverse("start"))
    assert response.context["sections"][0]["open_count"] == 1


def test_navigation_follows_the_role(world, client_for):
    """Only roles that may see cases get the case list in the navigation."""
    caseworker_nav = client_for(world.people.provider_a).get(reverse("start"))
    assert reverse("cases:list") in caseworker_nav.text
    committee = factories.make_user(
        "committee", role=Role.COMMITTEE_VIEWER, organisation=world.funder
    )
    committee_nav = client_for(committee).get(reverse("start"))
    labels = [item["url"] for item in committee_nav.context["navigation"]]
    assert reverse("cases:list") not in labels


def test_only_the_most_specific_navigation_item_is_current(world, client_for):
    """On the access log, only that item is marked current, not the case list."""
    from dialoq.accounts.roles import Role
    from tests import factories

    qm = factories.make_user("qm_nav", role=Role.QM_OFFICER, organisation=world.funder)
    with override_settings(DEMO_WAIVE_TWO_FACTOR=True):
        response = client_for(qm).get(reverse("cases:access_log"))
    current = [
        item["url"] for item in response.context["navigation"] if item["current"]
    ]
    assert current == [reverse("cases:access_log")]
