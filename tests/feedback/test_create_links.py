"""Staff hand out goal-rating and survey links: who may, and what the sheet shows."""

import pytest
from django.urls import reverse

from dialoq.accounts.roles import Role
from dialoq.cases.models import CaseEventKind, GoalRating, Perspective
from dialoq.feedback.models import (
    GoalRatingInvitation,
    SurveyInvitation,
    hash_token,
)
from tests import factories
from tests.feedback.factories import make_review

EN = {"Accept-Language": "en"}


def _goal_link_url(case, review):
    return reverse("feedback:create_goal_rating_link", args=[case.pk, review.pk])


def _survey_link_url(case):
    return reverse("feedback:create_survey_link", args=[case.pk])


def _token_from(response, url_name):
    prefix = reverse(url_name, args=["TOKEN"]).removesuffix("TOKEN/")
    start = response.text.index(prefix) + len(prefix)
    return response.text[start : response.text.index("/", start)]


@pytest.mark.parametrize("persona", ["funder", "provider_a"])
def test_case_workers_create_a_goal_rating_link(world, client_for, persona):
    """Funder and provider of the case get the link once, with a QR code."""
    review = make_review(world.case_a)
    client = client_for(getattr(world.people, persona))
    url = _goal_link_url(world.case_a, review)
    assert client.get(url, headers=EN).status_code == 200
    response = client.post(url, headers=EN)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    invitation = GoalRatingInvitation.objects.get()
    assert invitation.review == review
    assert invitation.created_by == getattr(world.people, persona)
    token = _token_from(response, "feedback:goal_rating")
    assert hash_token(token) == invitation.token_hash
    assert "<svg" in response.text and "QR code of the link" in response.text
    event = world.case_a.events.get(kind=CaseEventKind.CHANGED)
    assert event.actor == getattr(world.people, persona)
    assert event.changes == {
        "goal_rating_link_for_review_of": [None, review.held_on.isoformat()]
    }


def test_the_sheet_carries_no_personal_data(world, client_for):
    """The printable sheet shows instructions, QR code and link, but no goals."""
    review = make_review(world.case_a)
    response = client_for(world.people.funder).post(
        _goal_link_url(world.case_a, review), headers=EN
    )
    sheet = response.text[response.text.index('<section class="sheet"') :]
    sheet = sheet[: sheet.index("</section>")]
    assert "<svg" in sheet
    for goal in review.help_plan.goals.all():
        assert goal.title not in sheet
    assert world.case_a.reference not in sheet
    assert world.case_a.beneficiary.pseudonym not in sheet
    assert 'lang="de"' in sheet and 'lang="en"' in sheet


def test_others_cannot_create_links(world, client_for):
    """Provider B and the outsider get 404; the read-only auditor gets 403."""
    review = make_review(world.case_a)
    for url in (_goal_link_url(world.case_a, review), _survey_link_url(world.case_a)):
        for persona in ("provider_b", "outsider"):
            client = client_for(getattr(world.people, persona))
            assert client.get(url).status_code == 404
            assert client.post(url).status_code == 404
        assert client_for(world.people.auditor).post(url).status_code == 403
    assert not GoalRatingInvitation.objects.exists()
    assert not SurveyInvitation.objects.exists()


def test_a_review_of_another_case_is_not_found(world, client_for):
    """A review id of case B under case A's address gives 404."""
    review_b = make_review(world.case_b)
    response = client_for(world.people.funder).post(
        _goal_link_url(world.case_a, review_b)
    )
    assert response.status_code == 404
    assert not GoalRatingInvitation.objects.exists()


def test_no_link_for_a_review_without_goals_or_already_rated(world, client_for):
    """A review with nothing left to rate is refused with a message."""
    client = client_for(world.people.provider_a)
    empty = make_review(world.case_a, goals=0)
    response = client.post(_goal_link_url(world.case_a, empty), headers=EN)
    assert "has no goals to rate" in response.text
    rated = make_review(world.case_a)
    GoalRating.objects.create(
        review=rated,
        goal=rated.help_plan.goals.first(),
        perspective=Perspective.BENEFICIARY,
        level=0,
    )
    response = client.post(_goal_link_url(world.case_a, rated), headers=EN)
    assert "already been recorded" in response.text
    assert not GoalRatingInvitation.objects.exists()


@pytest.mark.parametrize("persona", ["funder", "provider_a"])
def test_case_workers_create_a_survey_link(world, client_for, persona):
    """The survey link copies provider, funder and service type from the case."""
    client = client_for(getattr(world.people, persona))
    response = client.post(_survey_link_url(world.case_a), headers=EN)
    assert response.status_code == 200
    invitation = SurveyInvitation.objects.get()
    assert (invitation.case, invitation.provider, invitation.funder) == (
        world.case_a,
        world.provider_a,
        world.funder,
    )
    assert invitation.service_type == world.case_a.service_type
    token = _token_from(response, "feedback:survey")
    assert hash_token(token) == invitation.token_hash
    assert "<svg" in response.text


def test_a_new_survey_link_replaces_the_open_one(world, client_for):
    """Only one survey link of a case is open at a time."""
    client = client_for(world.people.provider_a)
    client.post(_survey_link_url(world.case_a))
    client.post(_survey_link_url(world.case_a))
    assert SurveyInvitation.objects.count() == 2
    assert SurveyInvitation.objects.open().count() == 1
    assert SurveyInvitation.objects.filter(revoked=True).count() == 1


def test_a_read_only_qm_officer_sees_the_page_but_may_not_create(
    world, verified_client_for
):
    """A QM officer of provider A may see the case but not hand out links."""
    officer = factories.make_user(
        "qm_a", role=Role.QM_OFFICER, organisation=world.provider_a
    )
    client = verified_client_for(officer)
    assert client.post(_survey_link_url(world.case_a)).status_code == 403
