"""The one place that decides who may see and change which records.

Every view, export, report, background job and API endpoint asks this module.
It reads the permission matrix in :mod:`dialoq.accounts.roles` and each
record kind's ownership below:

- a case belongs to its funder and its provider: members of either may see it
  (limited to their unit if their membership names one); nobody else may;
- a beneficiary is visible through the cases one may see;
- identifying data of a beneficiary only to a case manager of the funder;
- a network member sees aggregates of the network's members, never a case;
- platform administrators administer accounts, not social data.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from dialoq.accounts.models import Membership, Organisation
from dialoq.accounts.roles import READ_ONLY_ROLES, Action, Decision, decision


@dataclass(frozen=True)
class Grant:
    """One membership's permission for one action."""

    organisation_id: int
    organisation_kind: str
    unit_id: int | None
    role: str


def grants(user, action: Action) -> list[Grant]:
    """Return the memberships through which the user may perform the action now."""
    if not user.is_authenticated or not user.is_active:
        return []
    cache = user.__dict__.setdefault("_dialoq_grants", {})
    if action in cache:
        return cache[action]
    # One query per user object for all actions: pages ask about many.
    memberships = user.__dict__.get("_dialoq_memberships")
    if memberships is None:
        memberships = list(
            Membership.objects.active(timezone.now())
            .filter(user=user)
            .select_related("organisation")
        )
        user.__dict__["_dialoq_memberships"] = memberships
    result = []
    for membership in memberships:
        verdict = decision(membership.role, action)
        if verdict == Decision.DENY:
            continue
        if verdict == Decision.AUDIT and not (
            membership.valid_until and membership.reason.strip()
        ):
            continue
        result.append(
            Grant(
                organisation_id=membership.organisation_id,
                organisation_kind=membership.organisation.kind,
                unit_id=membership.unit_id,
                role=membership.role,
            )
        )
    cache[action] = result
    return result


def has_permission(user, action: Action) -> bool:
    """Return whether any membership lets the user perform the action somewhere."""
    return bool(grants(user, action))


def is_global(user, action: Action) -> bool:
    """Return whether the user may perform the action independent of organisations."""
    return any(
        decision(grant.role, action) == Decision.GLOBAL
        for grant in grants(user, action)
    )


def _case_filter(user, action: Action) -> Q | None:
    """Return a filter on Case for the action, or None if nothing is allowed."""
    clauses = []
    for grant in grants(user, action):
        if grant.organisation_kind == "funder":
            clause = Q(funder_id=grant.organisation_id)
            if grant.unit_id:
                clause &= Q(funder_unit_id=grant.unit_id)
        elif grant.organisation_kind == "provider":
            clause = Q(provider_id=grant.organisation_id)
            if grant.unit_id:
                clause &= Q(provider_unit_id=grant.unit_id)
        else:
            continue
        clauses.append(clause)
    if not clauses:
        return None
    combined = clauses[0]
    for clause in clauses[1:]:
        combined |= clause
    return combined


def visible_cases(user, queryset: QuerySet | None = None) -> QuerySet:
    """Return the cases the user may see."""
    from dialoq.cases.models import Case

    queryset = Case.objects.all() if queryset is None else queryset
    condition = _case_filter(user, Action.VIEW_CASE)
    return queryset.none() if condition is None else queryset.filter(condition)


def changeable_cases(user, queryset: QuerySet | None = None) -> QuerySet:
    """Return the cases the user may document."""
    from dialoq.cases.models import Case

    queryset = Case.objects.all() if queryset is None else queryset
    condition = _case_filter(user, Action.CHANGE_CASE)
    return queryset.none() if condition is None else queryset.filter(condition)


def get_case_or_404(user, pk, *, for_change=False):
    """Return the case if the user may see (or change) it; 404 otherwise."""
    scope = changeable_cases if for_change else visible_cases
    case = (
        scope(user)
        .filter(pk=pk)
        .select_related("funder", "provider", "service_type", "beneficiary")
    )
    try:
        return case.get()
    except (case.model.DoesNotExist, ValueError):
        raise Http404 from None


def can_change_case(user, case) -> bool:
    """Return whether the user may document this case."""
    return changeable_cases(user).filter(pk=case.pk).exists()


def can_view_identity(user, case) -> bool:
    """Return whether the user may see the identity of the case's beneficiary."""
    for grant in grants(user, Action.VIEW_IDENTITY):
        if grant.organisation_kind != "funder":
            continue
        if grant.organisation_id != case.funder_id:
            continue
        if grant.unit_id and grant.unit_id != case.funder_unit_id:
            continue
        return True
    return False


def visible_beneficiaries(user, queryset: QuerySet | None = None) -> QuerySet:
    """Return the beneficiaries of the cases the user may see."""
    from dialoq.cases.models import Beneficiary

    queryset = Beneficiary.objects.all() if queryset is None else queryset
    return queryset.filter(cases__in=visible_cases(user)).distinct()


def aggregate_organisations(user) -> QuerySet:
    """Return the organisations whose aggregated figures the user may see.

    Members of a funder or provider see their own organisation; a network
    coordinator sees the network's member organisations.
    """
    own_ids, network_ids = set(), set()
    for grant in grants(user, Action.VIEW_AGGREGATES):
        if grant.organisation_kind == "network":
            network_ids.add(grant.organisation_id)
        else:
            own_ids.add(grant.organisation_id)
    return Organisation.objects.filter(
        Q(pk__in=own_ids) | Q(networks__in=network_ids)
    ).distinct()


def visible_organisations(user) -> QuerySet:
    """Return the organisations the user belongs to or sees aggregates of."""
    member_of = Membership.objects.active().filter(user=user).values("organisation")
    return Organisation.objects.filter(
        Q(pk__in=member_of) | Q(pk__in=aggregate_organisations(user).values("pk"))
    ).distinct()


def is_read_only(user) -> bool:
    """Return whether every current role of the user only reads."""
    roles = {m.role for m in Membership.objects.active().filter(user=user)}
    return bool(roles) and roles <= READ_ONLY_ROLES


def visible_results(user, results: QuerySet) -> QuerySet:
    """Return the indicator results the user may see (before disclosure control).

    - Members of a funder see the results about the funder's cases (the
      funder as a whole, its providers, its service types) and the results
      over all organisations.
    - Members of a provider see every result about their own organisation
      (also per team and across funders), and as comparison the results of
      the funders they work for, including the other providers of those
      funders: peers' figures pass the disclosure policy before display.
    - Network coordinators see the results about the network's members,
      never per team.
    - Everybody else sees nothing. Small numbers are suppressed afterwards by
      ``dialoq.measures.disclosure``, for everybody who does not own the cases.
    """
    from dialoq.cases.models import Case

    funders, providers, networks = set(), set(), set()
    for grant in grants(user, Action.VIEW_AGGREGATES):
        if grant.organisation_kind == "funder":
            funders.add(grant.organisation_id)
        elif grant.organisation_kind == "provider":
            providers.add(grant.organisation_id)
        elif grant.organisation_kind == "network":
            networks.add(grant.organisation_id)
    if not (funders or providers or networks):
        return results.none()
    condition = Q(unit_type="whole")
    if funders:
        condition |= Q(funder__in=funders) & ~Q(unit_type="team")
    if providers:
        partner_funders = (
            Case.objects.filter(provider__in=providers)
            .values_list("funder_id", flat=True)
            .distinct()
        )
        condition |= Q(provider__in=providers)
        condition |= Q(funder__in=partner_funders) & ~Q(unit_type="team")
    if networks:
        members = Organisation.objects.filter(networks__in=networks).values("pk")
        condition |= (Q(funder__in=members) | Q(provider__in=members)) & ~Q(
            unit_type="team"
        )
    return results.filter(condition)


def owned_organisations(user) -> set[int]:
    """Return the funders and providers whose cases the user's own figures cover."""
    return {
        grant.organisation_id
        for grant in grants(user, Action.VIEW_AGGREGATES)
        if grant.organisation_kind in {"funder", "provider"}
    }
