"""The figures of the indicator screens: disclosed, formatted, drawn.

Every result read here passes the disclosure policy before it is shown:
suppressed figures keep only their note ("< 5 cases"), never a number. The
dashboard shows each indicator in force for one view and period with a
trend; the indicator page compares the view's unit with its peers (funnel
plot) and follows it over time.
"""

from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext as _

from dialoq.accounts import scoping
from dialoq.catalog.models import IndicatorVersion, QualityDimension, VersionStatus

from . import charts
from . import statistics as st
from .describe import value_label
from .disclosure import Disclosed, disclose
from .facts import FACTS
from .formatting import ValueFormat, format_number, value_format
from .models import Result
from .periods import Period, add_months
from .selection import Sight, View, unit_label, unit_names

TREND_MONTHS = 12
FUNNEL_CURVE_POINTS = 60
EVALUATION_SYMBOLS = {
    st.Evaluation.WITHIN_RANGE: "✓",
    st.Evaluation.CONSPICUOUS: "!",
    st.Evaluation.NOT_EVALUABLE: "–",
    st.Evaluation.NO_RANGE: "○",
}


@dataclass
class Figure:
    """One result as the user may see it, with the texts the screens show.

    The numbers are read from the disclosure policy's answer (``shown``),
    which leaves them empty when the result is withheld; then only the note
    says why ("not shown: protects small numbers").
    """

    shown: Disclosed
    value_format: ValueFormat
    label: str = ""
    highlighted: bool = False

    @property
    def result(self) -> Result:
        """Return the stored result: for its unit, period and dates only."""
        return self.shown.result

    @property
    def suppressed(self) -> bool:
        return self.shown.suppressed

    @property
    def number(self) -> float | None:
        return self.shown.value

    @property
    def value(self) -> str:
        if self.suppressed:
            return self.shown.note
        return self.value_format.value(self.shown.value)

    @property
    def interval(self) -> str:
        return self.value_format.interval(self.shown.ci_lower, self.shown.ci_upper)

    @property
    def cases(self) -> str:
        return "–" if self.suppressed else format_number(self.shown.cases, 0)

    @property
    def reference_range(self) -> str:
        shown = self.shown
        return self.value_format.range(shown.reference_lower, shown.reference_upper)

    @property
    def evaluation(self) -> str | None:
        """Return the evaluation, or None for a withheld figure."""
        return None if self.suppressed else self.shown.evaluation

    @property
    def evaluation_label(self) -> str:
        return str(st.Evaluation(self.evaluation).label) if self.evaluation else "–"

    @property
    def evaluation_symbol(self) -> str:
        return EVALUATION_SYMBOLS.get(self.evaluation, "")

    @property
    def funnel_limits(self) -> str:
        shown = self.shown
        return self.value_format.interval(shown.funnel_lower_95, shown.funnel_upper_95)

    @property
    def funnel_position(self) -> str:
        """Return where the value lies against the control limits, in words."""
        shown = self.shown
        if shown.value is None or shown.funnel_lower_95 is None:
            return "–"
        if not shown.funnel_lower_998 <= shown.value <= shown.funnel_upper_998:
            return _("outside the 99.8 % limits")
        if not shown.funnel_lower_95 <= shown.value <= shown.funnel_upper_95:
            return _("outside the 95 % limits")
        return _("within the 95 % limits")

    @property
    def as_of(self) -> str:
        """Return when the figure was computed and up to which day its data reach."""
        return _("computed %(computed)s, data up to %(until)s") % {
            "computed": formats.date_format(
                self.result.computed_at, "SHORT_DATETIME_FORMAT"
            ),
            "until": formats.date_format(self.result.data_until, "SHORT_DATE_FORMAT"),
        }

    @property
    def period_label(self) -> str:
        result = self.result
        return Period(
            result.period_type, result.period_start, result.period_end
        ).label()


def disclosed(results, user, formats_by_version) -> list[Figure]:
    """Return the results as figures after the disclosure policy, in their order."""
    return [
        Figure(shown, formats_by_version[shown.result.version_id])
        for shown in disclose(results, user)
    ]


def results_in_force(user):
    """Return the results the user may see of the indicator versions in force."""
    return Result.objects.visible_to(user).filter(
        version__status=VersionStatus.IN_FORCE
    )


def versions_in_force(user, results) -> list[IndicatorVersion]:
    """Return the versions in force the user may know of, in catalogue order.

    Built-in indicators, those owned by organisations whose figures the user
    sees, and those whose results the user sees.
    """
    organisations = scoping.aggregate_organisations(user).values("pk")
    return list(
        IndicatorVersion.objects.filter(status=VersionStatus.IN_FORCE)
        .filter(
            Q(definition__owner__isnull=True)
            | Q(definition__owner__in=organisations)
            | Q(pk__in=results.values("version"))
        )
        .select_related("definition__criterion")
        .order_by("definition__criterion__order", "definition__key")
    )


@dataclass
class IndicatorLine:
    """One indicator (or one stratum of it) on the dashboard: figure and trend."""

    version: IndicatorVersion
    figure: Figure | None
    trend: list[Figure]
    stratum: str = ""
    number: int = 0  # keeps the ids of the charts on a page apart

    @cached_property
    def spec(self):
        return self.version.parsed()

    @cached_property
    def value_format(self) -> ValueFormat:
        return value_format(self.spec)

    @property
    def stratum_label(self) -> str:
        return stratum_label(self.spec, self.stratum)

    @property
    def target(self) -> str:
        return self.value_format.value(self.spec.target)

    @cached_property
    def sparkline(self) -> str:
        """Return the trend as a sparkline, or "" with fewer than two periods."""
        if len(self.trend) < 2:
            return ""
        title = _("Trend of %(indicator)s") % {
            "indicator": " – ".join(
                filter(None, [self.version.display_title, self.stratum_label])
            )
        }
        return charts.sparkline(
            [figure.number for figure in self.trend],
            text=charts.ChartText(
                f"trend-{self.number}", title, _series_description(self.trend)
            ),
        )


@dataclass
class CriterionLines:
    criterion: object
    lines: list[IndicatorLine]


@dataclass
class DimensionLines:
    label: str
    criteria: list[CriterionLines]


def dashboard_lines(user, results, view: View, period: Period):
    """Return the indicators in force by dimension and criterion, with figures.

    A stratified indicator has one line per stratum.
    """
    versions = versions_in_force(user, results)
    formats_by_version = {v.pk: value_format(v.parsed()) for v in versions}
    window = results.filter(
        version__in=formats_by_version,
        unit_key=view.key,
        period_type=period.type,
        period_end__gte=add_months(period.end, -TREND_MONTHS + 1),
        period_end__lte=period.end,
    ).order_by("stratum", "period_start")
    trends = defaultdict(lambda: defaultdict(list))
    for figure in disclosed(window, user, formats_by_version):
        trends[figure.result.version_id][figure.result.stratum].append(figure)
    dimensions = {
        value: DimensionLines(str(label), [])
        for value, label in QualityDimension.choices
    }
    criteria: dict[int, CriterionLines] = {}
    number = 0
    for version in versions:
        criterion = version.definition.criterion
        if criterion.pk not in criteria:
            criteria[criterion.pk] = CriterionLines(criterion, [])
            dimensions[criterion.dimension].criteria.append(criteria[criterion.pk])
        for stratum, trend in (trends[version.pk] or {"": []}).items():
            number += 1
            current = next(
                (f for f in trend if f.result.period_start == period.start), None
            )
            criteria[criterion.pk].lines.append(
                IndicatorLine(version, current, trend, stratum, number)
            )
    return [dimension for dimension in dimensions.values() if dimension.criteria]


def stratum_label(spec, stratum: str) -> str:
    """Return a stratum in words, e.g. "perspective: funder"; "" for all."""
    if not stratum or not spec.strata:
        return ""
    column = FACTS[spec.fact].schema.column(spec.strata[0])
    if stratum in {"true", "false"}:
        value = _("yes") if stratum == "true" else _("no")
    else:
        value = value_label(column.name, stratum)
    return f"{column.label or column.name}: {value}"


@dataclass
class Panel:
    """One stratum (or all cases) on the indicator page: comparison and course."""

    stratum_label: str
    compared: list[Figure]
    funnel: str
    course: list[Figure]
    series_chart: str


def indicator_panels(user, version, results, selection, sight: Sight) -> list[Panel]:
    """Return the comparison and course of the chosen view, one panel per stratum."""
    spec = version.parsed()
    formats_by_version = {version.pk: value_format(spec)}
    view, period = selection.view, selection.period
    panels = []
    for number, stratum in enumerate(strata_of(results, view, period), start=1):
        compared = comparison(
            user, results, view, period, stratum, sight, formats_by_version
        )
        course = series(user, results, view, period.type, stratum, formats_by_version)
        panels.append(
            Panel(
                stratum_label(spec, stratum),
                compared,
                funnel_chart(version, compared, period, number),
                course,
                series_chart(version, course, number),
            )
        )
    return panels


def comparison(user, results, view, period, stratum, sight, formats_by_version):
    """Return the figures of the units compared with the view, with their labels.

    The shown units come first, by their cases (the x axis), then the
    withheld ones in an order that says nothing about their size. Units the
    user may not name are numbered in this order ("Provider 1", …), never by
    name or value; the table keeps it: no ranking. The view's unit is marked.
    """
    unit_type, parent = view.comparison
    rows = results.filter(
        unit_type=unit_type,
        period_type=period.type,
        period_start=period.start,
        stratum=stratum,
    )
    for column, value in parent.items():
        rows = rows.filter(**{column: value} if value else {f"{column}__isnull": True})
    compared = disclosed(rows, user, formats_by_version)
    compared.sort(key=lambda f: (f.suppressed, f.shown.cases or 0, f.result.unit_key))
    names = unit_names(
        [
            (f.result.unit_type, f.result.unit_key, *_unit_ids(f.result))
            for f in compared
        ]
    )
    unnamed = {
        "funder": _("Funder %(number)d"),
        "team": _("Team %(number)d"),
    }.get(unit_type, _("Provider %(number)d"))
    number = 0
    for figure in compared:
        result = figure.result
        if sight.may_name(result.unit_type, result.funder_id, result.provider_id):
            figure.label = unit_label(
                result.unit_type, _unit_ids(result), names, short=True
            )
        else:
            number += 1
            figure.label = unnamed % {"number": number}
        figure.highlighted = result.unit_key == view.key
    return compared


def series(user, results, view, period_type, stratum, formats_by_version):
    """Return the view's figures of one period type and stratum, oldest first."""
    rows = results.filter(unit_key=view.key, period_type=period_type, stratum=stratum)
    return disclosed(rows.order_by("period_start"), user, formats_by_version)


def strata_of(results, view: View, period: Period) -> list[str]:
    """Return the strata of the view's results in the period ("" alone if none)."""
    strata = (
        results.filter(
            unit_key=view.key, period_type=period.type, period_start=period.start
        )
        .order_by("stratum")
        .values_list("stratum", flat=True)
        .distinct()
    )
    return list(strata) or [""]


def funnel_chart(version, compared: list[Figure], period: Period, number=0) -> str:
    """Return the funnel plot of the compared units that may be shown."""
    spec = version.parsed()
    shown = [figure for figure in compared if figure.number is not None]
    by_expected = spec.kind == "oe"
    points = [
        charts.FunnelPoint(
            cases=_precision(figure.shown, by_expected),
            value=figure.number,
            label=figure.label,
            highlighted=figure.highlighted,
        )
        for figure in shown
    ]
    centre = next(
        (f.shown.funnel_target for f in shown if f.shown.funnel_target is not None),
        None,
    )
    title = _("Comparison for %(indicator)s, %(period)s") % {
        "indicator": version.display_title,
        "period": period.label(),
    }
    x_label = _("expected events") if by_expected else _("cases")
    if centre is None:
        description = _(
            "Each point is a unit, placed by its %(x)s and its value; the line is "
            "the target. %(count)d units shown; the table below gives the same "
            "figures."
        )
    else:
        description = _(
            "Funnel plot: each point is a unit, placed by its %(x)s and its value; "
            "the lines are the overall value and the 95 %% and 99.8 %% control "
            "limits. %(count)d units shown; the table below gives the same figures."
        )
    description %= {"x": x_label, "count": len(points)}
    return charts.funnel_plot(
        points,
        limit_curve(shown, by_expected),
        target=spec.target if centre is None else centre,
        target_label=None if centre is None else _("overall value"),
        text=charts.ChartText(f"funnel-{number}", title, description),
        value_format=value_format(spec),
        x_label=x_label,
    )


def series_chart(version, figures: list[Figure], number=0) -> str:
    """Return the view's values over time with interval, target and range."""
    spec = version.parsed()
    ranged = [
        figure.shown
        for figure in figures
        if figure.shown.reference_lower is not None
        or figure.shown.reference_upper is not None
    ]
    latest = ranged[-1] if ranged else None
    points = [
        charts.SeriesPoint(
            label=_short_period_label(figure.result),
            value=figure.number,
            lower=figure.shown.ci_lower,
            upper=figure.shown.ci_upper,
        )
        for figure in figures
    ]
    title = _("Course of %(indicator)s") % {"indicator": version.display_title}
    return charts.time_series(
        points,
        target=spec.target,
        reference_lower=latest.reference_lower if latest else None,
        reference_upper=latest.reference_upper if latest else None,
        text=charts.ChartText(f"series-{number}", title, _series_description(figures)),
        value_format=value_format(spec),
    )


def limit_curve(figures: list[Figure], by_expected: bool) -> list[charts.FunnelLimit]:
    """Return the control limits along the range of the shown units' cases.

    The limits are recomputed on a fine grid with the method and parameters
    the engine stored with the results, so they pass exactly through each
    unit's stored limits; without those, the stored limits themselves.
    """
    shown = [f.shown for f in figures if f.shown.funnel_target is not None]
    if not shown:
        return []
    stored = [
        charts.FunnelLimit(
            _precision(figure, by_expected),
            figure.funnel_lower_95,
            figure.funnel_upper_95,
            figure.funnel_lower_998,
            figure.funnel_upper_998,
        )
        for figure in shown
    ]
    method = shown[0].method
    # From a quarter of the smallest shown unit to just past the largest: the
    # funnel's shape shows even with one point, and nothing withheld is used.
    precisions = [limit.cases for limit in stored]
    low, high = min(precisions) / 4, max(precisions) * 1.05
    if method.get("funnel_kind") == "proportion":
        steps = np.round(np.linspace(max(low, 1), high, FUNNEL_CURVE_POINTS))
    else:
        steps = np.linspace(max(low, 0.1), high, FUNNEL_CURVE_POINTS)
    grid = np.unique(np.concatenate([steps, precisions]))
    try:
        limits = _recomputed_limits(method, grid)
    except (KeyError, TypeError, ValueError, st.StatisticsError):
        return sorted(stored, key=lambda limit: limit.cases)
    return [
        charts.FunnelLimit(float(x), *map(float, values))
        for x, *values in zip(
            grid,
            limits.lower_95,
            limits.upper_95,
            limits.lower_998,
            limits.upper_998,
            strict=True,
        )
    ]


def _recomputed_limits(method: dict, grid) -> st.FunnelLimits:
    adjustment = method.get("adjustment", "none")
    dispersion = None
    if adjustment != "none":
        dispersion = st.Dispersion(
            phi=float(method["phi"]),
            tau2=float(method["tau2"]),
            statistic=float("nan"),
            critical_value=float("nan"),
            units=0,
            overdispersed=True,
            winsorised_z=np.array([]),
            parameters={},
        )
    return st.funnel_limits(
        float(method["funnel_target"]),
        grid,
        kind=method["funnel_kind"],
        method=method["funnel"],
        adjustment=adjustment,
        dispersion=dispersion,
    )


def _precision(shown: Disclosed, by_expected: bool) -> float:
    return (shown.expected or 0.0) if by_expected else float(shown.cases)


def _unit_ids(result: Result) -> tuple:
    return (
        result.funder_id,
        result.provider_id,
        result.service_type_id,
        result.team_id,
    )


def _short_period_label(result: Result) -> str:
    """Return a label short enough for an axis: "Okt 2026", "Q3 2026", "2026"."""
    if result.period_type in {"month", "rolling12"}:
        return formats.date_format(
            result.period_end
            if result.period_type == "rolling12"
            else result.period_start,
            "M Y",
        )
    return Period(result.period_type, result.period_start, result.period_end).label()


def _series_description(figures: list[Figure]) -> str:
    """Return the values of a series in words, the text alternative of its chart."""
    return "; ".join(f"{figure.period_label}: {figure.value}" for figure in figures)
