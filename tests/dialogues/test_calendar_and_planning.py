"""Planning a dialogue, its calendar and iCalendar export."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from dialoq.dialogues import schedule
from dialoq.dialogues.models import QualityDialogue
from tests.dialogues.factories import PERIOD_END, PERIOD_START, approved_dialogue


def _plan(world, **changes):
    data = {
        "own": world.funder.pk,
        "partner": world.provider_a.pk,
        "period_start": PERIOD_START.isoformat(),
        "period_end": PERIOD_END.isoformat(),
        "planned_date": (timezone.localdate() + timedelta(days=20)).isoformat(),
        "location": "Rathaus",
    }
    data.update(changes)
    return data


def test_officer_plans_a_dialogue(world, people, verified_client_for):
    client = verified_client_for(people.qm_funder)
    response = client.post(reverse("dialogues:create"), _plan(world))
    dialogue = QualityDialogue.objects.get()
    assert response["Location"] == dialogue.get_absolute_url()
    assert (dialogue.funder, dialogue.provider, dialogue.location) == (
        world.funder,
        world.provider_a,
        "Rathaus",
    )
    assert dialogue.agreement_version is None


def test_bad_input_gives_a_message(world, people, verified_client_for):
    client = verified_client_for(people.qm_funder)
    url = reverse("dialogues:create")
    page = client.post(url, _plan(world, period_end="2025-01-01"))
    assert "end on or after" in str(page.context["form"].errors)
    client.post(url, _plan(world))
    page = client.post(url, _plan(world))
    assert "overlapping period" in str(page.context["form"].non_field_errors())
    page = client.post(url, _plan(world, partner=world.elsewhere.pk))
    assert page.status_code == 200 and page.context["form"].errors
    assert QualityDialogue.objects.count() == 1


def test_caseworker_and_outsider_cannot_plan(world, people, client_for):
    for user in (world.people.provider_a, world.people.outsider):
        response = client_for(user).post(reverse("dialogues:create"), _plan(world))
        assert response.status_code == 403
    assert not QualityDialogue.objects.exists()


def test_calendar_lists_dialogues_actions_and_self_assessments(world, people):
    dialogue = approved_dialogue(world, people)
    entries = schedule.calendar_entries(people.qm_provider)
    kinds = {entry.kind for entry in entries}
    assert {"action", "self_assessment"} <= kinds
    action = next(entry for entry in entries if entry.kind == "action")
    assert action.day == dialogue.agreed_actions.get().due_on
    ics = schedule.icalendar(entries, base_url="https://x.example", now=timezone.now())
    assert ics.startswith("BEGIN:VCALENDAR\r\n") and ics.count("BEGIN:VEVENT") == len(
        entries
    )
    assert "https://x.example/dialogues/" in ics


def test_calendar_page_and_export(world, people, verified_client_for):
    approved_dialogue(world, people)
    client = verified_client_for(people.qm_funder)
    assert client.get(reverse("dialogues:calendar")).status_code == 200
    response = client.get(reverse("dialogues:calendar_ics"))
    assert response["Content-Type"].startswith("text/calendar")
    assert b"VEVENT" in response.content


def test_calendar_shows_the_next_dialogue_due_by_the_agreed_cadence(world, people):
    """Due = last dialogue (held) + cadence, or agreement start + cadence."""
    from datetime import date

    from tests.agreements.factories import (
        agreement_between,
        make_approved,
        make_manager,
        make_terms,
    )

    dialogue = approved_dialogue(world, people)
    start = date(2026, 1, 1)
    managers = [
        make_manager(organisation, f"chef_{organisation.pk}")
        for organisation in (world.funder, world.provider_a, world.provider_b)
    ]
    for provider, manager in zip(
        (world.provider_a, world.provider_b), managers[1:], strict=True
    ):
        make_approved(
            agreement_between(world.funder, provider),
            people.qm_funder,
            managers[0],
            manager,
            make_terms(start, dialogue_cadence_months=12),
            today=start,
        )
    today = date(2026, 6, 1)
    due = {
        entry.title: entry.day
        for entry in schedule.calendar_entries(people.qm_funder, today=today)
        if entry.kind == "dialogue_due"
    }
    pair_a = f"{world.funder.short_name} – {world.provider_a.short_name}"
    pair_b = f"{world.funder.short_name} – {world.provider_b.short_name}"
    held = dialogue.held_on
    assert due == {pair_a: held.replace(year=held.year + 1), pair_b: date(2027, 1, 1)}
    # Provider A's officer sees only the own pair; the outsider nothing.
    own = [
        entry.title
        for entry in schedule.calendar_entries(people.qm_provider, today=today)
        if entry.kind == "dialogue_due"
    ]
    assert own == [pair_a]
    assert schedule.calendar_entries(world.people.outsider, today=today) == []
