"""Who may see and work which quality dialogue, built on ``accounts.scoping``.

- QM officers and managers of the funder or the provider of a dialogue
  (memberships that see aggregates, in ``WORKING_ROLES``) *work* it: they see
  it at every stage, freeze the pack, write statements (provider side) or
  notes (funder side), prepare and minute the meeting;
- people who approve for a side (``Action.APPROVE``, managers) approve the
  minutes for that side; a person in both organisations approves once;
- the other members of the two organisations who see aggregates (case
  managers, caseworkers, auditors with a mandate) *read* a dialogue once its
  minutes are approved, never before;
- everybody else sees nothing: lists are empty, pages answer 404.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from dialoq.accounts import scoping
from dialoq.accounts.models import Organisation
from dialoq.accounts.roles import Action, Role

from .models import DialogueStatus, QualityDialogue, Side

PARTNER_KINDS = {"funder", "provider"}
WORKING_ROLES = frozenset({Role.QM_OFFICER, Role.MANAGER})


def working_organisations(user) -> set[int]:
    """Return the funders and providers whose dialogues the user works."""
    return {
        grant.organisation_id
        for grant in scoping.grants(user, Action.VIEW_AGGREGATES)
        if grant.organisation_kind in PARTNER_KINDS and grant.role in WORKING_ROLES
    }


def reading_organisations(user) -> set[int]:
    """Return the funders and providers whose approved minutes the user reads."""
    return {
        grant.organisation_id
        for grant in scoping.grants(user, Action.VIEW_AGGREGATES)
        if grant.organisation_kind in PARTNER_KINDS
    }


def approving_organisations(user) -> set[int]:
    return {
        grant.organisation_id
        for grant in scoping.grants(user, Action.APPROVE)
        if grant.organisation_kind in PARTNER_KINDS
    }


def _of(organisations) -> Q:
    return Q(funder__in=organisations) | Q(provider__in=organisations)


def visible_dialogues(user, queryset: QuerySet | None = None) -> QuerySet:
    """Return the dialogues the user may see: all they work, approved ones they read."""
    queryset = QualityDialogue.objects.all() if queryset is None else queryset
    working = working_organisations(user)
    reading = reading_organisations(user) - working
    if not (working or reading):
        return queryset.none()
    condition = Q(pk__in=[])
    if working:
        condition |= _of(working)
    if reading:
        condition |= _of(reading) & Q(status=DialogueStatus.MINUTES_APPROVED)
    return queryset.filter(condition)


def worked_dialogues(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = QualityDialogue.objects.all() if queryset is None else queryset
    working = working_organisations(user)
    return queryset.filter(_of(working)) if working else queryset.none()


def get_dialogue_or_404(user, pk) -> QualityDialogue:
    """Return the dialogue if the user may see it; 404 otherwise."""
    dialogues = visible_dialogues(user).select_related(
        "funder", "provider", "agreement_version"
    )
    try:
        return dialogues.get(pk=pk)
    except (QualityDialogue.DoesNotExist, ValueError):
        raise Http404 from None


def working_sides(user, dialogue: QualityDialogue) -> list[str]:
    """Return the sides of the dialogue for which the user works."""
    working = working_organisations(user)
    return [
        side for side in Side.values if dialogue.organisation_id_of(side) in working
    ]


def approving_sides(user, dialogue: QualityDialogue) -> list[str]:
    approving = approving_organisations(user)
    return [
        side for side in Side.values if dialogue.organisation_id_of(side) in approving
    ]


def may_work(user, dialogue: QualityDialogue) -> bool:
    return bool(working_sides(user, dialogue))


def require_worker(user, dialogue: QualityDialogue, side: str | None = None):
    """Raise 403 unless the user works the dialogue (for the side, if given)."""
    sides = working_sides(user, dialogue)
    if not sides or (side is not None and side not in sides):
        raise PermissionDenied


def partner_organisations(user, organisation: Organisation) -> QuerySet:
    """Return the organisations with which the user's organisation has cases."""
    from dialoq.cases.models import Case

    if organisation.pk not in working_organisations(user):
        return Organisation.objects.none()
    if organisation.kind == "funder":
        ids = Case.objects.filter(funder=organisation).values("provider")
    elif organisation.kind == "provider":
        ids = Case.objects.filter(provider=organisation).values("funder")
    else:
        return Organisation.objects.none()
    return Organisation.objects.filter(pk__in=ids).order_by("name")
