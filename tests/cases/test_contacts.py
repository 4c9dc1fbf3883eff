"""Contacts: documented by the user, checked, deletable by the author for 24 h."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dialoq.cases.models import (
    AccessAction,
    AccessLogEntry,
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    Contact,
)
from tests.cases.conftest import HTMX

VALID = {"occurred_on": "2026-11-20", "duration_minutes": "45", "kind": "home_visit"}


def _add(case):
    return reverse("cases:contact_create", args=[case.pk])


def _delete(contact):
    return reverse("cases:contact_delete", args=[contact.case_id, contact.pk])


@pytest.mark.parametrize("person", ["provider_a", "funder"])
def test_people_who_document_the_case_record_contacts(person, world, client_for):
    """The contact is the user's, and is kept in history and the access log."""
    user = getattr(world.people, person)
    client = client_for(user)
    assert client.get(_add(world.case_a)).status_code == 200
    response = client.post(_add(world.case_a), VALID)
    assert response.status_code == 302
    assert response["Location"].endswith("#contacts")
    contact = Contact.objects.get()
    assert (contact.case, contact.staff) == (world.case_a, user)
    assert (contact.occurred_on, contact.duration_minutes, contact.kind) == (
        date(2026, 11, 20),
        45,
        "home_visit",
    )
    event = CaseEvent.objects.get(kind=CaseEventKind.CONTACT_RECORDED)
    assert event.actor == user
    assert event.changes["contact"] == [None, contact.pk]
    assert event.changes["duration_minutes"] == [None, 45]
    assert AccessLogEntry.objects.filter(
        case=world.case_a, action=AccessAction.CHANGE_CASE, user=user
    ).exists()
    page = client.get(world.case_a.get_absolute_url())
    assert "Home visit" in page.text
    assert "Duration in minutes: 45; Kind: Home visit" in page.text  # the history


def test_htmx_gets_the_contact_section_back(world, client_for):
    """An htmx post returns the refreshed contact section, errors included."""
    client = client_for(world.people.provider_a)
    response = client.post(_add(world.case_a), VALID, headers=HTMX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="contacts"')
    assert "Home visit" in response.text
    assert Contact.objects.count() == 1
    bad = client.post(
        _add(world.case_a), {**VALID, "duration_minutes": "0"}, headers=HTMX
    )
    assert "Enter a duration between 1 and 600 minutes." in bad.text
    assert Contact.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"duration_minutes": "0"}, "Enter a duration between 1 and 600 minutes."),
        ({"duration_minutes": "601"}, "Enter a duration between 1 and 600 minutes."),
        ({"duration_minutes": "1,5"}, "whole number of minutes"),
        ({"duration_minutes": ""}, "Enter how many minutes the contact took."),
        ({"occurred_on": "2099-01-01"}, "The date cannot be in the future."),
        ({"occurred_on": "2026-01-04"}, "cannot take place before the referral"),
        ({"occurred_on": "2026-13-01"}, "Enter a real date"),
        ({"kind": ""}, "Choose the kind of contact."),
        ({"kind": "letter"}, "Choose a kind of contact from the list."),
    ],
)
def test_bad_contacts_are_refused(changes, message, world, client_for):
    """Each mistake gets its own message and nothing is written."""
    response = client_for(world.people.provider_a).post(
        _add(world.case_a), {**VALID, **changes}
    )
    assert response.status_code == 200
    assert message in response.text
    assert not Contact.objects.exists()
    assert not CaseEvent.objects.exists()
    assert not AccessLogEntry.objects.exists()


def test_no_contact_after_the_help_ended(world, client_for):
    """A closed case takes late contacts only up to its end date."""
    world.case_a.status, world.case_a.ended_on = CaseStatus.CLOSED, date(2026, 10, 31)
    world.case_a.save()
    client = client_for(world.people.provider_a)
    late = client.post(_add(world.case_a), VALID)
    assert "cannot take place after the help ended" in late.text
    client.post(_add(world.case_a), {**VALID, "occurred_on": "2026-10-30"})
    assert Contact.objects.count() == 1


@pytest.mark.parametrize(
    ("person", "expected"),
    [("provider_b", 404), ("outsider", 404), ("auditor", 403)],
)
def test_others_cannot_record_contacts(person, expected, world, client_for):
    """Provider B and the outsider do not find the case; the auditor is refused."""
    client = client_for(getattr(world.people, person))
    assert client.get(_add(world.case_a)).status_code == expected
    assert client.post(_add(world.case_a), VALID).status_code == expected
    assert not Contact.objects.exists()


@pytest.fixture
def recorded(world, client_for):
    """Return a contact provider A's caseworker has just documented."""
    client_for(world.people.provider_a).post(_add(world.case_a), VALID)
    return Contact.objects.get()


def test_author_deletes_own_contact_within_a_day(world, client_for, recorded):
    """The author may delete a fresh contact; the history keeps what it was."""
    client = client_for(world.people.provider_a)
    page = client.get(world.case_a.get_absolute_url())
    assert _delete(recorded) in page.text
    assert "Delete the contact" in client.get(_delete(recorded)).text
    response = client.post(_delete(recorded))
    assert response.status_code == 302
    assert not Contact.objects.exists()
    event = CaseEvent.objects.get(kind=CaseEventKind.CHANGED)
    assert event.changes["contact"] == [recorded.pk, None]
    assert event.changes["duration_minutes"] == [45, None]
    assert AccessLogEntry.objects.filter(detail="contact deleted").count() == 1
    timeline = client.get(world.case_a.get_absolute_url())
    assert "Contact deleted" in timeline.text


def test_contact_cannot_be_deleted_after_a_day(world, client_for, recorded):
    """After 24 hours the contact stays: it counts as documented service."""
    CaseEvent.objects.update(occurred_at=timezone.now() - timedelta(hours=25))
    client = client_for(world.people.provider_a)
    assert _delete(recorded) not in client.get(world.case_a.get_absolute_url()).text
    assert client.post(_delete(recorded)).status_code == 403
    assert Contact.objects.count() == 1


@pytest.mark.parametrize(
    ("person", "expected"),
    [("funder", 403), ("auditor", 403), ("provider_b", 404), ("outsider", 404)],
)
def test_only_the_author_deletes(person, expected, world, client_for, recorded):
    """Colleagues of the case are refused; others do not find it."""
    client = client_for(getattr(world.people, person))
    assert client.get(_delete(recorded)).status_code == expected
    assert client.post(_delete(recorded)).status_code == expected
    assert Contact.objects.count() == 1


def test_contact_of_another_case_is_not_found(world, client_for, recorded):
    """A contact id under another case's address is not found."""
    url = reverse("cases:contact_delete", args=[world.case_b.pk, recorded.pk])
    assert client_for(world.people.funder).post(url).status_code == 404
    assert Contact.objects.count() == 1
