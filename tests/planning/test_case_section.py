"""The planning section of the case page: plan, reviews with T-scores, need change."""

from datetime import date

from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from dialoq.accounts.models import User
from dialoq.cases.gas import gas_t_score
from dialoq.cases.models import NeedAssessment, NeedDimension, NeedOccasion
from tests import factories


def _section(case, user, language="en"):
    request = RequestFactory().get(case.get_absolute_url())
    request.user = user
    with translation.override(language):
        return render_to_string(
            "cases/_planning_section.html", {"case": case}, request=request
        )


def _assess(case, occasion, on, levels):
    assessment = NeedAssessment.objects.create(
        case=case, occasion=occasion, assessed_on=on
    )
    for dimension, level in zip(
        NeedDimension.for_service_type(case.service_type), levels, strict=False
    ):
        assessment.ratings.create(dimension=dimension, level=level)


def test_section_shows_plan_reviews_and_need_change(world, plan_a):
    """Goals, each review's T-score per perspective, rated counts and need change."""
    review = factories.make_review(plan_a, held_on=date(2026, 11, 1))
    first, second, _third = plan_a.goals.all()
    review.ratings.create(goal=first, perspective="funder", level=2)
    review.ratings.create(goal=second, perspective="funder", level=0)
    review.ratings.create(goal=first, perspective="provider", level=0)
    _assess(world.case_a, NeedOccasion.START, date(2026, 1, 20), [2, 2, 2, 2, 2, 2])
    _assess(world.case_a, NeedOccasion.INTERIM, date(2026, 3, 20), [3, 3, 4, 2, 2, 2])
    html = _section(world.case_a, world.people.funder)
    assert "Version 1, agreed on 02/02/2026" in html
    assert "Goal 1" in html and "Goal 3" in html
    assert f"{gas_t_score([(2, 1), (0, 2)]):.1f}" in html
    assert "2 of 3 goals rated" in html and "1 of 3 goals rated" in html
    assert "⚠ 1 goal" in html  # funder +2 against provider 0
    assert "+0.7 points on average" in html  # 4/6 rounded, not cut off
    assert reverse("cases:review_create", args=[world.case_a.pk]) in html


def test_section_in_german(world, plan_a):
    """The German page says how many goals were rated, e.g. "2 von 3 …"."""
    review = factories.make_review(plan_a, held_on=date(2026, 11, 1))
    for goal in plan_a.goals.all()[:2]:
        review.ratings.create(goal=goal, perspective="provider", level=1)
    html = _section(world.case_a, world.people.provider_a, language="de")
    assert f"{gas_t_score([(1, 1), (1, 2)]):.1f}".replace(".", ",") in html


def test_read_only_users_get_no_links_to_change(world, plan_a):
    """The auditor sees the plan but no link to change it or to hold a review."""
    html = _section(world.case_a, world.people.auditor)
    assert "Goal 1" in html
    assert reverse("cases:review_create", args=[world.case_a.pk]) not in html
    assert "Open the help plan</a>" in html


def test_case_without_plan(world):
    """A case without plan, reviews or assessments says so and offers the first plan."""
    html = _section(world.case_b, world.people.provider_b)
    assert "No help plan has been agreed yet." in html
    assert "No review has taken place yet." in html
    assert reverse("cases:help_plan_create", args=[world.case_b.pk]) in html


def test_section_needs_few_queries(world, plan_a):
    """The section's queries do not grow with the number of reviews."""
    for day in (1, 2, 3):
        review = factories.make_review(plan_a, held_on=date(2026, 10, day))
        for goal in plan_a.goals.all():
            review.ratings.create(goal=goal, perspective="funder", level=0)
    with CaptureQueriesContext(connection) as few:
        _section(world.case_a, User.objects.get(pk=world.people.funder.pk))
    for day in (4, 5, 6):
        factories.make_review(plan_a, held_on=date(2026, 10, day))
    with CaptureQueriesContext(connection) as more:
        _section(world.case_a, User.objects.get(pk=world.people.funder.pk))
    assert len(more) == len(few) <= 16


def test_case_page_includes_the_section(world, plan_a, en_client_for):
    """The case page shows the planning section for provider A, not for provider B."""
    url = reverse("cases:detail", args=[world.case_a.pk])
    response = en_client_for(world.people.provider_a).get(url)
    assert response.status_code == 200
    assert 'id="help-plan-heading"' in response.content.decode()
    assert en_client_for(world.people.provider_b).get(url).status_code == 404
