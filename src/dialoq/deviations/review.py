"""Standards breached so often, by so many, that the standard itself is reviewed.

Bartelheimer: a standard that must be circumvented for the interaction to
succeed is to be reviewed, not only the people who breach it. The monitoring
job writes ``StandardCompliance`` (cases checked and met per standard version,
funder, provider and team, over the twelve months up to the day it checks);
``flag_standards`` reads those figures per standard version in force and
funder:

- breach rate = 1 − cases met / cases checked, over all the funder's providers;
- flagged when the rate is at least ``STANDARD_REVIEW_BREACH_RATE`` and either
  at least ``STANDARD_REVIEW_MIN_WORKERS`` caseworkers or at least
  ``STANDARD_REVIEW_MIN_PROVIDERS`` providers had a breach.

At most one flag per standard version and funder is open (``open`` or
``on_agenda``; a database constraint). A new flag notifies the QM officers of
the funder and of the providers concerned; while it is open, each run
replaces its evidence with the current figures as long as the standard still
meets the rule. After a decision (kept or changed) the same version is not
flagged again for the funder until ``REFLAG_AFTER_DAYS`` have passed, so that
the next flag rests on figures gathered after the decision.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from dialoq.accounts import scoping
from dialoq.accounts.models import Membership
from dialoq.accounts.roles import Action, Role
from dialoq.cases.models import Case
from dialoq.catalog.models import VersionStatus
from dialoq.deviations.models import (
    Deviation,
    DeviationSource,
    ReasonCategory,
    ReviewFlagStatus,
    StandardCompliance,
    StandardReviewFlag,
)
from dialoq.measures import disclosure
from dialoq.measures.formatting import ValueFormat
from dialoq.measures.statistics.intervals import rate_interval
from dialoq.notifications.services import notify

OPEN_FLAG_STATUSES = (ReviewFlagStatus.OPEN, ReviewFlagStatus.ON_AGENDA)
DECIDED_FLAG_STATUSES = (ReviewFlagStatus.KEPT, ReviewFlagStatus.CHANGED)
REFLAG_AFTER_DAYS = 365


@dataclass
class Figures:
    """Cases checked and met, breaches and caseworkers of one row or a sum of rows."""

    cases_checked: int = 0
    cases_met: int = 0
    breaches: int = 0
    workers: int = 0
    workers_with_breach: int = 0

    def add(self, row) -> None:
        self.cases_checked += row.cases_checked
        self.cases_met += row.cases_met
        self.breaches += row.breaches
        self.workers += row.workers
        self.workers_with_breach += row.workers_with_breach

    @property
    def cases_breached(self) -> int:
        return self.cases_checked - self.cases_met

    @property
    def breach_rate(self) -> float | None:
        if not self.cases_checked:
            return None
        return self.cases_breached / self.cases_checked


@dataclass
class Group:
    """The compliance rows of one standard version and one funder."""

    standard_version: object
    funder: object
    total: Figures = field(default_factory=Figures)
    providers: dict = field(default_factory=dict)  # provider id → (provider, Figures)
    teams: dict = field(default_factory=lambda: defaultdict(list))  # provider id → rows
    period_start: date | None = None
    period_end: date | None = None

    @property
    def providers_with_breach(self) -> int:
        return sum(1 for _p, f in self.providers.values() if f.cases_breached > 0)

    def meets_rule(self) -> bool:
        """Return whether the figures call for a review of the standard."""
        rate = self.total.breach_rate
        if rate is None or rate < settings.STANDARD_REVIEW_BREACH_RATE:
            return False
        return (
            self.total.workers_with_breach >= settings.STANDARD_REVIEW_MIN_WORKERS
            or self.providers_with_breach >= settings.STANDARD_REVIEW_MIN_PROVIDERS
        )


def compliance_groups() -> list[Group]:
    """Return the compliance figures of the versions in force, by version and funder."""
    rows = (
        StandardCompliance.objects.filter(
            standard_version__status=VersionStatus.IN_FORCE
        )
        .select_related(
            "standard_version__standard", "funder", "provider", "provider_unit"
        )
        .order_by("standard_version_id", "funder_id", "provider_id", "pk")
    )
    groups: dict[tuple[int, int], Group] = {}
    for row in rows:
        key = (row.standard_version_id, row.funder_id)
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(row.standard_version, row.funder)
        group.period_start = min(filter(None, (group.period_start, row.period_start)))
        group.period_end = max(filter(None, (group.period_end, row.period_end)))
        if row.provider_unit_id is None:
            figures = Figures()
            figures.add(row)
            group.providers[row.provider_id] = (row.provider, figures)
            group.total.add(row)
        else:
            group.teams[row.provider_id].append(row)
    return list(groups.values())


def flag_standards(today: date) -> int:
    """Raise or update review flags from the compliance figures; return flags raised."""
    raised = 0
    for group in compliance_groups():
        if not group.meets_rule():
            continue
        evidence = build_evidence(group, today)
        with transaction.atomic():
            flag = (
                StandardReviewFlag.objects.select_for_update()
                .filter(
                    standard_version=group.standard_version,
                    funder=group.funder,
                    status__in=OPEN_FLAG_STATUSES,
                )
                .first()
            )
            if flag is not None:
                _set_figures(flag, group, evidence)
                flag.save()
                continue
            if _recently_decided(group, today):
                continue
            flag = StandardReviewFlag(
                standard_version=group.standard_version, funder=group.funder
            )
            _set_figures(flag, group, evidence)
            flag.save()
            _notify_raised(flag, group)
            raised += 1
    return raised


def _set_figures(flag, group: Group, evidence: dict) -> None:
    flag.breach_rate = group.total.breach_rate
    flag.cases_checked = group.total.cases_checked
    flag.providers_with_breach = group.providers_with_breach
    flag.workers_with_breach = group.total.workers_with_breach
    flag.evidence = evidence


def _recently_decided(group: Group, today: date) -> bool:
    since = today - timedelta(days=REFLAG_AFTER_DAYS)
    return StandardReviewFlag.objects.filter(
        standard_version=group.standard_version,
        funder=group.funder,
        status__in=DECIDED_FLAG_STATUSES,
        decided_at__date__gt=since,
    ).exists()


def build_evidence(group: Group, today: date) -> dict:
    """Return the evidence of a flag: rates by provider and team, reasons given.

    Every rate is the share of checked cases in which the standard was not
    met, with its Wilson 95 % interval; ``reasons`` counts the reason
    categories given on the standard's deviations in the period, in all and
    by provider.
    """
    providers = []
    for provider_id, (provider, figures) in group.providers.items():
        teams = []
        for row in group.teams.get(provider_id, []):
            team_figures = Figures()
            team_figures.add(row)
            teams.append(
                {
                    "team_id": row.provider_unit_id,
                    "team": row.provider_unit.name,
                    **figures_entry(team_figures),
                }
            )
        teams.sort(key=lambda team: team["team"])
        providers.append(
            {
                "provider_id": provider_id,
                "provider": provider.name,
                **figures_entry(figures),
                "teams": teams,
            }
        )
    providers.sort(key=lambda entry: (-(entry["breach_rate"] or 0), entry["provider"]))
    return {
        "computed_on": today.isoformat(),
        "period_start": _iso(group.period_start),
        "period_end": _iso(group.period_end),
        "rule": {
            "breach_rate": settings.STANDARD_REVIEW_BREACH_RATE,
            "min_workers": settings.STANDARD_REVIEW_MIN_WORKERS,
            "min_providers": settings.STANDARD_REVIEW_MIN_PROVIDERS,
        },
        "total": {
            **figures_entry(group.total),
            "providers": len(group.providers),
            "providers_with_breach": group.providers_with_breach,
        },
        "providers": providers,
        "reasons": reasons_given(group),
    }


def figures_entry(figures: Figures) -> dict:
    """Return the figures with the breach rate and its Wilson 95 % interval."""
    interval = rate_interval(figures.cases_breached, figures.cases_checked)
    return {
        "cases_checked": figures.cases_checked,
        "cases_met": figures.cases_met,
        "cases_breached": figures.cases_breached,
        "breach_rate": figures.breach_rate,
        "ci_lower": interval.lower if interval else None,
        "ci_upper": interval.upper if interval else None,
        "breaches": figures.breaches,
        "workers": figures.workers,
        "workers_with_breach": figures.workers_with_breach,
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def reasons_given(group: Group) -> dict:
    """Count the reasons given on the standard's deviations in the period."""
    deviations = Deviation.objects.filter(
        source=DeviationSource.STANDARD,
        standard_version=group.standard_version,
        funder=group.funder,
    ).exclude(reason_category="")
    if group.period_start and group.period_end:
        window = (group.period_start, group.period_end)
        deviations = deviations.filter(
            Q(occurred_on__range=window)
            | Q(occurred_on__isnull=True, detected_at__date__range=window)
        )
    counts = deviations.values("provider_id", "reason_category").annotate(n=Count("pk"))
    total: dict[str, int] = defaultdict(int)
    by_provider: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in counts:
        total[row["reason_category"]] += row["n"]
        if row["provider_id"] is not None:
            by_provider[str(row["provider_id"])][row["reason_category"]] += row["n"]
    return {
        "total": dict(total),
        "by_provider": {key: dict(value) for key, value in by_provider.items()},
    }


def flag_providers(flag) -> set[int]:
    """Return the providers whose figures the flag's evidence holds."""
    return {entry["provider_id"] for entry in flag.evidence.get("providers", [])}


def open_review_flags(funder, provider=None) -> list[StandardReviewFlag]:
    """Return the open flags of the funder (for a provider: those concerning it)."""
    flags = (
        StandardReviewFlag.objects.filter(funder=funder, status__in=OPEN_FLAG_STATUSES)
        .select_related("standard_version__standard", "funder")
        .order_by("-breach_rate", "pk")
    )
    if provider is None:
        return list(flags)
    provider_id = getattr(provider, "pk", provider)
    return [flag for flag in flags if provider_id in flag_providers(flag)]


def qm_officers(organisation_ids):
    """Return the active QM officers of the organisations."""
    from dialoq.accounts.models import User

    members = Membership.objects.active().filter(
        organisation_id__in=organisation_ids, role=Role.QM_OFFICER
    )
    return User.objects.filter(is_active=True, pk__in=members.values("user_id"))


def _notify_raised(flag, group: Group) -> None:
    organisations = {group.funder.pk, *group.providers}
    title = flag.standard_version.display_title
    notify(
        qm_officers(organisations),
        key=f"review-flag:{flag.pk}",
        subject=_("Standard to be reviewed: %(standard)s") % {"standard": title},
        body=_(
            "The standard was not met in %(rate)s of the cases checked; it is "
            "flagged for review at the next quality dialogue."
        )
        % {"rate": _percent(flag.breach_rate)},
        url=reverse("deviations:review_flag", args=[flag.pk]),
    )


def _percent(share: float) -> str:
    return ValueFormat("percent").value(share)


# Who sees and decides flags -------------------------------------------------


def reader_organisations(user) -> set[int]:
    """Return the organisations in which the user may read review flags."""
    return {
        grant.organisation_id
        for grant in scoping.grants(user, Action.VERIFY_DEVIATION)
        if grant.organisation_kind in {"funder", "provider"}
    }


def visible_flags(user) -> list[StandardReviewFlag]:
    """Return the flags of the user's funders and those concerning their providers.

    Readers are the QM officers and managers (the right to verify
    deviations) of the funder and of the providers whose figures the flag
    holds.
    """
    organisations = reader_organisations(user)
    if not organisations:
        return []
    partner_funders = (
        Case.objects.filter(provider_id__in=organisations)
        .values_list("funder_id", flat=True)
        .distinct()
    )
    flags = (
        StandardReviewFlag.objects.filter(
            Q(funder_id__in=organisations) | Q(funder_id__in=partner_funders)
        )
        .select_related("standard_version__standard", "funder", "decided_by")
        .order_by("-raised_at", "-pk")
    )
    return [
        flag
        for flag in flags
        if flag.funder_id in organisations or flag_providers(flag) & organisations
    ]


def get_flag_or_404(user, pk) -> StandardReviewFlag:
    """Return the flag if the user may read it; 404 otherwise."""
    try:
        flag = StandardReviewFlag.objects.select_related(
            "standard_version__standard", "funder", "decided_by"
        ).get(pk=pk)
    except (StandardReviewFlag.DoesNotExist, ValueError):
        raise Http404 from None
    organisations = reader_organisations(user)
    if flag.funder_id in organisations or flag_providers(flag) & organisations:
        return flag
    raise Http404


def may_decide(user, flag) -> bool:
    """Return whether the user decides on the flag: a QM officer of its funder."""
    if flag.status not in OPEN_FLAG_STATUSES:
        return False
    return any(
        grant.organisation_id == flag.funder_id
        for grant in scoping.grants(user, Action.CHANGE_CATALOG)
    )


DECISIONS = (
    ReviewFlagStatus.ON_AGENDA,
    ReviewFlagStatus.KEPT,
    ReviewFlagStatus.CHANGED,
)


def do_decide(user, flag, *, status, note="") -> StandardReviewFlag:
    """Record what the funder decided on a flag: agenda, standard kept or changed."""
    note = (note or "").strip()
    if status not in DECISIONS:
        raise ValidationError(_("Choose one of the decisions offered."))
    if len(note) > 5000:
        raise ValidationError(_("The note may have at most 5,000 characters."))
    if status != ReviewFlagStatus.ON_AGENDA and not note:
        raise ValidationError(
            _("Give the reasons for keeping or changing the standard.")
        )
    with transaction.atomic():
        flag = StandardReviewFlag.objects.select_for_update().get(pk=flag.pk)
        if flag.status not in OPEN_FLAG_STATUSES:
            raise ValidationError(_("This flag has been decided already."))
        if not may_decide(user, flag):
            raise ValidationError(_("You may not decide on this flag."))
        if status == flag.status:
            raise ValidationError(_("The standard is already on a dialogue's agenda."))
        now = timezone.now()
        day = formats.date_format(timezone.localdate(now), "SHORT_DATE_FORMAT")
        entry = f"{day} – {ReviewFlagStatus(status).label}"
        if note:
            entry = f"{entry}: {note}"
        flag.decision_note = "\n\n".join(
            part for part in (flag.decision_note, entry) if part
        )
        flag.status = status
        flag.decided_at = now
        flag.decided_by = user
        flag.save(update_fields=["status", "decision_note", "decided_at", "decided_by"])
    return flag


# What a reader sees of the evidence -----------------------------------------


@dataclass
class EvidenceSight:
    """The part of a flag's evidence one reader may see.

    Members of the funder see every provider's figures (without teams: team
    figures stay with their provider). Members of a provider see their own
    figures with their teams; of the others only the figures of all other
    providers together, and those only when they rest on at least the
    disclosure threshold of cases — else neither the others nor the total
    are shown, since the total less their own would give them away.
    """

    providers: list[dict]
    total: dict | None
    others: dict | None
    others_withheld: bool
    reasons: list[tuple[str, int]]
    reasons_of_all: bool
    show_teams: bool


def evidence_sight(user, flag) -> EvidenceSight:
    """Return what the user may see of the flag's evidence."""
    organisations = reader_organisations(user)
    evidence = flag.evidence or {}
    entries = evidence.get("providers", [])
    reasons = evidence.get("reasons", {})
    if flag.funder_id in organisations:
        own = [entry for entry in entries if entry["provider_id"] in organisations]
        providers = [
            {**entry, "teams": entry["teams"] if entry in own else []}
            for entry in entries
        ]
        return EvidenceSight(
            providers=providers,
            total=evidence.get("total"),
            others=None,
            others_withheld=False,
            reasons=_reason_list(reasons.get("total", {})),
            reasons_of_all=True,
            show_teams=bool(own),
        )
    own = [entry for entry in entries if entry["provider_id"] in organisations]
    others = Figures()
    for entry in entries:
        if entry not in own:
            others.add(_figures_of(entry))
    minimum = disclosure.threshold(disclosure.OutputKind.SHARE)
    shown = others.cases_checked >= minimum
    own_reasons: dict[str, int] = defaultdict(int)
    for entry in own:
        for category, count in (
            reasons.get("by_provider", {}).get(str(entry["provider_id"]), {}).items()
        ):
            own_reasons[category] += count
    return EvidenceSight(
        providers=own,
        total=evidence.get("total") if shown else None,
        others=figures_entry(others) if shown else None,
        others_withheld=not shown and others.cases_checked > 0,
        reasons=_reason_list(own_reasons),
        reasons_of_all=False,
        show_teams=True,
    )


def _figures_of(entry: dict) -> Figures:
    return Figures(
        cases_checked=entry["cases_checked"],
        cases_met=entry["cases_met"],
        breaches=entry["breaches"],
        workers=entry["workers"],
        workers_with_breach=entry["workers_with_breach"],
    )


def _reason_list(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Return (label, count) of the reasons, most frequent first."""
    labels = dict(ReasonCategory.choices)
    return sorted(
        (
            (str(labels.get(category, category)), count)
            for category, count in counts.items()
        ),
        key=lambda item: (-item[1], item[0]),
    )


# Compliance figures a reader may see ------------------------------------------


def visible_compliance(user):
    """Return the compliance rows the user may see.

    Members of a funder (with the right to see aggregated figures) see the
    totals of the funder's providers; members of a provider see their own
    totals and teams, for every funder. Team figures stay with their
    provider, as in ``measures.disclosure``.
    """
    funders, providers = set(), set()
    for grant in scoping.grants(user, Action.VIEW_AGGREGATES):
        if grant.organisation_kind == "funder":
            funders.add(grant.organisation_id)
        elif grant.organisation_kind == "provider":
            providers.add(grant.organisation_id)
    rows = StandardCompliance.objects.all()
    if not (funders or providers):
        return rows.none()
    return rows.filter(
        Q(funder_id__in=funders, provider_unit__isnull=True)
        | Q(provider_id__in=providers)
    )
