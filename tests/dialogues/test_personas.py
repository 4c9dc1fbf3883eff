"""Who sees what: the partners' QM officers work a dialogue, caseworkers read it
once approved, outsiders get nothing."""

import pytest
from django.urls import reverse

from dialoq.dialogues import access, services
from tests.dialogues.factories import approved_dialogue, held_dialogue

PAGES = ("detail", "pack", "statements", "meeting", "pdf")


def _urls(dialogue):
    return [reverse(f"dialogues:{name}", args=[dialogue.pk]) for name in PAGES]


@pytest.fixture
def held(world, people):
    return held_dialogue(world, people)


def test_funder_and_provider_officers_work_the_dialogue(
    held, people, verified_client_for
):
    for officer in (people.qm_funder, people.qm_provider):
        client = verified_client_for(officer)
        assert list(client.get(reverse("dialogues:list")).context["dialogues"]) == [
            held
        ]
        for url in _urls(held):
            assert client.get(url).status_code == 200, url
        assert client.get(reverse("dialogues:meeting", args=[held.pk])).context[
            "minuting"
        ]


def test_caseworker_reads_only_approved_minutes(world, people, client_for):
    caseworker = world.people.provider_a
    dialogue = held_dialogue(world, people)
    client = client_for(caseworker)
    assert list(client.get(reverse("dialogues:list")).context["dialogues"]) == []
    assert (
        client.get(reverse("dialogues:meeting", args=[dialogue.pk])).status_code == 404
    )
    services.do_approve_minutes(people.manager_funder, dialogue)
    services.do_approve_minutes(people.manager_provider, dialogue)
    for url in _urls(dialogue):
        assert client.get(url).status_code == 200, url
    page = client.get(reverse("dialogues:meeting", args=[dialogue.pk]))
    assert b"Ursachen besprochen." in page.content
    assert not page.context["minuting"] and not page.context["works"]
    item = dialogue.agenda_items.first()
    minutes = reverse("dialogues:write_minutes", args=[dialogue.pk, item.pk])
    assert client.post(minutes, {"text": "x"}).status_code == 403


def test_case_manager_of_the_funder_reads_approved_minutes(world, people, client_for):
    dialogue = approved_dialogue(world, people)
    client = client_for(world.people.funder)
    assert client.get(reverse("dialogues:pack", args=[dialogue.pk])).status_code == 200


def test_outsiders_get_nothing(world, people, client_for, verified_client_for):
    dialogue = approved_dialogue(world, people)
    for client in (
        client_for(world.people.outsider),
        verified_client_for(people.qm_elsewhere),
        client_for(world.people.provider_b),
    ):
        for url in _urls(dialogue):
            assert client.get(url).status_code == 404, url
    for user in (world.people.outsider, people.qm_elsewhere, world.people.provider_b):
        assert not access.visible_dialogues(user).exists()
    client = verified_client_for(people.qm_elsewhere)
    assert list(client.get(reverse("dialogues:list")).context["dialogues"]) == []
    assert client.get(reverse("dialogues:calendar")).context["entries"] == []
    assert b"VEVENT" not in client.get(reverse("dialogues:calendar_ics")).content


def test_people_without_a_partner_role_are_refused_the_list(client_for, world):
    from tests import factories

    nobody = factories.make_user()
    assert client_for(nobody).get(reverse("dialogues:list")).status_code == 403
