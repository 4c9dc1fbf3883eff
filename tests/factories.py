"""Small builders for test data: organisations, people with roles, cases."""

import itertools
from datetime import date, timedelta

from django.utils import timezone

from dialoq.accounts.models import Membership, Organisation, OrganisationUnit, User
from dialoq.accounts.roles import OrganisationKind, Role
from dialoq.cases.models import (
    AgeBand,
    Beneficiary,
    Case,
    CaseStatus,
    Contact,
    ContactKind,
    Goal,
    HelpPlan,
    HouseholdType,
    Review,
)
from dialoq.catalog.models import ServiceType

PASSWORD = "correct-horse-battery-staple"
_sequence = itertools.count(1)


def make_organisation(kind=OrganisationKind.PROVIDER, name=None, **fields):
    number = next(_sequence)
    name = name or f"{kind.title()} {number}"
    if kind == OrganisationKind.FUNDER:
        fields.setdefault("funder_type", "youth_office")
    return Organisation.objects.create(
        kind=kind, name=name, short_name=name[:40], **fields
    )


def make_unit(organisation, name=None):
    return OrganisationUnit.objects.create(
        organisation=organisation, name=name or f"Team {next(_sequence)}"
    )


def make_user(username=None, *, role=None, organisation=None, **membership_fields):
    """Return a user with a usable password and, if given, a membership."""
    username = username or f"user{next(_sequence)}"
    user = User.objects.create_user(
        username=username, password=PASSWORD, first_name=username.title()
    )
    if role is not None:
        if role == Role.AUDITOR:
            membership_fields.setdefault(
                "valid_until", timezone.now() + timedelta(days=30)
            )
            membership_fields.setdefault("reason", "Audit 2026 of the help planning")
        Membership.objects.create(
            user=user, organisation=organisation, role=role, **membership_fields
        )
    return user


def make_service_type(key="spfh", **fields):
    defaults = {
        "name": "Sozialpädagogische Familienhilfe",
        "legal_basis": "§ 31 SGB VIII",
        "code_book": "SGB VIII",
        "category": "personal_service",
        "setting": "ambulant",
    }
    defaults.update(fields)
    service_type, _created = ServiceType.objects.get_or_create(
        key=key, defaults=defaults
    )
    return service_type


def make_case(funder, provider, *, service_type=None, **fields):
    number = next(_sequence)
    defaults = {
        "reference": f"T-{number:06d}",
        "beneficiary": Beneficiary.objects.create(pseudonym=f"LB-TEST-{number:04d}"),
        "service_type": service_type or make_service_type(),
        "status": CaseStatus.RUNNING,
        "referred_on": date(2026, 1, 5),
        "started_on": date(2026, 1, 19),
        "next_review_due": timezone.localdate() + timedelta(days=60),
        "age_band": AgeBand.AGE_6_11,
        "household_type": HouseholdType.SINGLE_PARENT,
    }
    defaults.update(fields)
    return Case.objects.create(funder=funder, provider=provider, **defaults)


def make_help_plan(case, **fields):
    """Return the next version of the case's help plan."""
    defaults = {
        "version": case.help_plans.count() + 1,
        "agreed_on": date(2026, 2, 2),
        "next_review_due": date(2026, 8, 1),
    }
    defaults.update(fields)
    return HelpPlan.objects.create(case=case, **defaults)


def make_goal(help_plan, **fields):
    number = next(_sequence)
    defaults = {
        "title": f"Goal {number}",
        "level_minus_1": "Situation today",
        "level_0": "Expected outcome",
    }
    defaults.update(fields)
    return Goal.objects.create(help_plan=help_plan, **defaults)


def make_review(help_plan, **fields):
    defaults = {
        "due_on": help_plan.next_review_due,
        "held_on": help_plan.next_review_due,
    }
    defaults.update(fields)
    return Review.objects.create(case=help_plan.case, help_plan=help_plan, **defaults)


def make_contact(case, **fields):
    defaults = {
        "occurred_on": case.started_on or case.referred_on,
        "duration_minutes": 60,
        "kind": ContactKind.FACE_TO_FACE,
    }
    defaults.update(fields)
    return Contact.objects.create(case=case, **defaults)


def make_goal_rating(review, goal, perspective, level, **fields):
    from dialoq.cases.models import GoalRating

    return GoalRating.objects.create(
        review=review, goal=goal, perspective=perspective, level=level, **fields
    )


def make_need_dimension(key=None, **fields):
    from dialoq.cases.models import NeedDimension

    key = key or f"need-{next(_sequence)}"
    fields.setdefault("name", key.replace("-", " ").title())
    return NeedDimension.objects.create(key=key, **fields)


def make_need_assessment(case, occasion, assessed_on, ratings):
    """Return a need assessment; ratings maps dimensions to (level, relevant)."""
    from dialoq.cases.models import NeedAssessment, NeedRating

    assessment = NeedAssessment.objects.create(
        case=case, occasion=occasion, assessed_on=assessed_on
    )
    for dimension, (level, relevant) in ratings.items():
        NeedRating.objects.create(
            assessment=assessment, dimension=dimension, level=level, relevant=relevant
        )
    return assessment


def make_survey_response(case, period, **answers):
    """Return an anonymous survey answer about the case's organisations."""
    from dialoq.feedback.models import SurveyResponse

    return SurveyResponse.objects.create(
        funder=case.funder,
        provider=case.provider,
        service_type=case.service_type,
        period=period,
        **answers,
    )
