"""Writes of the feedback app: each use case one atomic function.

Goal ratings through a link are case data: they go into the case's history
and the access log in the same transaction. A survey answer is anonymous: it
writes nothing that names the case, and no time finer than the month.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dialoq.cases.audit import log_access, record_event
from dialoq.cases.models import (
    GAS_INSTRUMENT,
    AccessAction,
    CaseEventKind,
    GoalRating,
    Perspective,
)
from dialoq.feedback.models import (
    GoalRatingInvitation,
    InvitationState,
    SurveyInvitation,
    SurveyResponse,
    hash_token,
    new_token,
)


class LinkUnusable(Exception):
    """A one-time link that cannot be answered (any more), with the reason."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def goal_rating_link_refusal(review) -> str:
    """Return why no goal-rating link can be made for the review, or ""."""
    if not review.help_plan.goals.exists():
        return _("The help plan of this review has no goals to rate.")
    if review.ratings.filter(perspective=Perspective.BENEFICIARY).exists():
        return _("The beneficiary's view has already been recorded for this review.")
    return ""


def do_create_goal_rating_invitation(review, user):
    """Create a link for the review, replacing any open one; return it and its token."""
    token = new_token()
    with transaction.atomic():
        now = timezone.now()
        review.goal_rating_invitations.open(now).update(revoked_at=now)
        invitation = GoalRatingInvitation.objects.create(
            review=review, token_hash=hash_token(token), created_by=user
        )
        record_event(
            review.case,
            CaseEventKind.CHANGED,
            user,
            {"goal_rating_link_for_review_of": [None, review.held_on.isoformat()]},
        )
    return invitation, token


def do_record_beneficiary_ratings(invitation, levels):
    """Store the beneficiary's {goal: level} for the link's review; close the link."""
    with transaction.atomic():
        invitation = (
            GoalRatingInvitation.objects.select_for_update()
            .select_related("review__case__beneficiary")
            .get(pk=invitation.pk)
        )
        now = timezone.now()
        if invitation.state(now) != InvitationState.OPEN:
            raise LinkUnusable(invitation.state(now))
        review = invitation.review
        goal_ids = set(review.help_plan.goals.values_list("pk", flat=True))
        earlier = {
            rating.goal_id: rating.level
            for rating in review.ratings.filter(perspective=Perspective.BENEFICIARY)
        }
        changes = {}
        for goal, level in levels.items():
            if goal.pk not in goal_ids:
                raise ValueError("goal does not belong to the link's review")
            GoalRating.objects.update_or_create(
                review=review,
                goal=goal,
                perspective=Perspective.BENEFICIARY,
                defaults={
                    "level": level,
                    "instrument": GAS_INSTRUMENT,
                    "rated_by": None,
                    "rated_at": now,
                },
            )
            changes[f"goal_{goal.pk}"] = [earlier.get(goal.pk), level]
        invitation.used_at = now
        invitation.save(update_fields=["used_at"])
        case = review.case
        record_event(case, CaseEventKind.FEEDBACK_RECEIVED, None, changes)
        log_access(
            None,
            AccessAction.CHANGE_CASE,
            case,
            detail=f"beneficiary rated goals of review {review.pk} via one-time link",
        )


def do_create_survey_invitation(case, user):
    """Create a survey link for the case, replacing an open one; return it, token."""
    token = new_token()
    with transaction.atomic():
        case.survey_invitations.open().update(revoked=True)
        invitation = SurveyInvitation.objects.create(
            case=case,
            funder_id=case.funder_id,
            provider_id=case.provider_id,
            service_type_id=case.service_type_id,
            token_hash=hash_token(token),
        )
        valid_until = timezone.localdate(invitation.expires_at).isoformat()
        record_event(
            case,
            CaseEventKind.CHANGED,
            user,
            {"survey_link_valid_until": [None, valid_until]},
        )
    return invitation, token


def do_submit_survey_response(invitation, answers, free_text):
    """Store an anonymous answer and mark the link used; nothing links the two."""
    with transaction.atomic():
        invitation = SurveyInvitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.state() != InvitationState.OPEN:
            raise LinkUnusable(invitation.state())
        invitation.used = True
        invitation.save(update_fields=["used"])
        SurveyResponse.objects.create(
            funder_id=invitation.funder_id,
            provider_id=invitation.provider_id,
            service_type_id=invitation.service_type_id,
            period=timezone.localdate().replace(day=1),
            free_text=free_text,
            **answers,
        )
