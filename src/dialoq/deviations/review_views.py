"""Screens of compliance with standards and of standards flagged for review."""

from dataclasses import dataclass
from datetime import date
from html import escape

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Max, Min
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from dialoq.catalog.models import ProcessStandardVersion, VersionStatus
from dialoq.catalog.standards.describe import describe_rule
from dialoq.deviations import review
from dialoq.deviations.models import ReviewFlagStatus
from dialoq.measures.charts import FONT, GRID, HIGHLIGHT, INK, MUTED, SERIES, ChartText
from dialoq.measures.formatting import ValueFormat
from dialoq.measures.statistics.intervals import rate_interval

PERCENT = ValueFormat("percent")


@dataclass
class ComplianceLine:
    """One row of compliance figures as shown: counts and share met with interval."""

    row: object
    share: str
    interval: str

    @classmethod
    def of(cls, row) -> "ComplianceLine":
        interval = rate_interval(row.cases_met, row.cases_checked)
        return cls(
            row=row,
            share=PERCENT.value(row.share_met),
            interval=PERCENT.interval(
                interval.lower if interval else None,
                interval.upper if interval else None,
            ),
        )


@login_required
@require_GET
def compliance(request):
    """List the standards in force with the share of cases that met them."""
    rows = (
        review.visible_compliance(request.user)
        .filter(
            standard_version__status=VersionStatus.IN_FORCE,
            provider_unit__isnull=True,
        )
        .select_related("standard_version__standard", "funder", "provider")
        .order_by("standard_version__standard__key", "provider__name", "funder__name")
    )
    lines = [ComplianceLine.of(row) for row in rows]
    context = {
        "lines": lines,
        "several_funders": len({line.row.funder_id for line in lines}) > 1,
        "computed": rows.aggregate(at=Max("computed_at"), until=Max("period_end")),
    }
    return render(request, "deviations/compliance/list.html", context)


@login_required
@require_GET
def compliance_standard(request, pk):
    """Show one standard's compliance by provider and, for one's own, by team."""
    rows = (
        review.visible_compliance(request.user)
        .filter(standard_version_id=pk)
        .select_related("funder", "provider", "provider_unit")
        .order_by("provider__name", "funder__name", "provider_unit__name")
    )
    if not rows.exists():
        raise Http404
    version = ProcessStandardVersion.objects.select_related(
        "standard", "key_process"
    ).get(pk=pk)
    context = {
        "version": version,
        "rule_text": describe_rule(version.parsed()),
        "providers": [
            ComplianceLine.of(row) for row in rows if row.provider_unit_id is None
        ],
        "teams": [
            ComplianceLine.of(row) for row in rows if row.provider_unit_id is not None
        ],
        "computed": rows.aggregate(
            at=Max("computed_at"), since=Min("period_start"), until=Max("period_end")
        ),
    }
    return render(request, "deviations/compliance/standard.html", context)


@login_required
@require_GET
def review_flags(request):
    """List the standards flagged for review that concern the user's organisations."""
    user = request.user
    open_flags, decided_flags = [], []
    for flag in review.visible_flags(user):
        total = review.evidence_sight(user, flag).total
        rate = PERCENT.value(total["breach_rate"]) if total else None
        if flag.status in review.OPEN_FLAG_STATUSES:
            open_flags.append((flag, rate))
        else:
            decided_flags.append((flag, rate))
    context = {"open_flags": open_flags, "decided_flags": decided_flags}
    return render(request, "deviations/review/list.html", context)


class DecisionForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[(status.value, status.label) for status in review.DECISIONS],
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose a decision."),
            "invalid_choice": gettext_lazy("Choose one of the decisions offered."),
        },
    )
    note = forms.CharField(
        label=gettext_lazy("Reasons and what was agreed"),
        help_text=gettext_lazy(
            "Required when the standard is kept or changed. No personal data."
        ),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_flag(request, pk):
    """Show a flag's evidence; the funder's QM officers record their decision here."""
    user = request.user
    flag = review.get_flag_or_404(user, pk)
    can_decide = review.may_decide(user, flag)
    form = DecisionForm(request.POST or None) if can_decide else None
    if request.method == "POST":
        if not can_decide:
            raise Http404
        if form.is_valid():
            try:
                review.do_decide(
                    user,
                    flag,
                    status=form.cleaned_data["status"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The decision has been recorded."))
                return redirect("deviations:review_flag", pk=flag.pk)
    sight = review.evidence_sight(user, flag)
    context = {
        "flag": flag,
        "sight": sight,
        "rows": _evidence_rows(sight),
        "chart": _breach_chart(flag, sight),
        "threshold": PERCENT.value(flag.evidence.get("rule", {}).get("breach_rate")),
        "period": [
            _day(flag.evidence.get(key)) for key in ("period_start", "period_end")
        ],
        "form": form,
        "statuses": ReviewFlagStatus,
    }
    return render(request, "deviations/review/flag.html", context)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@dataclass
class EvidenceRow:
    """One row of the evidence table as shown."""

    label: str
    level: str  # "provider", "team", "others", "total"
    entry: dict
    rate: str
    interval: str


def _row(label: str, level: str, entry: dict) -> EvidenceRow:
    return EvidenceRow(
        label=label,
        level=level,
        entry=entry,
        rate=PERCENT.value(entry.get("breach_rate")),
        interval=PERCENT.interval(entry.get("ci_lower"), entry.get("ci_upper")),
    )


def _evidence_rows(sight) -> list[EvidenceRow]:
    rows = []
    for provider in sight.providers:
        rows.append(_row(provider["provider"], "provider", provider))
        for team in provider.get("teams", []) if sight.show_teams else []:
            rows.append(_row(team["team"], "team", team))
    if sight.others is not None:
        rows.append(_row(_("Other providers together"), "others", sight.others))
    if sight.total is not None:
        rows.append(_row(_("All providers"), "total", sight.total))
    return rows


# The chart: breach rate by row, with the Wilson interval and the threshold.

BAR_HEIGHT = 18
ROW_HEIGHT = 28
LABEL_WIDTH = 200
CHART_WIDTH = 640


def _breach_chart(flag, sight) -> SafeString | None:
    """Return a horizontal bar chart of the breach rates as accessible SVG."""
    rows = [
        row for row in _evidence_rows(sight) if row.entry.get("breach_rate") is not None
    ]
    if not rows:
        return None
    threshold = flag.evidence.get("rule", {}).get("breach_rate")
    text = ChartText(
        id=f"review-flag-{flag.pk}",
        title=_("Share of checked cases in which the standard was not met"),
        description=_(
            "One bar per row of the table below, with its 95 %% confidence "
            "interval; the dashed line marks the review threshold of %(threshold)s."
        )
        % {"threshold": PERCENT.value(threshold)},
    )
    return breach_rate_chart(
        [
            (
                row.label,
                row.entry["breach_rate"],
                row.entry.get("ci_lower"),
                row.entry.get("ci_upper"),
                row.level == "total",
            )
            for row in rows
        ],
        threshold=threshold,
        text=text,
    )


def breach_rate_chart(bars, *, threshold, text: ChartText) -> SafeString:
    """Return bars (label, rate, lower, upper, emphasised) on a 0–100 % axis."""
    left, right = LABEL_WIDTH, CHART_WIDTH - 24
    top = 8
    height = top + len(bars) * ROW_HEIGHT + 40

    def x(value: float) -> float:
        return left + max(0.0, min(1.0, value)) * (right - left)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{CHART_WIDTH}" height="{height}" viewBox="0 0 {CHART_WIDTH} {height}" '
        f'aria-labelledby="{text.id}-title {text.id}-desc" font-family="{FONT}" '
        f'font-size="12"><title id="{text.id}-title">{escape(text.title)}</title>'
        f'<desc id="{text.id}-desc">{escape(text.description)}</desc>'
    ]
    bottom = top + len(bars) * ROW_HEIGHT
    for tick in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0):
        parts.append(
            f'<line x1="{x(tick):.1f}" y1="{top}" x2="{x(tick):.1f}" y2="{bottom}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{x(tick):.1f}" y="{bottom + 16}" text-anchor="middle" '
            f'fill="{INK}">{escape(PERCENT.tick(tick, 0.2))}</text>'
        )
    for index, (label, rate, lower, upper, emphasised) in enumerate(bars):
        y = top + index * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) / 2
        middle = y + BAR_HEIGHT / 2
        colour = HIGHLIGHT if emphasised else SERIES
        parts.append(
            f'<text x="{left - 8}" y="{middle + 4:.1f}" text-anchor="end" '
            f'fill="{INK}">{escape(_shorten(label))}</text>'
            f'<rect x="{left}" y="{y:.1f}" width="{x(rate) - left:.1f}" '
            f'height="{BAR_HEIGHT}" fill="{colour}"><title>{escape(label)}: '
            f"{escape(PERCENT.value(rate))}</title></rect>"
        )
        if lower is not None and upper is not None:
            parts.append(
                f'<path d="M{x(lower):.1f} {middle:.1f}H{x(upper):.1f}'
                f"M{x(lower):.1f} {middle - 5:.1f}V{middle + 5:.1f}"
                f'M{x(upper):.1f} {middle - 5:.1f}V{middle + 5:.1f}" '
                f'stroke="{INK}" stroke-width="1.5" fill="none"/>'
            )
    if threshold is not None:
        parts.append(
            f'<line x1="{x(threshold):.1f}" y1="{top - 4}" x2="{x(threshold):.1f}" '
            f'y2="{bottom + 2}" stroke="{MUTED}" stroke-width="2" '
            f'stroke-dasharray="6 4"/>'
        )
    parts.append(
        f'<text x="{(left + right) / 2:.1f}" y="{bottom + 34}" text-anchor="middle" '
        f'fill="{INK}">{escape(_("share of cases with a breach in %"))}</text>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  every text was escaped


def _shorten(label: str, length: int = 30) -> str:
    return label if len(label) <= length else label[: length - 1] + "…"
