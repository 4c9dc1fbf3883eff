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
