"""Reminders about quality dialogues, sent by ``./dialoq reminders`` (daily).

- statements due in at most ``STATEMENT_DAYS`` days and not all written: to
  the provider's QM officers and managers;
- agreed actions open and due in at most ``ACTION_DAYS`` days (or overdue):
  to the responsible person;
- a dialogue in at most ``DIALOGUE_DAYS`` days: to the QM officers and
  managers of both partners.

Each reminder has a notification key with the date it is about, so running
again on the same or a later day sends nothing twice, while a new date (a
rescheduled dialogue) is reminded of anew. Texts name organisations,
numbers and dates only, no free text, so never a beneficiary.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _

from dialoq.accounts.models import Membership, User
from dialoq.notifications.services import notify

from .access import WORKING_ROLES
from .models import ActionStatus, AgreedAction, DialogueStatus, QualityDialogue
from .schedule import UPCOMING

STATEMENT_DAYS = 7
ACTION_DAYS = 7
DIALOGUE_DAYS = 14


@dataclass
class Sent:
    statements: int = 0
    actions: int = 0
    dialogues: int = 0

    @property
    def total(self) -> int:
        return self.statements + self.actions + self.dialogues


def workers(*organisation_ids):
    """Return the active QM officers and managers of the organisations."""
    members = Membership.objects.active().filter(
        organisation_id__in=organisation_ids, role__in=WORKING_ROLES
    )
    return User.objects.filter(is_active=True, pk__in=members.values("user_id"))


def _day(day) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def send_reminders(today) -> Sent:
    """Send the reminders due on the day; return how many notifications were new."""
    sent = Sent()
    with translation.override(settings.LANGUAGE_CODE):
        sent.statements = _statements(today)
        sent.actions = _actions(today)
        sent.dialogues = _dialogues(today)
    return sent


def _statements(today) -> int:
    from .services import conspicuous_keys

    count = 0
    dialogues = QualityDialogue.objects.filter(
        status=DialogueStatus.STATEMENTS,
        statements_due_on__lte=today + timedelta(days=STATEMENT_DAYS),
        statements_due_on__gte=today,
    ).select_related("funder", "provider", "pack")
    for dialogue in dialogues:
        written = set(
            dialogue.statements.exclude(provider_text="").values_list(
                "result_key", flat=True
            )
        )
        if set(conspicuous_keys(dialogue)) <= written:
            continue
        count += notify(
            workers(dialogue.provider_id),
            key=f"dialogue:{dialogue.pk}:statements:{dialogue.statements_due_on}",
            subject=_("Statements for the quality dialogue due on %(date)s")
            % {"date": _day(dialogue.statements_due_on)},
            body=_(
                "%(funder)s asks %(provider)s for statements on the conspicuous "
                "results of the evidence pack by %(date)s."
            )
            % {
                "funder": dialogue.funder.name,
                "provider": dialogue.provider.name,
                "date": _day(dialogue.statements_due_on),
            },
            url=reverse("dialogues:statements", args=[dialogue.pk]),
        )
    return count


def _actions(today) -> int:
    count = 0
    actions = AgreedAction.objects.filter(
        status=ActionStatus.OPEN,
        dialogue__status=DialogueStatus.MINUTES_APPROVED,
        due_on__lte=today + timedelta(days=ACTION_DAYS),
    ).select_related("owner", "dialogue__funder", "dialogue__provider")
    for action in actions:
        dialogue = action.dialogue
        count += notify(
            [action.owner],
            key=f"dialogue-action:{action.pk}:due:{action.due_on}",
            subject=_("Agreed action due on %(date)s") % {"date": _day(action.due_on)},
            body=_(
                "Action %(number)d agreed in the quality dialogue of %(funder)s and "
                "%(provider)s is due on %(date)s."
            )
            % {
                "number": action.number,
                "funder": dialogue.funder.name,
                "provider": dialogue.provider.name,
                "date": _day(action.due_on),
            },
            url=reverse("dialogues:meeting", args=[dialogue.pk]) + "#actions",
        )
    return count


def _dialogues(today) -> int:
    count = 0
    dialogues = QualityDialogue.objects.filter(
        status__in=UPCOMING,
        planned_date__gte=today,
        planned_date__lte=today + timedelta(days=DIALOGUE_DAYS),
    ).select_related("funder", "provider")
    for dialogue in dialogues:
        count += notify(
            workers(dialogue.funder_id, dialogue.provider_id),
            key=f"dialogue:{dialogue.pk}:upcoming:{dialogue.planned_date}",
            subject=_("Quality dialogue on %(date)s")
            % {"date": _day(dialogue.planned_date)},
            body=_(
                "The quality dialogue of %(funder)s and %(provider)s is on %(date)s."
            )
            % {
                "funder": dialogue.funder.name,
                "provider": dialogue.provider.name,
                "date": _day(dialogue.planned_date),
            },
            url=dialogue.get_absolute_url(),
        )
    return count
