"""The evidence pack of a quality dialogue: what is gathered, once, and frozen.

``gather(dialogue)`` reads everything the partners discuss about the dialogue's
period and returns it as plain JSON data, aggregates only:

- the agreed indicators (all indicators in force with results for the pair if no
  agreement is in force): the pair's result of the twelve-month period that ends last
  within the dialogue's period, with interval, reference range and evaluation, the
  funder's other providers as unnamed peers, and the funnel plot and the course as
  SVG, drawn now;
- deviations of the pair that occurred (else: were detected) in the period: counts by
  source and status, open and overdue now; complaints received in the period: counts
  by category, status and outcome, never their text;
- the beneficiaries' survey answers of the period: respondents, shares and median per
  aspect, withheld below the disclosure threshold, no free text;
- the process standards flagged for review that concern the provider;
- the actions agreed at earlier dialogues and not yet reviewed, with their state.

Indicator figures pass the one disclosure policy as the provider sees them
(``disclosing(..., owned={provider})``): the pair's own figures in full, peers'
figures withheld where the pattern says so, and peers never named. Texts and charts
are written in German, the language of the partners' documents; numbers are stored as
numbers and formatted when shown.
"""

import math
from collections import Counter

from django.db.models import Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from dialoq.catalog.models import IndicatorVersion, QualityDimension
from dialoq.catalog.models import VersionStatus as IndicatorStatus
from dialoq.measures import dashboard
from dialoq.measures.dashboard import Figure
from dialoq.measures.disclosure import disclosing
from dialoq.measures.formatting import value_format
from dialoq.measures.models import Result
from dialoq.measures.periods import Period, add_months

from .models import ActionStatus, AgreedAction, DialogueStatus

FORMAT_VERSION = 1
PACK_LANGUAGE = "de"
TWELVE_MONTHS = ("year", "rolling12")
COURSE_MONTHS = 24


def gather(dialogue) -> dict:
    """Return the content of the dialogue's evidence pack as it is now."""
    with translation.override(PACK_LANGUAGE):
        return {
            "format": FORMAT_VERSION,
            "language": PACK_LANGUAGE,
            "dialogue": _dialogue_header(dialogue),
            "indicators": indicator_lines(dialogue),
            "deviations": deviation_counts(dialogue),
            "complaints": complaint_counts(dialogue),
            "feedback": feedback_summary(dialogue),
            "review_flags": review_flags(dialogue),
            "previous_actions": previous_actions(dialogue),
        }


def _iso(day) -> str | None:
    return day.isoformat() if day else None


def _number(value):
    """Return a finite number as float (JSON has no NaN), else None."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _dialogue_header(dialogue) -> dict:
    version = dialogue.agreement_version
    return {
        "funder": dialogue.funder.name,
        "provider": dialogue.provider.name,
        "period_start": _iso(dialogue.period_start),
        "period_end": _iso(dialogue.period_end),
        "planned_date": _iso(dialogue.planned_date),
        "agreement": str(version) if version else None,
    }


# --- Indicators -----------------------------------------------------------------


def _versions_and_targets(dialogue) -> list[tuple[IndicatorVersion, float | None]]:
    """Return the indicator versions to report, each with the target that applies."""
    if dialogue.agreement_version is not None:
        from dialoq.agreements.in_force import agreed_indicators

        terms = agreed_indicators(dialogue.agreement_version)
        pairs = [(t.version, t.target) for t in terms if t.version is not None]
    else:
        ids = (
            _pair_results(dialogue)
            .filter(version__status=IndicatorStatus.IN_FORCE)
            .values("version")
        )
        versions = IndicatorVersion.objects.filter(pk__in=ids)
        pairs = [(version, version.parsed().target) for version in versions]
    return sorted(
        pairs,
        key=lambda pair: (pair[0].definition.criterion.order, pair[0].definition.key),
    )


def _pair_results(dialogue):
    return Result.objects.filter(
        unit_type="provider",
        funder=dialogue.funder,
        provider=dialogue.provider,
        period_type__in=TWELVE_MONTHS,
        period_end__gte=dialogue.period_start,
        period_end__lte=dialogue.period_end,
    )


def _period_of(rows) -> Period | None:
    """Return the twelve-month period ending last; a calendar year before a window."""
    periods = {
        Period(row.period_type, row.period_start, row.period_end) for row in rows
    }
    if not periods:
        return None
    return max(periods, key=lambda p: (p.end, p.type == "year"))


def indicator_lines(dialogue) -> list[dict]:
    """Return one line per indicator and stratum, with peers and charts."""
    lines = []
    owned = frozenset({dialogue.provider_id})
    number = 0
    for version, target in _versions_and_targets(dialogue):
        version_rows = list(
            _pair_results(dialogue).filter(version=version).order_by("stratum")
        )
        period = _period_of(version_rows)
        if period is None:
            continue
        fmt = value_format(version.parsed())
        strata = sorted(
            {
                row.stratum
                for row in version_rows
                if (row.period_type, row.period_start) == (period.type, period.start)
            }
        )
        for stratum in strata:
            number += 1
            lines.append(
                _line(dialogue, version, target, period, stratum, fmt, owned, number)
            )
    return lines


def _line(dialogue, version, target, period, stratum, fmt, owned, number) -> dict:
    spec = version.parsed()
    peers = _peers(dialogue, version, period, stratum, fmt, owned)
    own = next(figure for figure in peers if figure.highlighted)
    course = _course(dialogue, version, period, stratum, fmt, owned)
    shown = own.shown
    criterion = version.definition.criterion
    return {
        "key": f"{version.pk}:{stratum}",
        "indicator": version.definition.key,
        "title": version.display_title,
        "criterion": criterion.title,
        "dimension": str(QualityDimension(criterion.dimension).label),
        "stratum": stratum,
        "stratum_label": dashboard.stratum_label(spec, stratum),
        "format": {"unit": fmt.unit, "signed": fmt.signed, "decimals": fmt.decimals},
        "period": {
            "type": period.type,
            "start": _iso(period.start),
            "end": _iso(period.end),
            "label": period.label(),
        },
        "cases": shown.cases,
        "numerator": _number(shown.numerator),
        "denominator": _number(shown.denominator),
        "value": _number(shown.value),
        "ci_lower": _number(shown.ci_lower),
        "ci_upper": _number(shown.ci_upper),
        "reference_lower": _number(shown.reference_lower),
        "reference_upper": _number(shown.reference_upper),
        "target": _number(target),
        "evaluation": shown.evaluation,
        "evaluation_label": own.evaluation_label,
        "funnel_position": own.funnel_position,
        "conspicuous": shown.evaluation == "conspicuous",
        "computed_at": formats.date_format(
            own.result.computed_at, "SHORT_DATETIME_FORMAT"
        ),
        "data_until": _iso(own.result.data_until),
        "peers": [_peer(figure) for figure in peers],
        "course": [
            {"period": figure.period_label, "value": _number(figure.number)}
            for figure in course
        ],
        "charts": {
            "funnel": str(dashboard.funnel_chart(version, peers, period, number)),
            "series": str(dashboard.series_chart(version, course, number)),
        },
    }


def _peer(figure: Figure) -> dict:
    return {
        "label": figure.label,
        "own": figure.highlighted,
        "suppressed": figure.suppressed,
        "note": figure.shown.note,
        "cases": figure.shown.cases,
        "value": _number(figure.number),
        "ci_lower": _number(figure.shown.ci_lower),
        "ci_upper": _number(figure.shown.ci_upper),
    }


def _peers(dialogue, version, period, stratum, fmt, owned) -> list[Figure]:
    """Return the funder's providers in the period, the pair's own one marked.

    Ordered as on the indicator page: shown units by cases, then the withheld
    ones; peers are numbered in this order and never named.
    """
    rows = Result.objects.filter(
        version=version,
        unit_type="provider",
        funder=dialogue.funder,
        period_type=period.type,
        period_start=period.start,
        stratum=stratum,
    ).order_by("unit_key")
    figures = [Figure(shown, fmt) for shown in disclosing(list(rows), owned=owned)]
    figures.sort(key=lambda f: (f.suppressed, f.shown.cases or 0, f.result.unit_key))
    number = 0
    for figure in figures:
        if figure.result.provider_id == dialogue.provider_id:
            figure.label = dialogue.provider.short_name or dialogue.provider.name
            figure.highlighted = True
        else:
            number += 1
            figure.label = _("Provider %(number)d") % {"number": number}
    return figures


def _course(dialogue, version, period, stratum, fmt, owned) -> list[Figure]:
    rows = Result.objects.filter(
        version=version,
        unit_type="provider",
        funder=dialogue.funder,
        provider=dialogue.provider,
        period_type=period.type,
        stratum=stratum,
        period_end__lte=period.end,
        period_end__gt=add_months(period.end, -COURSE_MONTHS),
    ).order_by("period_start")
    return [Figure(shown, fmt) for shown in disclosing(list(rows), owned=owned)]


# --- Deviations, complaints, feedback, review flags --------------------------------


def _in_period(dialogue, field: str) -> Q:
    return Q(
        **{
            f"{field}__date__gte": dialogue.period_start,
            f"{field}__date__lte": dialogue.period_end,
        }
    )


def _counted(pairs, labels_a, labels_b) -> list[dict]:
    """Return counts of (a, b) pairs as rows of a table, in the choices' order."""
    counts = Counter(pairs)
    rows = []
    for a, a_label in labels_a:
        row = {b: counts.get((a, b), 0) for b, _label in labels_b}
        total = sum(row.values())
        if total:
            rows.append(
                {"key": a, "label": str(a_label), "counts": row, "total": total}
            )
    return rows


def deviation_counts(dialogue) -> dict:
    from dialoq.deviations.models import (
        Deviation,
        DeviationSource,
        DeviationStatus,
    )

    pair = Deviation.objects.filter(funder=dialogue.funder, provider=dialogue.provider)
    # A breach found by monitoring counts in the period it occurred in.
    in_period = Q(
        occurred_on__gte=dialogue.period_start, occurred_on__lte=dialogue.period_end
    ) | (Q(occurred_on__isnull=True) & _in_period(dialogue, "detected_at"))
    detected = pair.filter(in_period)
    states = [("open", _("open")), ("closed", _("closed"))]
    pairs = [
        (source, "closed" if status == DeviationStatus.CLOSED else "open")
        for source, status in detected.values_list("source", "status")
    ]
    return {
        "columns": [{"key": key, "label": str(label)} for key, label in states],
        "by_source": _counted(pairs, DeviationSource.choices, states),
        "detected": len(pairs),
        "open_now": pair.open().count(),
        "overdue_now": pair.overdue().count(),
    }


def complaint_counts(dialogue) -> dict:
    from dialoq.deviations.models import (
        Complaint,
        ComplaintCategory,
        ComplaintOutcome,
        ComplaintStatus,
    )

    received = Complaint.objects.filter(
        _in_period(dialogue, "received_at"),
        funder=dialogue.funder,
        provider=dialogue.provider,
    )
    rows = list(received.values_list("category", "status", "outcome"))
    statuses = [(key, str(label)) for key, label in ComplaintStatus.choices]
    outcomes = Counter(outcome for _c, _s, outcome in rows if outcome)
    return {
        "columns": [{"key": key, "label": label} for key, label in statuses],
        "by_category": _counted(
            [(category, status) for category, status, _o in rows],
            ComplaintCategory.choices,
            statuses,
        ),
        "received": len(rows),
        "outcomes": [
            {"label": str(label), "count": outcomes[key]}
            for key, label in ComplaintOutcome.choices
            if outcomes[key]
        ],
    }


def feedback_summary(dialogue) -> dict:
    """Return the survey answers of the period per aspect, withheld below threshold."""
    from dialoq.feedback.models import SurveyResponse
    from dialoq.feedback.results import aspect_result, min_responses
    from dialoq.feedback.survey import ITEMS, Aspect

    fields = [item.field for item in ITEMS]
    rows = list(
        SurveyResponse.objects.filter(
            funder=dialogue.funder,
            provider=dialogue.provider,
            period__gte=dialogue.period_start.replace(day=1),
            period__lte=dialogue.period_end,
        ).values(*fields)
    )
    minimum = min_responses()
    if len(rows) < minimum:
        return {"suppressed": True, "minimum": minimum, "aspects": []}
    aspects = []
    for aspect in Aspect:
        result = aspect_result(aspect, rows)
        aspects.append(
            {
                "label": str(aspect.label),
                "suppressed": result.suppressed,
                "respondents": result.respondents,
                "median": str(result.median.label) if result.median else None,
                "agree_share": _number(result.agree_share),
                "partly_share": _number(result.partly_share),
                "disagree_share": _number(result.disagree_share),
            }
        )
    return {
        "suppressed": False,
        "minimum": minimum,
        "respondents": len(rows),
        "aspects": aspects,
    }


def review_flags(dialogue) -> list[dict]:
    """Return the standards flagged for review that concern the provider."""
    from dialoq.deviations.review import open_review_flags

    flags = []
    for flag in open_review_flags(dialogue.funder, dialogue.provider):
        own = next(
            (
                entry
                for entry in flag.evidence.get("providers", [])
                if entry.get("provider_id") == dialogue.provider_id
            ),
            {},
        )
        flags.append(
            {
                "key": str(flag.pk),
                "standard": flag.standard_version.display_title,
                "status": flag.get_status_display(),
                "raised_on": _iso(flag.raised_at.date()),
                "breach_rate": _number(flag.breach_rate),
                "cases_checked": flag.cases_checked,
                "providers_with_breach": flag.providers_with_breach,
                "own_breach_rate": _number(own.get("breach_rate")),
                "own_cases_checked": own.get("cases_checked"),
            }
        )
    return flags


def actions_to_review(dialogue):
    """Return the actions agreed at the pair's earlier dialogues, not yet reviewed."""
    return (
        AgreedAction.objects.filter(
            dialogue__funder=dialogue.funder,
            dialogue__provider=dialogue.provider,
            dialogue__status=DialogueStatus.MINUTES_APPROVED,
        )
        .filter(Q(reviewed_in__isnull=True) | Q(reviewed_in=dialogue))
        .exclude(dialogue=dialogue)
        .select_related("dialogue", "owner", "owner_organisation")
        .order_by("dialogue__planned_date", "number")
    )


def previous_actions(dialogue) -> list[dict]:
    return [
        {
            "key": str(action.pk),
            "dialogue": formats.date_format(
                action.dialogue.held_on or action.dialogue.planned_date,
                "SHORT_DATE_FORMAT",
            ),
            "number": action.number,
            "description": action.description,
            "owner": action.owner.get_full_name() or action.owner.get_username(),
            "organisation": action.owner_organisation.name,
            "due_on": _iso(action.due_on),
            "effectiveness_check": action.effectiveness_check,
            "status": action.get_status_display(),
            "done": action.status == ActionStatus.DONE,
            "done_on": _iso(action.done_on),
            "overdue": action.status == ActionStatus.OPEN
            and action.due_on < timezone.localdate(),
        }
        for action in actions_to_review(dialogue)
    ]
