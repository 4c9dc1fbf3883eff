"""Builders for quality-dialogue tests: results with a conspicuous one, dialogues
taken through their steps by the real service functions."""

from datetime import date, timedelta

from django.utils import timezone

from dialoq.dialogues import services
from dialoq.measures import statistics as st
from tests.measures import results_data

PERIOD_START, PERIOD_END = results_data.LATEST.start, results_data.LATEST.end


def make_results(world):
    """Store an indicator with provider A conspicuous (40 %) and B within range."""
    version = results_data.make_indicator()
    own = results_data.make_result(
        version,
        "provider",
        funder=world.funder,
        provider=world.provider_a,
        cases=20,
        numerator=8,
        evaluation=st.Evaluation.CONSPICUOUS,
    )
    peer = results_data.make_result(
        version,
        "provider",
        funder=world.funder,
        provider=world.provider_b,
        cases=30,
        numerator=24,
    )
    results_data.add_funnel([own, peer])
    earlier = results_data.rolling(1)
    results_data.make_result(
        version,
        "provider",
        funder=world.funder,
        provider=world.provider_a,
        period=earlier,
        cases=18,
        numerator=9,
        evaluation=st.Evaluation.CONSPICUOUS,
    )
    return version


def make_dialogue(world, officer, planned_date=None):
    return services.do_create_dialogue(
        officer,
        own=world.funder,
        partner=world.provider_a,
        period_start=PERIOD_START,
        period_end=PERIOD_END,
        planned_date=planned_date or timezone.localdate() + timedelta(days=10),
    )


def conspicuous_key(dialogue) -> str:
    return services.conspicuous_keys(dialogue)[0]


def held_dialogue(world, people, held_on: date | None = None):
    """Return a dialogue with a frozen pack, statements and a held meeting."""
    make_results(world)
    dialogue = make_dialogue(world, people.qm_funder)
    services.do_freeze_pack(people.qm_funder, dialogue)
    key = conspicuous_key(dialogue)
    services.do_write_statement(
        people.qm_provider, dialogue, key, "Zwei Teams waren unterbesetzt."
    )
    services.do_write_notes(people.qm_funder, dialogue, key, "Im Termin klären.")
    services.do_add_participant(people.qm_funder, dialogue, person=people.qm_funder)
    services.do_add_participant(
        people.qm_funder,
        dialogue,
        name="Dr. Gast",
        organisation="Landesjugendamt",
        function="Fachberatung",
    )
    services.do_hold_meeting(
        people.qm_funder, dialogue, held_on=held_on or timezone.localdate()
    )
    item = dialogue.agenda_items.first()
    services.do_write_minutes(people.qm_provider, item, "Ursachen besprochen.")
    services.do_assess(
        people.qm_funder, dialogue, key, "remarkable", "Personalengpass belegt."
    )
    services.do_agree_action(
        people.qm_funder,
        dialogue,
        description="Vertretungsregelung einführen",
        owner=people.qm_provider,
        owner_organisation=world.provider_a,
        due_on=timezone.localdate() + timedelta(days=5),
        effectiveness_check="Quote im nächsten Bericht ≥ 60 %",
        result_key=key,
    )
    return dialogue


def approved_dialogue(world, people):
    dialogue = held_dialogue(world, people)
    services.do_approve_minutes(people.manager_funder, dialogue)
    services.do_approve_minutes(people.manager_provider, dialogue)
    return dialogue


def walk_arguments(world) -> dict:
    """Return ids of a held dialogue of the funder and provider A (for the URL walk)."""
    from types import SimpleNamespace

    from dialoq.accounts.roles import Role
    from dialoq.dialogues.models import QualityDialogue
    from tests import factories

    dialogue = QualityDialogue.objects.filter(provider=world.provider_a).first()
    if dialogue is None:
        make = factories.make_user
        people = SimpleNamespace(
            qm_funder=make(role=Role.QM_OFFICER, organisation=world.funder),
            qm_provider=make(role=Role.QM_OFFICER, organisation=world.provider_a),
        )
        dialogue = held_dialogue(world, people)
    return {
        "pk": dialogue.pk,
        "item_pk": dialogue.agenda_items.first().pk,
        "participant_pk": dialogue.participants.first().pk,
        "action_pk": dialogue.agreed_actions.first().pk,
    }
