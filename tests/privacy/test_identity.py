"""Identifying data: only the funder's case manager sees or changes them; logged."""

import logging
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dialoq.cases.models import (
    AccessAction,
    AccessLogEntry,
    BeneficiaryIdentity,
    CaseEvent,
    CaseEventKind,
)
from tests.privacy.builders import IDENTITY, english, set_identity

VALID = {
    "first_name": "Zebulon",
    "last_name": "Quackenbush",
    "date_of_birth": "2012-03-04",
    "address": "Lindenweg 7",
}


@pytest.fixture
def identity(world):
    return set_identity(world.case_a.beneficiary)


def _show(case):
    return reverse("cases:identity_show", args=[case.pk])


def _edit(case):
    return reverse("cases:identity_edit", args=[case.pk])


def _logged(action):
    return AccessLogEntry.objects.filter(action=action)


def test_case_manager_sees_identity_and_the_read_is_logged(world, identity, client_for):
    """The funder's case manager gets name, birth date and address; a log entry."""
    response = client_for(world.people.funder).get(_show(world.case_a))
    assert response.status_code == 200
    for text in ("Zebulon", "Quackenbush", "04.03.2012", "Lindenweg 7"):
        assert text in response.text
    assert response["Cache-Control"].startswith("max-age=0")
    entry = _logged(AccessAction.VIEW_IDENTITY).get()
    assert (entry.user, entry.case, entry.username) == (
        world.people.funder,
        world.case_a,
        "funder",
    )
    assert entry.case_reference == world.case_a.reference
    assert "Zebulon" not in entry.detail + entry.pseudonym


def test_case_page_hides_identity_behind_an_explicit_action(
    world, identity, client_for
):
    """The case page names no one; only the case manager gets the links."""
    funder_page = english(client_for(world.people.funder)).get(
        world.case_a.get_absolute_url()
    )
    assert "Zebulon" not in funder_page.text
    assert _show(world.case_a) in funder_page.text
    assert _edit(world.case_a) in funder_page.text
    assert not _logged(AccessAction.VIEW_IDENTITY).exists()
    for person in (world.people.provider_a, world.people.auditor):
        page = english(client_for(person)).get(world.case_a.get_absolute_url())
        assert page.status_code == 200
        assert "Zebulon" not in page.text
        assert _show(world.case_a) not in page.text
        assert world.case_a.beneficiary.pseudonym in page.text


@pytest.mark.parametrize(
    ("persona", "status"),
    [("provider_a", 403), ("auditor", 403), ("provider_b", 404), ("outsider", 404)],
)
def test_others_never_get_the_identity(world, identity, client_for, persona, status):
    """Providers, auditors and outsiders get 403/404 and no log entry, never a name."""
    client = client_for(getattr(world.people, persona))
    for response in (
        client.get(_show(world.case_a)),
        client.get(_edit(world.case_a)),
        client.post(_edit(world.case_a), VALID | {"first_name": "Mallory"}),
        client.get(_show(world.case_a), headers={"HX-Request": "true"}),
    ):
        assert response.status_code == status
        assert b"Zebulon" not in response.content
    assert BeneficiaryIdentity.objects.get().read() == IDENTITY
    assert not AccessLogEntry.objects.filter(
        action__in=[AccessAction.VIEW_IDENTITY, AccessAction.CHANGE_IDENTITY]
    ).exists()


def test_htmx_gets_the_section_only(world, identity, client_for):
    """An htmx request gets the identity section to swap into the case page."""
    response = client_for(world.people.funder).get(
        _show(world.case_a), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="identity"')
    assert "Quackenbush" in response.text


def test_case_manager_records_identity_encrypted(world, client_for):
    """Saving stores encrypted values, logs the change, adds a value-free event."""
    client = english(client_for(world.people.funder))
    response = client.post(_edit(world.case_a), VALID)
    assert response.status_code == 302
    assert response["Location"] == world.case_a.get_absolute_url() + "#identity"
    stored = BeneficiaryIdentity.objects.get(beneficiary=world.case_a.beneficiary)
    assert stored.read()["last_name"] == "Quackenbush"
    assert stored.read()["date_of_birth"] == date(2012, 3, 4)
    raw = bytes(stored.encrypted)
    for plain in (b"Zebulon", b"Quackenbush", b"Lindenweg", b"2012-03-04"):
        assert plain not in raw
    entry = _logged(AccessAction.CHANGE_IDENTITY).get()
    assert entry.case == world.case_a
    event = CaseEvent.objects.get(kind=CaseEventKind.IDENTITY_CHANGED)
    assert (event.case, event.actor, event.changes) == (
        world.case_a,
        world.people.funder,
        {},
    )


def test_opening_the_form_is_a_logged_read(world, identity, client_for):
    """The form shows the stored values, so opening it is logged as a read."""
    response = client_for(world.people.funder).get(_edit(world.case_a))
    assert response.status_code == 200
    assert 'value="Quackenbush"' in response.text
    assert _logged(AccessAction.VIEW_IDENTITY).count() == 1


def test_saving_unchanged_values_writes_nothing(world, client_for):
    """Submitting the same values again adds no history and no change log."""
    client = client_for(world.people.funder)
    client.post(_edit(world.case_a), VALID)
    client.post(_edit(world.case_a), VALID)
    assert _logged(AccessAction.CHANGE_IDENTITY).count() == 1
    assert CaseEvent.objects.filter(kind=CaseEventKind.IDENTITY_CHANGED).count() == 1


def test_htmx_save_returns_the_hidden_section(world, client_for):
    """After an htmx save the section returns hidden, with a note, without values."""
    response = english(client_for(world.people.funder)).post(
        _edit(world.case_a), VALID, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "Identifying data saved." in response.text
    assert "Quackenbush" not in response.text


TOMORROW = (timezone.localdate() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"date_of_birth": TOMORROW}, "date_of_birth", "cannot be in the future"),
        ({"date_of_birth": "1890-01-01"}, "date_of_birth", "more than 120 years"),
        ({"date_of_birth": "31.02.2010"}, "date_of_birth", "as a date, e.g."),
        ({"last_name": "  "}, "last_name", "Enter the last name."),
        ({"first_name": "R2D2"}, "first_name", "cannot contain digits"),
        ({"first_name": "x" * 101}, "first_name", "at most 100 characters"),
        ({"address": "Weg 1\x07"}, "address", "invisible control characters"),
    ],
)
def test_bad_input_is_refused_with_a_specific_message(
    world, identity, client_for, change, field, message
):
    """Each bad value gets its own message next to its field; nothing changes."""
    client = english(client_for(world.people.funder))
    response = client.post(_edit(world.case_a), VALID | change)
    assert response.status_code == 400
    assert message in str(response.context["form"].errors[field])
    assert message in response.text
    assert f'id="id_{field}_error"' in response.text
    assert BeneficiaryIdentity.objects.get().read() == IDENTITY
    assert not _logged(AccessAction.CHANGE_IDENTITY).exists()
    assert not CaseEvent.objects.filter(kind=CaseEventKind.IDENTITY_CHANGED).exists()


def test_identity_never_reaches_the_server_log(world, client_for, caplog):
    """Reading and writing identity leaves no personal data in log records."""
    client = client_for(world.people.funder)
    with caplog.at_level(logging.DEBUG):
        client.post(_edit(world.case_a), VALID)
        client.get(_show(world.case_a))
        client.post(_edit(world.case_a), VALID | {"date_of_birth": "1800-01-01"})
    assert "Zebulon" not in caplog.text
    assert "Quackenbush" not in caplog.text


def test_anonymised_case_shows_no_identity(world, identity, client_for):
    """Through an anonymised case, identity can be neither read nor changed."""
    world.case_a.anonymised_at = timezone.now()
    world.case_a.save()
    client = english(client_for(world.people.funder))
    assert client.get(_show(world.case_a)).status_code == 403
    assert client.post(_edit(world.case_a), VALID).status_code == 403
    page = client.get(world.case_a.get_absolute_url())
    assert "anonymised on" in page.text
    assert _show(world.case_a) not in page.text


def test_htmx_form_with_errors_comes_back_swappable(world, client_for):
    """An htmx submission with bad input gets the form part back with status 200."""
    response = english(client_for(world.people.funder)).post(
        _edit(world.case_a),
        VALID | {"last_name": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="identity"')
    assert "Enter the last name." in response.text
    assert not BeneficiaryIdentity.objects.exists()
