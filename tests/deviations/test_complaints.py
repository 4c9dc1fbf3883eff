"""Complaints as a service: deadlines, encryption, access log, notifications, steps."""

import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import translation

from dialoq.accounts.roles import Role
from dialoq.cases.models import AccessAction, AccessLogEntry
from dialoq.catalog.workdays import is_working_day
from dialoq.deviations import complaints
from dialoq.deviations.models import (
    Complaint,
    ComplaintCategory,
    ComplaintStatus,
    DeviationEvent,
    DeviationSource,
)
from dialoq.notifications.models import Notification
from tests import factories

BERLIN = ZoneInfo("Europe/Berlin")
SECRET_TEXT = "Frau Beispiel-Geheim wurde im Flur angeschrien"
SECRET_CONTACT = "geheim.kontakt@example.org"


def at(year, month, day, hour=10, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


@pytest.fixture
def handlers(world):
    """QM officers of the funder and of provider A, a manager of provider B."""
    return {
        "funder_qm": factories.make_user(
            "qm_funder", role=Role.QM_OFFICER, organisation=world.funder
        ),
        "provider_qm": factories.make_user(
            "qm_provider_a", role=Role.QM_OFFICER, organisation=world.provider_a
        ),
        "provider_b_manager": factories.make_user(
            "manager_b", role=Role.MANAGER, organisation=world.provider_b
        ),
        "outside_qm": factories.make_user(
            "qm_elsewhere", role=Role.QM_OFFICER, organisation=world.elsewhere
        ),
    }


def receive(world, **fields):
    values = {
        "source": "beneficiary",
        "channel": "public_form",
        "category": "treatment",
        "text": SECRET_TEXT,
        "contact": SECRET_CONTACT,
        "provider": world.provider_a,
    }
    values.update(fields)
    return complaints.do_receive(**values)


def count_working_days(start, end, holidays):
    """Count weekdays after start up to end that are not in holidays (by hand)."""
    days, day = 0, start
    while day < end:
        day = date.fromordinal(day.toordinal() + 1)
        if day.weekday() < 5 and day not in holidays:
            days += 1
    return days


# --- Deadlines ------------------------------------------------------------------------


def test_deadlines_count_working_days_from_the_day_after(world, settings):
    """Received on a Wednesday: 3 working days end on Monday, 20 three weeks on."""
    settings.COMPLAINT_ACKNOWLEDGE_WORKING_DAYS = 3
    settings.COMPLAINT_ANSWER_WORKING_DAYS = 20
    complaint = receive(world, received_at=at(2026, 3, 4))
    assert complaint.acknowledge_due_on == date(2026, 3, 9)
    # Lower Saxony has no holiday in March 2026 before Good Friday (3 April).
    assert complaint.answer_due_on == date(2026, 4, 1)
    assert count_working_days(date(2026, 3, 4), date(2026, 4, 1), set()) == 20


def test_weekend_submission_counts_from_monday(world, settings):
    """A complaint sent on Saturday is to be confirmed by Wednesday."""
    settings.COMPLAINT_ACKNOWLEDGE_WORKING_DAYS = 3
    complaint = receive(world, received_at=at(2026, 11, 21, 23))
    assert complaint.acknowledge_due_on == date(2026, 11, 25)


def test_christmas_holidays_are_skipped(world, settings):
    """23 Dec 2026 + 3 working days: 24th, (25th, 26th holidays), 28th, 29th."""
    settings.COMPLAINT_ACKNOWLEDGE_WORKING_DAYS = 3
    settings.COMPLAINT_ANSWER_WORKING_DAYS = 10
    complaint = receive(world, received_at=at(2026, 12, 23))
    assert complaint.acknowledge_due_on == date(2026, 12, 29)
    holidays = {date(2026, 12, 25), date(2026, 12, 26), date(2027, 1, 1)}
    assert (
        count_working_days(date(2026, 12, 23), complaint.answer_due_on, holidays) == 10
    )
    assert complaint.answer_due_on == date(2027, 1, 8)


def test_federal_state_of_the_funder_sets_the_calendar(world, settings):
    """Buß- und Bettag (18 Nov 2026) is a holiday in Saxony, not in Lower Saxony."""
    settings.COMPLAINT_ACKNOWLEDGE_WORKING_DAYS = 3
    saxon_funder = factories.make_organisation("funder", "Jugendamt Sachsen")
    saxon_funder.federal_state = "SN"
    saxon_funder.save()
    received = at(2026, 11, 17)
    in_saxony = receive(world, provider=None, funder=saxon_funder, received_at=received)
    in_lower_saxony = receive(world, received_at=received)
    assert not is_working_day(date(2026, 11, 18), "SN")
    assert in_saxony.acknowledge_due_on == date(2026, 11, 23)
    assert in_lower_saxony.acknowledge_due_on == date(2026, 11, 20)


def test_a_complaint_after_midnight_counts_from_its_local_day(world, settings):
    """00:30 on Tuesday in Berlin is Monday in UTC; Berlin's day counts."""
    settings.COMPLAINT_ACKNOWLEDGE_WORKING_DAYS = 1
    complaint = receive(world, received_at=at(2026, 3, 3, 0, 30))
    assert complaint.acknowledge_due_on == date(2026, 3, 4)


# --- Encryption, anonymity, reading ---------------------------------------------------


def test_text_and_contact_are_not_stored_in_clear(world):
    """The raw column holds neither the text nor the contact."""
    complaint = receive(world)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT encrypted FROM deviations_complaint WHERE id = %s", [complaint.pk]
        )
        raw = bytes(cursor.fetchone()[0])
    assert SECRET_TEXT.encode() not in raw
    assert SECRET_CONTACT.encode() not in raw
    assert b"Beispiel" not in raw
    assert complaint.read() == {"text": SECRET_TEXT, "contact": SECRET_CONTACT}


def test_anonymous_complaint_keeps_no_contact(world):
    """Contact details given with an anonymous complaint are dropped."""
    complaint = receive(world, anonymous=True)
    complaint.refresh_from_db()
    assert complaint.anonymous is True
    assert complaint.read()["contact"] == ""


def test_control_characters_are_removed_and_line_breaks_kept(world):
    """Text keeps its lines and tabs, loses other control characters."""
    complaint = receive(world, text="Zeile 1\r\nZeile\x072\x1b[31m\tEnde\x00")
    assert complaint.read()["text"] == "Zeile 1\nZeile2[31m\tEnde"


@pytest.mark.parametrize("text", ["", "   \n\t  ", "\x00\x01"])
def test_a_complaint_needs_text(world, text):
    """Nothing but whitespace or control characters is no complaint."""
    with pytest.raises(complaints.ComplaintError):
        receive(world, text=text)
    assert not Complaint.objects.exists()


def test_text_over_the_limit_is_refused(world):
    with pytest.raises(complaints.ComplaintError):
        receive(world, text="x" * (complaints.TEXT_MAX_LENGTH + 1))


def test_organisation_kinds_are_checked(world):
    """A provider cannot be named as the funder concerned, nor nothing at all."""
    with pytest.raises(complaints.ComplaintError):
        receive(world, provider=None, funder=world.provider_a)
    with pytest.raises(complaints.ComplaintError):
        receive(world, provider=None)


def test_case_must_belong_to_the_organisation_concerned(world):
    with pytest.raises(complaints.ComplaintError):
        receive(world, provider=world.provider_b, case=world.case_a)
    complaint = receive(world, case=world.case_a)
    assert complaint.case == world.case_a


def test_reading_is_logged_with_the_parties(world, handlers):
    """Each read writes a view_complaint entry naming the reference, not the text."""
    complaint = receive(world, case=world.case_a)
    content = complaints.read_complaint(handlers["provider_qm"], complaint)
    complaints.read_complaint(handlers["provider_qm"], complaint)
    assert content["text"] == SECRET_TEXT
    entries = AccessLogEntry.objects.filter(action=AccessAction.VIEW_COMPLAINT)
    assert entries.count() == 2
    entry = entries.first()
    assert entry.user == handlers["provider_qm"]
    assert entry.provider_id == world.provider_a.pk
    assert entry.case_reference == world.case_a.reference
    assert complaint.reference in entry.detail
    assert SECRET_TEXT not in entry.detail


@pytest.mark.parametrize("person", ["funder_qm", "provider_b_manager", "outside_qm"])
def test_only_handlers_of_the_organisation_concerned_read(world, handlers, person):
    complaint = receive(world)
    with pytest.raises(PermissionDenied):
        complaints.read_complaint(handlers[person], complaint)
    assert not AccessLogEntry.objects.filter(action=AccessAction.VIEW_COMPLAINT)


def test_caseworker_of_the_provider_cannot_read(world, handlers):
    """A complaint may be about the caseworker: they do not read it."""
    complaint = receive(world)
    with pytest.raises(PermissionDenied):
        complaints.read_complaint(world.people.provider_a, complaint)


# --- Notifications and logs -----------------------------------------------------------


def test_handlers_are_notified_without_personal_data(
    world, handlers, django_capture_on_commit_callbacks
):
    """The provider's QM officer gets a notice and an e-mail with no text or contact."""
    handlers["provider_qm"].email = "qm@example.org"
    handlers["provider_qm"].save()
    with django_capture_on_commit_callbacks(execute=True):
        complaint = receive(world)
    notices = Notification.objects.filter(key=f"complaint:{complaint.pk}:received")
    assert [n.recipient for n in notices] == [handlers["provider_qm"]]
    notice = notices.get()
    assert complaint.reference in notice.subject
    for part in (notice.subject, notice.body, notice.url):
        assert SECRET_TEXT not in part
        assert SECRET_CONTACT not in part
    assert len(mail.outbox) == 1
    assert SECRET_TEXT not in mail.outbox[0].body
    assert SECRET_CONTACT not in mail.outbox[0].body


def test_caseworkers_and_outsiders_are_not_notified(world, handlers):
    receive(world)
    recipients = set(Notification.objects.values_list("recipient_id", flat=True))
    assert world.people.provider_a.pk not in recipients
    assert handlers["outside_qm"].pk not in recipients
    assert handlers["funder_qm"].pk not in recipients


def test_logs_hold_no_text(world, handlers, caplog):
    """Log lines of the whole life of a complaint never hold its text or contact."""
    caplog.set_level(logging.DEBUG)
    complaint = receive(world)
    qm = handlers["provider_qm"]
    complaints.read_complaint(qm, complaint)
    complaints.do_acknowledge(qm, complaint)
    complaints.do_answer(qm, complaint, "upheld", "Antwort an " + SECRET_CONTACT)
    complaints.do_close(qm, complaint)
    assert complaint.reference in caplog.text
    assert SECRET_TEXT not in caplog.text
    assert SECRET_CONTACT not in caplog.text


# --- Steps ----------------------------------------------------------------------------


def test_acknowledge_answer_close(world, handlers):
    qm = handlers["provider_qm"]
    complaint = receive(world)
    complaints.do_acknowledge(qm, complaint)
    assert complaint.status == ComplaintStatus.ACKNOWLEDGED
    assert complaint.acknowledged_at is not None
    assert complaint.handled_by == qm
    complaints.do_answer(qm, complaint, "partly", "Entschuldigung, Termin angeboten.")
    assert complaint.status == ComplaintStatus.ANSWERED
    assert complaint.outcome == "partly"
    assert complaints.read_complaint(qm, complaint)["answer_note"] == (
        "Entschuldigung, Termin angeboten."
    )
    assert AccessLogEntry.objects.filter(
        action=AccessAction.CHANGE_COMPLAINT, user=qm
    ).exists()
    complaints.do_close(qm, complaint)
    assert complaint.status == ComplaintStatus.CLOSED


def test_answer_confirms_receipt_too(world, handlers):
    complaint = receive(world)
    complaints.do_answer(handlers["provider_qm"], complaint, "not_upheld", "Erklärt.")
    assert complaint.acknowledged_at == complaint.answered_at


def test_steps_out_of_order_are_refused(world, handlers):
    qm = handlers["provider_qm"]
    complaint = receive(world)
    with pytest.raises(complaints.ComplaintError):
        complaints.do_close(qm, complaint)
    complaints.do_acknowledge(qm, complaint)
    with pytest.raises(complaints.ComplaintError):
        complaints.do_acknowledge(qm, complaint)
    with pytest.raises(complaints.ComplaintError):
        complaints.do_answer(qm, complaint, "maybe", "Text")
    with pytest.raises(complaints.ComplaintError):
        complaints.do_answer(qm, complaint, "upheld", "   ")
    complaints.do_answer(qm, complaint, "upheld", "Ja.")
    with pytest.raises(complaints.ComplaintError):
        complaints.do_answer(qm, complaint, "upheld", "Nochmal.")


def test_only_handlers_work_complaints(world, handlers):
    complaint = receive(world)
    for person in (world.people.provider_a, handlers["funder_qm"]):
        with pytest.raises(PermissionDenied):
            complaints.do_acknowledge(person, complaint)
    assert Complaint.objects.get().status == ComplaintStatus.RECEIVED


def test_open_deviation(world, handlers):
    """The deviation names reference and topic, never the text, and is linked."""
    qm = handlers["provider_qm"]
    complaint = receive(world, case=world.case_a, category="waiting")
    deviation = complaints.do_open_deviation(qm, complaint, "high")
    assert deviation.source == DeviationSource.COMPLAINT
    with translation.override(settings.LANGUAGE_CODE):  # stored in the site language
        topic = str(ComplaintCategory.WAITING.label)
    assert deviation.title == complaints.deviation_title(complaint)
    assert deviation.title.endswith(f" {complaint.reference}: {topic}")
    assert SECRET_TEXT not in deviation.title
    assert SECRET_TEXT not in deviation.description
    assert deviation.owner_organisation == world.provider_a
    assert deviation.owner == qm
    assert deviation.case == world.case_a
    assert deviation.due_on is not None
    assert complaint.deviation == deviation
    assert DeviationEvent.objects.filter(deviation=deviation, kind="created").exists()
    with pytest.raises(complaints.ComplaintError):
        complaints.do_open_deviation(qm, complaint, "high")


def test_recording_needs_the_right_to_report(world, handlers):
    """Staff record complaints for their own organisation only."""
    complaint = receive(
        world,
        channel="phone",
        source="beneficiary",
        recorded_by=world.people.provider_a,
    )
    assert complaint.recorded_by == world.people.provider_a
    assert AccessLogEntry.objects.filter(
        action=AccessAction.CHANGE_COMPLAINT, user=world.people.provider_a
    ).exists()
    with pytest.raises(PermissionDenied):
        receive(world, recorded_by=world.people.outsider)


def test_overdue_selections(world, handlers):
    qm = handlers["provider_qm"]
    late = receive(world, received_at=at(2026, 1, 5))
    confirmed = receive(world, received_at=at(2026, 1, 5))
    complaints.do_acknowledge(qm, confirmed)
    answered = receive(world, received_at=at(2026, 1, 5))
    complaints.do_answer(qm, answered, "upheld", "Ja.")
    fresh = receive(world, received_at=at(2026, 3, 2))
    today = date(2026, 3, 3)
    everything = Complaint.objects.all()
    assert set(complaints.overdue_acknowledgement(everything, today)) == {late}
    assert set(complaints.overdue_answer(everything, today)) == {late, confirmed}
    assert fresh not in complaints.overdue_answer(everything, today)
