"""Navigation entry of the register and the badge of open deviations on a case page."""

from django import template
from django.urls import reverse

from dialoq.accounts import scoping as account_scoping
from dialoq.accounts.roles import Action
from dialoq.deviations.scoping import visible_deviations

register = template.Library()


@register.inclusion_tag("deviations/_navigation_item.html", takes_context=True)
def deviation_navigation(context):
    """Return the entry "Abweichungen" with the count of open ones that are mine."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    if not account_scoping.has_permission(user, Action.VIEW_DEVIATIONS):
        return {"show": False}
    url = reverse("deviations:register")
    return {
        "show": True,
        "url": url,
        "current": request.path.startswith(url),
        "count": visible_deviations(user).open().filter(owner=user).count(),
    }


@register.inclusion_tag("deviations/_case_badge.html", takes_context=True)
def open_deviations_badge(context, case):
    """Return the number of open deviations of the case the user may see."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"count": 0}
    count = visible_deviations(user).open().filter(case=case).count()
    return {
        "count": count,
        "url": f"{reverse('deviations:register')}?case={case.pk}&status=open",
    }
