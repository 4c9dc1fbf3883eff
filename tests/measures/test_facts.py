"""Fact extraction: hand-built cases, read back with the values written out."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest
from django.utils import timezone

from dialoq.accounts import scoping
from dialoq.accounts.roles import Role
from dialoq.cases.gas import gas_t_score
from dialoq.cases.models import CaseStatus, NeedOccasion
from dialoq.measures.facts import FACTS, arrow_schema, load_fact
from tests import factories

BERLIN = ZoneInfo("Europe/Berlin")
YEAR_2025 = {"start": date(2025, 1, 1), "end": date(2025, 12, 31)}
DAYS_PER_MONTH = 30.4375


def by(table: pa.Table, *key: str) -> dict:
    """Return the rows of a fact by the given key columns."""
    rows = table.to_pylist()
    if len(key) == 1:
        return {row[key[0]]: row for row in rows}
    return {tuple(row[k] for k in key): row for row in rows}


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@pytest.fixture
def district(world):
    """Return the world with documented cases, ratings, needs, survey and staff.

    - closed: SPFH at provider A's team, Friday 3 January to 14 July 2025,
      planned ending, 3 contacts (3 hours at 60 EUR), two help plans, an
      interim and a final review, need assessed at start, interim, closure.
    - running: at provider B since 16 June 2025, one goal, nothing rated.
    - referral: referred on 20 November 2025, not started, no plan.
    - old: closed in 2020 and anonymised for retention.
    - sgb2: SGB II coaching for one week with an integration into work.
    """
    funder, provider_a, provider_b = world.funder, world.provider_a, world.provider_b
    team = factories.make_unit(provider_a, "Familienhilfe Nord")
    spfh = factories.make_service_type(
        "facts-spfh", reference_rate_per_hour=Decimal("60.00")
    )
    coaching = factories.make_service_type(
        "facts-coaching",
        name="Coaching",
        legal_basis="§ 16a SGB II",
        code_book="SGB II",
        category="labour_market_service",
    )

    closed = factories.make_case(
        funder,
        provider_a,
        service_type=spfh,
        provider_unit=team,
        status=CaseStatus.CLOSED,
        referred_on=date(2025, 1, 3),
        started_on=date(2025, 1, 13),
        ended_on=date(2025, 7, 14),
        closure_reason="planned",
        prior_help=True,
    )
    for minutes in (60, 90, 30):
        factories.make_contact(closed, duration_minutes=minutes)
    first_plan = factories.make_help_plan(
        closed, agreed_on=date(2025, 1, 20), next_review_due=date(2025, 4, 1)
    )
    earlier_goal = factories.make_goal(first_plan)
    factories.make_goal(first_plan)
    interim = factories.make_review(first_plan, held_on=date(2025, 3, 28))
    factories.make_goal_rating(interim, earlier_goal, "funder", -2)
    last_plan = factories.make_help_plan(
        closed,
        agreed_on=date(2025, 4, 1),
        next_review_due=date(2025, 7, 10),
        agreed_hours_per_month=Decimal("4.5"),
        beneficiary_agreed=False,
    )
    g1 = factories.make_goal(last_plan, weight=2)
    g2 = factories.make_goal(last_plan)
    g3 = factories.make_goal(last_plan)
    final = factories.make_review(last_plan, held_on=date(2025, 7, 14), is_final=True)
    for goal, perspective, level in (
        (g1, "funder", 1),
        (g1, "provider", 1),
        (g2, "funder", -1),
        (g2, "provider", 0),
        (g2, "beneficiary", 2),
        (g3, "provider", 0),
    ):
        factories.make_goal_rating(final, goal, perspective, level)
    d1, d2, d3 = (
        factories.make_need_dimension(key)
        for key in ("facts-family", "facts-school", "facts-health")
    )
    factories.make_need_assessment(
        closed,
        NeedOccasion.START,
        date(2025, 1, 13),
        {d1: (2, True), d2: (4, True), d3: (6, False)},
    )
    factories.make_need_assessment(
        closed, NeedOccasion.INTERIM, date(2025, 3, 10), {d1: (3, True)}
    )
    factories.make_need_assessment(
        closed,
        NeedOccasion.CLOSURE,
        date(2025, 7, 14),
        {d1: (5, True), d2: (3, True), d3: (7, True)},
    )

    running = factories.make_case(
        funder,
        provider_b,
        referred_on=date(2025, 6, 2),
        started_on=date(2025, 6, 16),
    )
    factories.make_goal(factories.make_help_plan(running, agreed_on=date(2025, 6, 20)))
    referral = factories.make_case(
        funder,
        provider_a,
        status=CaseStatus.REFERRAL,
        referred_on=date(2025, 11, 20),
        started_on=None,
    )
    old = factories.make_case(
        funder,
        provider_a,
        status=CaseStatus.CLOSED,
        referred_on=date(2020, 1, 6),
        started_on=date(2020, 1, 20),
        ended_on=date(2020, 6, 30),
        closure_reason="other",
        anonymised_at=timezone.now(),
    )
    sgb2 = factories.make_case(
        funder,
        provider_b,
        service_type=coaching,
        status=CaseStatus.CLOSED,
        referred_on=date(2025, 2, 3),
        started_on=date(2025, 2, 10),
        ended_on=date(2025, 2, 17),
        closure_reason="dropout_beneficiary",
        integration_outcome="employment",
        subsistence_benefit_per_month=Decimal("812.50"),
        age_band="27-49",
        household_type="single",
    )
    factories.make_contact(sgb2, duration_minutes=45)

    factories.make_survey_response(
        closed, date(2025, 5, 1), framework_time=5, position_respect=3
    )
    factories.make_survey_response(closed, date(2024, 12, 1), relationship_trust=4)

    qualified = factories.make_user(
        role=Role.CASEWORKER,
        organisation=provider_a,
        unit=team,
        full_time_equivalent=Decimal("0.50"),
        qualification="social_work_degree",
        valid_from=berlin(2024, 3, 1, 0, 30),  # still 29 February in UTC
        valid_until=berlin(2025, 7, 1),
    )
    vocational = factories.make_user(
        role=Role.QM_OFFICER,
        organisation=provider_b,
        qualification="vocational",
        valid_from=berlin(2023, 1, 1),
        valid_until=berlin(2024, 1, 1),
    )
    factories.make_user(role=Role.AUDITOR, organisation=provider_a)
    return SimpleNamespace(
        world=world,
        team=team,
        spfh=spfh,
        coaching=coaching,
        closed=closed,
        running=running,
        referral=referral,
        old=old,
        sgb2=sgb2,
        plans=(first_plan, last_plan),
        reviews=(interim, final),
        goals=(g1, g2, g3),
        qualified=qualified.memberships.get(),
        vocational=vocational.memberships.get(),
    )


# --- every fact ---------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FACTS))
def test_every_fact_has_exactly_its_declared_columns_and_types(district, name):
    table = load_fact(name)
    assert table.schema == arrow_schema(name)
    assert table.column_names == list(FACTS[name].columns)
    kinds = {"integer", "number", "boolean", "date", "text"}
    assert {column.type for column in FACTS[name].columns.values()} <= kinds


@pytest.mark.parametrize("name", sorted(FACTS))
def test_every_fact_reads_an_empty_database(db, name):
    table = load_fact(name, **YEAR_2025)
    assert table.num_rows == 0
    assert table.schema == arrow_schema(name)


@pytest.mark.parametrize("name", ["complaints", "deviations"])
def test_complaints_and_deviations_are_empty_until_their_registers_exist(
    district, name
):
    table = load_fact(name)
    assert table.num_rows == 0
    assert table.schema.field(f"{name[:-1]}_id").type == pa.int64()
    assert "funder_id" in table.column_names


# --- cases --------------------------------------------------------------------


def test_a_closed_case_with_every_value_written_out(district):
    world = district.world
    row = by(load_fact("cases", **YEAR_2025), "case_id")[district.closed.pk]
    months = 182 / DAYS_PER_MONTH
    assert row == pytest.approx(
        {
            "case_id": district.closed.pk,
            "funder_id": world.funder.pk,
            "provider_id": world.provider_a.pk,
            "team_id": district.team.pk,
            "service_type_id": district.spfh.pk,
            "code_book": "SGB VIII",
            "service_type_key": "facts-spfh",
            "category": "personal_service",
            "setting": "ambulant",
            "status": "closed",
            "referred_on": date(2025, 1, 3),
            "started_on": date(2025, 1, 13),
            "ended_on": date(2025, 7, 14),
            "stock_end": date(2025, 7, 14),
            "closure_reason": "planned",
            "planned_ending": True,
            "integration_outcome": None,
            "integrated": None,
            "age_band": "6-11",
            "sex": "unknown",
            "household_type": "single_parent",
            "prior_help": True,
            "transfer_benefits": False,
            "non_german_at_home": False,
            "initial_need": 3.0,  # (2 + 4) / 2: the health rating was not relevant
            "days_to_start": 10,
            "working_days_to_start": 6,  # 6–10 and 13 January
            "duration_days": 182,
            "months_of_help": months,
            "contacts": 3,
            "contacts_per_month": 3 / months,
            "service_hours": 3.0,
            "agreed_hours_per_month": 4.5,
            "cost": 180.0,
            "goals": 3,  # of the last plan, not the two of the first
            "goals_reached": 2,  # g1 by the funder, g3 by the provider
            "subsistence_benefit_per_month": None,
            # Ended more than 12 months ago, and no later case of the person.
            "reentry_within_12_months": False,
        }
    )


def test_reentry_is_known_once_a_new_case_exists_or_12_months_passed(world):
    today = timezone.localdate()
    first = factories.make_case(
        world.funder,
        world.provider_a,
        status="closed",
        referred_on=today - timedelta(days=400),
        started_on=today - timedelta(days=390),
        ended_on=today - timedelta(days=200),
        closure_reason="planned",
    )
    again = factories.make_case(
        world.funder,
        world.provider_b,
        beneficiary=first.beneficiary,
        referred_on=today - timedelta(days=100),
        started_on=today - timedelta(days=90),
    )
    recent = factories.make_case(
        world.funder,
        world.provider_a,
        status="closed",
        referred_on=today - timedelta(days=300),
        started_on=today - timedelta(days=290),
        ended_on=today - timedelta(days=30),
        closure_reason="planned",
    )
    rows = by(load_fact("cases"), "case_id")
    assert rows[first.pk]["reentry_within_12_months"] is True
    assert rows[recent.pk]["reentry_within_12_months"] is None  # not over yet
    assert rows[again.pk]["reentry_within_12_months"] is None  # still running


def test_a_running_case_counts_its_duration_to_the_window_end(district):
    row = by(load_fact("cases", **YEAR_2025), "case_id")[district.running.pk]
    assert row["status"] == "open"
    assert row["ended_on"] is None
    assert row["stock_end"] == date(9999, 12, 31)
    assert row["closure_reason"] is None
    assert row["planned_ending"] is None
    assert row["days_to_start"] == 14
    assert row["working_days_to_start"] == 10
    assert row["duration_days"] == 198  # 16 June to 31 December 2025
    assert row["months_of_help"] == pytest.approx(198 / DAYS_PER_MONTH)
    assert row["contacts"] == 0
    assert row["contacts_per_month"] == 0
    assert row["service_hours"] == 0
    assert row["cost"] is None  # the service type has no rate
    assert row["goals"] == 1
    assert row["goals_reached"] is None  # nothing rated


def test_a_running_case_counts_to_today_without_a_window_end(district):
    row = by(load_fact("cases"), "case_id")[district.running.pk]
    assert row["duration_days"] == (timezone.localdate() - date(2025, 6, 16)).days


def test_a_referral_has_no_start_duration_or_plan(district):
    row = by(load_fact("cases", **YEAR_2025), "case_id")[district.referral.pk]
    assert row["status"] == "referred"
    assert row["started_on"] is None
    assert row["days_to_start"] is None
    assert row["working_days_to_start"] is None
    assert row["duration_days"] is None
    assert row["months_of_help"] is None
    assert row["contacts_per_month"] is None
    assert row["goals"] is None
    assert row["goals_reached"] is None
    assert row["initial_need"] is None


def test_an_sgb_ii_case_with_an_integration_and_a_short_help(district):
    row = by(load_fact("cases", **YEAR_2025), "case_id")[district.sgb2.pk]
    assert row["code_book"] == "SGB II"
    assert row["planned_ending"] is False
    assert row["integration_outcome"] == "employment"
    assert row["integrated"] is True
    assert row["subsistence_benefit_per_month"] == 812.5
    assert row["duration_days"] == 7
    assert row["contacts"] == 1
    assert row["contacts_per_month"] is None  # under half a month of help
    assert row["service_hours"] == 0.75
    assert row["cost"] is None


def test_no_integration_is_false_and_other_code_books_have_none(district):
    district.sgb2.integration_outcome = "none"
    district.sgb2.save()
    rows = by(load_fact("cases"), "case_id")
    assert rows[district.sgb2.pk]["integrated"] is False
    assert rows[district.closed.pk]["integrated"] is None


@pytest.mark.parametrize(
    ("referred_on", "started_on", "working_days"),
    [
        (date(2025, 3, 7), date(2025, 3, 7), 0),  # same Friday
        (date(2025, 3, 7), date(2025, 3, 8), 0),  # Friday to Saturday
        (date(2025, 3, 7), date(2025, 3, 10), 1),  # Friday to Monday
        (date(2025, 3, 8), date(2025, 3, 9), 0),  # Saturday to Sunday
        (date(2025, 3, 9), date(2025, 3, 14), 5),  # Sunday to Friday
        (date(2024, 12, 20), date(2025, 2, 3), 31),  # across the new year
    ],
)
def test_working_days_to_start_count_monday_to_friday(
    world, referred_on, started_on, working_days
):
    case = factories.make_case(
        world.funder, world.provider_a, referred_on=referred_on, started_on=started_on
    )
    by_hand = sum(
        (referred_on + timedelta(days=n)).weekday() < 5
        for n in range(1, (started_on - referred_on).days + 1)
    )
    row = by(load_fact("cases"), "case_id")[case.pk]
    assert row["working_days_to_start"] == by_hand == working_days
    assert row["days_to_start"] == (started_on - referred_on).days


def test_the_window_keeps_cases_open_during_it(district):
    in_2025 = set(by(load_fact("cases", **YEAR_2025), "case_id"))
    assert in_2025 == {
        district.closed.pk,
        district.running.pk,
        district.referral.pk,
        district.sgb2.pk,
    }
    everything = set(by(load_fact("cases"), "case_id"))
    world = district.world
    assert everything == in_2025 | {district.old.pk, world.case_a.pk, world.case_b.pk}
    # A case open in the window counts although it was referred before.
    december = by(
        load_fact("cases", start=date(2025, 12, 1), end=date(2025, 12, 31)), "case_id"
    )
    assert set(december) == {district.running.pk, district.referral.pk}
    # Only one side of the window given.
    assert set(by(load_fact("cases", end=date(2020, 12, 31)), "case_id")) == {
        district.old.pk
    }
    assert district.old.pk not in by(
        load_fact("cases", start=date(2021, 1, 1)), "case_id"
    )


def test_anonymised_cases_are_still_counted(district):
    row = by(load_fact("cases", end=date(2020, 12, 31)), "case_id")[district.old.pk]
    assert row["status"] == "closed"
    assert row["duration_days"] == 162
    assert row["closure_reason"] == "other"


# --- goal ratings and outcomes ------------------------------------------------


def test_goal_ratings_of_the_final_review_one_row_per_goal_and_perspective(district):
    g1, g2, g3 = district.goals
    rows = by(load_fact("goal_ratings", **YEAR_2025), "goal_id", "perspective")
    assert {key: row["level"] for key, row in rows.items()} == {
        (g1.pk, "funder"): 1,
        (g1.pk, "provider"): 1,
        (g2.pk, "funder"): -1,
        (g2.pk, "provider"): 0,
        (g2.pk, "beneficiary"): 2,
        (g3.pk, "provider"): 0,
    }  # not the interim rating of a goal of the first plan
    expected = {
        g1.pk: (2, True, 2),
        g2.pk: (3, False, 1),
        g3.pk: (1, None, 1),
    }
    for (goal, _perspective), row in rows.items():
        rated, agree, weight = expected[goal]
        assert row["perspectives_rated"] == rated
        assert row["levels_agree"] is agree
        assert row["weight"] == weight
        assert row["reached"] is (row["level"] >= 0)
        assert row["rated_on"] == date(2025, 7, 14)
        assert row["case_id"] == district.closed.pk
        assert row["team_id"] == district.team.pk
        assert row["service_type_key"] == "facts-spfh"
        assert row["prior_help"] is True


def test_goal_ratings_follow_the_window_of_the_final_review(district):
    assert load_fact("goal_ratings", start=date(2025, 7, 15)).num_rows == 0
    assert load_fact("goal_ratings", end=date(2025, 7, 13)).num_rows == 0
    assert load_fact("goal_ratings", start=date(2025, 7, 14)).num_rows == 6


def test_a_final_review_counts_only_once_the_case_is_closed(district):
    district.closed.status = CaseStatus.RUNNING
    district.closed.save()
    assert load_fact("goal_ratings").num_rows == 0
    assert load_fact("outcomes").num_rows == 0


def test_outcome_t_scores_equal_the_one_gas_definition(district):
    rows = by(load_fact("outcomes", **YEAR_2025), "case_id", "perspective")
    closed = district.closed.pk
    expected = {
        "funder": [(1, 2), (-1, 1)],
        "provider": [(1, 2), (0, 1), (0, 1)],
        "beneficiary": [(2, 1)],
    }
    assert set(rows) == {(closed, perspective) for perspective in expected}
    for perspective, pairs in expected.items():
        row = rows[closed, perspective]
        assert row["t_score"] == pytest.approx(gas_t_score(pairs))
        assert row["goals"] == len(pairs)
        assert row["rated_on"] == date(2025, 7, 14)
        assert row["funder_id"] == district.world.funder.pk
    # Worked out by hand: 50 + 10 · 1 / √(0.7 · 5 + 0.3 · 9).
    assert rows[closed, "funder"]["t_score"] == pytest.approx(54.0161, abs=1e-4)


@pytest.mark.parametrize(
    "pairs",
    [
        [(2, 1)],
        [(-2, 3), (-1, 1), (0, 2)],
        [(1, 1), (1, 1), (1, 1), (1, 1)],
        [(-2, 1), (2, 5)],
    ],
)
def test_t_scores_equal_gas_t_score_for_any_levels_and_weights(world, pairs):
    case = factories.make_case(
        world.funder,
        world.provider_a,
        status=CaseStatus.CLOSED,
        ended_on=date(2026, 6, 30),
        closure_reason="planned",
    )
    plan = factories.make_help_plan(case)
    review = factories.make_review(plan, is_final=True)
    for level, weight in pairs:
        goal = factories.make_goal(plan, weight=weight)
        factories.make_goal_rating(review, goal, "provider", level)
    row = by(load_fact("outcomes"), "case_id")[case.pk]
    assert row["t_score"] == pytest.approx(gas_t_score(pairs))


def test_the_last_of_two_final_reviews_counts(district):
    g1, _g2, _g3 = district.goals
    later = factories.make_review(
        district.plans[1], held_on=date(2025, 7, 15), is_final=True
    )
    factories.make_goal_rating(later, g1, "funder", -2)
    rows = by(load_fact("goal_ratings"), "goal_id", "perspective")
    assert set(rows) == {(g1.pk, "funder")}
    assert rows[g1.pk, "funder"]["rated_on"] == date(2025, 7, 15)
    case = by(load_fact("cases"), "case_id")[district.closed.pk]
    assert case["goals_reached"] == 0


# --- reviews, help plans, needs -----------------------------------------------


def test_reviews_with_days_late_and_on_time(district):
    interim, final = district.reviews
    rows = by(load_fact("reviews", **YEAR_2025), "review_id")
    assert set(rows) == {interim.pk, final.pk}
    assert {
        key: rows[review.pk][key]
        for review in (interim,)
        for key in ("due_on", "held_on", "is_final", "days_late", "on_time")
    } == {
        "due_on": date(2025, 4, 1),
        "held_on": date(2025, 3, 28),
        "is_final": False,
        "days_late": -4,
        "on_time": True,
    }
    assert rows[final.pk]["days_late"] == 4
    assert rows[final.pk]["on_time"] is False
    assert rows[final.pk]["is_final"] is True
    assert rows[final.pk]["case_id"] == district.closed.pk


def test_a_review_belongs_to_the_window_of_its_due_or_held_date(district):
    interim, _final = district.reviews
    april = by(
        load_fact("reviews", start=date(2025, 4, 1), end=date(2025, 4, 30)), "review_id"
    )
    assert set(april) == {interim.pk}  # due in April, held in March


def test_help_plans_mark_the_first_version(district):
    first, last = district.plans
    rows = by(load_fact("help_plans", **YEAR_2025), "plan_id")
    assert rows[first.pk]["first_plan"] is True
    assert rows[first.pk]["version"] == 1
    assert rows[last.pk]["first_plan"] is False
    assert rows[last.pk]["agreed_on"] == date(2025, 4, 1)
    assert rows[last.pk]["beneficiary_participated"] is True
    assert rows[last.pk]["beneficiary_agreed"] is False
    april = load_fact("help_plans", start=date(2025, 4, 1), end=date(2025, 4, 30))
    assert set(by(april, "plan_id")) == {last.pk}


def test_need_changes_compare_intake_and_closure_of_relevant_dimensions(district):
    rows = by(load_fact("need_changes", **YEAR_2025), "dimension")
    # Health was not relevant at the start; the interim assessment plays no part.
    # The scale runs from 1 (severe need) to 7 (no need): up is better.
    assert {
        dimension: (
            row["intake_level"],
            row["closure_level"],
            row["change"],
            row["improved"],
        )
        for dimension, row in rows.items()
    } == {
        "facts-family": (2, 5, 3, True),
        "facts-school": (4, 3, -1, False),
    }
    assert {row["assessed_on"] for row in rows.values()} == {date(2025, 7, 14)}
    assert {row["case_id"] for row in rows.values()} == {district.closed.pk}
    assert load_fact("need_changes", start=date(2025, 7, 15)).num_rows == 0


def test_need_changes_wait_for_the_case_to_close(district):
    district.closed.status = CaseStatus.RUNNING
    district.closed.save()
    assert load_fact("need_changes").num_rows == 0


# --- survey and staff ---------------------------------------------------------


def test_survey_one_row_per_answered_item(district):
    table = load_fact("survey", **YEAR_2025)
    rows = by(table, "aspect")
    assert set(rows) == {"framework_time", "position_respect"}
    assert (rows["framework_time"]["answer"], rows["framework_time"]["agrees"]) == (
        5,
        True,
    )
    assert (rows["position_respect"]["answer"], rows["position_respect"]["agrees"]) == (
        3,
        False,
    )
    assert rows["framework_time"]["period"] == date(2025, 5, 1)
    assert rows["framework_time"]["provider_id"] == district.world.provider_a.pk
    assert rows["framework_time"]["code_book"] == "SGB VIII"
    # A window starting within a month includes that month's answers.
    december = load_fact("survey", start=date(2024, 12, 15), end=date(2024, 12, 31))
    assert by(december, "aspect")["relationship_trust"]["agrees"] is True


def test_staff_are_the_staff_memberships_of_providers_with_local_dates(district):
    world = district.world
    rows = by(load_fact("staff"), "membership_id")
    caseworker_a = world.people.provider_a.memberships.get()
    outsider = world.people.outsider.memberships.get()
    # Not the funder's case manager, nor an auditor of a provider.
    assert set(rows) == {
        caseworker_a.pk,
        world.people.provider_b.memberships.get().pk,
        outsider.pk,
        district.qualified.pk,
        district.vocational.pk,
    }
    qualified = rows[district.qualified.pk]
    assert qualified == pytest.approx(
        {
            "membership_id": district.qualified.pk,
            "provider_id": world.provider_a.pk,
            "team_id": district.team.pk,
            "role": "caseworker",
            "valid_from": date(2024, 3, 1),
            "stock_end": date(2025, 7, 1),
            "full_time_equivalent": 0.5,
            "qualification": "social_work_degree",
            "professionally_qualified": True,
        }
    )
    assert rows[district.vocational.pk]["professionally_qualified"] is False
    assert rows[district.vocational.pk]["role"] == "qm_officer"
    assert rows[caseworker_a.pk]["qualification"] is None
    assert rows[caseworker_a.pk]["professionally_qualified"] is None
    assert rows[caseworker_a.pk]["stock_end"] == date(9999, 12, 31)
    assert rows[caseworker_a.pk]["valid_from"] == timezone.localdate()


def test_staff_in_a_window_are_those_valid_during_it(district):
    assert set(by(load_fact("staff", **YEAR_2025), "membership_id")) == {
        district.qualified.pk
    }
    in_2023 = load_fact("staff", start=date(2023, 6, 1), end=date(2023, 12, 31))
    assert set(by(in_2023, "membership_id")) == {district.vocational.pk}


# --- who the rows belong to ---------------------------------------------------


@pytest.mark.parametrize("name", ["cases", "reviews", "help_plans", "goal_ratings"])
def test_rows_carry_the_organisations_whose_figures_they_enter(district, name):
    """A funder's figures cover all its cases, a provider's its own, others none."""
    world = district.world
    rows = load_fact(name).to_pylist()

    def own_cases(user):
        owned = scoping.owned_organisations(user)
        return {
            row["case_id"]
            for row in rows
            if row["funder_id"] in owned or row["provider_id"] in owned
        }

    at_provider_a = {
        row["case_id"] for row in rows if row["provider_id"] == world.provider_a.pk
    }
    assert district.closed.pk in at_provider_a
    assert own_cases(world.people.funder) == {row["case_id"] for row in rows}
    assert own_cases(world.people.provider_a) == at_provider_a
    assert own_cases(world.people.outsider) == set()


# --- bad input ----------------------------------------------------------------


def test_an_unknown_fact_is_named_in_the_error(db):
    with pytest.raises(
        ValueError, match=r"Unknown fact “clients”\. Known facts: cases, "
    ):
        load_fact("clients")


def test_a_window_ending_before_it_starts_is_refused(db):
    with pytest.raises(ValueError, match="starts"):
        load_fact("cases", start=date(2025, 2, 1), end=date(2025, 1, 31))
