"""Builders for the privacy and export tests: a fully documented case, identities."""

from datetime import UTC, date, datetime

from django.test import Client

from dialoq.cases.models import (
    BeneficiaryIdentity,
    CaseEvent,
    CaseEventKind,
    Contact,
    ContactKind,
    Goal,
    GoalRating,
    HelpPlan,
    NeedAssessment,
    NeedDimension,
    NeedOccasion,
    NeedRating,
    Perspective,
    Review,
)

IDENTITY = {
    "first_name": "Zebulon",
    "last_name": "Quackenbush",
    "date_of_birth": date(2012, 3, 4),
    "address": "Lindenweg 7\n12345 Musterstadt",
}


def english(client: Client) -> Client:
    """Return the client asking for English pages, whatever the catalogue holds."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def set_identity(beneficiary, **values):
    """Store an identity directly, as a fixture (no access log)."""
    identity = BeneficiaryIdentity(beneficiary=beneficiary)
    identity.write(**(IDENTITY | values))
    identity.save()
    return identity


def document(case, *, staff=None, held_on=date(2026, 6, 1)):
    """Give the case a help plan with two goals, a rated review, needs and contacts.

    Return the review. Ratings: funder +1/0, provider 0/-1, beneficiary +2
    (first goal only), with weights 2 and 1.
    """
    plan = HelpPlan.objects.create(
        case=case,
        version=case.help_plans.count() + 1,
        agreed_on=date(2026, 2, 1),
        next_review_due=held_on,
        participants="Mutter, Fachkraft ASD",
    )
    first = Goal.objects.create(
        help_plan=plan,
        title="Zebulon geht wieder zur Schule",
        weight=2,
        level_minus_2="fehlt ganz",
        level_0="geht an 4 von 5 Tagen",
        measures="Begleitung am Morgen",
    )
    second = Goal.objects.create(help_plan=plan, title="Tagesstruktur", weight=1)
    review = Review.objects.create(
        case=case, help_plan=plan, due_on=held_on, held_on=held_on
    )
    levels = {
        Perspective.FUNDER: (1, 0),
        Perspective.PROVIDER: (0, -1),
        Perspective.BENEFICIARY: (2, None),
    }
    for perspective, (on_first, on_second) in levels.items():
        for goal, level in ((first, on_first), (second, on_second)):
            if level is not None:
                GoalRating.objects.create(
                    review=review,
                    goal=goal,
                    perspective=perspective,
                    level=level,
                    rated_by=staff,
                    rated_at=datetime(2026, 6, 1, 10, tzinfo=UTC),
                )
    dimension, _created = NeedDimension.objects.get_or_create(
        key="school", defaults={"name": "Schule"}
    )
    assessment = NeedAssessment.objects.create(
        case=case, occasion=NeedOccasion.START, assessed_on=date(2026, 1, 20)
    )
    NeedRating.objects.create(assessment=assessment, dimension=dimension, level=2)
    Contact.objects.create(
        case=case,
        occurred_on=date(2026, 3, 2),
        duration_minutes=90,
        kind=ContactKind.HOME_VISIT,
        staff=staff,
    )
    CaseEvent.objects.create(
        case=case, kind=CaseEventKind.REVIEW_HELD, actor=staff, changes={}
    )
    return review
