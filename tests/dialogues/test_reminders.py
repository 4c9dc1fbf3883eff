"""Reminders: statements, actions and dialogues due; sent once per date."""

from datetime import timedelta

from django.utils import timezone

from dialoq.dialogues import services
from dialoq.dialogues.reminders import send_reminders
from dialoq.notifications.models import Notification
from tests.dialogues.factories import approved_dialogue, make_dialogue


def test_reminders_are_sent_once(world, people):
    today = timezone.localdate()
    approved = approved_dialogue(world, people)  # action due in 5 days
    upcoming = services.do_create_dialogue(
        people.qm_funder,
        own=world.funder,
        partner=world.provider_a,
        period_start=approved.period_end + timedelta(days=1),
        period_end=approved.period_end + timedelta(days=300),
        planned_date=today + timedelta(days=12),
    )
    services.do_freeze_pack(people.qm_funder, upcoming)
    first = send_reminders(today)
    assert (first.statements, first.actions, first.dialogues) == (0, 1, 4)
    assert Notification.objects.filter(recipient=people.qm_provider).count() == 2
    again = send_reminders(today)
    later = send_reminders(today + timedelta(days=1))
    assert again.total == later.total == 0
    keys = set(Notification.objects.values_list("key", flat=True))
    assert f"dialogue:{upcoming.pk}:upcoming:{upcoming.planned_date}" in keys


def test_statements_due_remind_the_provider(world, people):
    from tests.dialogues.factories import make_results

    today = timezone.localdate()
    make_results(world)
    dialogue = make_dialogue(world, people.qm_funder, today + timedelta(days=30))
    services.do_freeze_pack(people.qm_funder, dialogue)
    services.do_request_statements(
        people.qm_funder, dialogue, due_on=today + timedelta(days=6)
    )
    sent = send_reminders(today)
    assert sent.statements == 2  # the provider's QM officer and manager
    recipients = set(
        Notification.objects.filter(key__contains="statements").values_list(
            "recipient", flat=True
        )
    )
    assert recipients == {people.qm_provider.pk, people.manager_provider.pk}
    assert send_reminders(today).statements == 0


def test_reminders_command_prints_what_it_sent(world, people, capsys):
    from dialoq.cli import main

    approved_dialogue(world, people)
    assert main(["reminders", "--date", timezone.localdate().isoformat()]) == 0
    assert "1 about actions" in capsys.readouterr().out
    assert main(["reminders"]) == 0
    assert "0 about actions" in capsys.readouterr().out
