"""Navigation entry of the notifications with the number of unread ones."""

from django import template
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("notifications/_navigation_item.html", takes_context=True)
def notification_navigation(context):
    """Return the entry "Benachrichtigungen" with the count of unread notifications."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    url = reverse("notifications:list")
    return {
        "show": True,
        "url": url,
        "current": request.path.startswith(url),
        "unread": user.notifications.unread().count(),
    }
