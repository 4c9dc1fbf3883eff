"""Quality dialogues of the demo district: the Jugendamt and the Diakonie.

One dialogue about the last twelve complete months, held two weeks ago, with its
evidence pack frozen, the Diakonie's statements and assessments of any conspicuous
result, minutes, an agreed action and both managers' approvals; and the dialogue
about the twelve months after, planned ten weeks ahead. Written through the same
service functions as the screens, after the indicator results are computed (the pack
is gathered from them), so ``./dialoq demo`` calls ``create_if_missing`` after
computing. Takes about a second at any demo size: the pack reads stored results and
counts, never the cases.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from dialoq.accounts.models import Membership, User
from dialoq.dialogues import services
from dialoq.dialogues.models import AssessmentCategory, QualityDialogue
from dialoq.self_assessment.services import add_months

FUNDER_QM, PROVIDER_QM = "qm.jugendamt", "qm.diakonie"
FUNDER_MANAGER, PROVIDER_MANAGER = "leitung.jugendamt", "leitung.diakonie"
# Assessments in turn, with their reasoning, for the conspicuous results.
ASSESSMENTS = (
    (
        AssessmentCategory.REMARKABLE,
        "Die Stellungnahme erklärt die Abweichung nicht ausreichend; "
        "Zielvereinbarung getroffen.",
    ),
    (
        AssessmentCategory.UNREMARKABLE,
        "Besondere Fallkonstellationen im Zeitraum, in der Stellungnahme "
        "nachvollziehbar belegt.",
    ),
    (
        AssessmentCategory.DOCUMENTATION,
        "Leistungen wurden erbracht, aber nicht fristgerecht dokumentiert.",
    ),
)


def create_if_missing(out) -> None:
    """Write the demo dialogues unless there are dialogues already."""
    if QualityDialogue.objects.exists():
        return
    users = {u.username: u for u in User.objects.filter(username__in=_logins())}
    if len(users) < len(_logins()):
        return  # not the demo district
    with transaction.atomic():
        held = _held_dialogue(users)
        _planned_dialogue(users, held)
    out.write("Qualitätsdialoge: einer abgeschlossen, einer geplant\n")


def _logins():
    return (FUNDER_QM, PROVIDER_QM, FUNDER_MANAGER, PROVIDER_MANAGER)


def _organisation(user):
    return Membership.objects.active().filter(user=user).first().organisation


def _held_dialogue(users):
    today = timezone.localdate()
    funder_qm, provider_qm = users[FUNDER_QM], users[PROVIDER_QM]
    funder, provider = _organisation(funder_qm), _organisation(provider_qm)
    period_end = today.replace(day=1) - timedelta(days=1)
    held_on = today - timedelta(days=14)
    dialogue = services.do_create_dialogue(
        funder_qm,
        own=funder,
        partner=provider,
        period_start=add_months(period_end + timedelta(days=1), -12),
        period_end=period_end,
        planned_date=held_on,
        location="Kreishaus Wesertal, Raum 2.14",
    )
    services.do_freeze_pack(funder_qm, dialogue)
    keys = services.conspicuous_keys(dialogue)
    for key in keys:
        services.do_write_statement(
            provider_qm,
            dialogue,
            key,
            "Im Zeitraum waren zwei Stellen über mehrere Monate unbesetzt; "
            "Vertretungen haben Fortschreibungen verschoben.",
        )
        services.do_write_notes(
            funder_qm, dialogue, key, "Bitte Verlauf nach Besetzung darstellen."
        )
    for person in users.values():
        services.do_add_participant(funder_qm, dialogue, person=person)
    services.do_add_participant(
        funder_qm,
        dialogue,
        name="Petra Sommer",
        organisation="Landesjugendamt",
        function="Fachberatung (Gast)",
    )
    services.do_add_agenda_item(funder_qm, dialogue, "Verschiedenes")
    services.do_hold_meeting(funder_qm, dialogue, held_on=held_on)
    for item in dialogue.agenda_items.all():
        services.do_write_minutes(
            funder_qm,
            item,
            "Ergebnis und Stellungnahme erörtert; beide Seiten sehen den Bedarf, "
            "die Entwicklung im nächsten Dialog erneut zu prüfen.",
        )
    for number, key in enumerate(keys):
        category, reasoning = ASSESSMENTS[number % len(ASSESSMENTS)]
        services.do_assess(funder_qm, dialogue, key, category, reasoning)
    services.do_agree_action(
        funder_qm,
        dialogue,
        description="Vertretungsregelung für Fortschreibungen einführen",
        owner=provider_qm,
        owner_organisation=provider,
        due_on=held_on + timedelta(days=120),
        effectiveness_check="Anteil fristgerechter Fortschreibungen im nächsten "
        "Qualitätsdialog im Referenzbereich; Stichprobe von zehn Akten.",
        result_key=keys[0] if keys else "",
    )
    services.do_approve_minutes(users[FUNDER_MANAGER], dialogue)
    services.do_approve_minutes(users[PROVIDER_MANAGER], dialogue)
    return dialogue


def _planned_dialogue(users, held):
    today = timezone.localdate()
    start = held.period_end + timedelta(days=1)
    return services.do_create_dialogue(
        users[FUNDER_QM],
        own=held.funder,
        partner=held.provider,
        period_start=start,
        period_end=add_months(start, 12) - timedelta(days=1),
        planned_date=today + timedelta(weeks=10),
        location="Diakonie Wesertal, Besprechungsraum",
    )
