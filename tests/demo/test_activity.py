"""The demo's contacts, need assessments, survey answers, benefits and rates."""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.db.models import Min
from django.utils import timezone

from dialoq.accounts.models import User
from dialoq.cases.models import (
    Case,
    CaseStatus,
    Contact,
    NeedAssessment,
    NeedDimension,
    NeedRating,
)
from dialoq.catalog.models import ServiceType
from dialoq.demo import calibration, district
from dialoq.feedback.models import SurveyResponse
from dialoq.feedback.survey import ITEM_FIELDS


def _working_days_after(start, end):
    """Return the Mondays to Fridays after start up to and including end."""
    return sum(
        1
        for offset in range(1, (end - start).days + 1)
        if (start + timedelta(days=offset)).weekday() < 5
    )


def test_contacts_begin_with_the_help_and_stay_within_it(demo, db):
    """Each started case has contacts from its start to its end, by its caseworker."""
    today = timezone.localdate()
    contacts = defaultdict(list)
    for contact in Contact.objects.all():
        contacts[contact.case_id].append(contact)
    for case in Case.objects.all():
        mine = contacts[case.pk]
        if case.started_on is None:
            assert not mine
            continue
        assert 1 <= len(mine) <= calibration.MAX_CONTACTS_PER_CASE
        last = min(case.ended_on or today, today)
        assert min(c.occurred_on for c in mine) == case.started_on
        assert max(c.occurred_on for c in mine) <= last
        assert {c.staff_id for c in mine} == {case.caseworker_id}
        for contact in mine:
            assert 5 <= contact.duration_minutes <= calibration.MAX_CONTACT_MINUTES
            assert contact.kind in calibration.CONTACTS[case.service_type.key].kinds


def test_service_hours_follow_the_agreed_hours(demo, db):
    """Contacts deliver about the agreed hours of the first plan, below the cap."""
    delivered = agreed = 0.0
    closed = Case.objects.filter(
        service_type__key__in=calibration.SERVICE_HOURS_PER_MONTH,
        status=CaseStatus.CLOSED,
    ).prefetch_related("contacts", "help_plans")
    for case in closed:
        contacts = list(case.contacts.all())
        if len(contacts) >= calibration.MAX_CONTACTS_PER_CASE:
            continue
        months = (case.ended_on - case.started_on).days / calibration.DAYS_PER_MONTH
        first = min(case.help_plans.all(), key=lambda plan: plan.version)
        agreed += float(first.agreed_hours_per_month) * months
        delivered += sum(c.duration_minutes for c in contacts) / 60
    assert agreed > 1000
    share = delivered / agreed
    assert abs(share - calibration.DELIVERED_SHARE) < 0.15
    assert (
        Contact.objects.filter(duration_minutes=calibration.MAX_CONTACT_MINUTES).count()
        < 0.05 * Contact.objects.count()
    )


def test_most_helps_start_within_ten_working_days(demo, db):
    """The first contact usually follows the referral within 10 working days."""
    started = Case.objects.exclude(started_on=None)
    within = sum(
        _working_days_after(case.referred_on, case.started_on) <= 10 for case in started
    )
    assert 0.75 < within / started.count() < 0.97


def test_need_assessments_rate_the_code_books_dimensions(demo, db):
    """Assessments at start and closure rate every dimension of the service type."""
    today = timezone.localdate()
    dimensions = {
        service.pk: set(
            NeedDimension.for_service_type(service).values_list("pk", flat=True)
        )
        for service in ServiceType.objects.all()
    }
    ratings = defaultdict(list)
    for rating in NeedRating.objects.all():
        ratings[rating.assessment_id].append(rating)
    assessments = NeedAssessment.objects.select_related("case")
    assert (
        assessments.filter(occasion="start").count()
        > 0.8 * Case.objects.exclude(started_on=None).count()
    )
    for assessment in assessments:
        case = assessment.case
        mine = ratings[assessment.pk]
        assert {r.dimension_id for r in mine} == dimensions[case.service_type_id]
        assert sum(r.relevant for r in mine) >= 2
        assert all(1 <= r.level <= 7 for r in mine)
        assert case.started_on <= assessment.assessed_on <= today
        if assessment.occasion == "closure":
            assert case.status == CaseStatus.CLOSED
            assert assessment.assessed_on <= case.ended_on
        assert assessment.assessed_by_id == case.caseworker_id


def test_needs_improve_more_when_the_help_ends_as_planned(demo, db):
    """Relevant needs rise more towards 'no need' in helps ended as planned."""
    changes = defaultdict(list)
    closure = {
        (r.assessment.case_id, r.dimension_id): r.level
        for r in NeedRating.objects.filter(
            assessment__occasion="closure"
        ).select_related("assessment")
    }
    starts = NeedRating.objects.filter(
        assessment__occasion="start", relevant=True, assessment__case__status="closed"
    ).select_related("assessment__case")
    for rating in starts:
        key = (rating.assessment.case_id, rating.dimension_id)
        if key in closure:
            planned = rating.assessment.case.closure_reason == "planned"
            changes[planned].append(closure[key] - rating.level)
    mean = {planned: sum(v) / len(v) for planned, v in changes.items()}
    assert mean[True] > mean[False] + 0.5
    assert mean[True] > 0.8


def test_survey_answers_are_anonymous_monthly_and_on_the_scale(demo, db):
    """Answers carry only funder, provider, service type and month (in the window)."""
    today = timezone.localdate()
    earliest = today - timedelta(days=calibration.WINDOW_DAYS + 31)
    offers = {
        (spec.name, key) for spec in district.PROVIDERS for key in spec.services()
    }
    responses = SurveyResponse.objects.select_related("provider", "service_type")
    assert responses.count() > 50
    for response in responses:
        assert response.period.day == 1
        assert earliest <= response.period <= today
        assert (response.provider.name, response.service_type.key) in offers
        answers = [getattr(response, field) for field in ITEM_FIELDS]
        assert all(a is None or 1 <= a <= 5 for a in answers)
        assert response.free_text == ""
    blank = sum(getattr(r, f) is None for r in responses for f in ITEM_FIELDS)
    assert 0 < blank < 0.1 * responses.count() * len(ITEM_FIELDS)


def test_survey_answers_reach_funder_and_own_provider_only(demo, db):
    """The Jugendamt sees its answers, a provider only its own, an outsider none."""
    jugendamt = User.objects.get(username="qm.jugendamt")
    diakonie = User.objects.get(username="qm.diakonie")
    outsider = User.objects.create_user("ohne.rolle", password="Kein-Zugang-2026")
    youth_office = district.ORGANISATIONS_BY_KEY[district.YOUTH_OFFICE].name

    seen = SurveyResponse.objects.visible_to(jugendamt)
    assert seen.exists()
    assert set(seen.values_list("funder__name", flat=True)) == {youth_office}
    assert (
        seen.count() == SurveyResponse.objects.filter(funder__name=youth_office).count()
    )
    own = SurveyResponse.objects.visible_to(diakonie)
    assert own.exists()
    assert set(own.values_list("provider__name", flat=True)) == {
        "Diakonie Wesertal gGmbH"
    }
    assert not SurveyResponse.objects.visible_to(outsider).exists()


def test_subsistence_benefits_only_for_sgb2_households(demo, db):
    """SGB II cases have plausible monthly benefits; youth welfare cases none."""
    sgb2 = Case.objects.filter(service_type__code_book="SGB II")
    assert sgb2.exists()
    assert not sgb2.filter(subsistence_benefit_per_month=None).exists()
    low = sgb2.aggregate(Min("subsistence_benefit_per_month"))
    assert low["subsistence_benefit_per_month__min"] > Decimal("50")
    highest = (
        calibration.REGELBEDARF_PARTNER * 2
        + max(calibration.CHILDREN) * calibration.CHILD_BENEFIT_NET
    )
    assert not sgb2.filter(subsistence_benefit_per_month__gt=highest).exists()
    singles = sgb2.filter(household_type="single")
    assert not singles.filter(
        subsistence_benefit_per_month__gt=calibration.REGELBEDARF_SINGLE
    ).exists()
    assert (
        not Case.objects.filter(service_type__code_book="SGB VIII")
        .exclude(subsistence_benefit_per_month=None)
        .exists()
    )


def test_every_service_type_has_a_reference_rate(demo, db):
    """Hourly help costs 55-75 EUR per hour; day rates convert to contact hours."""
    for service in ServiceType.objects.filter(
        key__in=[spec.key for spec in district.SERVICE_TYPES]
    ):
        rate = float(service.reference_rate_per_hour)
        if service.key in calibration.RATE_PER_SERVICE_HOUR:
            assert 55 <= rate <= 75, service.key
        else:
            month = calibration.DAILY_RATE[service.key] * calibration.DAYS_PER_MONTH
            hours = calibration.contact_hours_per_month(service.key)
            assert abs(rate * hours - month) < 1, service.key
