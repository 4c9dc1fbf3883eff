"""Bulk writes of the monitor: notify_many, batches, and no half-written deviation."""

from datetime import date

import pytest
from django.core import mail

from dialoq.catalog.models import ProcessStandardVersion, VersionStatus
from dialoq.deviations.models import Deviation, DeviationEvent, DeviationEventKind
from dialoq.deviations.monitor import job, reconcile
from dialoq.notifications.models import Notification
from dialoq.notifications.services import Message, notify_many
from tests import factories
from tests.deviations.factories import make_standard_version

TODAY = date(2026, 3, 2)


def test_notify_many_creates_each_key_once_per_person(world, settings):
    settings.DIALOQ_BASE_URL = "https://qm.example.org"
    people = world.people
    Notification.objects.create(recipient=people.funder, key="k1", subject="Old")
    created = notify_many(
        [
            Message(people.funder.pk, "k1", "Again"),  # has it already
            Message(people.provider_a.pk, "k1", "New", "Body", "/x/1/"),
            Message(people.provider_a.pk, "k1", "Repeat in the same call"),
            (people.provider_b.pk, "k2", "Tuple"),
            Message(None, "k3", "Nobody"),
        ]
    )
    assert created == 2
    assert Notification.objects.get(recipient=people.funder, key="k1").subject == "Old"
    mine = Notification.objects.get(recipient=people.provider_a, key="k1")
    assert (mine.subject, mine.body, mine.url) == ("New", "Body", "/x/1/")
    assert Notification.objects.filter(key="k2").get().recipient == people.provider_b
    assert not Notification.objects.filter(key="k3").exists()
    assert notify_many([]) == 0


def test_notify_many_mails_after_commit_to_people_with_an_address(
    world, settings, django_capture_on_commit_callbacks
):
    settings.DIALOQ_BASE_URL = "https://qm.example.org"
    people = world.people
    people.provider_a.email = "a@example.org"
    people.provider_a.save()
    people.provider_b.email = ""
    people.provider_b.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify_many(
            [
                Message(people.provider_a.pk, "m1", "Subject", "Text", "/d/7/"),
                Message(people.provider_b.pk, "m1", "Subject"),
            ]
        )
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["a@example.org"]
    assert message.subject == "Subject"
    assert message.body == "Text\n\nhttps://qm.example.org/d/7/"
    sent = Notification.objects.get(recipient=people.provider_a, key="m1")
    assert sent.emailed_at is not None
    assert Notification.objects.get(recipient=people.provider_b).emailed_at is None
    for callback in callbacks:  # a second delivery sends nothing again
        callback()
    assert len(mail.outbox) == 1


@pytest.fixture
def first_contact(db):
    ProcessStandardVersion.objects.filter(status=VersionStatus.IN_FORCE).update(
        status=VersionStatus.RETIRED
    )
    return make_standard_version(
        "first-contact",
        rule={
            "kind": "deadline",
            "anchor": "referral",
            "event": "contact",
            "within": "10 working days",
        },
    )


def test_batches_write_each_deviation_with_its_event_and_notification(
    world, first_contact, monkeypatch
):
    for _ in range(3):
        factories.make_case(
            world.funder, world.provider_a, caseworker=world.people.provider_a
        )
    monkeypatch.setattr(reconcile, "BATCH", 2)
    summary = job.monitor(TODAY)
    assert summary.opened == 5
    deviations = Deviation.objects.filter(source="standard")
    assert deviations.count() == 5
    for deviation in deviations:
        assert [event.kind for event in deviation.events.all()] == [
            DeviationEventKind.CREATED
        ]
        note = Notification.objects.get(key=deviation.key)
        assert note.url == f"/deviations/{deviation.pk}/"
        assert f"A-{deviation.pk}:" in note.body
    assert job.monitor(TODAY).opened == 0


def test_a_failure_while_opening_leaves_no_half_written_deviation(
    world, first_contact, monkeypatch
):
    def broken(messages):
        list(messages)
        raise RuntimeError("mail queue down")

    monkeypatch.setattr(reconcile, "notify_many", broken)
    with pytest.raises(RuntimeError):
        job.monitor(TODAY)
    assert not Deviation.objects.exists()
    assert not DeviationEvent.objects.exists()
    monkeypatch.undo()
    assert job.monitor(TODAY).opened == 2
