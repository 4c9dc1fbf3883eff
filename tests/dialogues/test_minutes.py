"""Approved minutes are immutable; both sides approve, each through another person."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from dialoq.accounts.admin import admin_site
from dialoq.accounts.models import Membership
from dialoq.accounts.roles import Role
from dialoq.dialogues import models as dialogue_models
from dialoq.dialogues import services
from dialoq.dialogues.models import (
    AgendaItem,
    AgreedAction,
    Assessment,
    DialogueLocked,
    DialogueStatus,
    MinutesApproval,
    Participant,
    QualityDialogue,
    Statement,
)
from tests import factories
from tests.dialogues.factories import approved_dialogue, held_dialogue


@pytest.fixture
def approved(world, people):
    return approved_dialogue(world, people)


def test_second_approval_locks_the_minutes(approved):
    assert approved.status == DialogueStatus.MINUTES_APPROVED
    assert approved.approved_at is not None
    assert approved.minutes_sha256 == services.sha256_of(
        services.minutes_content(approved)
    )
    assert sorted(approved.approvals.values_list("side", flat=True)) == [
        "funder",
        "provider",
    ]


def test_services_refuse_changes_after_approval(approved, world, people):
    item = approved.agenda_items.first()
    key = services.conspicuous_keys(approved)[0]
    attempts = [
        lambda: services.do_write_minutes(people.qm_funder, item, "geändert"),
        lambda: services.do_assess(people.qm_funder, approved, key, "other", "x"),
        lambda: services.do_add_agenda_item(people.qm_funder, approved, "Neu"),
        lambda: services.do_remove_participant(
            people.qm_funder, approved.participants.first()
        ),
        lambda: services.do_agree_action(
            people.qm_funder,
            approved,
            description="Noch eine",
            owner=people.qm_provider,
            owner_organisation=world.provider_a,
            due_on=timezone.localdate() + timedelta(days=30),
            effectiveness_check="Bericht",
        ),
        lambda: services.do_write_statement(people.qm_provider, approved, key, "x"),
        lambda: services.do_withdraw_approval(people.manager_funder, approved),
        lambda: services.do_approve_minutes(people.manager_funder, approved),
    ]
    for attempt in attempts:
        with pytest.raises(services.DialogueError):
            attempt()
    assert services.minutes_intact(approved)


def test_models_refuse_changes_after_approval(approved):
    item = approved.agenda_items.first()
    item.minutes = "nachträglich"
    with pytest.raises(DialogueLocked):
        item.save()
    assessment = approved.assessments.first()
    assessment.category = "unremarkable"
    with pytest.raises(DialogueLocked):
        assessment.save()
    with pytest.raises(DialogueLocked):
        approved.participants.first().delete()
    statement = approved.statements.first()
    statement.provider_text = "anders"
    with pytest.raises(DialogueLocked):
        statement.save()
    action = approved.agreed_actions.first()
    action.due_on += timedelta(days=90)
    with pytest.raises(DialogueLocked):
        action.save()
    approved.location = "anderswo"
    with pytest.raises(DialogueLocked):
        approved.save()
    with pytest.raises(DialogueLocked):
        approved.delete()
    with pytest.raises(DialogueLocked):
        approved.approvals.first().delete()
    assert services.minutes_intact(QualityDialogue.objects.get(pk=approved.pk))


def test_querysets_refuse_bulk_changes(approved):
    for model in (
        QualityDialogue,
        AgendaItem,
        Participant,
        Assessment,
        AgreedAction,
        Statement,
        MinutesApproval,
    ):
        rows = model.objects.all()
        with pytest.raises(DialogueLocked):
            rows.update(pk=0)
        with pytest.raises(DialogueLocked):
            rows.delete()
    assert AgendaItem.objects.get(dialogue=approved).minutes == "Ursachen besprochen."


def test_nothing_of_a_dialogue_is_registered_in_the_admin():
    registered = set(admin_site._registry)
    models = {
        getattr(dialogue_models, name)
        for name in dialogue_models.__all__
        if isinstance(getattr(dialogue_models, name), type)
        and hasattr(getattr(dialogue_models, name), "_meta")
    }
    assert models and not (models & registered)


def test_agreed_action_is_still_tracked_after_approval(approved, people):
    """Whether it is done may change; what was agreed may not."""
    action = approved.agreed_actions.get()
    services.do_track_action(people.qm_provider, action, status="done")
    action.refresh_from_db()
    assert (action.status, action.done_on) == ("done", timezone.localdate())
    assert action.description == "Vertretungsregelung einführen"


def test_forged_posts_change_nothing(approved, people, verified_client_for):
    client = verified_client_for(people.qm_funder)
    item = approved.agenda_items.first()
    key = services.conspicuous_keys(approved)[0]
    posts = [
        (
            reverse("dialogues:write_minutes", args=[approved.pk, item.pk]),
            {"text": "x"},
        ),
        (
            reverse("dialogues:assess", args=[approved.pk]),
            {"result_key": key, "category": "other", "reasoning": "x"},
        ),
        (reverse("dialogues:add_agenda_item", args=[approved.pk]), {"title": "x"}),
        (
            reverse("dialogues:remove_agenda_item", args=[approved.pk, item.pk]),
            {},
        ),
        (
            reverse("dialogues:statements", args=[approved.pk]),
            {"result_key": key, "side": "funder", "text": "x"},
        ),
    ]
    before = services.minutes_content(approved)
    for url, data in posts:
        response = client.post(url, data, follow=True)
        assert response.status_code == 200
        assert any(m.level_tag == "error" for m in response.context["messages"])
    assert services.minutes_content(approved) == before


def test_one_side_cannot_approve_twice(world, people):
    dialogue = held_dialogue(world, people)
    services.do_approve_minutes(people.manager_funder, dialogue)
    with pytest.raises(services.DialogueError, match="already"):
        services.do_approve_minutes(people.manager_funder, dialogue)
    second_manager = factories.make_user(role=Role.MANAGER, organisation=world.funder)
    with pytest.raises(services.DialogueError, match="funder has approved"):
        services.do_approve_minutes(second_manager, dialogue)
    dialogue.refresh_from_db()
    assert dialogue.status == DialogueStatus.MEETING_HELD


def test_a_member_of_both_sides_approves_once(world, people):
    dialogue = held_dialogue(world, people)
    dual = factories.make_user(role=Role.MANAGER, organisation=world.funder)
    Membership.objects.create(
        user=dual, organisation=world.provider_a, role=Role.MANAGER
    )
    with pytest.raises(services.DialogueError, match="both sides"):
        services.do_approve_minutes(dual, dialogue)
    services.do_approve_minutes(dual, dialogue, side="provider")
    with pytest.raises(services.DialogueError, match="already"):
        services.do_approve_minutes(dual, dialogue, side="funder")
    services.do_approve_minutes(people.manager_funder, dialogue)
    dialogue.refresh_from_db()
    assert dialogue.status == DialogueStatus.MINUTES_APPROVED


def test_wrong_roles_cannot_approve(world, people):
    dialogue = held_dialogue(world, people)
    for user in (people.qm_funder, world.people.provider_a, people.qm_elsewhere):
        with pytest.raises(PermissionDenied):
            services.do_approve_minutes(user, dialogue)
    assert not dialogue.approvals.exists()


def test_unassessed_results_block_approval(world, people):
    dialogue = held_dialogue(world, people)
    Assessment.objects.get(dialogue=dialogue).delete()
    with pytest.raises(services.DialogueError, match="assessed"):
        services.do_approve_minutes(people.manager_funder, dialogue)


def test_minutes_wait_for_a_withdrawn_approval_before_changing(world, people):
    dialogue = held_dialogue(world, people)
    services.do_approve_minutes(people.manager_provider, dialogue)
    item = dialogue.agenda_items.first()
    with pytest.raises(services.DialogueError, match="withdrawn"):
        services.do_write_minutes(people.qm_funder, item, "Ergänzt.")
    services.do_withdraw_approval(people.manager_provider, dialogue)
    services.do_write_minutes(people.qm_funder, item, "Ergänzt.")
    assert AgendaItem.objects.get(pk=item.pk).minutes == "Ergänzt."


def test_approval_through_the_page(world, people, verified_client_for):
    dialogue = held_dialogue(world, people)
    url = reverse("dialogues:approve", args=[dialogue.pk])
    assert verified_client_for(people.qm_funder).post(url).status_code == 403
    verified_client_for(people.manager_funder).post(url)
    verified_client_for(people.manager_provider).post(url)
    dialogue.refresh_from_db()
    assert dialogue.status == DialogueStatus.MINUTES_APPROVED


def test_last_times_actions_are_reviewed_at_the_next_dialogue(approved, world, people):
    action = approved.agreed_actions.get()
    following = services.do_create_dialogue(
        people.qm_funder,
        own=world.funder,
        partner=world.provider_a,
        period_start=approved.period_end + timedelta(days=1),
        period_end=approved.period_end + timedelta(days=365),
        planned_date=approved.period_end + timedelta(days=1),
    )
    services.do_freeze_pack(people.qm_funder, following)
    [previous] = following.pack.content["previous_actions"]
    assert previous["description"] == "Vertretungsregelung einführen"
    assert following.agenda_items.filter(kind="action_review").exists()
    services.do_hold_meeting(
        people.qm_funder, following, held_on=approved.period_end + timedelta(days=1)
    )
    services.do_review_action(
        people.qm_funder, following, action, "effective", "Quote erreicht."
    )
    services.do_approve_minutes(people.manager_funder, following)
    services.do_approve_minutes(people.manager_provider, following)
    action.refresh_from_db()
    assert (action.verdict, action.reviewed_in) == ("effective", following)
    action.verdict = "not_effective"
    with pytest.raises(DialogueLocked):
        action.save()
