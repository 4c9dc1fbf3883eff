from django import template
from django.urls import reverse

from dialoq.measures.formatting import format_number
from dialoq.self_assessment import access

register = template.Library()


@register.filter
def score(value, decimals=1):
    """Return a score in the current language's format, "–" if missing."""
    if value is None:
        return "–"
    decimals = 0 if float(value).is_integer() else int(decimals)
    return format_number(float(value), decimals)


@register.filter
def signed_score(value):
    """Return a difference with its sign ("+12,5", "−3"), "–" if missing."""
    if value is None:
        return "–"
    text = score(abs(value))
    if value > 0:
        return f"+{text}"
    if value < 0:
        return f"−{text}"
    return text


@register.inclusion_tag("self_assessment/navigation_item.html", takes_context=True)
def self_assessment_navigation(context):
    """Return the navigation entry for members of funders and providers."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    if not access.reading_organisations(user):
        return {"show": False}
    url = reverse("self_assessment:list")
    return {"show": True, "url": url, "current": request.path.startswith(url)}
