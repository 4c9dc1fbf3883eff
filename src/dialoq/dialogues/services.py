"""Writes of the quality dialogue: one ``do_*`` function per step, each in one
transaction, each checking who acts through ``access``.

planned → (``do_freeze_pack``) pack frozen → (``do_request_statements``)
statements → (``do_hold_meeting``) meeting held → (``do_approve_minutes`` by
both sides) minutes approved. Raise ``DialogueError`` with a message for the
user when the rules do not allow a write, ``PermissionDenied`` when the user
may not act at all.
"""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from dialoq.accounts.models import Membership, Organisation

from . import access, evidence
from .models import (
    PREPARATION_STATUSES,
    STATEMENT_STATUSES,
    ActionStatus,
    AgendaItem,
    AgendaKind,
    AgreedAction,
    Assessment,
    AssessmentCategory,
    DialogueStatus,
    Effectiveness,
    EvidencePack,
    MinutesApproval,
    Participant,
    QualityDialogue,
    Side,
    Statement,
    sha256_of,
)


class DialogueError(Exception):
    """A write that the rules do not allow; the message is for the user."""


def side_label(side: str) -> str:
    return _("funder") if side == Side.FUNDER else _("provider")


def _locked(dialogue) -> QualityDialogue:
    return (
        QualityDialogue.objects.select_for_update(of=("self",))
        .select_related("funder", "provider", "agreement_version")
        .get(pk=dialogue.pk)
    )


def _refresh(dialogue, locked):
    dialogue.refresh_from_db()
    return locked


# --- planning ------------------------------------------------------------------


def do_create_dialogue(
    user,
    *,
    own: Organisation,
    partner: Organisation,
    period_start: date,
    period_end: date,
    planned_date: date,
    location: str = "",
) -> QualityDialogue:
    """Plan a dialogue of the user's organisation and a partner about a period."""
    from dialoq.agreements.in_force import agreement_in_force
    from dialoq.agreements.models import AgreementVersion

    if own.pk not in access.working_organisations(user):
        raise PermissionDenied
    if not access.partner_organisations(user, own).filter(pk=partner.pk).exists():
        raise DialogueError(
            _("The partner must be an organisation with cases in common.")
        )
    if period_end < period_start:
        raise DialogueError(_("The period must end on or after its first day."))
    if planned_date < period_start:
        raise DialogueError(
            _("The dialogue cannot take place before its period begins.")
        )
    funder, provider = (own, partner) if own.kind == "funder" else (partner, own)
    with transaction.atomic():
        overlapping = (
            QualityDialogue.objects.select_for_update()
            .of_pair(funder, provider)
            .filter(period_start__lte=period_end, period_end__gte=period_start)
        )
        if overlapping.exists():
            raise DialogueError(
                _("These partners already have a dialogue about an overlapping period.")
            )
        try:
            version = agreement_in_force(funder, provider, period_end)
        except AgreementVersion.MultipleObjectsReturned:  # link none rather than guess
            version = None
        return QualityDialogue.objects.create(
            funder=funder,
            provider=provider,
            agreement_version=version,
            period_start=period_start,
            period_end=period_end,
            planned_date=planned_date,
            location=location.strip(),
            created_by=user,
        )


def do_reschedule(user, dialogue, *, planned_date: date, location: str) -> None:
    """Move a dialogue that has not been held to another day or place."""
    access.require_worker(user, dialogue)
    with transaction.atomic():
        locked = _locked(dialogue)
        if locked.status in (
            DialogueStatus.MEETING_HELD,
            DialogueStatus.MINUTES_APPROVED,
        ):
            raise DialogueError(_("A dialogue that has been held is not rescheduled."))
        if planned_date < locked.period_start:
            raise DialogueError(
                _("The dialogue cannot take place before its period begins.")
            )
        locked.planned_date = planned_date
        locked.location = location.strip()
        locked.save(update_fields=["planned_date", "location"])
    dialogue.refresh_from_db()


# --- the evidence pack -------------------------------------------------------------


def do_freeze_pack(user, dialogue, *, now=None) -> EvidencePack:
    """Gather the evidence now, freeze it and propose the agenda from it."""
    access.require_worker(user, dialogue)
    with transaction.atomic():
        locked = _locked(dialogue)
        if locked.status != DialogueStatus.PLANNED:
            raise DialogueError(
                _("The evidence pack of this dialogue is frozen already.")
            )
        content = evidence.gather(locked)
        pack = EvidencePack.objects.create(
            dialogue=locked,
            content=content,
            frozen_at=now or timezone.now(),
            frozen_by=user,
        )
        _propose_agenda(locked, content)
        locked.status = DialogueStatus.PACK_FROZEN
        locked.save(update_fields=["status"])
    dialogue.refresh_from_db()
    return pack


def _propose_agenda(dialogue, content) -> None:
    """Write the agenda the pack suggests: results, flags, proposals, last actions."""
    from dialoq.deviations.models import ReviewFlagStatus, StandardReviewFlag
    from dialoq.self_assessment.models import AgendaProposal, ProposalStatus
    from dialoq.self_assessment.services import agenda_proposals

    proposals = list(agenda_proposals(dialogue.funder, dialogue.provider))
    items = [
        (
            AgendaKind.CONSPICUOUS_RESULT,
            " – ".join(filter(None, [line["title"], line["stratum_label"]])),
            line["key"],
        )
        for line in content["indicators"]
        if line["conspicuous"]
    ]
    items += [
        (AgendaKind.REVIEW_FLAG, flag["standard"], flag["key"])
        for flag in content["review_flags"]
    ]
    items += [
        (
            AgendaKind.SELF_ASSESSMENT,
            f"{proposal.item.code} {proposal.item.title}",
            str(proposal.pk),
        )
        for proposal in proposals
    ]
    if content["previous_actions"]:
        items.append(
            (
                AgendaKind.ACTION_REVIEW,
                _("Effectiveness of the actions agreed last time"),
                "",
            )
        )
    for number, (kind, title, reference) in enumerate(items, start=1):
        AgendaItem.objects.create(
            dialogue=dialogue,
            number=number,
            kind=kind,
            title=title[:300],
            reference=reference,
        )
    # What is now on an agenda is no longer waiting for one.
    AgendaProposal.objects.filter(
        pk__in=[proposal.pk for proposal in proposals], status=ProposalStatus.OPEN
    ).update(status=ProposalStatus.ON_AGENDA)
    StandardReviewFlag.objects.filter(
        pk__in=[int(flag["key"]) for flag in content["review_flags"]],
        status=ReviewFlagStatus.OPEN,
    ).update(status=ReviewFlagStatus.ON_AGENDA)


def conspicuous_keys(dialogue) -> list[str]:
    pack = getattr(dialogue, "pack", None)
    return [line["key"] for line in pack.conspicuous_lines()] if pack else []


def _check_result(dialogue, result_key: str) -> None:
    if result_key not in conspicuous_keys(dialogue):
        raise DialogueError(_("This is not a conspicuous result of the evidence pack."))


# --- statements ---------------------------------------------------------------


def do_request_statements(user, dialogue, *, due_on: date, today=None) -> None:
    """Ask the provider for statements on the conspicuous results by a date."""
    access.require_worker(user, dialogue, Side.FUNDER)
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = _locked(dialogue)
        if locked.status != DialogueStatus.PACK_FROZEN:
            raise DialogueError(_("Statements are requested after the pack is frozen."))
        if not conspicuous_keys(locked):
            raise DialogueError(_("The evidence pack has no conspicuous result."))
        if due_on < today or due_on > locked.planned_date:
            raise DialogueError(
                _("The statements must be due between today and the dialogue's date.")
            )
        locked.status = DialogueStatus.STATEMENTS
        locked.statements_due_on = due_on
        locked.save(update_fields=["status", "statements_due_on"])
    dialogue.refresh_from_db()


def _write_statement(user, dialogue, result_key, side, text) -> Statement:
    access.require_worker(user, dialogue, side)
    text = text.strip()
    with transaction.atomic():
        locked = _locked(dialogue)
        if locked.status not in STATEMENT_STATUSES:
            raise DialogueError(
                _("Statements and notes are written before the meeting is held.")
            )
        _check_result(locked, result_key)
        statement, _created = Statement.objects.get_or_create(
            dialogue=locked, result_key=result_key
        )
        now = timezone.now()
        if side == Side.PROVIDER:
            statement.provider_text = text
            statement.provider_author = user
            statement.provider_at = now
        else:
            statement.funder_notes = text
            statement.funder_author = user
            statement.funder_at = now
        statement.save()
    return statement


def do_write_statement(user, dialogue, result_key: str, text: str) -> Statement:
    """Write the provider's statement on a conspicuous result."""
    return _write_statement(user, dialogue, result_key, Side.PROVIDER, text)


def do_write_notes(user, dialogue, result_key: str, text: str) -> Statement:
    """Write the funder's notes on a conspicuous result."""
    return _write_statement(user, dialogue, result_key, Side.FUNDER, text)


# --- the meeting ----------------------------------------------------------------------


def _editable(user, dialogue, statuses) -> QualityDialogue:
    """Lock the dialogue for a change of its meeting; refuse if it cannot change."""
    access.require_worker(user, dialogue)
    locked = _locked(dialogue)
    if locked.status == DialogueStatus.MINUTES_APPROVED:
        raise DialogueError(_("The minutes are approved: they can no longer change."))
    if locked.status not in statuses:
        raise DialogueError(_("This part of the dialogue cannot be changed now."))
    if locked.approvals.exists():
        raise DialogueError(
            _(
                "One side has approved the minutes. Its approval must be withdrawn "
                "before anything changes."
            )
        )
    return locked


def do_add_agenda_item(user, dialogue, title: str) -> AgendaItem:
    title = title.strip()
    if not title:
        raise DialogueError(_("Give the agenda item a title."))
    with transaction.atomic():
        locked = _editable(user, dialogue, PREPARATION_STATUSES)
        last = locked.agenda_items.aggregate(n=Max("number"))["n"] or 0
        return AgendaItem.objects.create(
            dialogue=locked, number=last + 1, kind=AgendaKind.FREE, title=title
        )


def do_remove_agenda_item(user, item: AgendaItem) -> None:
    with transaction.atomic():
        _editable(user, item.dialogue, PREPARATION_STATUSES)
        item.delete()


def do_add_participant(
    user, dialogue, *, person=None, name="", organisation="", function=""
) -> Participant:
    """Add a user of either partner, or a guest by name, organisation and role."""
    name, organisation, function = name.strip(), organisation.strip(), function.strip()
    with transaction.atomic():
        locked = _editable(user, dialogue, PREPARATION_STATUSES)
        if person is not None:
            memberships = Membership.objects.active().filter(
                user=person, organisation__in=[locked.funder_id, locked.provider_id]
            )
            membership = memberships.select_related("organisation").first()
            if membership is None:
                raise DialogueError(
                    _("Only members of the two partners can be added as users.")
                )
            if locked.participants.filter(user=person).exists():
                raise DialogueError(_("This person is already listed."))
            organisation = organisation or membership.organisation.name
            function = function or membership.get_role_display()
        elif not name or not organisation:
            raise DialogueError(_("Give the guest's name and organisation."))
        return Participant.objects.create(
            dialogue=locked,
            user=person,
            name="" if person is not None else name,
            organisation=organisation,
            function=function,
        )


def do_remove_participant(user, participant: Participant) -> None:
    with transaction.atomic():
        _editable(user, participant.dialogue, PREPARATION_STATUSES)
        participant.delete()


def do_hold_meeting(user, dialogue, *, held_on: date, location: str = "", today=None):
    """Record that the meeting took place; minutes can be written from now on."""
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = _editable(user, dialogue, STATEMENT_STATUSES)
        if held_on > today:
            raise DialogueError(
                _("A meeting cannot be recorded before it has taken place.")
            )
        if held_on < locked.period_start:
            raise DialogueError(
                _("The meeting cannot be before the dialogue's period.")
            )
        locked.status = DialogueStatus.MEETING_HELD
        locked.held_on = held_on
        if location.strip():
            locked.location = location.strip()
        locked.save(update_fields=["status", "held_on", "location"])
    dialogue.refresh_from_db()


def do_write_minutes(user, item: AgendaItem, text: str) -> AgendaItem:
    with transaction.atomic():
        _editable(user, item.dialogue, (DialogueStatus.MEETING_HELD,))
        item.minutes = text.strip()
        item.minutes_by = user
        item.minutes_at = timezone.now()
        item.save()
    return item


def do_assess(user, dialogue, result_key: str, category: str, reasoning: str):
    """Record how the partners assess a conspicuous result, with the reasoning."""
    reasoning = reasoning.strip()
    if category not in AssessmentCategory.values:
        raise DialogueError(_("Choose one of the assessment categories."))
    if not reasoning:
        raise DialogueError(_("Give the reasoning for the assessment."))
    with transaction.atomic():
        locked = _editable(user, dialogue, (DialogueStatus.MEETING_HELD,))
        _check_result(locked, result_key)
        assessment = Assessment.objects.filter(dialogue=locked, result_key=result_key)
        assessment = assessment.first() or Assessment(
            dialogue=locked, result_key=result_key
        )
        assessment.category = category
        assessment.reasoning = reasoning
        assessment.recorded_by = user
        assessment.recorded_at = timezone.now()
        assessment.save()
    return assessment


def do_agree_action(
    user,
    dialogue,
    *,
    description: str,
    owner,
    owner_organisation: Organisation,
    due_on: date,
    effectiveness_check: str,
    result_key: str = "",
) -> AgreedAction:
    """Record a target agreement: what, who, by when, how its effect is checked."""
    description, effectiveness_check = description.strip(), effectiveness_check.strip()
    if not description or not effectiveness_check:
        raise DialogueError(
            _("Say what is to be done and how its effectiveness will be checked.")
        )
    with transaction.atomic():
        locked = _editable(user, dialogue, (DialogueStatus.MEETING_HELD,))
        if owner_organisation.pk not in (locked.funder_id, locked.provider_id):
            raise DialogueError(
                _("The responsible organisation must be one of the partners.")
            )
        if (
            not Membership.objects.active()
            .filter(user=owner, organisation=owner_organisation)
            .exists()
        ):
            raise DialogueError(
                _("The responsible person must belong to the responsible organisation.")
            )
        if due_on <= locked.held_on:
            raise DialogueError(_("The action must be due after the meeting."))
        if result_key:
            _check_result(locked, result_key)
        last = locked.agreed_actions.aggregate(n=Max("number"))["n"] or 0
        return AgreedAction.objects.create(
            dialogue=locked,
            number=last + 1,
            description=description,
            result_key=result_key,
            owner=owner,
            owner_organisation=owner_organisation,
            due_on=due_on,
            effectiveness_check=effectiveness_check,
            created_by=user,
        )


def do_remove_agreed_action(user, action: AgreedAction) -> None:
    with transaction.atomic():
        _editable(user, action.dialogue, (DialogueStatus.MEETING_HELD,))
        action.delete()


def do_review_action(user, dialogue, action: AgreedAction, verdict: str, note: str):
    """Record at this dialogue whether an action agreed last time worked."""
    note = note.strip()
    if verdict not in Effectiveness.values:
        raise DialogueError(_("Choose whether the action was effective."))
    if not note:
        raise DialogueError(_("Give the reasoning for the effectiveness verdict."))
    with transaction.atomic():
        locked = _editable(user, dialogue, (DialogueStatus.MEETING_HELD,))
        if not evidence.actions_to_review(locked).filter(pk=action.pk).exists():
            raise DialogueError(_("This action is not one to review in this dialogue."))
        action = AgreedAction.objects.select_for_update().get(pk=action.pk)
        action.verdict = verdict
        action.verdict_note = note
        action.reviewed_in = locked
        action.reviewed_by = user
        action.save()
    return action


def do_track_action(
    user, action: AgreedAction, *, status: str, done_on=None, today=None
):
    """Mark an agreed action done, cancelled or open again, by its organisation."""
    today = today or timezone.localdate()
    if action.owner_organisation_id not in access.working_organisations(user) and (
        action.owner_id != user.pk
    ):
        raise PermissionDenied
    if status not in ActionStatus.values:
        raise DialogueError(_("Choose a status."))
    if status == ActionStatus.DONE:
        done_on = done_on or today
        if done_on > today:
            raise DialogueError(_("An action cannot be done in the future."))
    else:
        done_on = None
    with transaction.atomic():
        action = AgreedAction.objects.select_for_update().get(pk=action.pk)
        if action.reviewed_in_id is not None:
            raise DialogueError(_("This action has been reviewed; it stays as it was."))
        action.status = status
        action.done_on = done_on
        action.save()
    return action


# --- approval -----------------------------------------------------------------


def minutes_content(dialogue) -> dict:
    """Return the minutes as data: what both sides approve, and what is hashed."""
    return {
        "dialogue": dialogue.pk,
        "pack_sha256": dialogue.pack.sha256,
        "held_on": dialogue.held_on.isoformat() if dialogue.held_on else None,
        "location": dialogue.location,
        "participants": [
            [p.user_id, p.name, p.organisation, p.function]
            for p in dialogue.participants.all()
        ],
        "statements": [
            [s.result_key, s.provider_text, s.funder_notes]
            for s in dialogue.statements.all()
        ],
        "agenda": [
            [item.number, item.kind, item.title, item.reference, item.minutes]
            for item in dialogue.agenda_items.all()
        ],
        "assessments": [
            [a.result_key, a.category, a.reasoning] for a in dialogue.assessments.all()
        ],
        "actions": [
            [
                a.number,
                a.description,
                a.result_key,
                a.owner_id,
                a.owner_organisation_id,
                a.due_on.isoformat(),
                a.effectiveness_check,
            ]
            for a in dialogue.agreed_actions.all()
        ],
        "reviews": [
            [a.pk, a.verdict, a.verdict_note]
            for a in dialogue.reviewed_actions.order_by("pk")
        ],
    }


def missing_assessments(dialogue) -> list[str]:
    assessed = set(dialogue.assessments.values_list("result_key", flat=True))
    return [key for key in conspicuous_keys(dialogue) if key not in assessed]


def _approving_side(user, dialogue, requested) -> str:
    allowed = access.approving_sides(user, dialogue)
    if requested:
        if requested not in allowed:
            raise PermissionDenied
        return requested
    open_sides = [
        side for side in allowed if not dialogue.approvals.filter(side=side).exists()
    ]
    if not allowed:
        raise PermissionDenied
    if len(open_sides) > 1:
        raise DialogueError(
            _("You belong to both sides of this dialogue: choose your side.")
        )
    return (open_sides or allowed)[0]


def do_approve_minutes(user, dialogue, *, side: str | None = None, now=None):
    """Approve the minutes for the user's side; the second approval locks them."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(dialogue)
        side = _approving_side(user, locked, side)
        if locked.status == DialogueStatus.MINUTES_APPROVED:
            raise DialogueError(_("The minutes are approved already."))
        if locked.status != DialogueStatus.MEETING_HELD:
            raise DialogueError(_("Minutes can be approved once the meeting is held."))
        missing = missing_assessments(locked)
        if missing:
            raise DialogueError(
                _(
                    "Every conspicuous result must be assessed before the minutes "
                    "are approved (%(count)d not yet)."
                )
                % {"count": len(missing)}
            )
        given = list(locked.approvals.all())
        if any(approval.user_id == user.pk for approval in given):
            raise DialogueError(
                _(
                    "You have approved these minutes already. The other side must "
                    "approve them through another person."
                )
            )
        if any(approval.side == side for approval in given):
            raise DialogueError(
                _("The %(side)s has approved these minutes already.")
                % {"side": side_label(side)}
            )
        digest = sha256_of(minutes_content(locked))
        if any(approval.minutes_sha256 != digest for approval in given):
            raise DialogueError(
                _("The minutes changed after the other side approved them.")
            )
        approval = MinutesApproval(
            dialogue=locked,
            side=side,
            organisation_id=locked.organisation_id_of(side),
            user=user,
            approved_at=now,
            minutes_sha256=digest,
        )
        approval._given_through_service = True
        try:
            with transaction.atomic():
                approval.save()
        except IntegrityError:
            raise DialogueError(
                _("The minutes have just been approved for this side.")
            ) from None
        if {a.side for a in given} | {side} == set(Side.values):
            locked.status = DialogueStatus.MINUTES_APPROVED
            locked.approved_at = now
            locked.minutes_sha256 = digest
            locked.save(update_fields=["status", "approved_at", "minutes_sha256"])
    dialogue.refresh_from_db()
    return approval


def do_withdraw_approval(user, dialogue) -> None:
    """Withdraw the user's own approval while the other side has not approved."""
    with transaction.atomic():
        locked = _locked(dialogue)
        if locked.status == DialogueStatus.MINUTES_APPROVED:
            raise DialogueError(
                _("The minutes are approved: they can no longer change.")
            )
        approval = locked.approvals.filter(user=user).first()
        if approval is None:
            raise DialogueError(_("You have not approved these minutes."))
        approval._withdrawn_through_service = True
        approval.delete()


def minutes_intact(dialogue) -> bool:
    """Return whether approved minutes still have the hash they were approved with."""
    if dialogue.status != DialogueStatus.MINUTES_APPROVED:
        return True
    return sha256_of(minutes_content(dialogue)) == dialogue.minutes_sha256
