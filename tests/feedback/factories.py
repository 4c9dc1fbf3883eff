"""Builders for the feedback tests: help plans with goals, reviews, links, answers."""

from datetime import date, timedelta

from django.utils import timezone

from dialoq.cases.models import Goal, HelpPlan, Review
from dialoq.feedback.actions import (
    do_create_goal_rating_invitation,
    do_create_survey_invitation,
)
from dialoq.feedback.models import SurveyResponse
from dialoq.feedback.survey import ITEM_FIELDS


def make_review(case, *, goals=2, held_on=date(2026, 10, 1)):
    """Return a review of a new help plan of the case with the given number of goals."""
    version = case.help_plans.count() + 1
    plan = HelpPlan.objects.create(
        case=case,
        version=version,
        agreed_on=date(2026, 2, 1),
        next_review_due=held_on,
    )
    for number in range(1, goals + 1):
        Goal.objects.create(
            help_plan=plan,
            title=f"Aim {number} of plan {plan.pk}",
            level_0=f"Expected outcome {number}" if number == 1 else "",
        )
    return Review.objects.create(
        case=case, help_plan=plan, due_on=held_on, held_on=held_on
    )


def make_goal_link(case, user=None):
    """Return (invitation, token) of a goal-rating link for a new review of the case."""
    return do_create_goal_rating_invitation(make_review(case), user)


def make_survey_link(case, user=None):
    """Return (invitation, token) of a survey link for the case."""
    return do_create_survey_invitation(case, user)


def make_responses(case, count, *, period=date(2026, 7, 1), **answers):
    """Create anonymous responses for the case's provider, funder and service type."""
    values = dict.fromkeys(ITEM_FIELDS, 4) | answers
    return [
        SurveyResponse.objects.create(
            funder_id=case.funder_id,
            provider_id=case.provider_id,
            service_type_id=case.service_type_id,
            period=period,
            **values,
        )
        for _ in range(count)
    ]


def expire(invitation):
    """Move the invitation's expiry into the past."""
    invitation.expires_at = timezone.now() - timedelta(minutes=1)
    invitation.save(update_fields=["expires_at"])
