"""Writes of the self-assessment (``do_*``, each in one transaction) and reads
other apps use: ``agenda_proposals`` for the quality dialogue and
``upcoming_self_assessments`` for a calendar."""

import calendar
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dialoq.accounts.models import Organisation
from dialoq.self_assessment import access, scoring
from dialoq.self_assessment.models import (
    AgendaProposal,
    Answer,
    Item,
    ProposalStatus,
    Response,
    Round,
    RoundStatus,
    Side,
    TemplateVersion,
    VersionStatus,
)


class SelfAssessmentError(Exception):
    """A write that the rules do not allow; the message is for the user."""


# --- reading ------------------------------------------------------------------


def items_of(round_: Round) -> list[Item]:
    """Return the round's items in questionnaire order, with their criteria."""
    return list(
        Item.objects.filter(criterion__version=round_.template_version)
        .select_related("criterion")
        .order_by("criterion__order", "order")
    )


def answers_by_item(response: Response) -> dict[int, Answer]:
    return {answer.item_id: answer for answer in response.answers.all()}


def item_value(round_: Round, item: Item, answer: Answer | None) -> float | None:
    """Return the answer's value in the item's unit; None if not (fully) answered."""
    if answer is None:
        return None
    return scoring.native_value(item.scheme, round_.method, answer.values())


def missing_items(round_: Round, response: Response) -> list[Item]:
    """Return the items of the round the response has not fully answered."""
    answers = answers_by_item(response)
    return [
        item
        for item in items_of(round_)
        if item_value(round_, item, answers.get(item.pk)) is None
    ]


def in_force_versions():
    return TemplateVersion.objects.filter(status=VersionStatus.IN_FORCE).order_by(
        "template__key"
    )


# --- writing ------------------------------------------------------------------


def do_start_round(
    user,
    *,
    own: Organisation,
    partner: Organisation,
    template_version: TemplateVersion,
    method: str,
    due_date: date,
    period_label: str = "",
) -> Round:
    """Start a round of the user's organisation and a partner, with both responses."""
    if own.pk not in access.answering_organisations(user):
        raise SelfAssessmentError(
            _("You cannot start a self-assessment for this organisation.")
        )
    if not access.partner_organisations(user, own).filter(pk=partner.pk).exists():
        raise SelfAssessmentError(
            _("The partner must be an organisation with cases in common.")
        )
    funder, provider = (own, partner) if own.kind == "funder" else (partner, own)
    with transaction.atomic():
        if (
            Round.objects.select_for_update()
            .filter(funder=funder, provider=provider)
            .exclude(status=RoundStatus.CLOSED)
            .exists()
        ):
            raise SelfAssessmentError(
                _(
                    "These partners already have a self-assessment that is not "
                    "closed; close it before starting the next."
                )
            )
        round_ = Round.objects.create(
            funder=funder,
            provider=provider,
            template_version=template_version,
            method=method,
            due_date=due_date,
            period_label=period_label.strip(),
            created_by=user,
        )
        Response.objects.bulk_create(
            Response(round=round_, side=side) for side in Side.values
        )
    return round_


def _locked_response(round_: Round, side: str) -> Response:
    return Response.objects.select_for_update().get(round=round_, side=side)


def do_save_answers(user, round_: Round, side: str, answers: dict[int, dict]) -> int:
    """Store a side's draft answers for some items; return how many were stored.

    ``answers`` maps item ids to their numbers (``scoring.score_fields``) and
    ``evidence``. A submitted response cannot change.
    """
    access.require_answerer(user, round_, side)
    items = {item.pk: item for item in items_of(round_)}
    unknown = set(answers) - set(items)
    if unknown:
        raise SelfAssessmentError(
            _("An answer names an item of another questionnaire.")
        )
    now = timezone.now()
    with transaction.atomic():
        response = _locked_response(round_, side)
        if response.is_submitted:
            raise SelfAssessmentError(
                _("Your side has submitted its answers; they can no longer change.")
            )
        existing = answers_by_item(response)
        for item_id, given in answers.items():
            item = items[item_id]
            fields = scoring.score_fields(item.scheme, round_.method)
            values = {name: given.get(name) for name in fields}
            for value in values.values():
                if value is not None:
                    scoring.check_number(item.scheme, value)
            answer = existing.get(item_id) or Answer(response=response, item=item)
            for name in Answer.NUMBER_FIELDS:
                setattr(answer, name, values.get(name))
            answer.evidence = (given.get("evidence") or "").strip()
            answer.updated_at = now
            answer.updated_by = user
            answer.save()
    return len(answers)


def do_submit(user, round_: Round, side: str) -> Response:
    """Submit a side's answers; when both sides have, open the comparison."""
    access.require_answerer(user, round_, side)
    with transaction.atomic():
        locked_round = Round.objects.select_for_update().get(pk=round_.pk)
        response = _locked_response(round_, side)
        if response.is_submitted:
            raise SelfAssessmentError(_("Your side has already submitted its answers."))
        if locked_round.status == RoundStatus.CLOSED:
            raise SelfAssessmentError(_("This self-assessment is closed."))
        missing = missing_items(locked_round, response)
        if missing:
            raise SelfAssessmentError(
                ngettext(
                    "%(count)d item is not fully answered yet (%(code)s); "
                    "answer every item before submitting.",
                    "%(count)d items are not fully answered yet (first: %(code)s); "
                    "answer every item before submitting.",
                    len(missing),
                )
                % {"count": len(missing), "code": missing[0].code}
            )
        response.submitted_at = timezone.now()
        response.submitted_by = user
        response.save(update_fields=["submitted_at", "submitted_by"])
        others = Response.objects.filter(round=locked_round).exclude(pk=response.pk)
        if all(other.is_submitted for other in others):
            locked_round.status = RoundStatus.SUBMITTED
            locked_round.save(update_fields=["status"])
    round_.refresh_from_db()
    return response


def do_close_round(user, round_: Round) -> Round:
    """Close a round both sides have submitted; the next one falls due from now."""
    if not access.answering_sides(user, round_):
        raise SelfAssessmentError(
            _("Only the partners' QM officers and managers close it.")
        )
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round_.pk)
        if locked.status != RoundStatus.SUBMITTED:
            raise SelfAssessmentError(
                _("A self-assessment can be closed once both sides have submitted.")
            )
        locked.status = RoundStatus.CLOSED
        locked.closed_at = timezone.now()
        locked.closed_by = user
        locked.save(update_fields=["status", "closed_at", "closed_by"])
    round_.refresh_from_db()
    return round_


def do_propose_for_agenda(user, round_: Round, item: Item, note: str) -> AgendaProposal:
    """Propose an item of a compared round for the next quality dialogue."""
    sides = access.answering_sides(user, round_)
    if not sides:
        raise SelfAssessmentError(
            _("Only the partners' QM officers and managers propose agenda items.")
        )
    if not round_.answers_visible_to_both:
        raise SelfAssessmentError(
            _("Items can be proposed once both sides have submitted.")
        )
    if item.criterion.version_id != round_.template_version_id:
        raise SelfAssessmentError(_("This item is not part of the self-assessment."))
    with transaction.atomic():
        Round.objects.select_for_update().get(pk=round_.pk)
        if AgendaProposal.objects.filter(
            round=round_, item=item, status=ProposalStatus.OPEN
        ).exists():
            raise SelfAssessmentError(
                _("This item is already proposed for the next quality dialogue.")
            )
        return AgendaProposal.objects.create(
            round=round_, item=item, side=sides[0], proposed_by=user, note=note.strip()
        )


def agenda_proposals(funder: Organisation, provider: Organisation):
    """Return the open agenda proposals of the pair's self-assessments, oldest first.

    The quality dialogue reads these; it is not scoped by user, so callers
    check that the user may prepare the dialogue of this pair.
    """
    return (
        AgendaProposal.objects.filter(
            round__funder=funder, round__provider=provider, status=ProposalStatus.OPEN
        )
        .select_related("round", "item__criterion", "proposed_by")
        .order_by("created_at")
    )


# --- due dates --------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """Return the same day so many months later (the month's last day if shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class DueSelfAssessment:
    """A self-assessment of a funder and a provider that is due."""

    funder: Organisation
    provider: Organisation
    due_date: date
    round: Round | None  # the round under way, if one is
    never_assessed: bool = False


def upcoming_self_assessments(user) -> list[DueSelfAssessment]:
    """Return, for each partner pair of the user's organisations, the next due date.

    A round under way is due on its own date; otherwise the next falls due
    ``SELF_ASSESSMENT_INTERVAL_MONTHS`` after the last closed round, or today
    if the pair has never assessed itself.
    """
    from dialoq.cases.models import Case

    organisations = access.reading_organisations(user)
    if not organisations:
        return []
    mine = Q(funder__in=organisations) | Q(provider__in=organisations)
    pairs = set(Case.objects.filter(mine).values_list("funder", "provider").distinct())
    rounds = list(
        access.visible_rounds(user)
        .order_by("created_at")
        .select_related("funder", "provider")
    )
    pairs |= {(r.funder_id, r.provider_id) for r in rounds}
    by_id = Organisation.objects.in_bulk({pk for pair in pairs for pk in pair})
    today = timezone.localdate()
    interval = settings.SELF_ASSESSMENT_INTERVAL_MONTHS
    due = []
    for funder_id, provider_id in pairs:
        own = [
            r
            for r in rounds
            if (r.funder_id, r.provider_id) == (funder_id, provider_id)
        ]
        current = next((r for r in own if r.status != RoundStatus.CLOSED), None)
        closed = [r for r in own if r.status == RoundStatus.CLOSED]
        if current is not None:
            entry = DueSelfAssessment(
                by_id[funder_id], by_id[provider_id], current.due_date, current
            )
        elif closed:
            last = max(r.closed_at for r in closed)
            entry = DueSelfAssessment(
                by_id[funder_id],
                by_id[provider_id],
                add_months(timezone.localdate(last), interval),
                None,
            )
        else:
            entry = DueSelfAssessment(
                by_id[funder_id], by_id[provider_id], today, None, never_assessed=True
            )
        due.append(entry)
    return sorted(due, key=lambda e: (e.due_date, e.funder.name, e.provider.name))
