"""Template filters for the evidence pack (numbers stored as numbers, formatted in
the current language) and the navigation entry."""

from datetime import date

from django import template
from django.urls import reverse
from django.utils import formats

from dialoq.measures.formatting import NO_BREAK_SPACE, ValueFormat, format_number

from .. import access

register = template.Library()


def _format(line) -> ValueFormat:
    return ValueFormat(**line["format"])


@register.filter
def figure(value, line):
    """Return a value of an indicator line in its unit: "73,4 %"."""
    return _format(line).value(value)


@register.filter
def interval(item, line):
    """Return the confidence interval of a line or peer: "70,1 % – 76,5 %"."""
    return _format(line).interval(item["ci_lower"], item["ci_upper"])


@register.filter
def reference_range(line):
    return _format(line).range(line["reference_lower"], line["reference_upper"])


@register.filter
def share(value):
    """Return a share between 0 and 1 as a percentage: "42,0 %"; "–" if missing."""
    if value is None:
        return "–"
    return f"{format_number(value * 100, 1)}{NO_BREAK_SPACE}%"


@register.filter
def count(value):
    return "–" if value is None else format_number(value, 0)


@register.filter
def isodate(value):
    """Return an ISO date of the pack as "31.12.2025"; "–" if missing."""
    if not value:
        return "–"
    return formats.date_format(date.fromisoformat(value), "SHORT_DATE_FORMAT")


@register.filter
def lookup(mapping, key):
    return mapping.get(key, 0)


@register.inclusion_tag("dialogues/navigation_item.html", takes_context=True)
def dialogues_navigation(context):
    """Return the navigation entry for members of funders and providers."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    if not access.reading_organisations(user):
        return {"show": False}
    url = reverse("dialogues:list")
    return {"show": True, "url": url, "current": request.path.startswith(url)}
