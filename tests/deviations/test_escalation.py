"""Overdue deviations and actions escalate; complaint deadlines are watched."""

from datetime import date

import pytest
from django.utils import timezone

from dialoq.deviations.escalation import escalate_overdue, watch_complaints
from dialoq.deviations.models import (
    ActionStatus,
    ComplaintStatus,
    CorrectiveAction,
    Deviation,
    DeviationEventKind,
    DeviationSource,
    DeviationStatus,
    Resolution,
)
from dialoq.deviations.workflow import do_comment, do_transition
from dialoq.notifications.models import Notification
from tests.deviations.compliance_data import make_manager, make_qm_officer
from tests.deviations.factories import make_complaint, make_deviation

TODAY = date(2026, 3, 10)
TEXT = "Meine Betreuerin Frau Beispiel kam dreimal nicht."


def _keys(user):
    return sorted(
        Notification.objects.filter(recipient=user).values_list("key", flat=True)
    )


@pytest.fixture
def staff(world):
    return {
        "a_manager": make_manager(world.provider_a, "a_manager"),
        "a_qm": make_qm_officer(world.provider_a, "a_qm"),
        "b_qm": make_qm_officer(world.provider_b, "b_qm"),
        "funder_manager": make_manager(world.funder, "funder_manager"),
        "funder_qm": make_qm_officer(world.funder, "funder_qm"),
    }


# Overdue deviations ------------------------------------------------------------


def test_an_overdue_deviation_is_escalated_once_to_the_managers(world, staff):
    """Past its due date: escalated_at, an event, the owner's managers notified."""
    overdue = make_deviation(world.case_a, due_on=date(2026, 3, 9))
    make_deviation(world.case_a, due_on=TODAY)  # due today: not yet overdue
    make_deviation(world.case_a, due_on=None)
    assert escalate_overdue(TODAY) == 1
    overdue.refresh_from_db()
    assert overdue.escalated_at is not None
    event = overdue.events.get()
    assert event.kind == DeviationEventKind.ESCALATED
    assert event.actor is None
    assert "09.03.2026" in event.note
    assert _keys(staff["a_manager"]) == [f"deviation:{overdue.pk}:escalated"]
    assert _keys(staff["a_qm"]) == []  # a manager exists: they get it
    assert _keys(staff["funder_manager"]) == []  # not the responsible organisation

    assert escalate_overdue(TODAY) == 0
    assert overdue.events.count() == 1
    assert Notification.objects.count() == 1
    assert escalate_overdue(date(2026, 3, 11)) == 1  # the one due on the 10th
    assert overdue.events.count() == 1


def test_closed_deviations_are_not_escalated(world, staff):
    make_deviation(
        world.case_a,
        due_on=date(2026, 1, 1),
        status=DeviationStatus.CLOSED,
        resolution=Resolution.UNFOUNDED,
        closed_at=timezone.now(),
    )
    assert escalate_overdue(TODAY) == 0
    assert not Notification.objects.exists()


def test_without_a_manager_the_qm_officers_are_told(world, staff):
    """An organisation without a manager: the escalation goes to its QM officers."""
    deviation = make_deviation(world.case_b, due_on=date(2026, 2, 1))
    assert escalate_overdue(TODAY) == 1
    assert _keys(staff["b_qm"]) == [f"deviation:{deviation.pk}:escalated"]


def test_overdue_actions_remind_their_owner_once(world, staff):
    """An open action past its date notifies its owner once; others stay quiet."""
    deviation = make_deviation(world.case_a, status=DeviationStatus.ACTIONS_PLANNED)
    owner = world.people.provider_a

    def action(due_on, **fields):
        return CorrectiveAction.objects.create(
            deviation=deviation,
            kind="corrective",
            description="Vertretung regeln",
            owner=owner,
            due_on=due_on,
            **fields,
        )

    late = action(date(2026, 3, 1))
    action(TODAY)
    action(date(2026, 3, 1), status=ActionStatus.DONE, done_on=date(2026, 3, 2))
    action(date(2026, 3, 1), status=ActionStatus.CANCELLED)
    escalate_overdue(TODAY)
    escalate_overdue(TODAY)
    assert _keys(owner) == [f"action:{late.pk}:overdue"]


# Complaint deadlines -----------------------------------------------------------


def _complaint(world, **fields):
    fields.setdefault("provider", world.provider_a)
    fields.setdefault("funder", world.funder)
    fields.setdefault("acknowledge_due_on", date(2026, 3, 5))
    fields.setdefault("answer_due_on", date(2026, 3, 31))
    return make_complaint(text=TEXT, contact="0170 1234567", **fields)


def test_an_unconfirmed_complaint_opens_a_deviation_without_its_text(world, staff):
    """Receipt not confirmed in time: medium severity, owned by the provider."""
    complaint = _complaint(world, handled_by=staff["a_qm"])
    assert watch_complaints(TODAY) == (1, 0)
    deviation = Deviation.objects.get()
    assert deviation.key == f"complaint:{complaint.pk}:acknowledge"
    assert deviation.source == DeviationSource.COMPLAINT
    assert deviation.severity == "medium"
    assert deviation.owner_organisation == world.provider_a
    assert deviation.owner == staff["a_qm"]
    assert deviation.funder == world.funder and deviation.provider == world.provider_a
    assert deviation.case is None
    assert deviation.auto_detected
    assert complaint.reference in deviation.title
    assert "05.03.2026" in deviation.title
    for text in (deviation.title, deviation.description):
        assert "Beispiel" not in text and "0170" not in text
    assert deviation.events.get().kind == DeviationEventKind.CREATED


def test_handlers_are_notified_once(world, staff):
    """The provider's QM officers and managers and the handler; nobody else."""
    _complaint(world)
    watch_complaints(TODAY)
    watch_complaints(TODAY)
    deviation = Deviation.objects.get()
    key = f"deviation:{deviation.pk}:detected"
    assert _keys(staff["a_qm"]) == [key]
    assert _keys(staff["a_manager"]) == [key]
    assert _keys(staff["funder_qm"]) == []
    assert _keys(world.people.provider_a) == []  # the caseworker is not a handler
    subject = Notification.objects.filter(key=key).first().subject
    assert "Beispiel" not in subject


def test_an_unanswered_complaint_is_high_and_both_duties_count(world, staff):
    complaint = _complaint(world)
    assert watch_complaints(date(2026, 4, 1)) == (2, 0)
    answer = Deviation.objects.get(key=f"complaint:{complaint.pk}:answer")
    assert answer.severity == "high"
    assert "31.03.2026" in answer.title
    assert watch_complaints(date(2026, 4, 1)) == (0, 0)
    assert Deviation.objects.count() == 2


def test_the_deadline_day_itself_is_in_time(world, staff):
    _complaint(world, acknowledge_due_on=TODAY)
    assert watch_complaints(TODAY) == (0, 0)


def test_a_complaint_about_the_funder_alone_is_the_funders(world, staff):
    complaint = _complaint(world, provider=None)
    watch_complaints(TODAY)
    deviation = Deviation.objects.get(key=f"complaint:{complaint.pk}:acknowledge")
    assert deviation.owner_organisation == world.funder
    assert deviation.provider is None
    assert _keys(staff["funder_qm"]) == [f"deviation:{deviation.pk}:detected"]


def test_a_handler_outside_the_owner_is_not_made_responsible(world, staff):
    """A funder's handler of a provider complaint is told but does not own it."""
    _complaint(world, handled_by=staff["funder_qm"])
    watch_complaints(TODAY)
    deviation = Deviation.objects.get()
    assert deviation.owner is None
    assert _keys(staff["funder_qm"]) == [f"deviation:{deviation.pk}:detected"]


def test_confirmation_heals_and_answer_heals(world, staff):
    """Confirmed later: the acknowledgement heals; answered: the answer heals."""
    complaint = _complaint(world)
    watch_complaints(date(2026, 4, 1))
    complaint.acknowledged_at = timezone.now()
    complaint.status = ComplaintStatus.ACKNOWLEDGED
    complaint.save()
    assert watch_complaints(date(2026, 4, 2)) == (0, 1)
    acknowledge = Deviation.objects.get(key=f"complaint:{complaint.pk}:acknowledge")
    assert acknowledge.status == DeviationStatus.CLOSED
    assert acknowledge.resolution == Resolution.HEALED
    answer = Deviation.objects.get(key=f"complaint:{complaint.pk}:answer")
    assert answer.is_open

    complaint.answered_at = timezone.now()
    complaint.status = ComplaintStatus.ANSWERED
    complaint.save()
    assert watch_complaints(date(2026, 4, 3)) == (0, 1)
    answer.refresh_from_db()
    assert answer.resolution == Resolution.HEALED
    assert watch_complaints(date(2026, 4, 3)) == (0, 0)


def test_an_answer_counts_as_confirmation(world, staff):
    """Answered without a separate confirmation: no acknowledgement deviation."""
    complaint = _complaint(world)
    complaint.answered_at = timezone.now()
    complaint.status = ComplaintStatus.ANSWERED
    complaint.save()
    assert watch_complaints(date(2026, 4, 1)) == (0, 0)


def test_a_worked_on_deviation_is_marked_healed_not_closed(world, staff):
    complaint = _complaint(world)
    watch_complaints(TODAY)
    deviation = Deviation.objects.get()
    do_comment(staff["a_qm"], deviation, "Rückruf vereinbart.")
    do_transition(
        staff["a_qm"], deviation, "reacted", immediate_correction="Angerufen."
    )
    complaint.acknowledged_at = timezone.now()
    complaint.save()
    assert watch_complaints(TODAY) == (0, 1)
    deviation.refresh_from_db()
    assert deviation.status == DeviationStatus.REACTED
    assert deviation.healed_at is not None
    assert watch_complaints(TODAY) == (0, 0)


def test_closed_complaints_open_nothing_and_heal(world, staff):
    closed = _complaint(world, status=ComplaintStatus.CLOSED)
    assert watch_complaints(date(2026, 4, 1)) == (0, 0)
    assert not Deviation.objects.filter(
        key__startswith=f"complaint:{closed.pk}:"
    ).exists()

    other = _complaint(world)
    watch_complaints(date(2026, 4, 1))
    other.status = ComplaintStatus.CLOSED
    other.save()
    assert watch_complaints(date(2026, 4, 2)) == (0, 2)
