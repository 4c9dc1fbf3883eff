"""The declarative definition of an indicator, validated before anything runs.

An indicator version stores its computable part as a small dictionary (JSON in
the database, TOML in the built-in catalogue), for example::

    fact = "cases"
    kind = "rate"
    period_date = "ended_on"
    population = "status = 'closed'"
    numerator = "planned_ending = true"
    scale = "nominal"
    unit = "percent"
    direction = "higher_is_better"
    reference = { type = "fixed", lower = 0.6 }
    target = 0.7
    minimum_cases = 5

``parse_spec`` checks every key against the fact's columns and the rules below
and returns an ``IndicatorSpec``; every problem is reported with the name of
the field and what to change. Conditions are compiled by
``dialoq.measures.conditions``; nothing is ever evaluated as code.

Kinds:

- ``rate``: share of the population rows that meet the numerator condition.
- ``mean`` / ``median``: of the ``value`` column over the population.
- ``count``: number of population rows that meet the numerator (sentinel).
- ``oe``: observed numerator events divided by the events expected from a
  logistic model on ``risk_covariates`` (risk adjustment).
- ``ratio``: ``numerator_measure`` ÷ ``denominator_measure`` × ``multiplier``,
  for example cost per reached goal or integrations per average stock.
- ``change``: relative change of ``numerator_measure`` against the same period
  one year earlier (the § 48a SGB II key figures K1 and K3).

A measure (for ``ratio`` and ``change``) aggregates one fact: ``count`` rows,
``sum``/``mean`` of a column, ``stock`` (the average over the month-ends of the
period of the rows open then, or of their ``column`` summed; rows are open
from ``date`` to ``end_date``, optionally only those open for at least
``min_months``), or ``stock_sum`` (the column summed over every month of the
period in which a row is open: benefits paid, K1).
"""

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from .conditions import DefinitionError, compile_condition

KINDS = ("rate", "mean", "median", "count", "oe", "ratio", "change")
SCALES = ("nominal", "ordinal", "interval", "ratio")
UNITS = (
    "percent",
    "number",
    "t_score",
    "days",
    "hours",
    "euro",
    "per_month",
    "ratio",
    "persons",
)
DIRECTIONS = ("higher_is_better", "lower_is_better", "neither")
AGGREGATES = ("count", "sum", "mean", "stock", "stock_sum")
PERIOD_TYPES = ("month", "quarter", "year", "rolling12")
UNIT_TYPES = ("whole", "funder", "provider", "service_type", "team")
EVALUATION_METHODS = ("bayes", "simple")
INTERVAL_METHODS = ("wilson", "clopper_pearson")
DEFAULT_MINIMUM_CASES = 5
DEFAULT_ALPHA = 0.05

_KEYS = {
    "fact",
    "kind",
    "period_date",
    "population",
    "numerator",
    "value",
    "numerator_measure",
    "denominator_measure",
    "multiplier",
    "scale",
    "unit",
    "direction",
    "reference",
    "minimum_standard",
    "target",
    "minimum_cases",
    "risk_covariates",
    "strata",
    "periods",
    "units",
    "evaluation",
    "alpha",
    "interval",
}
_MEASURE_KEYS = {
    "fact",
    "aggregate",
    "condition",
    "column",
    "date",
    "end_date",
    "min_months",
}


@dataclass(frozen=True)
class Measure:
    """One side of a ratio or the quantity of a change."""

    fact: str
    aggregate: str
    date: str
    condition: str = ""
    column: str | None = None
    end_date: str | None = None
    min_months: int | None = None


@dataclass(frozen=True)
class Reference:
    """A reference range: fixed bounds, or percentiles of all units' values."""

    type: str = "none"  # "none", "fixed" or "percentile"
    lower: float | None = None
    upper: float | None = None

    @property
    def is_defined(self) -> bool:
        return self.type != "none"


@dataclass(frozen=True)
class IndicatorSpec:
    """A validated indicator definition."""

    fact: str
    kind: str
    period_date: str
    scale: str
    unit: str
    direction: str
    population: str = ""
    numerator: str = ""
    value: str | None = None
    numerator_measure: Measure | None = None
    denominator_measure: Measure | None = None
    multiplier: float = 1.0
    reference: Reference = field(default_factory=Reference)
    minimum_standard: float | None = None
    target: float | None = None
    minimum_cases: int = DEFAULT_MINIMUM_CASES
    risk_covariates: tuple[str, ...] = ()
    strata: tuple[str, ...] = ()
    periods: tuple[str, ...] = PERIOD_TYPES
    units: tuple[str, ...] = UNIT_TYPES
    evaluation: str = "bayes"
    alpha: float = DEFAULT_ALPHA
    interval: str = "wilson"

    @property
    def is_proportion(self) -> bool:
        """Return whether values are shares between 0 and 1."""
        return self.kind == "rate"

    @property
    def facts(self) -> tuple[str, ...]:
        """Return the names of the facts this definition reads."""
        if self.kind in {"ratio", "change"}:
            measures = (self.numerator_measure, self.denominator_measure)
            return tuple(dict.fromkeys(m.fact for m in measures if m is not None))
        return (self.fact,)


def parse_spec(raw: Any) -> IndicatorSpec:
    """Validate a definition and return it, or raise ``DefinitionError``."""
    from .facts import FACTS  # the facts import the statistics, not the reverse

    if not isinstance(raw, dict):
        raise DefinitionError(_("A definition must be a set of named fields."))
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise DefinitionError(
            _("Unknown field(s): %(fields)s. Known fields: %(known)s.")
            % {"fields": ", ".join(unknown), "known": ", ".join(sorted(_KEYS))}
        )
    kind = _choice(raw, "kind", KINDS)
    fact_name = raw.get("fact")
    if kind in {"ratio", "change"}:
        numerator_measure = _measure(raw, "numerator_measure", FACTS)
        denominator_measure = (
            _measure(raw, "denominator_measure", FACTS) if kind == "ratio" else None
        )
        if kind == "change" and "denominator_measure" in raw:
            raise DefinitionError(
                _(
                    "A change compares one measure with the year before; "
                    "remove “denominator_measure”."
                )
            )
        fact_name = fact_name or numerator_measure.fact
        for name in ("population", "numerator", "value"):
            if raw.get(name):
                raise DefinitionError(
                    _(
                        "“%(field)s” is not used by a %(kind)s; describe the "
                        "measures instead."
                    )
                    % {"field": name, "kind": kind}
                )
    else:
        numerator_measure = denominator_measure = None
    fact = _fact(fact_name, FACTS)
    schema = fact.schema
    period_date = _text(raw, "period_date")
    if kind in {"ratio", "change"}:
        period_date = period_date or numerator_measure.date
    _date_column(schema, period_date, "period_date")

    population = _condition(raw, "population", schema, required=False)
    numerator = _condition(
        raw, "numerator", schema, required=kind in {"rate", "count", "oe"}
    )
    if kind in {"mean", "median"} and raw.get("numerator"):
        raise DefinitionError(
            _("A %(kind)s has no numerator; give the “value” column.") % {"kind": kind}
        )
    value = raw.get("value")
    scale = _choice(raw, "scale", SCALES)
    if kind in {"mean", "median"}:
        if not value:
            raise DefinitionError(
                _("A %(kind)s needs a “value”: the column to average.") % {"kind": kind}
            )
        column = schema.column(value)
        if column.type not in {"integer", "number"}:
            raise DefinitionError(
                _("The value “%(name)s” must be a number column.") % {"name": value}
            )
        if kind == "mean" and scale in {"nominal", "ordinal"}:
            raise DefinitionError(
                _(
                    "Ordinal and nominal values get medians and shares, never means: "
                    "use kind “median” or a rate."
                )
            )
        if kind == "median" and scale == "nominal":
            raise DefinitionError(
                _("Nominal values have no median: use a rate (a share).")
            )
    elif value:
        raise DefinitionError(_("Only a mean or a median takes a “value”."))

    risk_covariates = _names(raw, "risk_covariates", schema)
    if kind == "oe" and not risk_covariates:
        raise DefinitionError(
            _("A risk-adjusted ratio (oe) needs at least one risk covariate.")
        )
    if kind != "oe" and risk_covariates:
        raise DefinitionError(
            _("Risk covariates are used only by a risk-adjusted ratio (kind “oe”).")
        )
    strata = _names(raw, "strata", schema)
    if len(strata) > 1:
        raise DefinitionError(_("Stratify by one column at most."))
    for name in strata:
        if schema.column(name).type not in {"text", "boolean"}:
            raise DefinitionError(
                _("Strata must be text or yes/no columns; “%(name)s” is not.")
                % {"name": name}
            )
    if kind in {"ratio", "change"} and strata:
        raise DefinitionError(_("Ratios and changes cannot be stratified."))

    minimum_cases = raw.get("minimum_cases", DEFAULT_MINIMUM_CASES)
    if (
        not isinstance(minimum_cases, int)
        or isinstance(minimum_cases, bool)
        or not (1 <= minimum_cases <= 10_000)
    ):
        raise DefinitionError(
            _("“minimum_cases” must be a whole number from 1 to 10,000.")
        )
    alpha = _number(raw, "alpha", DEFAULT_ALPHA)
    if not 0 < alpha < 0.5:
        raise DefinitionError(_("“alpha” must lie between 0 and 0.5."))
    evaluation = _choice(raw, "evaluation", EVALUATION_METHODS, default=None)
    if evaluation is None:
        evaluation = "bayes" if kind in {"rate", "oe"} else "simple"
    if evaluation == "bayes" and kind not in {"rate", "oe"}:
        raise DefinitionError(
            _(
                "The Bayesian evaluation applies to rates and risk-adjusted ratios; "
                "use “simple” for a %(kind)s."
            )
            % {"kind": kind}
        )
    reference = _reference(raw.get("reference"), kind)
    periods = _subset(raw, "periods", PERIOD_TYPES)
    units = _subset(raw, "units", UNIT_TYPES)
    missing_units = sorted(set(units) - set(fact.unit_types))
    if missing_units and "units" in raw:
        raise DefinitionError(
            _("The fact “%(fact)s” has no unit type %(units)s.")
            % {"fact": fact.name, "units": ", ".join(missing_units)}
        )
    units = tuple(unit for unit in units if unit in fact.unit_types)
    multiplier = _number(raw, "multiplier", 1.0)
    if multiplier <= 0:
        raise DefinitionError(_("“multiplier” must be positive."))
    return IndicatorSpec(
        fact=fact.name,
        kind=kind,
        period_date=period_date,
        scale=scale,
        unit=_choice(raw, "unit", UNITS),
        direction=_choice(raw, "direction", DIRECTIONS),
        population=population,
        numerator=numerator,
        value=value or None,
        numerator_measure=numerator_measure,
        denominator_measure=denominator_measure,
        multiplier=multiplier,
        reference=reference,
        minimum_standard=_number(raw, "minimum_standard", None),
        target=_number(raw, "target", None),
        minimum_cases=minimum_cases,
        risk_covariates=risk_covariates,
        strata=strata,
        periods=periods,
        units=units,
        evaluation=evaluation,
        alpha=alpha,
        interval=_choice(raw, "interval", INTERVAL_METHODS, default="wilson"),
    )


def _fact(name, facts):
    if not name:
        raise DefinitionError(_("Name the fact table in “fact”."))
    if name not in facts:
        raise DefinitionError(
            _("Unknown fact “%(name)s”. Known facts: %(known)s.")
            % {"name": name, "known": ", ".join(sorted(facts))}
        )
    return facts[name]


def _text(raw, name):
    value = raw.get(name, "")
    if not isinstance(value, str):
        raise DefinitionError(_("“%(field)s” must be text.") % {"field": name})
    return value.strip()


def _choice(raw, name, choices, default=""):
    value = raw.get(name, default)
    if value is None and default is None:
        return None
    if value not in choices:
        if value in ("", None):
            message = _("“%(field)s” is missing; choose one of: %(choices)s.")
        else:
            message = _(
                "“%(value)s” is not allowed for “%(field)s”; choose one of: "
                "%(choices)s."
            )
        raise DefinitionError(
            message % {"field": name, "value": value, "choices": ", ".join(choices)}
        )
    return value


def _number(raw, name, default):
    value = raw.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DefinitionError(_("“%(field)s” must be a number.") % {"field": name})
    return float(value)


def _date_column(schema, name, field_name):
    if not name:
        raise DefinitionError(
            _("“%(field)s” is missing: the date that places a record in a period.")
            % {"field": field_name}
        )
    if schema.column(name).type != "date":
        raise DefinitionError(
            _("“%(field)s” must name a date column; “%(name)s” is not one.")
            % {"field": field_name, "name": name}
        )


def _condition(raw, name, schema, *, required):
    text = _text(raw, name)
    if not text:
        if required:
            raise DefinitionError(
                _("“%(field)s” is missing: the condition a record must meet.")
                % {"field": name}
            )
        return ""
    try:
        compile_condition(text, schema)
    except DefinitionError as error:
        raise DefinitionError(
            _("In “%(field)s”: %(error)s") % {"field": name, "error": error}
        ) from None
    return text


def _names(raw, name, schema):
    values = raw.get(name, [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise DefinitionError(
            _("“%(field)s” must be a list of column names.") % {"field": name}
        )
    for value in values:
        schema.column(value)
    return tuple(values)


def _subset(raw, name, allowed):
    values = raw.get(name, list(allowed))
    if not isinstance(values, list) or not values:
        raise DefinitionError(
            _("“%(field)s” must be a non-empty list.") % {"field": name}
        )
    unknown = [value for value in values if value not in allowed]
    if unknown:
        raise DefinitionError(
            _("Unknown value(s) in “%(field)s”: %(values)s. Allowed: %(allowed)s.")
            % {
                "field": name,
                "values": ", ".join(map(str, unknown)),
                "allowed": ", ".join(allowed),
            }
        )
    return tuple(value for value in allowed if value in values)


def _reference(raw, kind):
    if raw in (None, {}):
        return Reference()
    if not isinstance(raw, dict):
        raise DefinitionError(_("“reference” must be a set of named fields."))
    unknown = sorted(set(raw) - {"type", "lower", "upper"})
    if unknown:
        raise DefinitionError(
            _("Unknown field(s) in “reference”: %(fields)s.")
            % {"fields": ", ".join(unknown)}
        )
    kind_of_range = _choice(raw, "type", ("fixed", "percentile"))
    lower, upper = _number(raw, "lower", None), _number(raw, "upper", None)
    if lower is None and upper is None:
        raise DefinitionError(_("A reference range needs a lower or an upper bound."))
    if lower is not None and upper is not None and lower > upper:
        raise DefinitionError(
            _("The lower bound of the reference range must not exceed the upper.")
        )
    if kind_of_range == "percentile":
        for bound in (lower, upper):
            if bound is not None and not 0 < bound < 100:
                raise DefinitionError(
                    _("Percentiles of a reference range lie between 0 and 100.")
                )
    elif kind == "rate":
        for bound in (lower, upper):
            if bound is not None and not 0 <= bound <= 1:
                raise DefinitionError(
                    _(
                        "A rate's reference range is a share between 0 and 1 "
                        "(for example 0.6 for 60 %)."
                    )
                )
    return Reference(kind_of_range, lower, upper)


def _measure(raw, name, facts):
    value = raw.get(name)
    if not isinstance(value, dict):
        raise DefinitionError(
            _("“%(field)s” is missing: the fact, aggregate and date of the measure.")
            % {"field": name}
        )
    unknown = sorted(set(value) - _MEASURE_KEYS)
    if unknown:
        raise DefinitionError(
            _("Unknown field(s) in “%(measure)s”: %(fields)s.")
            % {"measure": name, "fields": ", ".join(unknown)}
        )
    fact = _fact(value.get("fact"), facts)
    schema = fact.schema
    aggregate = _choice(value, "aggregate", AGGREGATES)
    date = _text(value, "date")
    _date_column(schema, date, f"{name}.date")
    condition = _condition(value, "condition", schema, required=False)
    column = value.get("column")
    if aggregate in {"sum", "mean", "stock_sum"} or (aggregate == "stock" and column):
        if not column:
            raise DefinitionError(
                _("“%(measure)s” adds up a column: name it in “column”.")
                % {"measure": name}
            )
        if schema.column(column).type not in {"integer", "number"}:
            raise DefinitionError(
                _("“%(measure)s.column” must be a number column.") % {"measure": name}
            )
    elif column and aggregate != "stock":
        raise DefinitionError(
            _("“%(measure)s” counts rows and takes no “column”.") % {"measure": name}
        )
    end_date = value.get("end_date")
    min_months = value.get("min_months")
    if aggregate in {"stock", "stock_sum"}:
        if not end_date:
            raise DefinitionError(
                _(
                    "A stock in “%(measure)s” needs “end_date”: when a record "
                    "leaves the stock."
                )
                % {"measure": name}
            )
        _date_column(schema, end_date, f"{name}.end_date")
        if min_months is not None and (
            not isinstance(min_months, int) or not 1 <= min_months <= 120
        ):
            raise DefinitionError(
                _("“min_months” must be a whole number from 1 to 120.")
            )
    elif end_date or min_months is not None:
        raise DefinitionError(_("“end_date” and “min_months” belong to stocks only."))
    return Measure(
        fact=fact.name,
        aggregate=aggregate,
        date=date,
        condition=condition,
        column=column or None,
        end_date=end_date or None,
        min_months=min_months,
    )
