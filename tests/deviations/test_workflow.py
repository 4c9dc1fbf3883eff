"""The workflow of a deviation: each step, its work, its roles, its history."""

import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from dialoq.accounts.roles import Role
from dialoq.deviations import workflow
from dialoq.deviations.models import (
    TRANSITIONS,
    ActionStatus,
    CorrectiveAction,
    Deviation,
    DeviationEvent,
    DeviationEventKind,
    DeviationStatus,
    Resolution,
)
from dialoq.notifications.models import Notification
from tests import factories
from tests.deviations.factories import make_deviation, make_standard_version

S = DeviationStatus
TODAY = timezone.localdate()


def said(message, params=None):
    """Return a pattern for the message exactly as the active language says it."""
    text = gettext(message)
    return re.escape(text if params is None else text % params)


def cannot_go(from_status, to_status):
    """Return the pattern of the refusal of a step outside the transitions."""
    return said(
        "A deviation cannot go from “%(from)s” to “%(to)s”.",
        {"from": S(from_status).label, "to": S(to_status).label},
    )


MAY_NOT_STEP = "You may not take this step."


@pytest.fixture
def qm(world):
    """QM officers of the funder and of provider A, and a manager of provider A."""
    return SimpleNamespace(
        funder=factories.make_user(
            "qm_funder", role=Role.QM_OFFICER, organisation=world.funder
        ),
        provider_a=factories.make_user(
            "qm_a", role=Role.QM_OFFICER, organisation=world.provider_a
        ),
        manager_a=factories.make_user(
            "manager_a", role=Role.MANAGER, organisation=world.provider_a
        ),
    )


def report(world, user=None, **fields):
    fields.setdefault("source", "manual")
    fields.setdefault("title", "Erstkontakt zu spät")
    fields.setdefault("case", world.case_a)
    return workflow.do_report(user or world.people.provider_a, **fields)


def add_action(world, deviation, user=None, owner=None):
    return workflow.do_add_action(
        user or world.people.provider_a,
        deviation,
        kind="corrective",
        description="Fristen im Team besprechen",
        owner=owner or world.people.provider_a,
        due_on=TODAY + timedelta(days=14),
    )


def walk_to(world, status, *, worker=None):
    """Return a deviation on case A brought to ``status`` through the service."""
    worker = worker or world.people.provider_a
    deviation = report(world, worker)
    if status == S.REPORTED:
        return deviation
    deviation = workflow.do_transition(
        worker, deviation, S.REACTED, immediate_correction="Familie angerufen"
    )
    if status == S.REACTED:
        return deviation
    deviation = workflow.do_transition(
        worker,
        deviation,
        S.ANALYSED,
        cause_analysis="Krankheit im Team",
        similar_deviations="Zwei weitere Fälle im Team möglich",
    )
    if status == S.ANALYSED:
        return deviation
    action = add_action(world, deviation, worker, owner=worker)
    deviation = workflow.do_transition(worker, deviation, S.ACTIONS_PLANNED)
    if status == S.ACTIONS_PLANNED:
        return deviation
    workflow.do_complete_action(worker, action)
    deviation = workflow.do_transition(worker, deviation, S.IMPLEMENTED)
    return deviation


def test_default_due_on_follows_the_setting(settings):
    """The due date is the detection day plus the days set for the severity."""
    settings.DEVIATION_DUE_DAYS = {"low": 90, "medium": 60, "high": 30, "critical": 7}
    assert workflow.default_due_on("critical", date(2026, 12, 28)) == date(2027, 1, 4)
    assert workflow.default_due_on("medium", date(2026, 1, 31)) == date(2026, 4, 1)
    assert workflow.default_due_on("unknown", date(2026, 1, 1)) == date(2026, 3, 2)


def test_record_event_writes_the_history(world):
    """do_record_event writes one event with what it is given."""
    deviation = make_deviation(world.case_a)
    event = workflow.do_record_event(
        deviation, DeviationEventKind.HEALED, note="geheilt", from_status="reported"
    )
    assert event.deviation == deviation
    assert (event.kind, event.actor, event.note) == ("healed", None, "geheilt")
    assert event.from_status == "reported" and event.to_status == ""


def test_the_whole_way_to_closing_with_an_event_for_every_change(world, qm):
    """Report → react → analyse → plan → implement → review → close, all recorded."""
    deviation = walk_to(world, S.IMPLEMENTED)
    deviation = workflow.do_transition(
        qm.provider_a,
        deviation,
        S.REVIEWED,
        effectiveness_review="Stichprobe von 10 Fällen: alle fristgerecht",
        effective=True,
    )
    assert deviation.reviewed_by == qm.provider_a and deviation.reviewed_at
    deviation = workflow.do_transition(qm.provider_a, deviation, S.CLOSED)
    deviation.refresh_from_db()
    assert deviation.status == S.CLOSED
    assert deviation.resolution == Resolution.EFFECTIVE
    assert deviation.closed_by == qm.provider_a and deviation.closed_at
    kinds = list(deviation.events.values_list("kind", "to_status"))
    assert kinds == [
        ("created", "reported"),
        ("status", "reacted"),
        ("status", "analysed"),
        ("action_added", ""),
        ("status", "actions_planned"),
        ("action_done", ""),
        ("status", "implemented"),
        ("status", "reviewed"),
        ("status", "closed"),
    ]
    assert deviation.events.filter(kind="status", actor=qm.provider_a).count() == 2


FORBIDDEN = [
    (from_status, to_status)
    for from_status in S
    for to_status in S
    if to_status not in TRANSITIONS[from_status]
]


def _in_status(world, status):
    fields = {"status": status}
    if status == S.CLOSED:
        fields.update(closed_at=timezone.now(), resolution=Resolution.UNFOUNDED)
    return make_deviation(world.case_a, **fields)


@pytest.mark.parametrize(("from_status", "to_status"), FORBIDDEN)
def test_no_step_outside_the_transitions(world, qm, from_status, to_status):
    """A step not in TRANSITIONS is refused, whatever work comes with it."""
    deviation = _in_status(world, from_status)
    work = {
        "immediate_correction": "x",
        "cause_analysis": "x",
        "similar_deviations": "x",
        "effectiveness_review": "x",
        "effective": True,
        "resolution": "effective",
        "note": "x",
    }
    with pytest.raises(ValidationError, match=cannot_go(from_status, to_status)):
        workflow.do_transition(qm.manager_a, deviation, to_status, **work)
    deviation.refresh_from_db()
    assert deviation.status == from_status
    assert not deviation.events.exists()


def test_unknown_status_is_refused(world, qm):
    deviation = make_deviation(world.case_a)
    with pytest.raises(ValidationError, match=said("This status does not exist.")):
        workflow.do_transition(qm.provider_a, deviation, "done")


IMMEDIATE_CORRECTION = "Describe the immediate correction: what was done at once."


@pytest.mark.parametrize(
    ("status", "to_status", "missing", "message"),
    [
        (S.REPORTED, S.REACTED, {}, IMMEDIATE_CORRECTION),
        (
            S.REPORTED,
            S.REACTED,
            {"immediate_correction": "   "},
            IMMEDIATE_CORRECTION,
        ),
        (
            S.REACTED,
            S.ANALYSED,
            {"similar_deviations": "x"},
            "Describe the causes of the deviation.",
        ),
        (
            S.REACTED,
            S.ANALYSED,
            {"cause_analysis": "x"},
            "Say whether similar deviations exist or could occur elsewhere.",
        ),
        (
            S.ANALYSED,
            S.ACTIONS_PLANNED,
            {},
            "Plan at least one corrective or preventive action first.",
        ),
    ],
)
def test_each_step_needs_its_work(world, status, to_status, missing, message):
    """A step without its work field is refused with a clear message."""
    deviation = make_deviation(world.case_a, status=status)
    with pytest.raises(ValidationError, match=said(message)):
        workflow.do_transition(world.people.provider_a, deviation, to_status, **missing)
    assert not deviation.events.exists()


def test_implemented_needs_every_action_done_or_cancelled(world):
    deviation = walk_to(world, S.ACTIONS_PLANNED)
    second = add_action(world, deviation)
    with pytest.raises(
        ValidationError,
        match=said("Every action must be done or cancelled before this step."),
    ):
        workflow.do_transition(world.people.provider_a, deviation, S.IMPLEMENTED)
    workflow.do_complete_action(world.people.provider_a, deviation.actions.first())
    workflow.do_cancel_action(world.people.provider_a, second, reason="doppelt")
    deviation = workflow.do_transition(
        world.people.provider_a, deviation, S.IMPLEMENTED
    )
    assert deviation.status == S.IMPLEMENTED


def test_implemented_needs_one_action_carried_out(world):
    deviation = walk_to(world, S.ACTIONS_PLANNED)
    workflow.do_cancel_action(
        world.people.provider_a, deviation.actions.get(), reason="nicht nötig"
    )
    with pytest.raises(
        ValidationError, match=said("At least one action must have been carried out.")
    ):
        workflow.do_transition(world.people.provider_a, deviation, S.IMPLEMENTED)


def test_review_needs_text_and_a_yes_or_no(world, qm):
    deviation = walk_to(world, S.IMPLEMENTED)
    with pytest.raises(
        ValidationError,
        match=said("Describe how the effectiveness of the actions was checked."),
    ):
        workflow.do_transition(qm.provider_a, deviation, S.REVIEWED, effective=True)
    with pytest.raises(
        ValidationError, match=said("Say whether the actions were effective.")
    ):
        workflow.do_transition(
            qm.provider_a, deviation, S.REVIEWED, effectiveness_review="geprüft"
        )
    assert Deviation.objects.get(pk=deviation.pk).status == S.IMPLEMENTED


def test_ineffective_actions_send_it_back_to_planning(world, qm):
    """A review finding the actions ineffective returns to planning, recorded."""
    deviation = walk_to(world, S.IMPLEMENTED)
    with pytest.raises(
        ValidationError,
        match=said(
            "The actions were not effective: plan at least one new action "
            "before recording the review."
        ),
    ):
        workflow.do_transition(
            qm.provider_a,
            deviation,
            S.REVIEWED,
            effectiveness_review="weiter Verspätungen",
            effective=False,
        )
    add_action(world, deviation, qm.provider_a)
    deviation = workflow.do_transition(
        qm.provider_a,
        deviation,
        S.REVIEWED,
        effectiveness_review="weiter Verspätungen",
        effective=False,
    )
    assert deviation.status == S.ACTIONS_PLANNED
    assert deviation.effective is False
    event = deviation.events.last()
    assert (event.from_status, event.to_status) == (S.IMPLEMENTED, S.ACTIONS_PLANNED)
    assert "weiter Verspätungen" in event.note
    with pytest.raises(ValidationError, match=cannot_go(S.ACTIONS_PLANNED, S.CLOSED)):
        workflow.do_transition(qm.provider_a, deviation, S.CLOSED)


def test_reviewed_deviation_may_be_reopened_for_planning_by_a_verifier(world, qm):
    deviation = walk_to(world, S.IMPLEMENTED)
    deviation = workflow.do_transition(
        qm.provider_a, deviation, S.REVIEWED, effectiveness_review="ok", effective=True
    )
    add_action(world, deviation, qm.provider_a)
    with pytest.raises(ValidationError, match=said(MAY_NOT_STEP)):
        workflow.do_transition(world.people.provider_a, deviation, S.ACTIONS_PLANNED)
    deviation = workflow.do_transition(qm.provider_a, deviation, S.ACTIONS_PLANNED)
    assert deviation.status == S.ACTIONS_PLANNED


def test_nobody_confirms_the_effectiveness_of_their_own_actions(world, qm):
    """Four eyes: whoever alone carried out the actions cannot confirm them."""
    deviation = walk_to(world, S.IMPLEMENTED, worker=qm.provider_a)
    with pytest.raises(
        ValidationError,
        match=said(
            "You carried out all actions yourself: somebody else has to "
            "confirm their effectiveness."
        ),
    ):
        workflow.do_transition(
            qm.provider_a,
            deviation,
            S.REVIEWED,
            effectiveness_review="gut",
            effective=True,
        )
    deviation = workflow.do_transition(
        qm.manager_a, deviation, S.REVIEWED, effectiveness_review="gut", effective=True
    )
    assert deviation.status == S.REVIEWED


class TestNoClosingWithoutReview:
    def test_not_through_the_service(self, world, qm):
        """From every status but reviewed, closing as effective is refused."""
        not_reviewed = said(
            "A deviation can be closed only after the effectiveness of its "
            "actions was reviewed, or as unfounded."
        )
        for status in (S.REPORTED, S.REACTED):
            deviation = make_deviation(world.case_a, status=status)
            with pytest.raises(ValidationError, match=not_reviewed):
                workflow.do_transition(
                    qm.provider_a, deviation, S.CLOSED, resolution="effective"
                )
            with pytest.raises(ValidationError, match=not_reviewed):
                workflow.do_transition(qm.provider_a, deviation, S.CLOSED)
        for status in (S.ANALYSED, S.ACTIONS_PLANNED, S.IMPLEMENTED):
            deviation = make_deviation(world.case_a, status=status)
            with pytest.raises(ValidationError, match=cannot_go(status, S.CLOSED)):
                workflow.do_transition(
                    qm.provider_a, deviation, S.CLOSED, resolution="effective"
                )
        assert not Deviation.objects.filter(status=S.CLOSED).exists()

    def test_not_after_a_review_that_found_no_effect(self, world, qm):
        deviation = make_deviation(
            world.case_a,
            status=S.REVIEWED,
            reviewed_at=timezone.now(),
            effective=False,
        )
        with pytest.raises(
            ValidationError,
            match=said(
                "Only a deviation whose actions proved effective can be closed."
            ),
        ):
            workflow.do_transition(qm.provider_a, deviation, S.CLOSED)

    def test_not_by_saving_the_model(self, world):
        """The database refuses a closed-as-effective deviation without review."""
        deviation = make_deviation(world.case_a, status=S.IMPLEMENTED)
        deviation.status = S.CLOSED
        deviation.closed_at = timezone.now()
        deviation.resolution = Resolution.EFFECTIVE
        with pytest.raises(IntegrityError), transaction.atomic():
            deviation.save()
        with pytest.raises(IntegrityError), transaction.atomic():
            Deviation.objects.filter(pk=deviation.pk).update(
                status=S.CLOSED, closed_at=timezone.now(), resolution="effective"
            )
        with pytest.raises(IntegrityError), transaction.atomic():
            Deviation.objects.filter(pk=deviation.pk).update(
                status=S.CLOSED, closed_at=timezone.now(), resolution=""
            )
        assert Deviation.objects.get(pk=deviation.pk).status == S.IMPLEMENTED


def test_unfounded_report_is_closed_by_a_verifier_with_a_reason(world, qm):
    deviation = report(world)
    with pytest.raises(ValidationError, match=said(MAY_NOT_STEP)):
        workflow.do_transition(
            world.people.provider_a,
            deviation,
            S.CLOSED,
            resolution="unfounded",
            note="Kontakt war dokumentiert",
        )
    with pytest.raises(
        ValidationError,
        match=said("Give the reason why this is not a deviation after all."),
    ):
        workflow.do_transition(
            qm.provider_a, deviation, S.CLOSED, resolution="unfounded"
        )
    deviation = workflow.do_transition(
        qm.provider_a,
        deviation,
        S.CLOSED,
        resolution="unfounded",
        note="Kontakt war dokumentiert",
    )
    assert (deviation.status, deviation.resolution) == (S.CLOSED, "unfounded")
    assert deviation.events.last().note == "Kontakt war dokumentiert"


def test_healed_only_after_monitoring_found_it_healed(world, qm):
    deviation = make_deviation(world.case_a, auto_detected=True)
    with pytest.raises(
        ValidationError,
        match=said("Monitoring has not found this breach healed; it cannot be closed."),
    ):
        workflow.do_transition(qm.provider_a, deviation, S.CLOSED, resolution="healed")
    Deviation.objects.filter(pk=deviation.pk).update(healed_at=timezone.now())
    deviation = workflow.do_transition(
        qm.provider_a, deviation, S.CLOSED, resolution="healed"
    )
    assert deviation.resolution == "healed"


class TestRoles:
    def test_caseworker_works_but_cannot_verify(self, world):
        deviation = walk_to(world, S.IMPLEMENTED)
        with pytest.raises(ValidationError, match=said(MAY_NOT_STEP)):
            workflow.do_transition(
                world.people.provider_a,
                deviation,
                S.REVIEWED,
                effectiveness_review="ok",
                effective=True,
            )

    def test_funder_case_manager_works_on_a_deviation_of_their_case(self, world):
        """The case manager may work on it (they may change the case), not verify."""
        deviation = report(world)
        deviation = workflow.do_transition(
            world.people.funder, deviation, S.REACTED, immediate_correction="Anruf"
        )
        assert deviation.status == S.REACTED
        assert workflow.allowed_steps(world.people.funder, deviation) == [S.ANALYSED]

    def test_funder_qm_officer_cannot_verify_a_deviation_the_provider_owns(
        self, world, qm
    ):
        deviation = walk_to(world, S.IMPLEMENTED)
        with pytest.raises(ValidationError, match=said(MAY_NOT_STEP)):
            workflow.do_transition(
                qm.funder,
                deviation,
                S.REVIEWED,
                effectiveness_review="ok",
                effective=True,
            )

    def test_funder_qm_officer_verifies_what_the_funder_owns(self, world, qm):
        deviation = report(world, world.people.funder)
        assert deviation.owner_organisation == world.funder
        assert workflow.allowed_steps(qm.funder, deviation) == [S.REACTED, S.CLOSED]
        assert workflow.allowed_steps(qm.provider_a, deviation) == []

    @pytest.mark.parametrize("persona", ["auditor", "provider_b", "outsider"])
    def test_others_move_nothing(self, world, qm, persona):
        """Auditors only read; members of another provider and outsiders nothing."""
        user = getattr(world.people, persona)
        deviation = report(world)
        assert workflow.allowed_steps(user, deviation) == []
        may_not_work = said("You may not work on this deviation.")
        with pytest.raises(ValidationError, match=said(MAY_NOT_STEP)):
            workflow.do_transition(user, deviation, S.REACTED, immediate_correction="x")
        with pytest.raises(
            ValidationError, match=said("You may not comment on this deviation.")
        ):
            workflow.do_comment(user, deviation, "Hallo")
        with pytest.raises(ValidationError, match=may_not_work):
            workflow.do_assign(user, deviation, world.people.provider_a)
        deviation = walk_to(world, S.ANALYSED)
        with pytest.raises(ValidationError, match=may_not_work):
            add_action(world, deviation, user)
        assert deviation.events.count() == 3


BY_HAND = "Deviations of this source are recorded automatically, not by hand."
RESPONSIBLE_PERSON = (
    "The responsible person must belong to the responsible organisation."
)


class TestReport:
    def test_caseworker_reports_on_their_case(self, world):
        deviation = report(world, severity="high")
        assert deviation.owner_organisation == world.provider_a
        assert deviation.owner == world.people.provider_a
        assert (deviation.funder, deviation.provider) == (
            world.funder,
            world.provider_a,
        )
        assert deviation.reported_by == world.people.provider_a
        assert deviation.due_on == workflow.default_due_on("high", TODAY)
        assert deviation.events.get().kind == DeviationEventKind.CREATED

    def test_case_manager_reports_for_the_provider_who_is_notified(self, world):
        deviation = report(
            world, world.people.funder, owner_organisation=world.provider_a
        )
        assert deviation.owner == world.people.provider_a
        notification = Notification.objects.get(recipient=world.people.provider_a)
        assert deviation.number in notification.subject
        assert notification.url == f"/deviations/{deviation.pk}/"

    def test_without_a_case_it_belongs_to_the_reporters_organisation(self, world, qm):
        deviation = report(world, qm.funder, case=None, source="audit")
        assert deviation.owner_organisation == world.funder
        assert deviation.funder == world.funder and deviation.provider is None
        with pytest.raises(
            ValidationError,
            match=said(
                "Without a case, the responsible organisation must be your own."
            ),
        ):
            report(world, qm.funder, case=None, owner_organisation=world.provider_a)

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"source": "standard"}, BY_HAND),
            ({"source": "complaint"}, BY_HAND),
            ({"title": "  "}, "Say in a few words what deviates."),
            ({"title": "x" * 301}, "The title may have at most 300 characters."),
            ({"severity": "huge"}, "Choose a valid severity."),
            (
                {"occurred_on": TODAY + timedelta(days=1)},
                "The date it occurred cannot lie in the future.",
            ),
            (
                {"due_on": TODAY - timedelta(days=1)},
                "The date to close it by cannot lie in the past.",
            ),
        ],
    )
    def test_bad_input(self, world, fields, message):
        with pytest.raises(ValidationError, match=said(message)):
            report(world, **fields)
        assert not Deviation.objects.exists()

    def test_the_case_must_be_visible_and_the_owner_a_party(self, world):
        with pytest.raises(
            ValidationError, match=said("You cannot report a deviation on this case.")
        ):
            report(world, world.people.provider_b)
        with pytest.raises(
            ValidationError,
            match=said(
                "The responsible organisation must be the funder or the "
                "provider of the case, or your own organisation."
            ),
        ):
            report(world, owner_organisation=world.provider_b)
        with pytest.raises(ValidationError, match=said(RESPONSIBLE_PERSON)):
            report(world, owner=world.people.provider_b)

    @pytest.mark.parametrize("persona", ["auditor", "outsider"])
    def test_who_may_not_report_cannot(self, world, persona):
        refused = (
            said("You may not report deviations.")
            + "|"
            + said("You cannot report a deviation on this case.")
        )
        with pytest.raises(ValidationError, match=refused):
            report(world, getattr(world.people, persona))

    def test_standard_links_its_key_process(self, world):
        version = make_standard_version()
        deviation = report(world, standard_version=version)
        assert deviation.standard_version == version


class TestActionsAssignComment:
    def test_actions_only_after_analysis(self, world):
        deviation = walk_to(world, S.REACTED)
        with pytest.raises(
            ValidationError, match=said("Analyse the causes before planning actions.")
        ):
            add_action(world, deviation)

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"kind": "other"}, "Choose corrective or preventive action."),
            ({"description": " "}, "Describe what is to be done."),
            ({"due_on": None}, "Give a due date for the action."),
            (
                {"due_on": TODAY - timedelta(days=1)},
                "The due date cannot lie in the past.",
            ),
        ],
    )
    def test_bad_action(self, world, fields, message):
        deviation = walk_to(world, S.ANALYSED)
        action = {
            "kind": "preventive",
            "description": "Vertretungsplan",
            "owner": world.people.provider_a,
            "due_on": TODAY,
        }
        action.update(fields)
        with pytest.raises(ValidationError, match=said(message)):
            workflow.do_add_action(world.people.provider_a, deviation, **action)

    def test_action_owner_must_belong_to_a_party(self, world):
        deviation = walk_to(world, S.ANALYSED)
        with pytest.raises(
            ValidationError,
            match=said(
                "The person responsible for the action must belong to an "
                "organisation concerned by the deviation."
            ),
        ):
            add_action(world, deviation, owner=world.people.outsider)
        action = add_action(world, deviation, owner=world.people.funder)
        assert action.owner == world.people.funder
        assert Notification.objects.filter(recipient=world.people.funder).exists()

    def test_complete_and_cancel(self, world):
        deviation = walk_to(world, S.ANALYSED)
        action = add_action(world, deviation)
        with pytest.raises(
            ValidationError, match=said("The date done cannot lie in the future.")
        ):
            workflow.do_complete_action(
                world.people.provider_a, action, done_on=TODAY + timedelta(days=1)
            )
        workflow.do_complete_action(world.people.provider_a, action, note="erledigt")
        action.refresh_from_db()
        assert (action.status, action.done_on) == (ActionStatus.DONE, TODAY)
        with pytest.raises(
            ValidationError, match=said("This action is no longer open.")
        ):
            workflow.do_cancel_action(world.people.provider_a, action, reason="x")
        other = add_action(world, deviation)
        with pytest.raises(
            ValidationError,
            match=said("Give the reason for cancelling the action."),
        ):
            workflow.do_cancel_action(world.people.provider_a, other, reason=" ")
        workflow.do_cancel_action(world.people.provider_a, other, reason="doppelt")
        assert CorrectiveAction.objects.get(pk=other.pk).status == "cancelled"
        assert "doppelt" in deviation.events.last().note

    def test_assign_to_a_member_of_the_responsible_organisation(self, world, qm):
        deviation = report(world)
        with pytest.raises(ValidationError, match=said(RESPONSIBLE_PERSON)):
            workflow.do_assign(world.people.provider_a, deviation, world.people.funder)
        workflow.do_assign(world.people.provider_a, deviation, qm.provider_a)
        deviation.refresh_from_db()
        assert deviation.owner == qm.provider_a
        assert deviation.events.last().kind == DeviationEventKind.ASSIGNED
        assert Notification.objects.filter(recipient=qm.provider_a).count() == 1
        # Assigning the same person again changes and records nothing.
        workflow.do_assign(world.people.provider_a, deviation, qm.provider_a)
        assert deviation.events.filter(kind="assigned").count() == 1

    def test_comment(self, world):
        deviation = report(world)
        with pytest.raises(ValidationError, match=said("The comment is empty.")):
            workflow.do_comment(world.people.provider_a, deviation, "  ")
        event = workflow.do_comment(world.people.funder, deviation, "Bitte klären")
        assert (event.kind, event.actor) == ("comment", world.people.funder)

    def test_nothing_changes_on_a_closed_deviation(self, world, qm):
        deviation = report(world)
        workflow.do_transition(
            qm.provider_a, deviation, S.CLOSED, resolution="unfounded", note="kein Fall"
        )
        with pytest.raises(ValidationError, match=said("This deviation is closed.")):
            workflow.do_assign(world.people.provider_a, deviation, qm.provider_a)


def test_events_are_evidence_and_never_change(world):
    deviation = report(world)
    event = deviation.events.get()
    event.note = "geändert"
    with pytest.raises(ValueError, match="never changed"):
        event.save()
    assert DeviationEvent.objects.get(pk=event.pk).note == ""


def test_a_failed_step_leaves_no_trace(world, qm):
    """The step and its event are one transaction: a refusal changes nothing."""
    deviation = walk_to(world, S.IMPLEMENTED, worker=qm.provider_a)
    before = deviation.events.count()
    with pytest.raises(ValidationError):
        workflow.do_transition(
            qm.provider_a,
            deviation,
            S.REVIEWED,
            effectiveness_review="x",
            effective=True,
        )
    deviation.refresh_from_db()
    assert deviation.events.count() == before
    assert deviation.reviewed_at is None and deviation.effectiveness_review == ""
