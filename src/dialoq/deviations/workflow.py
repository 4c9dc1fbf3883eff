"""Writes to deviations: report, move through the workflow, actions, assign, comment.

Every change is one ``do_*`` function in one transaction that locks the
deviation's row, checks the user's right through ``dialoq.deviations.scoping``
and the workflow through ``TRANSITIONS``, and writes a ``DeviationEvent`` for
what it changed. Bad input raises a ``ValidationError`` with a clear message.

The steps and what each needs (ISO 9001 clause 10.2):

``reacted``          immediate correction (consequences optional)  work
``analysed``         causes and similar deviations                  work
``actions_planned``  at least one open action                       work
``implemented``      every action done or cancelled, one done       work
``reviewed``         effectiveness review text and a yes/no         verify
                     — "no" sends the deviation back to ``actions_planned``
                     (which needs an open action: plan it first)
``closed``           after a review that found the actions         verify
                     effective; or straight from ``reported`` or
                     ``reacted`` as unfounded (reason required) or
                     as healed (only after monitoring found it healed)

Four-eyes rule: nobody may confirm the effectiveness of actions that they
alone carried out (all done actions owned by them); another verifier has to.
Finding them ineffective is allowed to anybody who may verify.
"""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dialoq.accounts import scoping as account_scoping
from dialoq.accounts.models import Membership
from dialoq.accounts.roles import Action
from dialoq.deviations import scoping
from dialoq.deviations.models import (
    TRANSITIONS,
    ActionKind,
    ActionStatus,
    CorrectiveAction,
    Deviation,
    DeviationEvent,
    DeviationEventKind,
    DeviationSeverity,
    DeviationSource,
    DeviationStatus,
    Resolution,
)
from dialoq.notifications.services import notify

# Sources a person may report by hand; the others come from their own modules.
MANUAL_SOURCES = (DeviationSource.CRISIS, DeviationSource.AUDIT, DeviationSource.MANUAL)

# Which right each target status needs.
VERIFY_STEPS = frozenset({DeviationStatus.REVIEWED, DeviationStatus.CLOSED})


def default_due_on(severity, detected_on: date) -> date:
    """Return by when a deviation of this severity is to be closed."""
    days = settings.DEVIATION_DUE_DAYS
    return detected_on + timedelta(
        days=days.get(str(severity), days[DeviationSeverity.MEDIUM])
    )


def do_record_event(
    deviation, kind, *, actor=None, note="", from_status="", to_status=""
) -> DeviationEvent:
    """Write one entry of the deviation's history."""
    return DeviationEvent.objects.create(
        deviation=deviation,
        kind=kind,
        actor=actor,
        note=note,
        from_status=from_status,
        to_status=to_status,
    )


def is_member(user, organisation_id) -> bool:
    """Return whether the user holds an active membership in the organisation."""
    return (
        user is not None
        and Membership.objects.active()
        .filter(user=user, organisation_id=organisation_id, user__is_active=True)
        .exists()
    )


def assignable_people(deviation):
    """Return the people who may be made responsible for the deviation."""
    from dialoq.accounts.models import User

    members = Membership.objects.active().filter(
        organisation_id=deviation.owner_organisation_id
    )
    return (
        User.objects.filter(is_active=True, pk__in=members.values("user_id"))
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def action_owners(deviation):
    """Return the people who may own an action: members of any party concerned."""
    from dialoq.accounts.models import User

    organisations = {
        deviation.owner_organisation_id,
        deviation.funder_id,
        deviation.provider_id,
    } - {None}
    members = Membership.objects.active().filter(organisation_id__in=organisations)
    return (
        User.objects.filter(is_active=True, pk__in=members.values("user_id"))
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def required_action(to_status, deviation=None) -> Action:
    """Return the right needed to move a deviation to ``to_status``."""
    if to_status in VERIFY_STEPS:
        return Action.VERIFY_DEVIATION
    if (
        deviation is not None
        and to_status == DeviationStatus.ACTIONS_PLANNED
        and deviation.status == DeviationStatus.REVIEWED
    ):
        # Reopening a reviewed deviation overrides a verifier's finding.
        return Action.VERIFY_DEVIATION
    return Action.WORK_DEVIATION


def allowed_steps(user, deviation) -> list[str]:
    """Return the statuses this user may move the deviation to now."""
    return [
        status
        for status in deviation.next_statuses()
        if scoping.may(user, required_action(status, deviation), deviation)
    ]


def _deviation_url(deviation) -> str:
    return reverse("deviations:detail", args=[deviation.pk])


def _notify_owner(deviation, person, *, key: str, subject: str) -> None:
    notify(
        [person],
        key=key,
        subject=subject,
        body=_("Deviation %(number)s: %(title)s")
        % {"number": deviation.number, "title": deviation.title},
        url=_deviation_url(deviation),
    )


def _locked(deviation) -> Deviation:
    return Deviation.objects.select_for_update().get(pk=deviation.pk)


def _text(value) -> str:
    return (value or "").strip()


def do_report(
    user,
    *,
    source,
    title,
    severity=DeviationSeverity.MEDIUM,
    description="",
    case=None,
    owner_organisation=None,
    owner=None,
    standard_version=None,
    key_process=None,
    occurred_on=None,
    due_on=None,
) -> Deviation:
    """Record a deviation reported by hand (crisis, audit finding, manual report)."""
    if source not in MANUAL_SOURCES:
        raise ValidationError(
            _("Deviations of this source are recorded automatically, not by hand.")
        )
    if severity not in DeviationSeverity.values:
        raise ValidationError(_("Choose a valid severity."))
    title = _text(title)
    if not title:
        raise ValidationError(_("Say in a few words what deviates."))
    if len(title) > 300:
        raise ValidationError(_("The title may have at most 300 characters."))
    reportable = scoping.reportable_organisations(user)
    if not reportable:
        raise ValidationError(_("You may not report deviations."))
    today = timezone.localdate()
    if occurred_on is not None and occurred_on > today:
        raise ValidationError(_("The date it occurred cannot lie in the future."))

    funder = provider = provider_unit = None
    if case is not None:
        if not account_scoping.visible_cases(user).filter(pk=case.pk).exists():
            raise ValidationError(_("You cannot report a deviation on this case."))
        parties = {case.funder_id, case.provider_id}
        if not parties & reportable:
            raise ValidationError(_("You cannot report a deviation on this case."))
        if owner_organisation is None:
            mine = sorted(parties & reportable)
            owner_organisation_id = (
                case.provider_id if case.provider_id in mine else mine[0]
            )
        else:
            owner_organisation_id = owner_organisation.pk
        if owner_organisation_id not in parties | reportable:
            raise ValidationError(
                _(
                    "The responsible organisation must be the funder or the "
                    "provider of the case, or your own organisation."
                )
            )
        funder, provider, provider_unit = (
            case.funder,
            case.provider,
            case.provider_unit,
        )
    else:
        if owner_organisation is None:
            if len(reportable) != 1:
                raise ValidationError(_("Choose the responsible organisation."))
            owner_organisation_id = next(iter(reportable))
        else:
            owner_organisation_id = owner_organisation.pk
        if owner_organisation_id not in reportable:
            raise ValidationError(
                _("Without a case, the responsible organisation must be your own.")
            )
    from dialoq.accounts.models import Organisation

    organisation = Organisation.objects.get(pk=owner_organisation_id)
    if case is None:
        if organisation.kind == "funder":
            funder = organisation
        elif organisation.kind == "provider":
            provider = organisation

    if owner is None and case is not None:
        owner = (
            case.caseworker
            if owner_organisation_id == case.provider_id
            else case.case_manager
        )
        if owner is not None and not is_member(owner, owner_organisation_id):
            owner = None
    if owner is None and is_member(user, owner_organisation_id):
        owner = user
    if owner is not None and not is_member(owner, owner_organisation_id):
        raise ValidationError(
            _("The responsible person must belong to the responsible organisation.")
        )
    if due_on is not None and due_on < today:
        raise ValidationError(_("The date to close it by cannot lie in the past."))

    with transaction.atomic():
        deviation = Deviation.objects.create(
            source=source,
            severity=severity,
            title=title,
            description=_text(description),
            case=case,
            funder=funder,
            provider=provider,
            provider_unit=provider_unit,
            standard_version=standard_version,
            key_process=key_process
            or (standard_version.key_process if standard_version else None),
            occurred_on=occurred_on or today,
            owner_organisation=organisation,
            owner=owner,
            reported_by=user,
            due_on=due_on or default_due_on(severity, today),
        )
        do_record_event(
            deviation,
            DeviationEventKind.CREATED,
            actor=user,
            to_status=DeviationStatus.REPORTED,
        )
        if owner is not None and owner != user:
            _notify_owner(
                deviation,
                owner,
                key=f"deviation:{deviation.pk}:owner:{owner.pk}",
                subject=_("You are responsible for deviation %(number)s")
                % {"number": deviation.number},
            )
    return deviation


def _check_reacted(deviation, fields) -> str:
    correction = _text(fields.get("immediate_correction"))
    if not correction:
        raise ValidationError(
            _("Describe the immediate correction: what was done at once.")
        )
    deviation.immediate_correction = correction
    deviation.consequences = _text(fields.get("consequences"))
    return correction


def _check_analysed(deviation, fields) -> str:
    causes = _text(fields.get("cause_analysis"))
    similar = _text(fields.get("similar_deviations"))
    if not causes:
        raise ValidationError(_("Describe the causes of the deviation."))
    if not similar:
        raise ValidationError(
            _("Say whether similar deviations exist or could occur elsewhere.")
        )
    reason = fields.get("reason_category") or ""
    from dialoq.deviations.models import ReasonCategory

    if reason and reason not in ReasonCategory.values:
        raise ValidationError(_("Choose a valid reason."))
    deviation.cause_analysis = causes
    deviation.similar_deviations = similar
    deviation.reason_category = reason
    return f"{causes}\n\n{similar}"


def _check_actions_planned(deviation, fields) -> str:
    if not deviation.actions.filter(status=ActionStatus.OPEN).exists():
        raise ValidationError(
            _("Plan at least one corrective or preventive action first.")
        )
    return _text(fields.get("note"))


def _check_implemented(deviation, fields) -> str:
    actions = deviation.actions.all()
    if actions.filter(status=ActionStatus.OPEN).exists():
        raise ValidationError(
            _("Every action must be done or cancelled before this step.")
        )
    if not actions.filter(status=ActionStatus.DONE).exists():
        raise ValidationError(_("At least one action must have been carried out."))
    return _text(fields.get("note"))


def _check_reviewed(user, deviation, fields) -> str:
    review = _text(fields.get("effectiveness_review"))
    effective = fields.get("effective")
    if not review:
        raise ValidationError(
            _("Describe how the effectiveness of the actions was checked.")
        )
    if effective not in (True, False):
        raise ValidationError(_("Say whether the actions were effective."))
    if effective:
        owners = set(
            deviation.actions.filter(status=ActionStatus.DONE).values_list(
                "owner_id", flat=True
            )
        )
        if owners == {user.pk}:
            raise ValidationError(
                _(
                    "You carried out all actions yourself: somebody else has to "
                    "confirm their effectiveness."
                )
            )
    elif not deviation.actions.filter(status=ActionStatus.OPEN).exists():
        raise ValidationError(
            _(
                "The actions were not effective: plan at least one new action "
                "before recording the review."
            )
        )
    deviation.effectiveness_review = review
    deviation.effective = effective
    deviation.reviewed_by = user
    deviation.reviewed_at = timezone.now()
    return review


def _check_closed(deviation, fields) -> str:
    note = _text(fields.get("note"))
    if deviation.status == DeviationStatus.REVIEWED:
        if not (deviation.effective and deviation.reviewed_at):
            raise ValidationError(
                _("Only a deviation whose actions proved effective can be closed.")
            )
        deviation.resolution = Resolution.EFFECTIVE
        return note
    resolution = fields.get("resolution") or ""
    if resolution == Resolution.UNFOUNDED:
        if not note:
            raise ValidationError(
                _("Give the reason why this is not a deviation after all.")
            )
    elif resolution == Resolution.HEALED:
        if deviation.healed_at is None:
            raise ValidationError(
                _("Monitoring has not found this breach healed; it cannot be closed.")
            )
    else:
        raise ValidationError(
            _(
                "A deviation can be closed only after the effectiveness of its "
                "actions was reviewed, or as unfounded."
            )
        )
    deviation.resolution = resolution
    return note


def do_transition(user, deviation, to_status, **work_fields) -> Deviation:
    """Move the deviation to the next status, with the work that step needs.

    ``work_fields`` are the step's fields (``immediate_correction``,
    ``consequences``, ``cause_analysis``, ``similar_deviations``,
    ``reason_category``, ``effectiveness_review``, ``effective``,
    ``resolution``) and an optional ``note``.
    """
    if to_status not in DeviationStatus.values:
        raise ValidationError(_("This status does not exist."))
    to_status = DeviationStatus(to_status)
    with transaction.atomic():
        deviation = _locked(deviation)
        from_status = DeviationStatus(deviation.status)
        target = to_status
        if to_status not in TRANSITIONS[from_status]:
            raise ValidationError(
                _("A deviation cannot go from “%(from)s” to “%(to)s”.")
                % {"from": from_status.label, "to": to_status.label}
            )
        if not scoping.may(user, required_action(to_status, deviation), deviation):
            raise ValidationError(_("You may not take this step."))
        if to_status == DeviationStatus.REACTED:
            note = _check_reacted(deviation, work_fields)
        elif to_status == DeviationStatus.ANALYSED:
            note = _check_analysed(deviation, work_fields)
        elif to_status == DeviationStatus.ACTIONS_PLANNED:
            note = _check_actions_planned(deviation, work_fields)
        elif to_status == DeviationStatus.IMPLEMENTED:
            note = _check_implemented(deviation, work_fields)
        elif to_status == DeviationStatus.REVIEWED:
            note = _check_reviewed(user, deviation, work_fields)
            if not deviation.effective:
                target = DeviationStatus.ACTIONS_PLANNED
        else:
            note = _check_closed(deviation, work_fields)
            deviation.closed_at = timezone.now()
            deviation.closed_by = user
        deviation.status = target
        deviation.save()
        if to_status == DeviationStatus.REVIEWED and target != to_status:
            note = _("Not effective: %(review)s") % {"review": note}
        do_record_event(
            deviation,
            DeviationEventKind.STATUS,
            actor=user,
            note=note,
            from_status=from_status,
            to_status=target,
        )
    return deviation


def _workable(user, deviation) -> Deviation:
    if deviation.status == DeviationStatus.CLOSED:
        raise ValidationError(_("This deviation is closed."))
    if not scoping.may(user, Action.WORK_DEVIATION, deviation):
        raise ValidationError(_("You may not work on this deviation."))
    return deviation


def do_add_action(
    user,
    deviation,
    *,
    kind,
    description,
    owner,
    due_on,
    effectiveness_check="",
) -> CorrectiveAction:
    """Plan a corrective or preventive action with its owner and due date."""
    with transaction.atomic():
        deviation = _workable(user, _locked(deviation))
        if deviation.status in (DeviationStatus.REPORTED, DeviationStatus.REACTED):
            raise ValidationError(_("Analyse the causes before planning actions."))
        if kind not in ActionKind.values:
            raise ValidationError(_("Choose corrective or preventive action."))
        description = _text(description)
        if not description:
            raise ValidationError(_("Describe what is to be done."))
        if due_on is None:
            raise ValidationError(_("Give a due date for the action."))
        if due_on < timezone.localdate():
            raise ValidationError(_("The due date cannot lie in the past."))
        if owner is None or not action_owners(deviation).filter(pk=owner.pk).exists():
            raise ValidationError(
                _(
                    "The person responsible for the action must belong to an "
                    "organisation concerned by the deviation."
                )
            )
        action = CorrectiveAction.objects.create(
            deviation=deviation,
            kind=kind,
            description=description,
            effectiveness_check=_text(effectiveness_check),
            owner=owner,
            due_on=due_on,
            created_by=user,
        )
        do_record_event(
            deviation,
            DeviationEventKind.ACTION_ADDED,
            actor=user,
            note=f"{action.get_kind_display()}: {description}",
        )
        if owner != user:
            _notify_owner(
                deviation,
                owner,
                key=f"deviation:{deviation.pk}:action:{action.pk}",
                subject=_("An action for deviation %(number)s is yours")
                % {"number": deviation.number},
            )
    return action


def _open_action(user, action) -> tuple[Deviation, CorrectiveAction]:
    deviation = _workable(user, _locked(action.deviation))
    action = CorrectiveAction.objects.select_for_update().get(pk=action.pk)
    if action.status != ActionStatus.OPEN:
        raise ValidationError(_("This action is no longer open."))
    return deviation, action


def do_complete_action(user, action, *, done_on=None, note="") -> CorrectiveAction:
    """Record an action as done."""
    done_on = done_on or timezone.localdate()
    with transaction.atomic():
        deviation, action = _open_action(user, action)
        if done_on > timezone.localdate():
            raise ValidationError(_("The date done cannot lie in the future."))
        if done_on < action.created_at.date():
            raise ValidationError(
                _("The date done cannot lie before the action was planned.")
            )
        action.status = ActionStatus.DONE
        action.done_on = done_on
        action.save(update_fields=["status", "done_on"])
        do_record_event(
            deviation,
            DeviationEventKind.ACTION_DONE,
            actor=user,
            note="\n\n".join(
                part for part in (action.description, _text(note)) if part
            ),
        )
    return action


def do_cancel_action(user, action, *, reason) -> CorrectiveAction:
    """Cancel an open action, with the reason (kept as a comment in the history)."""
    reason = _text(reason)
    if not reason:
        raise ValidationError(_("Give the reason for cancelling the action."))
    with transaction.atomic():
        deviation, action = _open_action(user, action)
        action.status = ActionStatus.CANCELLED
        action.save(update_fields=["status"])
        do_record_event(
            deviation,
            DeviationEventKind.COMMENT,
            actor=user,
            note=_("Action cancelled: %(action)s — reason: %(reason)s")
            % {"action": action.description, "reason": reason},
        )
    return action


def do_assign(user, deviation, owner) -> Deviation:
    """Make a member of the responsible organisation responsible for the deviation."""
    with transaction.atomic():
        deviation = _workable(user, _locked(deviation))
        if owner is None or not is_member(owner, deviation.owner_organisation_id):
            raise ValidationError(
                _("The responsible person must belong to the responsible organisation.")
            )
        if owner.pk == deviation.owner_id:
            return deviation
        deviation.owner = owner
        deviation.save(update_fields=["owner"])
        event = do_record_event(
            deviation,
            DeviationEventKind.ASSIGNED,
            actor=user,
            note=owner.get_full_name() or owner.get_username(),
        )
        if owner != user:
            _notify_owner(
                deviation,
                owner,
                key=f"deviation:{deviation.pk}:assigned:{event.pk}",
                subject=_("You are responsible for deviation %(number)s")
                % {"number": deviation.number},
            )
    return deviation


def do_comment(user, deviation, text) -> DeviationEvent:
    """Add a comment to the deviation's history."""
    text = _text(text)
    if not text:
        raise ValidationError(_("The comment is empty."))
    if len(text) > 5000:
        raise ValidationError(_("A comment may have at most 5,000 characters."))
    with transaction.atomic():
        deviation = _locked(deviation)
        if not scoping.may(user, Action.WORK_DEVIATION, deviation):
            raise ValidationError(_("You may not comment on this deviation."))
        return do_record_event(
            deviation, DeviationEventKind.COMMENT, actor=user, note=text
        )
