"""Dates, amounts and figures of agreements in the current language's formats."""

from datetime import date
from decimal import Decimal

from django.utils import formats

from dialoq.measures.formatting import NO_BREAK_SPACE, ValueFormat, format_number


def format_date(day: date | None) -> str:
    """Return a date as "01.01.2026" (German) or in the current language."""
    if day is None:
        return "–"
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def format_euro(amount: Decimal | None) -> str:
    """Return an amount as "1.234,50 €"."""
    if amount is None:
        return "–"
    return f"{format_number(amount, 2)}{NO_BREAK_SPACE}€"


def format_decimal(value: Decimal | None, decimals: int = 2) -> str:
    """Return a number without trailing zeros beyond the needed places: "4,5"."""
    if value is None:
        return "–"
    value = Decimal(value)
    places = max(0, min(decimals, -value.normalize().as_tuple().exponent))
    return format_number(value, places)


def indicator_figures(spec: dict) -> ValueFormat:
    """Return how the values of an indicator read, from its definition's data."""
    if spec.get("kind") == "change":
        return ValueFormat("percent", signed=True)
    return ValueFormat(spec.get("unit", "number"))
