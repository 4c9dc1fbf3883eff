"""Statements by the provider side only, notes by the funder side only."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from dialoq.dialogues import services
from dialoq.dialogues.models import DialogueStatus, Statement
from tests.dialogues.factories import conspicuous_key, make_dialogue, make_results


@pytest.fixture
def frozen(world, people):
    make_results(world)
    dialogue = make_dialogue(world, people.qm_funder)
    services.do_freeze_pack(people.qm_funder, dialogue)
    return dialogue


def test_provider_writes_statement_and_funder_writes_notes(frozen, people):
    key = conspicuous_key(frozen)
    services.do_write_statement(people.qm_provider, frozen, key, " Begründung ")
    services.do_write_notes(people.manager_funder, frozen, key, "Nachfragen")
    statement = Statement.objects.get(dialogue=frozen, result_key=key)
    assert (statement.provider_text, statement.provider_author) == (
        "Begründung",
        people.qm_provider,
    )
    assert (statement.funder_notes, statement.funder_author) == (
        "Nachfragen",
        people.manager_funder,
    )


def test_sides_cannot_write_for_each_other(frozen, people, world):
    key = conspicuous_key(frozen)
    with pytest.raises(PermissionDenied):
        services.do_write_statement(people.qm_funder, frozen, key, "x")
    with pytest.raises(PermissionDenied):
        services.do_write_notes(people.qm_provider, frozen, key, "x")
    with pytest.raises(PermissionDenied):
        services.do_write_statement(world.people.provider_a, frozen, key, "x")
    assert not Statement.objects.exists()


def test_forged_side_in_a_post_is_refused(frozen, people, verified_client_for):
    url = reverse("dialogues:statements", args=[frozen.pk])
    data = {"result_key": conspicuous_key(frozen), "side": "provider", "text": "x"}
    assert verified_client_for(people.qm_funder).post(url, data).status_code == 403
    assert not Statement.objects.exists()


def test_statement_through_the_page(frozen, people, verified_client_for):
    client = verified_client_for(people.qm_provider)
    url = reverse("dialogues:statements", args=[frozen.pk])
    page = client.get(url)
    assert page.context["writes_statement"] and not page.context["writes_notes"]
    data = {"result_key": conspicuous_key(frozen), "side": "provider", "text": "Gut."}
    assert client.post(url, data).status_code == 302
    assert Statement.objects.get().provider_text == "Gut."


def test_only_conspicuous_results_take_statements(frozen, people):
    with pytest.raises(services.DialogueError, match="conspicuous"):
        services.do_write_statement(people.qm_provider, frozen, "999:", "x")


def test_funder_requests_statements_by_a_date(frozen, people):
    due = timezone.localdate() + timedelta(days=3)
    with pytest.raises(PermissionDenied):
        services.do_request_statements(people.qm_provider, frozen, due_on=due)
    with pytest.raises(services.DialogueError, match="between today"):
        services.do_request_statements(
            people.qm_funder, frozen, due_on=timezone.localdate() - timedelta(days=1)
        )
    services.do_request_statements(people.qm_funder, frozen, due_on=due)
    assert (frozen.status, frozen.statements_due_on) == (DialogueStatus.STATEMENTS, due)


def test_no_statements_after_the_meeting(frozen, people):
    services.do_hold_meeting(people.qm_funder, frozen, held_on=timezone.localdate())
    with pytest.raises(services.DialogueError, match="before the meeting"):
        services.do_write_statement(
            people.qm_provider, frozen, conspicuous_key(frozen), "zu spät"
        )
