"""Template tags for the identity section of the case page."""

from django import template

from dialoq.accounts import scoping
from dialoq.cases import privacy

register = template.Library()


@register.simple_tag(takes_context=True)
def identity_permissions(context, case):
    """Return whether the signed-in user may view and change the case's identity."""
    user = getattr(context.get("request"), "user", None)
    if user is None:
        return {"view": False, "change": False}
    return {
        "view": scoping.can_view_identity(user, case) and not case.anonymised_at,
        "change": privacy.may_change_identity(user, case),
    }
