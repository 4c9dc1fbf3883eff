"""The beneficiary rates the goals of a review through a one-time link."""

from django.urls import reverse

from dialoq.cases.models import (
    AccessAction,
    AccessLogEntry,
    CaseEventKind,
    GoalRating,
    Perspective,
)
from dialoq.feedback import ratelimit
from dialoq.feedback.models import GoalRatingInvitation
from tests.feedback.factories import expire, make_goal_link


def _url(token):
    return reverse("feedback:goal_rating", args=[token])


def _goals(invitation):
    return list(invitation.review.help_plan.goals.order_by("pk"))


def test_page_shows_the_goals_in_plain_language(world, beneficiary):
    """The page lists each goal with the five levels and the goal's own texts."""
    invitation, token = make_goal_link(world.case_a)
    response = beneficiary.get(_url(token))
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    page = response.text
    for goal in _goals(invitation):
        assert goal.title in page
    assert page.count("How far have you come?") == 2
    assert page.count("Much less than expected") == 2
    assert "Expected outcome 1" in page  # the first goal's own text for level 0
    assert page.count("<fieldset") == 2 and page.count("<legend") == 2
    assert world.case_a.beneficiary.pseudonym not in page
    assert world.case_a.reference not in page


def test_opening_the_page_is_logged_without_a_user(world, beneficiary):
    """Showing a case's goals to the link holder is an access-log entry."""
    _invitation, token = make_goal_link(world.case_a)
    beneficiary.get(_url(token))
    entry = AccessLogEntry.objects.get(case=world.case_a)
    assert entry.action == AccessAction.VIEW_CASE
    assert entry.user is None and entry.username == ""


def test_answers_are_stored_as_the_beneficiary_perspective(world, beneficiary):
    """Each answered goal gets a beneficiary rating; the link is used; all logged."""
    invitation, token = make_goal_link(world.case_a)
    first, second = _goals(invitation)
    response = beneficiary.post(
        _url(token), {f"goal_{first.pk}": "1", f"goal_{second.pk}": ""}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("feedback:thanks")
    rating = GoalRating.objects.get()
    assert (rating.goal, rating.review, rating.level) == (
        first,
        invitation.review,
        1,
    )
    assert rating.perspective == Perspective.BENEFICIARY
    assert rating.rated_by is None and rating.rated_at is not None
    invitation.refresh_from_db()
    assert invitation.used_at is not None
    event = world.case_a.events.get(kind=CaseEventKind.FEEDBACK_RECEIVED)
    assert event.actor is None
    assert event.changes == {f"goal_{first.pk}": [None, 1]}
    assert AccessLogEntry.objects.filter(
        case=world.case_a, action=AccessAction.CHANGE_CASE
    ).exists()


def test_a_used_link_is_gone(world, beneficiary):
    """The second use of a link gets a friendly 410 page and changes nothing."""
    invitation, token = make_goal_link(world.case_a)
    goal = _goals(invitation)[0]
    beneficiary.post(_url(token), {f"goal_{goal.pk}": "2"})
    for response in (
        beneficiary.get(_url(token)),
        beneficiary.post(_url(token), {f"goal_{goal.pk}": "-2"}),
    ):
        assert response.status_code == 410
        assert "This link has already been used" in response.text
        assert goal.title not in response.text
    assert GoalRating.objects.get().level == 2


def test_an_expired_link_is_gone(world, beneficiary):
    """An expired link gets a friendly 410 page and stores nothing."""
    invitation, token = make_goal_link(world.case_a)
    expire(invitation)
    goal = _goals(invitation)[0]
    response = beneficiary.post(_url(token), {f"goal_{goal.pk}": "0"})
    assert response.status_code == 410
    assert "This link has expired" in response.text
    assert "14 days" in response.text
    assert not GoalRating.objects.exists()


def test_a_replaced_link_is_gone(world, client_for, beneficiary):
    """Making a new link for the review replaces the open one."""
    invitation, old_token = make_goal_link(world.case_a)
    client_for(world.people.provider_a).post(
        reverse(
            "feedback:create_goal_rating_link",
            args=[world.case_a.pk, invitation.review.pk],
        )
    )
    response = beneficiary.get(_url(old_token))
    assert response.status_code == 410
    assert "This link has been replaced" in response.text
    assert invitation.review.goal_rating_invitations.open().count() == 1


def test_a_forged_link_is_not_found(world, beneficiary):
    """An unknown token gets a friendly 404 page, not the generic error page."""
    make_goal_link(world.case_a)
    response = beneficiary.get(_url("x" * 43))
    assert response.status_code == 404
    assert "This link is not valid" in response.text
    too_long = beneficiary.get(_url("y" * 5000))
    assert too_long.status_code == 404


def test_a_link_rates_only_its_own_review(world, beneficiary):
    """Goals of another case sent with a link are ignored; that case stays unrated."""
    invitation_a, token_a = make_goal_link(world.case_a)
    invitation_b, _token_b = make_goal_link(world.case_b)
    goal_b = _goals(invitation_b)[0]
    response = beneficiary.post(_url(token_a), {f"goal_{goal_b.pk}": "2"})
    assert response.status_code == 200  # nothing of its own answered
    assert "Please answer at least one question" in response.text
    assert goal_b.title not in response.text
    assert not GoalRating.objects.exists()
    goal_a = _goals(invitation_a)[0]
    beneficiary.post(
        _url(token_a), {f"goal_{goal_a.pk}": "0", f"goal_{goal_b.pk}": "2"}
    )
    assert list(GoalRating.objects.values_list("goal", flat=True)) == [goal_a.pk]
    assert not world.case_b.events.filter(kind=CaseEventKind.FEEDBACK_RECEIVED)


def test_bad_answers_are_refused_with_a_message(world, beneficiary):
    """Out-of-range or non-numeric levels and an empty form change nothing."""
    invitation, token = make_goal_link(world.case_a)
    first, second = _goals(invitation)
    for data in (
        {f"goal_{first.pk}": "3"},
        {f"goal_{first.pk}": "-3", f"goal_{second.pk}": "1"},
        {f"goal_{first.pk}": "abc"},
    ):
        response = beneficiary.post(_url(token), data)
        assert response.status_code == 200
        assert "Please choose one of the answers shown." in response.text
        assert 'aria-describedby="id_goal_' in response.text
    response = beneficiary.post(_url(token), {})
    assert "Please answer at least one question" in response.text
    assert not GoalRating.objects.exists()
    invitation.refresh_from_db()
    assert invitation.used_at is None


def test_only_the_hash_of_the_token_is_stored(world):
    """The database holds a SHA-256 hash, never the token itself."""
    invitation, token = make_goal_link(world.case_a)
    assert len(token) >= 43
    assert token not in GoalRatingInvitation.objects.values_list(
        "token_hash", flat=True
    )
    assert len(invitation.token_hash) == 64


def test_guessing_is_slowed_down_per_address(world, beneficiary):
    """After too many unknown links, even a valid link answers 429 for a while."""
    _invitation, token = make_goal_link(world.case_a)
    for number in range(ratelimit.FAILURE_LIMIT):
        assert beneficiary.get(_url(f"guess{number}")).status_code == 404
    response = beneficiary.get(_url(token))
    assert response.status_code == 429
    assert "Too many attempts" in response.text
    other_address = beneficiary.get(_url(token), REMOTE_ADDR="10.0.0.2")
    assert other_address.status_code == 200
