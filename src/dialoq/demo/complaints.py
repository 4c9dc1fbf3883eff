"""Demo complaints: a few dozen over the last year, from every source and channel.

Most are answered and closed; the latest are open, some past their deadline to
confirm receipt or to answer, so that the list, its filters, the navigation
badge and the escalation have something to show. A few justified complaints
have a deviation opened from them. The texts are invented and name nobody;
contacts use reserved example addresses.
"""

from datetime import datetime, time, timedelta

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dialoq.accounts.models import Membership
from dialoq.accounts.roles import OrganisationKind, Role
from dialoq.cases.models import Case
from dialoq.deviations import complaints
from dialoq.deviations.models import (
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintOutcome,
    ComplaintSource,
    ComplaintStatus,
)

OLD, RECENT = 30, 8  # complaints of the last year before, and within, 40 days
DEVIATIONS = 3  # justified complaints from which a deviation is opened

# Which organisations complaints concern, by weight: those with demo logins first.
ORGANISATIONS = {
    "diakonie": 0.34,
    "jugendamt": 0.24,
    "jobcenter": 0.12,
    "awo": 0.1,
    "caritas": 0.07,
    "bildungswerk": 0.07,
    "sonnenhof": 0.06,
}
SOURCES = {
    ComplaintSource.BENEFICIARY: 0.62,
    ComplaintSource.PARTNER: 0.14,
    ComplaintSource.STAFF: 0.08,
    ComplaintSource.OTHER: 0.16,
}
CHANNELS = {
    ComplaintChannel.PUBLIC_FORM: 0.45,
    ComplaintChannel.PHONE: 0.2,
    ComplaintChannel.EMAIL: 0.15,
    ComplaintChannel.LETTER: 0.1,
    ComplaintChannel.IN_PERSON: 0.1,
}
OUTCOMES = {
    ComplaintOutcome.UPHELD: 0.35,
    ComplaintOutcome.PARTLY: 0.35,
    ComplaintOutcome.NOT_UPHELD: 0.3,
}

TEXTS = {
    ComplaintCategory.TREATMENT: (
        "Beim letzten Termin wurde ich vor anderen Leuten laut angesprochen. "
        "Ich habe mich bloßgestellt gefühlt.",
        "Die Fachkraft hat mir mehrmals ins Wort fallen lassen und meine Sicht "
        "gar nicht angehört.",
        "Am Empfang wurde unfreundlich gesagt, ich solle nicht ständig anrufen.",
        "Mein Sohn wurde im Gespräch nicht ernst genommen, obwohl es um ihn ging.",
    ),
    ComplaintCategory.WAITING: (
        "Seit drei Wochen warte ich auf einen Rückruf. Niemand ist erreichbar.",
        "Der vereinbarte Hausbesuch ist zweimal ohne Absage ausgefallen.",
        "Die telefonische Sprechzeit ist immer besetzt, auch E-Mails werden "
        "nicht beantwortet.",
        "Auf den Antrag warte ich nun seit sechs Wochen ohne jede Nachricht.",
    ),
    ComplaintCategory.HELP: (
        "Die Hilfe passt nicht zu dem, was wir im Hilfeplan besprochen haben.",
        "Die Stunden wurden gekürzt, ohne dass mit uns darüber gesprochen wurde.",
        "Es wechselt ständig die Ansprechperson, so kann kein Vertrauen entstehen.",
        "Die Maßnahme bringt mich nicht weiter, ich sitze nur die Zeit ab.",
    ),
    ComplaintCategory.PARTICIPATION: (
        "Zum Hilfeplangespräch wurde ich zu spät eingeladen und konnte nicht kommen.",
        "Den Bericht über unsere Familie habe ich nie zu sehen bekommen.",
        "Als Kooperationspartner werden wir über Änderungen nicht informiert.",
        "Mir wurde nicht erklärt, welche Rechte ich im Verfahren habe.",
    ),
    ComplaintCategory.DATA_PROTECTION: (
        "Ein Schreiben mit meinen Daten ging an eine falsche Adresse.",
        "Im Wartebereich konnte man Gespräche aus dem Büro mithören.",
        "Ich möchte wissen, wer meine Unterlagen bekommen hat.",
    ),
    ComplaintCategory.OTHER: (
        "Die Räume sind für Kinderwagen und Rollstühle nicht zugänglich.",
        "Die Formulare sind sehr schwer verständlich, es gibt keine einfache Sprache.",
        "Parkplätze fehlen, die Bushaltestelle ist weit entfernt.",
    ),
}
CATEGORY_WEIGHTS = {
    ComplaintCategory.TREATMENT: 0.22,
    ComplaintCategory.WAITING: 0.3,
    ComplaintCategory.HELP: 0.2,
    ComplaintCategory.PARTICIPATION: 0.14,
    ComplaintCategory.DATA_PROTECTION: 0.06,
    ComplaintCategory.OTHER: 0.08,
}
ANSWERS = {
    ComplaintOutcome.UPHELD: (
        "Wir haben uns entschuldigt und ein klärendes Gespräch angeboten. Die "
        "Abläufe im Team werden überprüft.",
        "Die Beschwerde ist berechtigt. Die Erreichbarkeit wird durch eine "
        "feste Rückrufzeit verbessert.",
    ),
    ComplaintOutcome.PARTLY: (
        "Der Ablauf wurde erklärt; ein Teil der Kritik wird im Team besprochen.",
        "Ein neuer Termin wurde vereinbart; die Ursache der Verzögerung lag "
        "teilweise bei uns.",
    ),
    ComplaintOutcome.NOT_UPHELD: (
        "Die Entscheidung wurde ausführlich erläutert und auf die Möglichkeit "
        "des Widerspruchs hingewiesen.",
        "Die Vorgaben wurden eingehalten; das Vorgehen wurde erklärt.",
    ),
}


def _draw(rng, weights):
    keys = list(weights)
    probabilities = np.array([weights[key] for key in keys], dtype=float)
    return keys[rng.choice(len(keys), p=probabilities / probabilities.sum())]


def _at(day, rng):
    hour = int(rng.integers(7, 22))
    minute = int(rng.integers(0, 60))
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def create_complaints(seed: int, organisations: dict, today) -> int:
    """Create the demo complaints for the district's organisations; return how many."""
    rng = np.random.default_rng([seed, 4711])
    ages = np.concatenate(
        [rng.integers(40, 365, OLD), rng.integers(1, 40, RECENT)]
    ).tolist()
    ages.sort(reverse=True)
    now = timezone.now()
    opened = 0
    created = 0
    with transaction.atomic():
        for age in ages:
            organisation = organisations[_draw(rng, ORGANISATIONS)]
            complaint = _complaint(rng, organisation, today - timedelta(days=age))
            handler = complaints.handlers(complaint).first()
            _work(rng, complaint, handler, today, now)
            complaint.save()
            created += 1
            if complaint.status in (
                ComplaintStatus.RECEIVED,
                ComplaintStatus.ACKNOWLEDGED,
            ):
                complaints.notify_handlers(complaint)
            elif (
                opened < DEVIATIONS
                and complaint.outcome == ComplaintOutcome.UPHELD
                and handler is not None
            ):
                complaints.do_open_deviation(handler, complaint, "medium")
                opened += 1
    return created


def _complaint(rng, organisation, received_on):
    category = _draw(rng, CATEGORY_WEIGHTS)
    source = _draw(rng, SOURCES)
    channel = _draw(rng, CHANNELS)
    public = channel == ComplaintChannel.PUBLIC_FORM
    anonymous = bool(rng.random() < (0.35 if public else 0.05))
    texts = TEXTS[category]
    text = texts[int(rng.integers(len(texts)))]
    contact = "" if anonymous else _contact(rng)
    is_funder = organisation.kind == OrganisationKind.FUNDER
    complaint = Complaint(
        reference=complaints.free_reference(),
        source=source,
        channel=channel,
        category=category,
        anonymous=anonymous,
        funder=organisation if is_funder else None,
        provider=None if is_funder else organisation,
        received_at=_at(received_on, rng),
        recorded_by=None if public else _recorder(organisation),
    )
    if source == ComplaintSource.BENEFICIARY and not anonymous and rng.random() < 0.3:
        complaint.case_id = _case(rng, organisation)
    complaint.acknowledge_due_on, complaint.answer_due_on = complaints.deadlines(
        received_on, organisation
    )
    complaint.write(text=text, contact=contact)
    return complaint


def _contact(rng):
    number = int(rng.integers(100, 999))
    if rng.random() < 0.5:
        return f"E-Mail: kontakt-{number}@example.org"
    return f"Telefon: 05151 555-0{number}, am besten vormittags"


def _recorder(organisation):
    """Return a member of the organisation who took the complaint."""
    membership = (
        Membership.objects.active()
        .filter(
            organisation=organisation,
            role__in=(Role.CASEWORKER, Role.CASE_MANAGER),
        )
        .order_by("pk")
        .first()
    )
    return membership.user if membership else None


def _case(rng, organisation):
    case_ids = list(
        Case.objects.filter(Q(funder=organisation) | Q(provider=organisation))
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
    return case_ids[int(rng.integers(len(case_ids)))] if case_ids else None


def _work(rng, complaint, handler, today, now):
    """Set how far the complaint has been handled, by its age."""
    received = complaint.received_at
    age = (today - timezone.localdate(received)).days
    if age > 45:
        step = "closed"
    elif age > 20:
        step = _draw(rng, {"answered": 0.5, "acknowledged": 0.3, "received": 0.2})
    else:
        step = _draw(rng, {"acknowledged": 0.5, "received": 0.5})
    if step == "received":
        return
    complaint.handled_by = handler
    complaint.acknowledged_at = min(
        received + timedelta(days=int(rng.integers(1, 5)), hours=2), now
    )
    complaint.status = ComplaintStatus.ACKNOWLEDGED
    if step == "acknowledged":
        return
    late = rng.random() < 0.15
    days = int(rng.integers(28, 40) if late else rng.integers(6, 26))
    complaint.answered_at = min(received + timedelta(days=days), now)
    complaint.outcome = _draw(rng, OUTCOMES)
    answers = ANSWERS[complaint.outcome]
    complaints.write_answer(complaint, answers[int(rng.integers(len(answers)))])
    complaint.status = (
        ComplaintStatus.CLOSED if step == "closed" else ComplaintStatus.ANSWERED
    )
