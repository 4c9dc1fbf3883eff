"""Navigation entry of complaints: handlers go to the list, reporters to recording."""

from django import template
from django.urls import reverse

from dialoq.accounts import scoping as account_scoping
from dialoq.accounts.roles import Action
from dialoq.deviations import complaints, scoping

register = template.Library()


@register.inclusion_tag(
    "deviations/complaints/_navigation_item.html", takes_context=True
)
def complaint_navigation(context):
    """Return the entry "Beschwerden", with the complaints overdue for the handler."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    if account_scoping.has_permission(user, Action.HANDLE_COMPLAINTS):
        url = reverse("deviations:complaint_list")
        visible = scoping.visible_complaints(user)
        overdue = (
            complaints.overdue_acknowledgement(visible)
            | complaints.overdue_answer(visible)
        ).count()
    elif scoping.reportable_organisations(user):
        url, overdue = reverse("deviations:complaint_record"), 0
    else:
        return {"show": False}
    return {
        "show": True,
        "url": url,
        "current": request.path.startswith(reverse("deviations:complaint_list")),
        "overdue": overdue,
    }
