"""Reviews: each side rates its own perspective; T-scores and disagreement shown."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dialoq.cases.gas import gas_t_score
from dialoq.cases.models import (
    AccessAction,
    AccessLogEntry,
    CaseEvent,
    CaseEventKind,
    GoalRating,
    Perspective,
    Review,
)
from dialoq.cases.planning import review_scores
from tests import factories


def _create_url(case):
    return reverse("cases:review_create", args=[case.pk])


def _rate_url(review):
    return reverse("cases:review_rate", args=[review.case_id, review.pk])


def _detail_url(review):
    return reverse("cases:review_detail", args=[review.case_id, review.pk])


def _levels(plan, *levels):
    return {
        f"goal_{goal.pk}": "" if level is None else str(level)
        for goal, level in zip(plan.goals.all(), levels, strict=True)
    }


def _data(plan, *levels, **overrides):
    data = {"held_on": "2026-11-20", "next_review_due": "2027-03-01"}
    data.update(_levels(plan, *levels))
    data.update(overrides)
    return data


def _t_scores(html):
    """Return the T-score cells of the review page by perspective."""
    return dict(re.findall(r'data-perspective="(\w+)">([^<]+)<', html))


@pytest.mark.parametrize(
    ("persona", "perspective"),
    [("funder", Perspective.FUNDER), ("provider_a", Perspective.PROVIDER)],
)
def test_each_side_rates_its_own_perspective(
    persona, perspective, world, plan_a, en_client_for
):
    """Funder rates as case manager, provider A as caseworker; the review is stored."""
    user = getattr(world.people, persona)
    client = en_client_for(user)
    form = client.get(_create_url(world.case_a)).content.decode()
    assert f"You rate from the perspective “{perspective.label}”" in form
    assert "much better 1" in form  # each level's description next to its level
    response = client.post(_create_url(world.case_a), _data(plan_a, 1, 0, -1))
    assert response.status_code == 302
    review = Review.objects.get(case=world.case_a)
    assert (review.due_on, review.held_on) == (date(2026, 8, 1), date(2026, 11, 20))
    ratings = review.ratings.all()
    assert {r.perspective for r in ratings} == {perspective}
    assert sorted(r.level for r in ratings) == [-1, 0, 1]
    assert all(r.rated_by == user and r.rated_at for r in ratings)
    kinds = set(world.case_a.events.values_list("kind", flat=True))
    assert {CaseEventKind.REVIEW_HELD, CaseEventKind.RATING_RECORDED} <= kinds
    assert AccessLogEntry.objects.filter(
        case=world.case_a, action=AccessAction.CHANGE_CASE, user=user
    ).exists()
    plan_a.refresh_from_db()
    world.case_a.refresh_from_db()
    assert plan_a.next_review_due == world.case_a.next_review_due == date(2027, 3, 1)


def test_other_side_fills_in_its_part_later(world, plan_a, en_client_for):
    """The provider rates on the funder's review; both perspectives then stand."""
    en_client_for(world.people.funder).post(
        _create_url(world.case_a), _data(plan_a, 1, 1, 1)
    )
    review = Review.objects.get()
    client = en_client_for(world.people.provider_a)
    form = client.get(_rate_url(review)).content.decode()
    assert "Caseworker (provider)" in form
    assert 'name="held_on"' not in form
    response = client.post(_rate_url(review), _levels(plan_a, 2, None, -1))
    assert response.status_code == 302
    by_perspective = {
        p: sorted(review.ratings.filter(perspective=p).values_list("level", flat=True))
        for p in ("funder", "provider")
    }
    assert by_perspective == {"funder": [1, 1, 1], "provider": [-1, 2]}
    event = CaseEvent.objects.filter(kind=CaseEventKind.RATING_RECORDED).first()
    assert event.changes["perspective"] == "provider"
    assert event.actor == world.people.provider_a


def test_rating_again_updates_and_can_withdraw(world, plan_a, en_client_for):
    """A side may correct its levels and set a goal back to "not rated"."""
    review = factories.make_review(plan_a, held_on=date(2026, 11, 1))
    client = en_client_for(world.people.funder)
    client.post(_rate_url(review), _levels(plan_a, 0, 0, 0))
    client.post(_rate_url(review), _levels(plan_a, 1, None, 0))
    levels = dict(
        review.ratings.filter(perspective="funder").values_list("goal__title", "level")
    )
    assert levels == {"Goal 1": 1, "Goal 3": 0}


def test_page_shows_t_scores_per_perspective(world, plan_a, en_client_for):
    """T-scores on the page are gas_t_score over each perspective's rated goals."""
    review = factories.make_review(plan_a, held_on=date(2026, 11, 1))
    goals = list(plan_a.goals.all())  # weights 1, 2, 3
    for goal, funder, provider in zip(goals, (1, 0, 2), (-1, None, 1), strict=True):
        review.ratings.create(goal=goal, perspective="funder", level=funder)
        if provider is not None:
            review.ratings.create(goal=goal, perspective="provider", level=provider)
    response = en_client_for(world.people.provider_a).get(_detail_url(review))
    html = response.content.decode()
    scores = _t_scores(html)
    funder = gas_t_score([(1, 1), (0, 2), (2, 3)])
    provider = gas_t_score([(-1, 1), (1, 3)])
    assert scores["funder"] == f"{funder:.1f}"
    assert scores["provider"] == f"{provider:.1f}"
    assert scores["beneficiary"] == "–"
    assert "3 of 3 goals rated" in html
    assert "2 of 3 goals rated" in html
    assert "0 of 3 goals rated" in html


def test_german_page_counts_rated_goals_and_uses_a_decimal_comma(
    world, plan_a, client_for
):
    """In German, "2 von 3 Zielen bewertet" and T-scores with a decimal comma."""
    review = factories.make_review(plan_a, held_on=date(2026, 11, 1))
    for goal in plan_a.goals.all()[:2]:
        review.ratings.create(goal=goal, perspective="funder", level=1)
    html = client_for(world.people.funder).get(_detail_url(review)).content.decode()
    expected = gas_t_score([(1, 1), (1, 2)])
    assert _t_scores(html)["funder"] == f"{expected:.1f}".replace(".", ",")


def test_disagreement_is_marked_in_words_and_never_averaged(
    world, plan_a, en_client_for
):
    """A goal two levels apart is marked with a symbol and words; spread shown."""
    review = factories.make_review(plan_a, held_on=date(2026, 11, 1))
    first, second, third = plan_a.goals.all()
    review.ratings.create(goal=first, perspective="funder", level=2)
    review.ratings.create(goal=first, perspective="beneficiary", level=-1)
    review.ratings.create(goal=second, perspective="funder", level=0)
    review.ratings.create(goal=second, perspective="provider", level=1)
    review.ratings.create(goal=third, perspective="provider", level=0)
    html = en_client_for(world.people.funder).get(_detail_url(review)).content.decode()
    assert html.count("⚠ Disagreement: 3 levels apart") == 1
    assert "1 level apart" in html
    assert "The perspectives differ by two or more levels on 1 goal." in html
    first_row = html[html.index(first.title) : html.index(second.title)]
    assert "<strong>+2</strong>" in first_row and "<strong>−1</strong>" in first_row
    scores = review_scores(review)
    rows = {row["goal"].pk: row for row in scores["goals"]}
    assert (rows[first.pk]["spread"], rows[first.pk]["disagreement"]) == (3, True)
    assert (rows[second.pk]["spread"], rows[second.pk]["disagreement"]) == (1, False)
    assert (rows[third.pk]["spread"], rows[third.pk]["disagreement"]) == (None, False)
    assert scores["disagreements"] == 1


def test_review_scores_for_exports(world, plan_a):
    """review_scores gives levels by perspective and one T-score per perspective."""
    review = factories.make_review(plan_a, held_on=date(2026, 11, 1))
    goals = list(plan_a.goals.all())
    for goal in goals:
        review.ratings.create(goal=goal, perspective="provider", level=1)
    scores = review_scores(review)
    assert scores["t_scores"] == {
        "funder": None,
        "provider": pytest.approx(gas_t_score([(1, 1), (1, 2), (1, 3)])),
        "beneficiary": None,
    }
    assert [row["levels"]["provider"] for row in scores["goals"]] == [1, 1, 1]
    provider = next(p for p in scores["perspectives"] if p["perspective"] == "provider")
    assert (provider["rated"], provider["total"]) == (3, 3)


def test_beneficiary_ratings_are_shown_when_present(world, plan_a, en_client_for):
    """The beneficiary's own levels (from their link) appear in their column."""
    review = factories.make_review(plan_a, held_on=date(2026, 11, 1))
    goal = plan_a.goals.first()
    review.ratings.create(goal=goal, perspective="beneficiary", level=2)
    html = en_client_for(world.people.funder).get(_detail_url(review)).content.decode()
    assert _t_scores(html)["beneficiary"] == "70.0"
    assert "much better 1" in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"held_on": (timezone.localdate() + timedelta(days=1)).isoformat()},
            "A review cannot be held in the future.",
        ),
        ({"held_on": "2026-01-30"}, "cannot be held before the help plan was agreed"),
        ({"held_on": ""}, "Enter the date on which the review took place."),
        ({"next_review_due": ""}, "Enter when the next review is due"),
        ({"next_review_due": "2026-11-20"}, "The next review must be due after this"),
        ({"next_review_due": "2027-08-01"}, "more than six months later"),
    ],
)
def test_bad_review_input_changes_nothing(
    overrides, message, world, plan_a, en_client_for
):
    """Each mistake in the review form gives its own message and saves nothing."""
    client = en_client_for(world.people.funder)
    response = client.post(
        _create_url(world.case_a), _data(plan_a, 0, 0, 0, **overrides)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Review.objects.exists()
    assert not world.case_a.events.exists()
    plan_a.refresh_from_db()
    assert plan_a.next_review_due == date(2026, 8, 1)


def test_level_outside_the_scale_is_refused(world, plan_a, en_client_for):
    """A forged level 3 is refused with a message; nothing is rated."""
    review = factories.make_review(plan_a, held_on=date(2026, 11, 1))
    client = en_client_for(world.people.funder)
    response = client.post(_rate_url(review), _levels(plan_a, 3, 0, 0))
    assert response.status_code == 200
    assert "Choose a level from −2 to +2 for this goal" in response.content.decode()
    assert not GoalRating.objects.exists()


def test_final_review_clears_next_due_and_only_once(world, plan_a, en_client_for):
    """The final review needs no next date, clears the case's; a second is refused."""
    client = en_client_for(world.people.funder)
    data = _data(plan_a, 0, 1, 0, is_final="on", next_review_due="")
    assert client.post(_create_url(world.case_a), data).status_code == 302
    world.case_a.refresh_from_db()
    assert world.case_a.next_review_due is None
    response = client.post(_create_url(world.case_a), data)
    assert "The final review was already documented on" in response.content.decode()
    assert Review.objects.count() == 1


def test_long_interval_after_review_can_be_confirmed(world, plan_a, en_client_for):
    """A next review more than six months away is accepted once confirmed."""
    client = en_client_for(world.people.funder)
    data = _data(
        plan_a, 0, 0, 0, next_review_due="2027-08-01", confirm_long_interval="on"
    )
    assert client.post(_create_url(world.case_a), data).status_code == 302
    event = CaseEvent.objects.get(kind=CaseEventKind.REVIEW_HELD)
    assert event.changes["long_review_interval_confirmed"] is True


def test_review_needs_a_plan_with_goals(world, en_client_for):
    """Without goals there is nothing to review: back to the help plan."""
    factories.make_help_plan(world.case_a)
    response = en_client_for(world.people.funder).get(_create_url(world.case_a))
    assert response.status_code == 302
    assert not Review.objects.exists()


@pytest.mark.parametrize("persona", ["provider_b", "outsider"])
def test_others_get_not_found(persona, world, plan_a, en_client_for):
    """Provider B and the outsider get 404 on every review page and change nothing."""
    review = factories.make_review(plan_a, held_on=date(2026, 11, 1))
    client = en_client_for(getattr(world.people, persona))
    for url in (_create_url(world.case_a), _rate_url(review), _detail_url(review)):
        assert client.get(url).status_code == 404
        assert client.post(url, _data(plan_a, 0, 0, 0)).status_code == 404
    assert Review.objects.count() == 1
    assert not GoalRating.objects.exists()


def test_auditor_reads_the_review_but_cannot_rate(world, plan_a, en_client_for):
    """The auditor sees the review (no rate link) and gets 403 on the forms."""
    review = factories.make_review(plan_a, held_on=date(2026, 11, 1))
    client = en_client_for(world.people.auditor)
    page = client.get(_detail_url(review))
    assert page.status_code == 200
    assert _rate_url(review) not in page.content.decode()
    assert client.get(_rate_url(review)).status_code == 403
    assert client.post(_rate_url(review), _levels(plan_a, 0, 0, 0)).status_code == 403
    assert (
        client.post(_create_url(world.case_a), _data(plan_a, 0, 0, 0)).status_code
        == 403
    )
    assert not GoalRating.objects.exists()
    assert Review.objects.count() == 1
