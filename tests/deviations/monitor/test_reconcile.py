"""Breaches become deviations once, heal, recur, and notify their owners."""

from datetime import date

import pytest

from dialoq.catalog.models import ProcessStandardVersion, VersionStatus
from dialoq.deviations.models import (
    Deviation,
    DeviationEventKind,
    DeviationStatus,
    MonitorRun,
    Resolution,
    RunStatus,
)
from dialoq.deviations.monitor import job
from dialoq.deviations.workflow import default_due_on
from dialoq.notifications.models import Notification
from tests import factories
from tests.deviations.factories import make_standard_version

TODAY = date(2026, 3, 2)
FIRST_CONTACT = {
    "kind": "deadline",
    "anchor": "referral",
    "event": "contact",
    "within": "10 working days",
}


@pytest.fixture
def only_our_standards(db):
    """Retire the built-in standards, so that only the tests' own are in force."""
    ProcessStandardVersion.objects.filter(status=VersionStatus.IN_FORCE).update(
        status=VersionStatus.RETIRED
    )


@pytest.fixture
def first_contact(only_our_standards):
    return make_standard_version("first-contact", rule=FIRST_CONTACT)


def monitored(today=TODAY):
    """Run the monitoring and record it as a completed run of that day."""
    summary = job.monitor(today)
    MonitorRun.objects.create(status=RunStatus.DONE, checked_on=today)
    return summary


def test_a_persisting_breach_opens_one_deviation_with_owner(world, first_contact):
    """Referred 5 Jan 2026 without contact: due 19 Jan, breached and persisting."""
    summary = monitored()
    assert summary.opened == 2
    deviation = Deviation.objects.get(case=world.case_a)
    assert deviation.key == f"standard:first-contact:case:{world.case_a.pk}:2026-01-05"
    assert deviation.title == "Standard first-contact (05.01.2026)"
    assert deviation.source == "standard"
    assert deviation.auto_detected
    assert deviation.status == DeviationStatus.REPORTED
    assert deviation.owner_organisation == world.provider_a
    assert deviation.owner == world.people.provider_a
    assert deviation.funder == world.funder
    assert deviation.standard_version == first_contact
    assert deviation.occurred_on == date(2026, 1, 5)
    assert deviation.due_on == default_due_on(first_contact.severity, TODAY)
    assert [e.kind for e in deviation.events.all()] == [DeviationEventKind.CREATED]
    note = Notification.objects.get(recipient=world.people.provider_a)
    assert note.key == deviation.key
    assert note.url == f"/deviations/{deviation.pk}/"
    assert "LB-TEST" not in note.subject + note.body  # no pseudonym, no name


def test_running_twice_opens_nothing_new(world, first_contact):
    assert monitored().opened == 2
    second = monitored()
    assert second.opened == 0
    assert second.healed == 0
    assert Deviation.objects.count() == 2
    assert Notification.objects.count() == 2


def test_funder_responsibility_goes_to_the_case_manager(world, only_our_standards):
    make_standard_version("plan", rule=FIRST_CONTACT, responsible="funder")
    monitored()
    deviation = Deviation.objects.get(case=world.case_a)
    assert deviation.owner_organisation == world.funder
    assert deviation.owner == world.people.funder


def test_met_standard_and_closed_case_open_nothing(world, first_contact):
    factories.make_contact(world.case_a, occurred_on=date(2026, 1, 19))
    world.case_b.status = "closed"
    world.case_b.ended_on = date(2026, 2, 20)
    world.case_b.save()
    summary = monitored()
    assert summary.opened == 0
    assert summary.breaches == 1  # case B's breach counts for compliance only
    assert not Deviation.objects.exists()


def test_cases_outside_the_scope_get_no_deviation(world, only_our_standards):
    other = factories.make_service_type("heim", name="Heimerziehung")
    world.case_b.service_type = other
    world.case_b.save()
    make_standard_version(
        "spfh-only", rule=dict(FIRST_CONTACT, scope={"service_types": ["spfh"]})
    )
    owned = make_standard_version("owned", rule=FIRST_CONTACT)
    owned.standard.owner = world.provider_b
    owned.standard.save()
    monitored()
    keys = set(Deviation.objects.values_list("key", flat=True))
    assert keys == {
        f"standard:spfh-only:case:{world.case_a.pk}:2026-01-05",
        f"standard:owned:case:{world.case_b.pk}:2026-01-05",
    }


def test_healed_before_work_began_is_closed_as_healed(world, first_contact):
    monitored()
    factories.make_contact(world.case_a, occurred_on=date(2026, 3, 2))
    summary = monitored(TODAY)
    assert summary.healed == 1
    deviation = Deviation.objects.get(case=world.case_a)
    assert deviation.status == DeviationStatus.CLOSED
    assert deviation.resolution == Resolution.HEALED
    assert deviation.closed_at is not None and deviation.healed_at is not None
    healed = deviation.events.get(kind=DeviationEventKind.HEALED)
    assert (healed.from_status, healed.to_status) == ("reported", "closed")
    assert monitored().healed == 0  # idempotent


def test_healed_while_in_work_is_marked_and_the_owner_told(world, first_contact):
    monitored()
    deviation = Deviation.objects.get(case=world.case_a)
    Deviation.objects.filter(pk=deviation.pk).update(status=DeviationStatus.REACTED)
    factories.make_contact(world.case_a, occurred_on=date(2026, 3, 1))
    assert monitored().healed == 1
    deviation.refresh_from_db()
    assert deviation.status == DeviationStatus.REACTED
    assert deviation.healed_at is not None
    assert deviation.events.filter(kind=DeviationEventKind.HEALED).count() == 1
    assert Notification.objects.filter(
        recipient=world.people.provider_a, key__endswith=":healed:2026-03-02"
    ).exists()


def test_a_breach_persisting_again_reopens_an_auto_closed_deviation(
    world, first_contact
):
    monitored()
    contact = factories.make_contact(world.case_a, occurred_on=date(2026, 3, 2))
    monitored()
    contact.delete()
    summary = monitored()
    assert summary.recurred == 1
    deviation = Deviation.objects.get(case=world.case_a)
    assert deviation.status == DeviationStatus.REPORTED
    assert deviation.resolution == ""
    assert deviation.closed_at is None and deviation.healed_at is None
    kinds = list(deviation.events.values_list("kind", flat=True))
    assert kinds == ["created", "healed", "recurred"]
    assert monitored().recurred == 0


def test_recurrence_leaves_a_deviation_closed_by_a_person_closed(world, first_contact):
    monitored()
    contact = factories.make_contact(world.case_a, occurred_on=date(2026, 3, 2))
    deviation = Deviation.objects.get(case=world.case_a)
    Deviation.objects.filter(pk=deviation.pk).update(status=DeviationStatus.REACTED)
    monitored()
    Deviation.objects.filter(pk=deviation.pk).update(
        status=DeviationStatus.CLOSED,
        resolution=Resolution.UNFOUNDED,
        closed_at=deviation.detected_at,
        closed_by=world.people.funder,
    )
    contact.delete()
    assert monitored().recurred == 1
    deviation.refresh_from_db()
    assert deviation.status == DeviationStatus.CLOSED
    assert deviation.healed_at is None


def test_a_breach_healed_since_the_previous_run_still_opens_a_deviation(
    world, first_contact
):
    """Between two runs the contact came late: the breach existed, it is recorded."""
    MonitorRun.objects.create(status=RunStatus.DONE, checked_on=date(2026, 1, 15))
    factories.make_contact(world.case_a, occurred_on=date(2026, 1, 21))
    factories.make_contact(world.case_b, occurred_on=date(2026, 1, 12))
    summary = job.monitor(TODAY)
    assert summary.opened == 1
    deviation = Deviation.objects.get()
    assert deviation.case == world.case_a
    assert deviation.status == DeviationStatus.CLOSED
    assert deviation.resolution == Resolution.HEALED
    assert not Notification.objects.exists()  # nothing left to do


def test_the_first_run_ever_skips_breaches_healed_before(world, first_contact):
    factories.make_contact(world.case_a, occurred_on=date(2026, 1, 21))
    summary = job.monitor(TODAY)
    assert summary.breaches == 2
    assert summary.opened == 1  # only case B's persisting breach


def test_max_interval_opens_one_deviation_per_gap(world, only_our_standards):
    make_standard_version(
        "contact-4-weeks",
        rule={"kind": "max_interval", "event": "contact", "every": "4 weeks"},
    )
    case = world.case_a  # help started 19 Jan 2026
    for day in (date(2026, 1, 19), date(2026, 2, 27)):
        factories.make_contact(case, occurred_on=day)
    monitored(date(2026, 4, 1))
    keys = sorted(Deviation.objects.filter(case=case).values_list("key", flat=True))
    # 19 Jan → 27 Feb was late but healed before the first run; the gap from
    # 27 Feb was due on 27 March and persists.
    assert keys == [f"standard:contact-4-weeks:case:{case.pk}:2026-02-27"]
