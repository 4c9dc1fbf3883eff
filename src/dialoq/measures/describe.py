"""An indicator definition in plain words, for readers who do not write definitions.

``describe(spec)`` turns a validated ``IndicatorSpec`` into a list of
``Statement`` (a topic and a sentence, in the active language): what is
counted, how the value is formed, which date places a record in a period, the
scale, unit and direction, reference range, minimum standard, target, minimum
cases, risk adjustment, strata, periods and units. Conditions are read back
with the fact columns' labels and the labels of their values, so
``closure_reason = 'planned'`` reads “reason for ending” is “Ended according
to the help plan”. A ``Statement`` prints as its sentence, so a template may
show ``{{ statement }}`` or ``{{ statement.topic }}: {{ statement.text }}``.
"""

from dataclasses import dataclass
from datetime import date
from functools import cache

from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from .conditions import FactSchema, _tokens
from .facts import FACTS
from .formatting import format_number, value_format
from .spec import IndicatorSpec, Measure


@dataclass(frozen=True)
class Statement:
    """One fact about a definition: its topic and a sentence."""

    topic: str
    text: str

    def __str__(self):
        return self.text


# Labels of the values of the fact columns that take fixed values.
FACT_STATUS_LABELS = {
    "referred": gettext_lazy("referred, help not yet started"),
    "open": gettext_lazy("help running"),
    "closed": gettext_lazy("closed"),
}
SCALE_LABELS = {
    "nominal": gettext_lazy("nominal (categories without order)"),
    "ordinal": gettext_lazy("ordinal (ordered levels: medians and shares only)"),
    "interval": gettext_lazy("interval (differences are meaningful)"),
    "ratio": gettext_lazy("ratio (with a true zero)"),
}
UNIT_LABELS = {
    "percent": gettext_lazy("percent"),
    "number": gettext_lazy("number"),
    "t_score": gettext_lazy("T-score (mean 50, standard deviation 10)"),
    "days": gettext_lazy("days"),
    "hours": gettext_lazy("hours"),
    "euro": gettext_lazy("euro"),
    "per_month": gettext_lazy("per month"),
    "ratio": gettext_lazy("ratio"),
    "persons": gettext_lazy("persons"),
}
DIRECTION_TEXTS = {
    "higher_is_better": gettext_lazy("Higher values are better."),
    "lower_is_better": gettext_lazy("Lower values are better."),
    "neither": gettext_lazy("Neither higher nor lower values are better as such."),
}
PERIOD_LABELS = {
    "month": gettext_lazy("months"),
    "quarter": gettext_lazy("quarters"),
    "year": gettext_lazy("calendar years"),
    "rolling12": gettext_lazy("rolling 12 months"),
}
UNIT_TYPE_LABELS = {
    "whole": gettext_lazy("all organisations together"),
    "funder": gettext_lazy("each funder"),
    "provider": gettext_lazy("each provider, per funder"),
    "service_type": gettext_lazy("each service type, per funder"),
    "team": gettext_lazy("each team of a provider"),
}
_COMPARISONS = {
    "=": gettext_lazy("%(column)s is %(value)s"),
    "!=": gettext_lazy("%(column)s is not %(value)s"),
    "<": gettext_lazy("%(column)s is less than %(value)s"),
    "<=": gettext_lazy("%(column)s is at most %(value)s"),
    ">": gettext_lazy("%(column)s is more than %(value)s"),
    ">=": gettext_lazy("%(column)s is at least %(value)s"),
}


@cache
def _value_labels() -> dict[str, dict[str, str]]:
    """Return the labels of fixed values, by column name."""
    from dialoq.accounts.models import Qualification
    from dialoq.accounts.roles import Role
    from dialoq.cases.models import (
        AgeBand,
        ClosureReason,
        HouseholdType,
        IntegrationOutcome,
        Perspective,
        Sex,
    )
    from dialoq.catalog.models import CodeBook, ServiceCategory, ServiceSetting
    from dialoq.feedback.survey import Aspect

    choices = {
        "closure_reason": ClosureReason,
        "integration_outcome": IntegrationOutcome,
        "perspective": Perspective,
        "sex": Sex,
        "age_band": AgeBand,
        "household_type": HouseholdType,
        "code_book": CodeBook,
        "category": ServiceCategory,
        "setting": ServiceSetting,
        "aspect": Aspect,
        "role": Role,
        "qualification": Qualification,
    }
    labels = {name: dict(kind.choices) for name, kind in choices.items()}
    labels["status"] = FACT_STATUS_LABELS
    return labels


def describe(spec: IndicatorSpec) -> list[Statement]:
    """Return the definition as statements in the active language."""
    statements = [*_what_is_counted(spec), _how_the_value_is_formed(spec)]
    if spec.kind not in {"ratio", "change"}:  # their measures name their dates
        statements.append(
            Statement(
                _("Period"),
                _("A record belongs to the period in which its %(date)s falls.")
                % {"date": _column_label(FACTS[spec.fact].schema, spec.period_date)},
            )
        )
    statements += [
        Statement(_("Scale level"), capfirst(str(SCALE_LABELS[spec.scale]))),
        Statement(_("Unit"), capfirst(str(UNIT_LABELS[spec.unit]))),
        Statement(_("Direction"), str(DIRECTION_TEXTS[spec.direction])),
        _reference(spec),
    ]
    figures = value_format(spec)
    if spec.minimum_standard is not None:
        template = (
            _("No unit should exceed %(value)s.")
            if spec.direction == "lower_is_better"
            else _("Every unit should reach at least %(value)s.")
        )
        statements.append(
            Statement(
                _("Minimum standard"),
                template % {"value": figures.value(spec.minimum_standard)},
            )
        )
    if spec.target is not None:
        statements.append(
            Statement(
                _("Target"),
                _("The agreed target is %(value)s.")
                % {"value": figures.value(spec.target)},
            )
        )
    statements.append(
        Statement(
            _("Minimum cases"),
            _("A result with fewer than %(n)s cases is not evaluable.")
            % {"n": formats.localize(spec.minimum_cases)},
        )
    )
    statements.append(_risk_adjustment(spec))
    if spec.strata:
        schema = FACTS[spec.fact].schema
        statements.append(
            Statement(
                _("Strata"),
                _("Shown separately for each value of %(column)s.")
                % {"column": _column_label(schema, spec.strata[0])},
            )
        )
    statements.append(
        Statement(
            _("Periods"),
            _("Results are given for %(periods)s.")
            % {"periods": _listing(PERIOD_LABELS, spec.periods)},
        )
    )
    statements.append(
        Statement(
            _("Units"),
            _("Results are given for %(units)s.")
            % {"units": _listing(UNIT_TYPE_LABELS, spec.units)},
        )
    )
    return statements


def describe_condition(text: str, schema: FactSchema) -> str:
    """Return a valid condition in words, with column and value labels."""
    tokens = _tokens(text)
    words: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.kind == "word":
            phrase, index = _comparison(tokens, index, schema)
            words.append(phrase)
            continue
        if token.kind == "keyword":
            words.append(
                {"and": _("and"), "or": _("or"), "not": _("not")}.get(
                    token.text, token.text
                )
            )
        elif token.text == "(":
            words.append("(")
        elif token.text == ")":
            words.append(")")
        index += 1
    return " ".join(words).replace("( ", "(").replace(" )", ")")


# --- what is counted and how ---------------------------------------------------


def _what_is_counted(spec: IndicatorSpec) -> list[Statement]:
    if spec.kind == "ratio":
        return [
            Statement(_("Numerator"), _measure(spec.numerator_measure)),
            Statement(_("Denominator"), _measure(spec.denominator_measure)),
        ]
    if spec.kind == "change":
        return [Statement(_("Measured"), _measure(spec.numerator_measure))]
    fact = FACTS[spec.fact]
    names = {
        "fact": fact.label,
        "description": _lower_first(str(fact.description)).rstrip("."),
    }
    if spec.population:
        names["condition"] = describe_condition(spec.population, fact.schema)
        text = _("Rows of “%(fact)s” (%(description)s) where %(condition)s.") % names
    else:
        text = _("All rows of “%(fact)s” (%(description)s).") % names
    statements = [Statement(_("Counted"), text)]
    if spec.numerator:
        statements.append(
            Statement(
                _("Numerator") if spec.kind == "rate" else _("Events"),
                _("Of these, those where %(condition)s.")
                % {"condition": describe_condition(spec.numerator, fact.schema)},
            )
        )
    return statements


def _how_the_value_is_formed(spec: IndicatorSpec) -> Statement:
    schema = FACTS[spec.fact].schema
    if spec.kind == "rate":
        text = _("The share of the counted rows that meet the numerator.")
    elif spec.kind == "mean":
        text = _("The mean of %(column)s over the counted rows.") % {
            "column": _column_label(schema, spec.value)
        }
    elif spec.kind == "median":
        text = _("The median of %(column)s over the counted rows.") % {
            "column": _column_label(schema, spec.value)
        }
    elif spec.kind == "count":
        text = _(
            "The number of events. Each one is a reason to look at the case "
            "(sentinel event)."
        )
    elif spec.kind == "oe":
        text = _(
            "The number of observed events divided by the number expected for "
            "the case mix (observed/expected). 1 means as many as expected; "
            "below 1 fewer, above 1 more."
        )
    elif spec.kind == "ratio":
        text = _("The numerator divided by the denominator.")
        if spec.multiplier != 1:
            text += " " + _("The quotient is multiplied by %(factor)s.") % {
                "factor": formats.localize(_plain_number(spec.multiplier))
            }
    else:
        text = _(
            "The relative change of the measured quantity against the same "
            "period one year earlier."
        )
    return Statement(_("Value"), text)


def _measure(measure: Measure) -> str:
    fact = FACTS[measure.fact]
    schema = fact.schema
    names = {
        "fact": fact.label,
        "column": _column_label(schema, measure.column) if measure.column else "",
        "date": _column_label(schema, measure.date),
        "end_date": (
            _column_label(schema, measure.end_date) if measure.end_date else ""
        ),
        "months": measure.min_months,
    }
    if measure.aggregate == "count":
        text = _("The number of rows of “%(fact)s”, dated by %(date)s") % names
    elif measure.aggregate == "sum":
        text = _("The sum of %(column)s in “%(fact)s”, dated by %(date)s") % names
    elif measure.aggregate == "mean":
        text = _("The mean of %(column)s in “%(fact)s”, dated by %(date)s") % names
    elif measure.aggregate == "stock" and measure.column:
        text = (
            _(
                "The average over the month-ends of %(column)s summed over the "
                "rows of “%(fact)s” open then (from %(date)s to %(end_date)s)"
            )
            % names
        )
    elif measure.aggregate == "stock":
        text = (
            _(
                "The average number of rows of “%(fact)s” open at the month-ends "
                "(from %(date)s to %(end_date)s)"
            )
            % names
        )
    else:
        text = (
            _(
                "The sum of %(column)s over every month in which a row of “%(fact)s” "
                "is open (from %(date)s to %(end_date)s)"
            )
            % names
        )
    if measure.min_months:
        text += ", " + _("counting only rows open for at least %(months)s months") % {
            "months": measure.min_months
        }
    if measure.condition:
        text += ", " + _("where %(condition)s") % {
            "condition": describe_condition(measure.condition, schema)
        }
    return text + "."


def _reference(spec: IndicatorSpec) -> Statement:
    reference = spec.reference
    topic = _("Reference range")
    if not reference.is_defined:
        return Statement(
            topic, _("None: results are shown but not evaluated against a range.")
        )
    if reference.type == "fixed":
        text = _("%(range)s (fixed).") % {
            "range": value_format(spec).range(reference.lower, reference.upper)
        }
    else:
        parts = []
        if reference.lower is not None:
            parts.append(
                _("below percentile %(p)s") % {"p": _percentile(reference.lower)}
            )
        if reference.upper is not None:
            parts.append(
                _("above percentile %(p)s") % {"p": _percentile(reference.upper)}
            )
        text = _(
            "A unit is conspicuous when its value lies %(where)s of the values "
            "of all comparable units with enough cases."
        ) % {"where": f" {_('or')} ".join(parts)}
    if spec.evaluation == "bayes":
        text += " " + _(
            "A result counts as conspicuous when the probability that its true "
            "value lies within the range is at most %(alpha)s."
        ) % {"alpha": format_number(spec.alpha * 100, 1) + "\u00a0%"}
    else:
        text += " " + _(
            "A result counts as conspicuous when its value lies outside the range."
        )
    return Statement(topic, text)


def _risk_adjustment(spec: IndicatorSpec) -> Statement:
    topic = _("Risk adjustment")
    if not spec.risk_covariates:
        return Statement(topic, _("None: results are compared as they are."))
    schema = FACTS[spec.fact].schema
    columns = ", ".join(_column_label(schema, name) for name in spec.risk_covariates)
    return Statement(
        topic,
        _("Expected events from a logistic regression on: %(columns)s.")
        % {"columns": columns},
    )


# --- conditions in words -------------------------------------------------------


def _comparison(tokens, index, schema) -> tuple[str, int]:
    """Return one comparison in words and the index of the token after it."""
    column = schema.column(tokens[index].text)
    label = _column_label(schema, column.name)
    index += 1
    token = tokens[index]
    if token.text == "is":
        negate = tokens[index + 1].text == "not"
        index += 3 if negate else 2
        if negate:
            return _("%(column)s is recorded") % {"column": label}, index
        return _("%(column)s is not recorded") % {"column": label}, index
    negate = token.text == "not"
    if negate:
        index += 1
    if tokens[index].text == "in":
        values, index = [], index + 2  # skip "in" and "("
        while tokens[index].text != ")":
            if tokens[index].text != ",":
                values.append(_value(column, tokens[index]))
            index += 1
        template = (
            _("%(column)s is none of %(values)s")
            if negate
            else _("%(column)s is one of %(values)s")
        )
        return template % {"column": label, "values": ", ".join(values)}, index + 1
    if tokens[index].text == "between":
        low, high = _value(column, tokens[index + 1]), _value(column, tokens[index + 3])
        text = _("%(column)s is between %(low)s and %(high)s") % {
            "column": label,
            "low": low,
            "high": high,
        }
        return text, index + 4
    op, value_token = tokens[index].text, tokens[index + 1]
    if column.type == "boolean" and op in {"=", "!="}:
        positive = (value_token.text == "true") == (op == "=")
        template = (
            _("%(column)s applies") if positive else _("%(column)s does not apply")
        )
        return template % {"column": label}, index + 2
    text = _COMPARISONS[op] % {"column": label, "value": _value(column, value_token)}
    return text, index + 2


def _value(column, token) -> str:
    if token.kind == "string":
        return _quoted(value_label(column.name, token.text[1:-1].replace("''", "'")))
    if token.kind == "date":
        literal = token.text[token.text.index("'") + 1 : -1]
        return formats.date_format(date.fromisoformat(literal), "SHORT_DATE_FORMAT")
    if token.text in {"true", "false"}:
        return _("yes") if token.text == "true" else _("no")
    return formats.localize(_plain_number(float(token.text)))


def value_label(column: str, value: str) -> str:
    """Return the label of a fixed value of a column, else the value itself."""
    label = _value_labels().get(column, {}).get(value)
    return str(label) if label else value


def _column_label(schema: FactSchema, name: str) -> str:
    column = schema.column(name)
    return _quoted(str(column.label or column.name))


def _quoted(text: str) -> str:
    return pgettext("quotation", "“%(text)s”") % {"text": text}


def _listing(labels, chosen) -> str:
    return "; ".join(str(labels[name]) for name in chosen)


def _percentile(value: float) -> str:
    return formats.localize(_plain_number(value))


def _plain_number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
