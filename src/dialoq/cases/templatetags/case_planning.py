"""Template helpers for help plans, goals and reviews."""

from django import template
from django.utils.formats import number_format

from dialoq.cases import planning
from dialoq.cases.planning_forms import LEVEL_WORDS, signed

register = template.Library()


@register.simple_tag
def planning_summary(case, user):
    """Return the help plan, reviews and needs of a case for its case page."""
    return planning.planning_summary(case, user)


@register.filter
def gas_level(level):
    """Show a GAS level with its sign: −2, −1, 0, +1, +2; "–" if not rated."""
    return signed(level)


@register.filter
def gas_level_words(level):
    """Return what a GAS level means, e.g. "more than expected"."""
    return LEVEL_WORDS.get(level, "")


@register.filter
def signed_number(value):
    """Show a change with its sign, localised: +2 / −1 / 0 or, for a mean, +1,5."""
    if value is None:
        return "–"
    decimals = 0 if isinstance(value, int) else 1
    text = number_format(round(abs(value), decimals), decimal_pos=decimals)
    if round(value, decimals) == 0:
        return text
    return f"+{text}" if value > 0 else f"−{text}"
