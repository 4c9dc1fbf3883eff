"""The demo generator: deterministic, complete, consistent and calibrated."""

import io
import math
from collections import Counter

import pytest
from django.db.models import Count, Sum
from django.utils import timezone

from dialoq.accounts.models import Membership
from dialoq.accounts.roles import Role
from dialoq.cases.models import (
    Case,
    CaseStatus,
    Contact,
    Goal,
    GoalRating,
    NeedDimension,
    NeedRating,
    Review,
)
from dialoq.demo import calibration, district, loader
from dialoq.feedback.models import SurveyResponse
from tests.demo.conftest import CASES, SEED


def _fingerprint():
    cases = list(
        Case.objects.order_by("reference").values_list(
            "reference",
            "service_type__key",
            "referred_on",
            "started_on",
            "ended_on",
            "closure_reason",
            "beneficiary__pseudonym",
            "subsistence_benefit_per_month",
        )
    )
    contacts = Contact.objects.aggregate(Count("id"), Sum("duration_minutes"))
    needs = NeedRating.objects.aggregate(Count("id"), Sum("level"))
    survey = sorted(
        SurveyResponse.objects.values_list("id", "period", "position_respect")
    )
    return cases, contacts, needs, survey


def test_same_seed_gives_same_data_other_seed_differs(demo, db):
    """Reset and reload with the seed reproduces all rows; another seed does not."""
    first = _fingerprint()
    assert loader.is_loaded()

    loader.reset_database()
    assert not loader.is_loaded()
    assert not Case.objects.exists()
    assert not NeedDimension.objects.exists()
    loader.load(cases=CASES, seed=SEED, out=io.StringIO())
    assert _fingerprint() == first
    assert NeedDimension.objects.exists()

    loader.reset_database()
    loader.load(cases=CASES, seed=SEED + 1, out=io.StringIO())
    assert _fingerprint() != first
    assert Case.objects.count() == CASES


def test_loading_twice_is_refused(demo, db):
    """A second load without reset stops with a clear message."""
    with pytest.raises(RuntimeError, match="reset"):
        loader.load(cases=10, seed=SEED, out=io.StringIO())


def test_every_role_has_a_login_with_an_active_membership(demo, db):
    """Each role can be tried out: some demo login holds it now."""
    usernames = [login["username"] for login in loader.DEMO_LOGINS]
    active = Membership.objects.active().filter(user__username__in=usernames)
    assert set(active.values_list("role", flat=True)) == set(Role.values)
    for login in loader.DEMO_LOGINS:
        assert active.filter(user__username=login["username"]).exists()
        assert len(login["password"]) >= 12


def test_logins_include_caseworkers_of_two_providers(demo, db):
    """Caseworker logins belong to at least two providers."""
    providers = Membership.objects.filter(
        role=Role.CASEWORKER,
        user__username__in=[login["username"] for login in loader.DEMO_LOGINS],
    ).values_list("organisation", flat=True)
    assert len(set(providers)) >= 2


def test_auditor_access_expires_and_states_its_mandate(demo, db):
    """The auditor's membership ends in the future and names a reason."""
    audit = Membership.objects.get(role=Role.AUDITOR, user__username="pruefer")
    assert audit.valid_until > timezone.now()
    assert audit.reason.strip()


def test_all_memberships_are_valid(demo, db):
    """Every membership passes model validation (role fits organisation kind)."""
    for membership in Membership.objects.select_related("organisation", "unit"):
        membership.full_clean()


def test_cases_are_consistent_with_the_district(demo, db):
    """Provider offers the service; teams and staff belong to the case's parties."""
    offers = {
        (spec.name, key) for spec in district.PROVIDERS for key in spec.services()
    }
    team_of = {
        (m.user_id, m.role): m.unit_id
        for m in Membership.objects.filter(
            role__in=[Role.CASE_MANAGER, Role.CASEWORKER]
        )
    }
    cases = Case.objects.select_related(
        "provider", "service_type", "funder_unit", "provider_unit"
    )
    for case in cases:
        assert (case.provider.name, case.service_type.key) in offers
        assert case.funder_unit.organisation_id == case.funder_id
        assert case.provider_unit.organisation_id == case.provider_id
        assert team_of[case.case_manager_id, Role.CASE_MANAGER] == case.funder_unit_id
        assert team_of[case.caseworker_id, Role.CASEWORKER] == case.provider_unit_id


def test_dates_and_endings_fit_the_status(demo, db):
    """Closed cases end after they start with a reason; open ones have no end."""
    today = timezone.localdate()
    for case in Case.objects.select_related("service_type"):
        assert case.referred_on <= today
        if case.status == CaseStatus.CLOSED:
            assert case.started_on <= case.ended_on <= today
            assert case.closure_reason
            assert case.next_review_due is None
            if case.service_type.code_book == "SGB II":
                assert case.integration_outcome
            else:
                assert not case.integration_outcome
        else:
            assert case.ended_on is None
            assert not case.closure_reason
            assert not case.integration_outcome
        if case.status == CaseStatus.RUNNING:
            assert case.started_on <= today
            assert case.next_review_due
        if case.status in {CaseStatus.REFERRAL, CaseStatus.INTAKE}:
            assert case.started_on is None


def test_reviews_rate_every_goal_from_each_perspective(demo, db):
    """Funder and provider rate each goal at each review; beneficiaries mostly."""
    assert set(GoalRating.objects.values_list("perspective", flat=True)) == {
        "funder",
        "provider",
        "beneficiary",
    }
    goals = Counter(Goal.objects.values_list("help_plan_id", flat=True))
    ratings = Counter(GoalRating.objects.values_list("review_id", "perspective"))
    for review_id, plan_id in Review.objects.values_list("id", "help_plan_id"):
        assert goals[plan_id] >= 2
        assert ratings[review_id, "funder"] == goals[plan_id]
        assert ratings[review_id, "provider"] == goals[plan_id]
        assert ratings[review_id, "beneficiary"] in {0, goals[plan_id]}
    closed = Case.objects.filter(status=CaseStatus.CLOSED)
    assert Review.objects.filter(is_final=True).count() == closed.count()
    assert not Goal.objects.exclude(baseline_level__in=[-2, -1]).exists()


def test_planned_endings_match_the_calibration(demo, db):
    """The share ended as planned (without changes of office) is as calibrated."""
    for prefix in ("hze", "eh-35a", "sgb2"):
        ended = Counter(
            Case.objects.filter(
                status=CaseStatus.CLOSED, service_type__key__startswith=prefix
            )
            .exclude(closure_reason="change_of_responsibility")
            .values_list("service_type__key", "closure_reason")
        )
        per_type = Counter()
        for (key, _reason), count in ended.items():
            per_type[key] += count
        total = sum(per_type.values())
        planned = sum(n for (_, reason), n in ended.items() if reason == "planned")
        expected = (
            sum(
                n
                * calibration.YOUTH_WELFARE.get(
                    key, calibration.JOBCENTER.get(key)
                ).planned
                for key, n in per_type.items()
            )
            / total
        )
        tolerance = 3.5 * math.sqrt(expected * (1 - expected) / total) + 0.01
        assert abs(planned / total - expected) < tolerance, prefix


def test_type_mix_follows_the_calibration(demo, db):
    """Each service type's share of its funder's cases is as calibrated."""
    for calibrations in (calibration.YOUTH_WELFARE, calibration.JOBCENTER):
        counts = Counter(
            Case.objects.filter(service_type__key__in=calibrations).values_list(
                "service_type__key", flat=True
            )
        )
        total = sum(counts.values())
        for key, calibrated in calibrations.items():
            tolerance = 3.5 * math.sqrt(
                calibrated.share * (1 - calibrated.share) / total
            )
            assert abs(counts[key] / total - calibrated.share) < tolerance + 0.01, key


def test_demo_logins_find_work_on_their_start_page(demo, db):
    """Logins with own cases have open, overdue, soon-due cases and new referrals."""
    today = timezone.localdate()
    for login in district.LOGINS:
        if login.role not in {Role.CASE_MANAGER, Role.CASEWORKER}:
            continue
        field = "case_manager" if login.role == Role.CASE_MANAGER else "caseworker"
        mine = Case.objects.open().filter(**{f"{field}__username": login.username})
        assert mine.filter(next_review_due__lt=today).exists(), login.username
        assert mine.filter(
            next_review_due__range=(today, today + timezone.timedelta(days=14))
        ).exists(), login.username
        assert mine.filter(status=CaseStatus.REFERRAL).exists(), login.username


def test_print_logins_lists_every_login_and_the_password(demo, db):
    """The printed table names each demo user and the shared password."""
    out = io.StringIO()
    loader.print_logins(out)
    for login in loader.DEMO_LOGINS:
        assert login["username"] in out.getvalue()
    assert loader.DEMO_PASSWORD in out.getvalue()
