"""Stored indicator results built directly, for the screens that read them."""

from datetime import date

from django.utils import timezone

from dialoq.catalog.models import (
    IndicatorDefinition,
    IndicatorVersion,
    QualityCriterion,
    VersionStatus,
)
from dialoq.measures import statistics as st
from dialoq.measures.models import Result
from dialoq.measures.periods import Period, add_months, month_end

# The example of the definition format's docstring.
PLANNED_ENDINGS = {
    "fact": "cases",
    "kind": "rate",
    "period_date": "ended_on",
    "population": "status = 'closed'",
    "numerator": "planned_ending = true",
    "scale": "nominal",
    "unit": "percent",
    "direction": "higher_is_better",
    "reference": {"type": "fixed", "lower": 0.6},
    "target": 0.7,
    "minimum_cases": 5,
}
DATA_UNTIL = date(2026, 10, 31)
LATEST = Period("rolling12", date(2025, 11, 1), date(2026, 10, 31))


def rolling(months_back: int) -> Period:
    """Return the rolling twelve months ending the given months before LATEST."""
    end = month_end(add_months(LATEST.end, -months_back))
    return Period("rolling12", add_months(end, -11), end)


def make_criterion(key="ending", **fields):
    defaults = {
        "title": "Planmäßige Beendigung",
        "title_en": "Planned ending",
        "dimension": "outcome",
        "perspective": "use",
    }
    defaults.update(fields)
    criterion, _created = QualityCriterion.objects.get_or_create(
        key=key, defaults=defaults
    )
    return criterion


def make_indicator(key="planned_endings", *, spec=None, criterion=None, **fields):
    """Return an indicator version in force with the given definition."""
    definition = IndicatorDefinition.objects.create(
        key=key,
        criterion=criterion or make_criterion(),
        owner=fields.pop("owner", None),
    )
    defaults = {
        "version": 1,
        "status": VersionStatus.IN_FORCE,
        "title": "Beendigung gemäß Hilfeplan",
        "title_en": "Ended according to the help plan",
        "quality_goal": "Hilfen enden wie geplant.",
        "rationale": "Abbrüche schaden.",
        "spec": spec or PLANNED_ENDINGS,
    }
    defaults.update(fields)
    return IndicatorVersion.objects.create(definition=definition, **defaults)


def unit_key(unit_type, funder=None, provider=None, service_type=None, team=None):
    ids = (funder, provider, service_type, team)
    return ":".join([unit_type, *("" if o is None else str(o.pk) for o in ids)])


def make_result(
    version,
    unit_type,
    *,
    funder=None,
    provider=None,
    service_type=None,
    team=None,
    period=LATEST,
    cases,
    numerator=None,
    value=None,
    **fields,
):
    """Return a stored result; a rate's value and interval follow from its counts."""
    if value is None and numerator is not None:
        value = numerator / cases
        interval = st.rate_interval(int(numerator), cases)
        fields.setdefault("ci_lower", interval.lower)
        fields.setdefault("ci_upper", interval.upper)
    fields.setdefault(
        "reference_lower", 0.6 if version.parsed().kind == "rate" else None
    )
    fields.setdefault("evaluation", st.Evaluation.WITHIN_RANGE)
    return Result.objects.create(
        version=version,
        unit_type=unit_type,
        unit_key=unit_key(unit_type, funder, provider, service_type, team),
        funder=funder,
        provider=provider,
        service_type=service_type,
        team=team,
        period_type=period.type,
        period_start=period.start,
        period_end=period.end,
        cases=cases,
        numerator=numerator,
        denominator=cases if numerator is not None else None,
        value=value,
        computed_at=fields.pop("computed_at", timezone.now()),
        data_until=fields.pop("data_until", DATA_UNTIL),
        **fields,
    )


def add_funnel(results):
    """Store the funnel target and exact limits of compared rates, like the engine."""
    cases = [result.cases for result in results]
    target = sum(result.numerator for result in results) / sum(cases)
    limits = st.funnel_limits(target, cases, kind="proportion")
    for index, result in enumerate(results):
        result.funnel_target = target
        result.funnel_lower_95 = float(limits.lower_95[index])
        result.funnel_upper_95 = float(limits.upper_95[index])
        result.funnel_lower_998 = float(limits.lower_998[index])
        result.funnel_upper_998 = float(limits.upper_998[index])
        result.method = {
            "kind": "rate",
            "funnel": limits.method,
            "funnel_kind": "proportion",
            "funnel_target": round(target, 6),
            "adjustment": "none",
        }
        result.save()
    return target
