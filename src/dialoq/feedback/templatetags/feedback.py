"""The case page's feedback section: the case's links and who may make new ones."""

from django import template
from django.utils import timezone

from dialoq.accounts import scoping
from dialoq.feedback.models import GoalRatingInvitation

register = template.Library()


@register.simple_tag(takes_context=True)
def case_feedback(context, case):
    """Return the case's links with their states, the latest review, and rights."""
    now = timezone.now()
    goal_links = GoalRatingInvitation.objects.filter(review__case=case)
    survey_links = case.survey_invitations.all()
    return {
        "goal_links": [
            (link, link.state(now)) for link in goal_links.select_related("review")
        ],
        "survey_links": [(link, link.state_for_staff(now)) for link in survey_links],
        "latest_review": case.reviews.order_by("-held_on", "-pk").first(),
        "can_change": scoping.can_change_case(context["request"].user, case),
    }
