"""Which view and period of indicator results a user picks, and whom they may name.

A *view* is one unit of the stored results (a funder, a provider's cases of a
funder, a service type of a funder, a team, all organisations) that the user
may see and name. Peers a user may compare with but not name (the other
providers of the same funder) appear only as unnamed points in comparisons.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dialoq.accounts import scoping
from dialoq.accounts.models import Organisation, OrganisationUnit
from dialoq.accounts.roles import Action
from dialoq.catalog.models import ServiceType

from .models import PeriodType
from .periods import Period

UNIT_TYPE_ORDER = ("funder", "provider", "service_type", "team", "whole")
UNIT_TYPE_GROUPS = {
    "funder": gettext_lazy("Funders"),
    "provider": gettext_lazy("Providers"),
    "service_type": gettext_lazy("Service types"),
    "team": gettext_lazy("Teams"),
    "whole": gettext_lazy("All organisations"),
}
PERIOD_TYPE_ORDER = ("rolling12", "quarter", "year", "month")
DEFAULT_PERIOD_TYPE = "rolling12"
UNIT_COLUMNS = ("funder_id", "provider_id", "service_type_id", "team_id")


@dataclass(frozen=True)
class View:
    """A unit of results the user may pick, with its readable name."""

    key: str  # Result.unit_key
    unit_type: str
    funder_id: int | None
    provider_id: int | None
    service_type_id: int | None
    team_id: int | None
    label: str

    @property
    def comparison(self) -> tuple[str, dict[str, int | None]]:
        """Return the unit type and parent of the units this one is compared with.

        As in the engine's funnel groups: a funder's providers, a provider's
        teams, all funders. A funder, or a service type of a funder, is looked
        at through the funder's providers.
        """
        if self.unit_type == "whole":
            return "funder", {}
        if self.unit_type == "team":
            return "team", {"provider_id": self.provider_id}
        return "provider", {"funder_id": self.funder_id}


@dataclass(frozen=True)
class Sight:
    """Whose figures a user may name: own organisations, funded providers, members."""

    own: frozenset[int]
    own_funders: frozenset[int]
    network_members: frozenset[int]

    @classmethod
    def of(cls, user) -> "Sight":
        own, funders, networks = set(), set(), set()
        for grant in scoping.grants(user, Action.VIEW_AGGREGATES):
            if grant.organisation_kind == "network":
                networks.add(grant.organisation_id)
            else:
                own.add(grant.organisation_id)
                if grant.organisation_kind == "funder":
                    funders.add(grant.organisation_id)
        members = Organisation.objects.filter(networks__in=networks).values_list(
            "pk", flat=True
        )
        return cls(frozenset(own), frozenset(funders), frozenset(members))

    def may_name(self, unit_type, funder_id, provider_id) -> bool:
        """Return whether the user may see which organisation a figure is about."""
        known = self.own | self.network_members
        if unit_type == "whole":
            return True
        if unit_type in {"funder", "service_type"}:
            return funder_id in known
        if unit_type == "provider":
            return provider_id in known or funder_id in self.own_funders
        return provider_id in self.own  # teams: only the provider's own people

    def owns(self, view: View) -> bool:
        """Return whether the view is about one of the user's own organisations."""
        if view.unit_type in {"provider", "team"}:
            return view.provider_id in self.own
        return view.unit_type != "whole" and view.funder_id in self.own


@dataclass
class Selection:
    """The views and periods on offer, the chosen ones, and input not understood."""

    views: list[View]
    view: View | None = None
    periods: list[Period] = field(default_factory=list)
    period: Period | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def view_choices(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """Return the views as grouped choices (group label, [(key, label)])."""
        groups = defaultdict(list)
        for view in self.views:
            groups[view.unit_type].append((view.key, view.label))
        return [
            (str(UNIT_TYPE_GROUPS[unit_type]), groups[unit_type])
            for unit_type in UNIT_TYPE_ORDER
            if groups[unit_type]
        ]

    @property
    def period_choices(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """Return the periods as grouped choices (group label, [(key, label)])."""
        groups = defaultdict(list)
        for period in self.periods:
            groups[period.type].append((period.key, period.label()))
        labels = dict(PeriodType.choices)
        return [
            (str(labels[period_type]), groups[period_type])
            for period_type in PERIOD_TYPE_ORDER
            if groups[period_type]
        ]

    def export_query(self, indicator: str = "") -> str:
        """Return the result export's query for the chosen period and unit type."""
        params = {
            "period_type": self.period.type,
            "period_from": self.period.start.isoformat(),
            "period_to": self.period.end.isoformat(),
            "unit_type": self.view.unit_type,
        }
        if indicator:
            params["indicator"] = indicator
        return urlencode(params)


def select(params, results, views: list[View], sight: Sight) -> Selection:
    """Return the view and period asked for, or the defaults with a message."""
    selection = Selection(views)
    if not views:
        return selection
    asked = params.get("view", "")
    selection.view = next((view for view in views if view.key == asked), None)
    if selection.view is None:
        if asked:
            selection.errors.append(
                _("The chosen view is not available to you; your own is shown.")
            )
        selection.view = default_view(views, sight)
    selection.periods = periods_of(results, selection.view)
    asked = params.get("period", "")
    selection.period = next(
        (period for period in selection.periods if period.key == asked), None
    )
    if selection.period is None:
        if asked:
            selection.errors.append(
                _("There are no results for the chosen period; the latest are shown.")
            )
        selection.period = default_period(selection.periods)
    return selection


def views_of(results, sight: Sight) -> list[View]:
    """Return the units among the results that the user may name, in menu order."""
    units = [
        unit
        for unit in results.order_by()
        .values_list("unit_type", "unit_key", *UNIT_COLUMNS)
        .distinct()
        if sight.may_name(unit[0], unit[2], unit[3])
    ]
    names = unit_names(units)
    views = [
        View(key, unit_type, *ids, label=unit_label(unit_type, ids, names))
        for unit_type, key, *ids in units
    ]
    return sorted(
        views,
        key=lambda view: (
            UNIT_TYPE_ORDER.index(view.unit_type),
            not sight.owns(view),
            view.funder_id is not None,  # a provider across all funders first
            view.label,
        ),
    )


def default_view(views: list[View], sight: Sight) -> View | None:
    """Return the view of the user's own organisation, else the first one."""
    own = [view for view in views if sight.owns(view)]
    return (own or views or [None])[0]


def periods_of(results, view: View) -> list[Period]:
    """Return the periods with results for the view, by type, newest first."""
    rows = (
        results.filter(unit_key=view.key)
        .order_by()
        .values_list("period_type", "period_start", "period_end")
        .distinct()
    )
    return sorted(
        (Period(*row) for row in rows),
        key=lambda period: (
            PERIOD_TYPE_ORDER.index(period.type),
            -period.start.toordinal(),
        ),
    )


def default_period(periods: list[Period]) -> Period | None:
    """Return the latest rolling twelve months, else the latest period of any type."""
    rolling = [period for period in periods if period.type == DEFAULT_PERIOD_TYPE]
    latest = sorted(periods, key=lambda period: period.end, reverse=True)
    return (rolling or latest or [None])[0]


def unit_names(units) -> dict[str, dict]:
    """Return the organisations, service types and teams named by the units.

    ``units`` are tuples (unit type, unit key, funder, provider, service type,
    team).
    """
    organisations, service_types, teams = set(), set(), set()
    for _unit_type, _key, funder, provider, service_type, team in units:
        organisations.update(i for i in (funder, provider) if i is not None)
        if service_type is not None:
            service_types.add(service_type)
        if team is not None:
            teams.add(team)
    return {
        "organisations": Organisation.objects.in_bulk(organisations),
        "service_types": ServiceType.objects.in_bulk(service_types),
        "teams": OrganisationUnit.objects.in_bulk(teams),
    }


def unit_label(unit_type, ids, names, *, short=False) -> str:
    """Return a unit's name, e.g. "Träger A – Jugendamt X"; short: "Träger A"."""
    funder_id, provider_id, service_type_id, team_id = ids
    funder = names["organisations"].get(funder_id)
    provider = names["organisations"].get(provider_id)
    if unit_type == "whole":
        return _("All organisations")
    if unit_type == "funder":
        return funder.name
    if unit_type == "service_type":
        service_type = names["service_types"][service_type_id]
        if short or funder is None:
            return str(service_type)
        return f"{service_type} – {funder.short_name}"
    if unit_type == "team":
        team = names["teams"][team_id]
        return team.name if short else f"{provider.short_name} – {team.name}"
    if funder is None:
        return _("%(provider)s, all funders") % {"provider": provider.name}
    return provider.name if short else f"{provider.name} – {funder.short_name}"
