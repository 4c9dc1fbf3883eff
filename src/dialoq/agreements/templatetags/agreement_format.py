"""Template filters for figures of agreements, in the current language's format."""

from django import template
from django.urls import reverse

from dialoq.agreements.formatting import format_date, format_decimal, format_euro

register = template.Library()


@register.filter
def euro(amount):
    """Return an amount as "61,20 €"."""
    return format_euro(amount)


@register.filter
def figure(value, decimals=2):
    """Return a number with at most the given decimals: "4,5"."""
    return format_decimal(value, int(decimals))


@register.filter
def day(value):
    """Return a date as "01.01.2026", or "–"."""
    return format_date(value)


@register.inclusion_tag("agreements/_navigation_item.html", takes_context=True)
def agreements_navigation(context):
    """Return the navigation entry for those who read agreements."""
    from dialoq.agreements.services import may_read_agreements

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not may_read_agreements(user):
        return {"show": False}
    url = reverse("agreements:list")
    return {"show": True, "url": url, "current": request.path.startswith(url)}
