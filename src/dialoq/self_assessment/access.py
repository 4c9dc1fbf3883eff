"""Who may see and answer which self-assessment, built on ``accounts.scoping``.

- QM officers and managers (``Action.SELF_ASSESS``) of the funder or the
  provider answer and submit for their side, see their side's answers at any
  time, start rounds and propose items for the agenda;
- members of either organisation who see aggregated figures (case managers,
  caseworkers, QM officers, managers, auditors with a mandate) see the round
  and, once both sides have submitted, both sides' answers and the
  comparison;
- until both have submitted, nobody sees the other side's answers, so the
  assessments are independent; members of other organisations see nothing.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from dialoq.accounts import scoping
from dialoq.accounts.models import Organisation
from dialoq.accounts.roles import Action
from dialoq.self_assessment.models import Round, Side

PARTNER_KINDS = {"funder", "provider"}


def answering_organisations(user) -> set[int]:
    """Return the funders and providers for which the user answers."""
    return {
        grant.organisation_id
        for grant in scoping.grants(user, Action.SELF_ASSESS)
        if grant.organisation_kind in PARTNER_KINDS
    }


def reading_organisations(user) -> set[int]:
    """Return the funders and providers whose self-assessments the user reads."""
    grants = [
        *scoping.grants(user, Action.VIEW_AGGREGATES),
        *scoping.grants(user, Action.SELF_ASSESS),
    ]
    return {
        grant.organisation_id
        for grant in grants
        if grant.organisation_kind in PARTNER_KINDS
    }


def visible_rounds(user, queryset: QuerySet | None = None) -> QuerySet:
    """Return the rounds of the user's organisations."""
    queryset = Round.objects.all() if queryset is None else queryset
    organisations = reading_organisations(user)
    if not organisations:
        return queryset.none()
    return queryset.filter(Q(funder__in=organisations) | Q(provider__in=organisations))


def get_round_or_404(user, pk) -> Round:
    """Return the round if the user may see it; 404 otherwise."""
    rounds = visible_rounds(user).select_related(
        "funder", "provider", "template_version"
    )
    try:
        return rounds.get(pk=pk)
    except (Round.DoesNotExist, ValueError):
        raise Http404 from None


def sides_of(user, round_: Round) -> list[str]:
    """Return the sides of the round the user belongs to (as a reader)."""
    organisations = reading_organisations(user)
    return [
        side for side in Side.values if round_.organisation_of(side).pk in organisations
    ]


def answering_sides(user, round_: Round) -> list[str]:
    """Return the sides of the round for which the user answers."""
    organisations = answering_organisations(user)
    return [
        side for side in Side.values if round_.organisation_of(side).pk in organisations
    ]


def check_side(side: str) -> str:
    """Return the side named in a URL, or 404 for anything else."""
    if side not in Side.values:
        raise Http404
    return side


def require_answerer(user, round_: Round, side: str):
    """Raise 403 unless the user answers for this side of the round."""
    if side not in answering_sides(user, round_):
        raise PermissionDenied


def can_see_answers(user, round_: Round, side: str) -> bool:
    """Return whether the user may read this side's answers now."""
    if side in answering_sides(user, round_):
        return True
    return round_.answers_visible_to_both and bool(sides_of(user, round_))


def partner_organisations(user, organisation: Organisation) -> QuerySet:
    """Return the organisations with which the user's organisation has cases.

    A funder's partners are the providers of its cases, a provider's the
    funders; only organisations the user answers for have partners here.
    """
    from dialoq.cases.models import Case

    if organisation.pk not in answering_organisations(user):
        return Organisation.objects.none()
    if organisation.kind == "funder":
        ids = Case.objects.filter(funder=organisation).values("provider")
    elif organisation.kind == "provider":
        ids = Case.objects.filter(provider=organisation).values("funder")
    else:
        return Organisation.objects.none()
    return Organisation.objects.filter(pk__in=ids).order_by("name")
