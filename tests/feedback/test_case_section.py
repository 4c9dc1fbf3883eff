"""The feedback section of the case page: the case's links and the buttons."""

from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from tests.feedback.factories import (
    expire,
    make_goal_link,
    make_review,
    make_survey_link,
)


def _section(case, user):
    request = RequestFactory().get(case.get_absolute_url())
    request.user = user
    with translation.override("en"):
        return render_to_string(
            "feedback/_case_feedback_section.html", {"case": case}, request=request
        )


def test_section_lists_links_with_their_state(world):
    """Open, answered and expired links are listed with their state in words."""
    used, _token = make_goal_link(world.case_a)
    used.used_at = used.created_at
    used.save()
    old, _token = make_survey_link(world.case_a)
    expire(old)
    make_survey_link(world.case_a)
    html = _section(world.case_a, world.people.funder)
    assert "<caption>Links handed out to the beneficiary</caption>" in html
    assert html.count("<tr>") == 4  # head and three links
    assert ">answered (" in html
    assert ">expired<" in html
    assert ">handed out<" in html


def test_section_does_not_say_whether_a_survey_was_answered(world):
    """An answered survey link looks like an unanswered one: "handed out"."""
    answered, _token = make_survey_link(world.case_a)
    answered.used = True
    answered.save()
    html = _section(world.case_a, world.people.provider_a)
    assert ">handed out<" in html
    assert "answered" not in html.split("<tbody>")[1].split("</tbody>")[0]


def test_buttons_only_for_those_who_may_change_the_case(world):
    """Funder and provider A get the buttons; the auditor sees only the list."""
    review = make_review(world.case_a)
    goal_url = reverse(
        "feedback:create_goal_rating_link", args=[world.case_a.pk, review.pk]
    )
    survey_url = reverse("feedback:create_survey_link", args=[world.case_a.pk])
    for persona in ("funder", "provider_a"):
        html = _section(world.case_a, getattr(world.people, persona))
        assert f'action="{goal_url}"' in html, persona
        assert f'action="{survey_url}"' in html, persona
    html = _section(world.case_a, world.people.auditor)
    assert goal_url not in html and survey_url not in html
    assert "No link has been handed out" in html


def test_without_a_review_there_is_no_goal_rating_button(world):
    """A case without a review offers only the survey link."""
    html = _section(world.case_b, world.people.provider_b)
    assert "once a review has taken place" in html
    assert reverse("feedback:create_survey_link", args=[world.case_b.pk]) in html


def test_the_case_page_includes_the_section(world, client_for):
    """The case page shows the section with the buttons to its case workers."""
    response = client_for(world.people.provider_a).get(world.case_a.get_absolute_url())
    assert 'id="case-feedback-heading"' in response.text
    survey_url = reverse("feedback:create_survey_link", args=[world.case_a.pk])
    assert f'action="{survey_url}"' in response.text
