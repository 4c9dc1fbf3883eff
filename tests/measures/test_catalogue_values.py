"""Every built-in indicator computes the value worked out by hand on a small data set.

Each test builds the fact tables it needs as Arrow tables (only the columns the
definition reads, plus the unit columns), evaluates the catalogue's definition
with ``engine.evaluate`` for the calendar year 2025 and compares the result of
the whole (all organisations) with the figure computed by hand in the
docstring.
"""

from datetime import date

import pyarrow as pa
import pytest

from dialoq.measures.catalogue import load_catalogue
from dialoq.measures.engine import evaluate
from dialoq.measures.facts import FACTS
from dialoq.measures.periods import Period

YEAR = Period("year", date(2025, 1, 1), date(2025, 12, 31))
DATA_UNTIL = date(2026, 1, 31)
FAR_FUTURE = date(9999, 12, 31)
FUNDER, PROVIDER_A, PROVIDER_B, SERVICE_TYPE, TEAM = 1, 11, 12, 21, 31
UNIT_DEFAULTS = {
    "funder_id": FUNDER,
    "provider_id": PROVIDER_A,
    "service_type_id": SERVICE_TYPE,
    "team_id": TEAM,
}
ARROW_TYPES = {
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "text": pa.string(),
}


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def fact(name, rows):
    """Return the rows as an Arrow table typed as the fact declares its columns."""
    columns = FACTS[name].columns
    units = {key: value for key, value in UNIT_DEFAULTS.items() if key in columns}
    rows = [{**units, **row} for row in rows]
    names = list(dict.fromkeys(key for row in rows for key in row))
    return pa.table(
        {
            key: pa.array(
                [row.get(key) for row in rows], ARROW_TYPES[columns[key].type]
            )
            for key in names
        }
    )


def results(catalogue, key, facts, period=YEAR):
    """Return the results of a built-in indicator, by (unit type, unit id, stratum)."""
    spec = catalogue.indicator(key).parsed
    rows = evaluate(spec, facts, [period], DATA_UNTIL)
    return {
        (row.unit_type, _unit_id(row), row.stratum): row
        for row in rows
        if (row.period_type, row.period_start) == (period.type, period.start)
    }


def whole(catalogue, key, facts, stratum=""):
    return results(catalogue, key, facts)[("whole", None, stratum)]


def _unit_id(row):
    return {
        "whole": None,
        "funder": row.funder_id,
        "provider": row.provider_id,
        "service_type": row.service_type_id,
        "team": row.team_id,
    }[row.unit_type]


def closed_case(ended_on=date(2025, 6, 30), **columns):
    return {"status": "closed", "ended_on": ended_on, **columns}


# --- outcome --------------------------------------------------------------------


def test_planned_endings(catalogue):
    """3 planned of 4 closed (one change of responsibility left out) → 0.75."""
    cases = fact(
        "cases",
        [
            closed_case(closure_reason="planned", planned_ending=True),
            closed_case(closure_reason="planned", planned_ending=True),
            closed_case(closure_reason="planned", planned_ending=True),
            closed_case(closure_reason="dropout_beneficiary", planned_ending=False),
            closed_case(
                closure_reason="change_of_responsibility", planned_ending=False
            ),
            closed_case(
                ended_on=date(2024, 12, 31),
                closure_reason="planned",
                planned_ending=True,
            ),
            {"status": "open", "ended_on": None, "closure_reason": None},
        ],
    )
    result = whole(catalogue, "planned-endings", {"cases": cases})
    assert (result.numerator, result.cases) == (3, 4)
    assert result.value == pytest.approx(0.75)
    assert result.evaluation == "not_evaluable"  # 4 cases, fewer than 5


def test_reentry_within_12_months(catalogue):
    """Of 3 planned endings whose 12 months are over, 1 had a new case → 1/3.

    Left out: a planned ending whose 12 months are not over (empty), and a
    dropout (not planned).
    """
    cases = fact(
        "cases",
        [
            closed_case(planned_ending=True, reentry_within_12_months=True),
            closed_case(planned_ending=True, reentry_within_12_months=False),
            closed_case(planned_ending=True, reentry_within_12_months=False),
            closed_case(planned_ending=True, reentry_within_12_months=None),
            closed_case(planned_ending=False, reentry_within_12_months=True),
        ],
    )
    result = whole(catalogue, "reentry-within-12-months", {"cases": cases})
    assert (result.numerator, result.cases) == (1, 3)
    assert result.value == pytest.approx(1 / 3)


def test_planned_endings_risk_adjusted(catalogue):
    """Every case-mix pattern ends as planned 3 times in 4, so p̂ = 0.75 for all.

    Provider A: 27 planned of 30 → E = 22.5, O/E = 1.2; provider B: 0 of 6 →
    E = 4.5, O/E = 0; all: 27 of 36 → E = 27, O/E = 1.
    """
    base = {
        "age_band": "6-11",
        "sex": "female",
        "household_type": "single_parent",
        "prior_help": False,
        "transfer_benefits": False,
        "non_german_at_home": False,
        "initial_need": 4.0,
        "service_type_key": "spfh",
    }
    changes = [
        {},
        {"age_band": "12-17"},
        {"sex": "male"},
        {"household_type": "two_parents"},
        {"prior_help": True},
        {"transfer_benefits": True},
        {"non_german_at_home": True},
        {"initial_need": 5.0},
        {"service_type_key": "heim"},
    ]
    rows = []
    for index, change in enumerate(changes):
        mix = {**base, **change}
        for _ in range(3):
            rows.append(
                closed_case(
                    closure_reason="planned",
                    planned_ending=True,
                    provider_id=PROVIDER_A,
                    **mix,
                )
            )
        rows.append(
            closed_case(
                closure_reason="dropout_beneficiary",
                planned_ending=False,
                provider_id=PROVIDER_A if index < 3 else PROVIDER_B,
                **mix,
            )
        )
    found = results(
        catalogue, "planned-endings-risk-adjusted", {"cases": fact("cases", rows)}
    )
    everyone = found[("whole", None, "")]
    assert (everyone.numerator, everyone.cases) == (27, 36)
    assert everyone.expected == pytest.approx(27, rel=1e-6)
    assert everyone.value == pytest.approx(1.0, rel=1e-6)
    provider_a = found[("provider", PROVIDER_A, "")]
    assert (provider_a.numerator, provider_a.cases) == (27, 30)
    assert provider_a.expected == pytest.approx(22.5, rel=1e-6)
    assert provider_a.oe_ratio == pytest.approx(1.2, rel=1e-6)
    assert provider_a.evaluation == "within_range"
    provider_b = found[("provider", PROVIDER_B, "")]
    assert provider_b.expected == pytest.approx(4.5, rel=1e-6)
    assert provider_b.value == 0
    assert provider_b.evaluation == "not_evaluable"  # 6 cases, fewer than 10


def test_dropouts(catalogue):
    """2 broken off (by beneficiary, by provider) of 5 closed → 0.4."""
    cases = fact(
        "cases",
        [
            closed_case(closure_reason="dropout_beneficiary"),
            closed_case(closure_reason="dropout_provider"),
            closed_case(closure_reason="planned"),
            closed_case(closure_reason="planned"),
            closed_case(closure_reason="other"),
            closed_case(closure_reason="change_of_responsibility"),
        ],
    )
    result = whole(catalogue, "dropouts", {"cases": cases})
    assert (result.numerator, result.cases) == (2, 5)
    assert result.value == pytest.approx(0.4)


def outcome_rows(scores):
    return [
        {"rated_on": date(2025, 5, 1), "perspective": perspective, "t_score": score}
        for perspective, values in scores.items()
        for score in values
    ]


def test_gas_t_score_mean_per_perspective(catalogue):
    """Funder 40, 50, 66 (one missing) → 52; provider 45, 55 → 50;
    beneficiary 35, 65, 50, 42 → 48."""
    outcomes = fact(
        "outcomes",
        outcome_rows(
            {
                "funder": [40.0, 50.0, 66.0, None],
                "provider": [45.0, 55.0],
                "beneficiary": [35.0, 65.0, 50.0, 42.0],
            }
        ),
    )
    facts = {"outcomes": outcomes}
    funder = whole(catalogue, "gas-t-score-mean", facts, "funder")
    assert (funder.value, funder.cases) == (pytest.approx(52.0), 3)
    assert whole(catalogue, "gas-t-score-mean", facts, "provider").value == 50.0
    beneficiary = whole(catalogue, "gas-t-score-mean", facts, "beneficiary")
    assert beneficiary.value == pytest.approx(48.0)


def test_gas_t_score_median_per_perspective(catalogue):
    """Funder 40, 50, 66 → 50; beneficiary 35, 42, 50, 65 → (42 + 50) / 2 = 46."""
    outcomes = fact(
        "outcomes",
        outcome_rows(
            {"funder": [40.0, 50.0, 66.0], "beneficiary": [35.0, 65.0, 50.0, 42.0]}
        ),
    )
    facts = {"outcomes": outcomes}
    assert whole(catalogue, "gas-t-score-median", facts, "funder").value == 50.0
    assert whole(catalogue, "gas-t-score-median", facts, "beneficiary").value == 46.0


def test_goals_reached_per_perspective(catalogue):
    """Funder: 3 of 4 goals reached → 0.75; beneficiary: 2 of 5 → 0.4."""
    ratings = [
        {"rated_on": date(2025, 3, 1), "perspective": perspective, "reached": reached}
        for perspective, values in {
            "funder": [True, True, True, False],
            "beneficiary": [True, True, False, False, False],
        }.items()
        for reached in values
    ]
    facts = {"goal_ratings": fact("goal_ratings", ratings)}
    assert whole(catalogue, "goals-reached", facts, "funder").value == 0.75
    beneficiary = whole(catalogue, "goals-reached", facts, "beneficiary")
    assert (beneficiary.numerator, beneficiary.cases) == (2, 5)
    assert beneficiary.value == pytest.approx(0.4)


def test_perspective_agreement(catalogue):
    """Goals rated by all three: 1 agree, 2 differ, 3 agree, 5 differ → 2 of 4 = 0.5.

    Goal 4 (rated by two perspectives) is left out; each goal counts once.
    """
    goals = {1: (3, True), 2: (3, False), 3: (3, True), 4: (2, True), 5: (3, False)}
    ratings = []
    for goal, (rated, agree) in goals.items():
        perspectives = ["funder", "provider", "beneficiary"][:rated]
        ratings += [
            {
                "goal_id": goal,
                "rated_on": date(2025, 9, 1),
                "perspective": perspective,
                "perspectives_rated": rated,
                "levels_agree": agree,
            }
            for perspective in perspectives
        ]
    facts = {"goal_ratings": fact("goal_ratings", ratings)}
    result = whole(catalogue, "perspective-agreement", facts)
    assert (result.numerator, result.cases) == (2, 4)
    assert result.value == 0.5


def need_rows(**columns):
    ((name, values),) = columns.items()
    return [{"assessed_on": date(2025, 10, 1), name: value} for value in values]


def test_needs_improved(catalogue):
    """3 of 5 relevant need dimensions lower at closure → 0.6."""
    facts = {
        "need_changes": fact(
            "need_changes", need_rows(improved=[True, True, False, True, False])
        )
    }
    assert whole(catalogue, "needs-improved", facts).value == pytest.approx(0.6)


def test_need_change_median(catalogue):
    """Changes 2, 1, 0, −1, 3 → sorted −1, 0, 1, 2, 3 → median 1."""
    facts = {"need_changes": fact("need_changes", need_rows(change=[2, 1, 0, -1, 3]))}
    assert whole(catalogue, "need-change-median", facts).value == 1.0


def survey_rows(answers):
    return [
        {"period": date(2025, 4, 1), "aspect": aspect, "agrees": agrees}
        for aspect, values in answers.items()
        for agrees in values
    ]


def test_satisfaction_per_aspect(catalogue):
    """Framework: 2 of 3 agree → 2/3; concrete benefit: 1 of 4 → 0.25."""
    survey = fact(
        "survey",
        survey_rows(
            {"framework": [True, True, False], "benefit": [True, False, False, False]}
        ),
    )
    facts = {"survey": survey}
    assert whole(catalogue, "satisfaction", facts, "framework").value == (
        pytest.approx(2 / 3)
    )
    assert whole(catalogue, "satisfaction", facts, "benefit").value == 0.25


def test_reachability(catalogue):
    """Only the framework aspect counts: 2 of 3 agree → 2/3."""
    survey = fact(
        "survey",
        survey_rows({"framework": [True, True, False], "relationship": [False] * 5}),
    )
    result = whole(catalogue, "reachability", {"survey": survey})
    assert (result.numerator, result.cases) == (2, 3)


def test_cost_per_reached_goal(catalogue):
    """Costs 1,000 + 2,000 + 6,000 = 9,000 € over 1 + 0 + 5 = 6 goals → 1,500 €.

    A ratio of sums: the case without a reached goal still counts its cost.
    A cash benefit and a case still open are left out.
    """
    cases = fact(
        "cases",
        [
            closed_case(category="personal_service", cost=1000.0, goals_reached=1),
            closed_case(category="personal_service", cost=2000.0, goals_reached=0),
            closed_case(category="labour_market_service", cost=6000.0, goals_reached=5),
            closed_case(category="cash_benefit", cost=9999.0, goals_reached=1),
            {"status": "open", "category": "personal_service", "cost": 500.0},
        ],
    )
    result = whole(catalogue, "cost-per-reached-goal", {"cases": cases})
    assert (result.numerator, result.denominator) == (9000.0, 6.0)
    assert result.value == 1500.0


# --- process --------------------------------------------------------------------


def test_first_contact_within_10_working_days(catalogue):
    """Started 2025 after 3, 10, 11, 25 working days → 2 of 4 = 0.5.

    A start without the count of working days and a referral not yet started
    are left out.
    """
    started = date(2025, 2, 1)
    cases = fact(
        "cases",
        [
            {"started_on": started, "working_days_to_start": 3},
            {"started_on": started, "working_days_to_start": 10},
            {"started_on": started, "working_days_to_start": 11},
            {"started_on": started, "working_days_to_start": 25},
            {"started_on": started, "working_days_to_start": None},
            {"started_on": None, "working_days_to_start": None},
        ],
    )
    result = whole(catalogue, "first-contact-within-10-working-days", {"cases": cases})
    assert (result.numerator, result.cases) == (2, 4)
    assert result.value == 0.5


def test_days_to_start_median(catalogue):
    """5, 14, 16, 30, 2 days → sorted 2, 5, 14, 16, 30 → median 14."""
    cases = fact(
        "cases",
        [
            {"started_on": date(2025, 8, 1), "days_to_start": days}
            for days in (5, 14, 16, 30, 2)
        ],
    )
    assert whole(catalogue, "days-to-start-median", {"cases": cases}).value == 14.0


def plan_rows(**columns):
    ((name, values),) = columns.items()
    return [{"agreed_on": date(2025, 1, 15), name: value} for value in values]


def test_plans_with_participation(catalogue):
    """3 of 4 help plans made with the beneficiary → 0.75."""
    plans = fact(
        "help_plans", plan_rows(beneficiary_participated=[True, True, True, False])
    )
    result = whole(catalogue, "plans-with-participation", {"help_plans": plans})
    assert result.value == 0.75


def test_plans_agreed_by_beneficiary(catalogue):
    """2 of 4 help plans agreed by the beneficiary → 0.5."""
    plans = fact("help_plans", plan_rows(beneficiary_agreed=[True, False, False, True]))
    result = whole(catalogue, "plans-agreed-by-beneficiary", {"help_plans": plans})
    assert (result.numerator, result.cases) == (2, 4)


def test_reviews_on_time(catalogue):
    """Due in 2025, not final: 3 of 5 on time → 0.6.

    The review at closure and a review due in 2024 are left out.
    """
    due = date(2025, 6, 1)
    reviews = fact(
        "reviews",
        [
            *(
                {"due_on": due, "is_final": False, "on_time": on_time}
                for on_time in (True, True, True, False, False)
            ),
            {"due_on": due, "is_final": True, "on_time": False},
            {"due_on": date(2024, 12, 1), "is_final": False, "on_time": False},
        ],
    )
    result = whole(catalogue, "reviews-on-time", {"reviews": reviews})
    assert (result.numerator, result.cases) == (3, 5)
    assert result.value == pytest.approx(0.6)


def test_review_delay_median(catalogue):
    """Late reviews 3, 30 and 10 days after the due date → median 10.

    Reviews on time (0 days) are left out.
    """
    due = date(2025, 11, 1)
    reviews = fact(
        "reviews",
        [
            {"due_on": due, "is_final": False, "on_time": False, "days_late": 3},
            {"due_on": due, "is_final": False, "on_time": False, "days_late": 30},
            {"due_on": due, "is_final": False, "on_time": False, "days_late": 10},
            {"due_on": due, "is_final": False, "on_time": True, "days_late": 0},
            {"due_on": due, "is_final": False, "on_time": True, "days_late": 0},
        ],
    )
    result = whole(catalogue, "review-delay-median", {"reviews": reviews})
    assert (result.value, result.cases) == (10.0, 3)


def test_help_duration_median(catalogue):
    """Durations 100, 300, 200, 400 days → (200 + 300) / 2 = 250.

    A help ended by a change of responsibility is left out.
    """
    cases = fact(
        "cases",
        [
            *(
                closed_case(closure_reason="planned", duration_days=days)
                for days in (100, 300, 200, 400)
            ),
            closed_case(closure_reason="change_of_responsibility", duration_days=5),
        ],
    )
    assert whole(catalogue, "help-duration-median", {"cases": cases}).value == 250.0


def test_contact_density(catalogue):
    """2, 4 and 3 contacts per month → median 3; a cash benefit is left out."""
    cases = fact(
        "cases",
        [
            closed_case(category="personal_service", contacts_per_month=2.0),
            closed_case(category="personal_service", contacts_per_month=4.0),
            closed_case(category="labour_market_service", contacts_per_month=3.0),
            closed_case(category="cash_benefit", contacts_per_month=10.0),
        ],
    )
    assert whole(catalogue, "contact-density", {"cases": cases}).value == 3.0


def test_service_hours_per_case(catalogue):
    """10, 20 and 60 hours → mean 30; a cash benefit and an open case left out."""
    cases = fact(
        "cases",
        [
            closed_case(category="personal_service", service_hours=10.0),
            closed_case(category="personal_service", service_hours=20.0),
            closed_case(category="personal_service", service_hours=60.0),
            closed_case(category="cash_benefit", service_hours=0.0),
            {"status": "open", "category": "personal_service", "service_hours": 99.0},
        ],
    )
    result = whole(catalogue, "service-hours-per-case", {"cases": cases})
    assert (result.value, result.cases) == (30.0, 3)


def test_complaints_answered_on_time(catalogue):
    """Due in 2025: 3 of 4 answered on time → 0.75."""
    complaints = fact(
        "complaints",
        [
            {"answer_due_on": date(2025, 7, 1), "answered_on_time": answered}
            for answered in (True, True, True, False)
        ],
    )
    result = whole(catalogue, "complaints-answered-on-time", {"complaints": complaints})
    assert result.value == 0.75


def test_deviations_closed_on_time(catalogue):
    """Due in 2025: 3 of 5 closed on time → 0.6."""
    deviations = fact(
        "deviations",
        [
            {"due_on": date(2025, 12, 31), "closed_on_time": closed}
            for closed in (True, False, False, True, True)
        ],
    )
    result = whole(catalogue, "deviations-closed-on-time", {"deviations": deviations})
    assert result.value == pytest.approx(0.6)


# --- structure ------------------------------------------------------------------

STAFF_ROWS = [
    # role, full-time equivalent, qualified, valid from, valid until
    ("caseworker", 1.0, True, date(2024, 1, 1), FAR_FUTURE),
    ("caseworker", 0.5, False, date(2024, 1, 1), FAR_FUTURE),
    ("caseworker", 0.5, True, date(2025, 7, 1), FAR_FUTURE),
    ("manager", 1.0, True, date(2020, 1, 1), FAR_FUTURE),
]


def staff_table():
    return fact(
        "staff",
        [
            {
                "role": role,
                "full_time_equivalent": fte,
                "professionally_qualified": qualified,
                "valid_from": valid_from,
                "stock_end": stock_end,
            }
            for role, fte, qualified, valid_from, stock_end in STAFF_ROWS
        ],
    )


def test_qualified_staff_share(catalogue):
    """Caseworkers' FTE over the 12 month-ends of 2025:

    qualified 1.0 × 12 + 0.5 × 6 (from July) = 15, all 15 + 0.5 × 12 = 21,
    share = 15/12 ÷ 21/12 = 5/7; the manager does not count.
    """
    found = results(catalogue, "qualified-staff-share", {"staff": staff_table()})
    for unit in (("whole", None, ""), ("provider", PROVIDER_A, ""), ("team", TEAM, "")):
        assert found[unit].value == pytest.approx(5 / 7)


def caseload_facts():
    open_all_year = {"started_on": date(2024, 5, 1), "stock_end": FAR_FUTURE}
    cases = fact(
        "cases",
        [
            {**open_all_year, "category": "personal_service"},
            {**open_all_year, "category": "personal_service"},
            {**open_all_year, "category": "labour_market_service"},
            {**open_all_year, "category": "cash_benefit"},
            {
                "started_on": date(2025, 7, 1),
                "stock_end": FAR_FUTURE,
                "category": "personal_service",
            },
            {
                "started_on": date(2024, 9, 1),
                "stock_end": date(2025, 3, 15),
                "category": "personal_service",
            },
        ],
    )
    return {"cases": cases, "staff": staff_table()}


def test_caseload_per_full_time_post_by_team(catalogue):
    """Open cases at the 12 month-ends of 2025: 3 × 12 + 6 (from July) + 2
    (January, February) = 44; the cash benefit does not count. Caseworkers'
    FTE: 1.0 × 12 + 0.5 × 12 + 0.5 × 6 = 21. Caseload = 44/12 ÷ 21/12 = 44/21."""
    found = results(catalogue, "caseload-per-fte", caseload_facts())
    assert found[("whole", None, "")].value == pytest.approx(44 / 21)
    team = found[("team", TEAM, "")]
    assert team.numerator == pytest.approx(44 / 12)
    assert team.denominator == pytest.approx(21 / 12)
    assert team.value == pytest.approx(44 / 21)


def test_caseload_per_full_time_post_by_provider(catalogue):
    """The same data for provider A: 44/12 open cases ÷ 21/12 FTE = 44/21."""
    found = results(catalogue, "caseload-per-fte", caseload_facts())
    assert found[("provider", PROVIDER_A, "")].value == pytest.approx(44 / 21)


def test_cost_per_case(catalogue):
    """Costs 1,000 + 2,000 + 6,000 € over 3 ended helps → 3,000 €; cash benefit out."""
    cases = fact(
        "cases",
        [
            closed_case(category="personal_service", cost=1000.0),
            closed_case(category="personal_service", cost=2000.0),
            closed_case(category="labour_market_service", cost=6000.0),
            closed_case(category="cash_benefit", cost=500.0),
        ],
    )
    result = whole(catalogue, "cost-per-case", {"cases": cases})
    assert (result.numerator, result.denominator, result.value) == (9000, 3, 3000)


# --- SGB II key figures ---------------------------------------------------------


def sgb2_case(started_on, stock_end=FAR_FUTURE, **columns):
    return {
        "code_book": "SGB II",
        "started_on": started_on,
        "stock_end": stock_end,
        **columns,
    }


def test_sgb2_k1_change_in_subsistence_benefits(catalogue):
    """Monthly benefits summed over the months each case is open:

    2024: 500 × 12 + 300 × 6 (January to June) = 7,800;
    2025: 500 × 12 + 400 × 9 (April to December) = 9,600;
    K1 = (9,600 − 7,800) / 7,800 = 0.2308. An SGB VIII case does not count.
    """
    cases = fact(
        "cases",
        [
            sgb2_case(date(2023, 1, 1), subsistence_benefit_per_month=500.0),
            sgb2_case(
                date(2024, 1, 1), date(2024, 7, 1), subsistence_benefit_per_month=300.0
            ),
            sgb2_case(date(2025, 4, 1), subsistence_benefit_per_month=400.0),
            {
                "code_book": "SGB VIII",
                "started_on": date(2023, 1, 1),
                "stock_end": FAR_FUTURE,
                "subsistence_benefit_per_month": 1000.0,
            },
        ],
    )
    result = whole(catalogue, "sgb2-k1", {"cases": cases})
    assert (result.numerator, result.denominator) == (9600.0, 7800.0)
    assert result.value == pytest.approx(1800 / 7800)


def test_sgb2_k2_integration_rate(catalogue):
    """2 integrations in 2025 ÷ average month-end stock (4 × 12 + 2 × 5 + 2) / 12
    = 60/12 = 5 → 0.4. The SGB VIII case and the closure without integration
    add to neither side but the stock."""
    cases = fact(
        "cases",
        [
            *(sgb2_case(date(2024, 2, 1)) for _ in range(4)),
            *(
                sgb2_case(
                    date(2024, 1, 1),
                    date(2025, 6, 15),
                    ended_on=date(2025, 6, 15),
                    integrated=True,
                )
                for _ in range(2)
            ),
            sgb2_case(
                date(2024, 1, 1),
                date(2025, 3, 10),
                ended_on=date(2025, 3, 10),
                integrated=False,
            ),
            {
                "code_book": "SGB VIII",
                "started_on": date(2024, 1, 1),
                "stock_end": FAR_FUTURE,
            },
        ],
    )
    result = whole(catalogue, "sgb2-k2", {"cases": cases})
    assert result.numerator == 2
    assert result.denominator == pytest.approx(5.0)
    assert result.value == pytest.approx(0.4)


def test_sgb2_k3_change_in_long_term_recipients(catalogue):
    """Cases open for at least 21 months at a month-end:

    since 2022-01: every month-end of 2024 and 2025 (12 + 12);
    since 2023-06: from March 2025 (2023-06-01 + 21 months), 10 month-ends;
    since 2022-01 until 2024-07-01: January to June 2024, 6;
    since 2025-01: never. 2024: 18/12, 2025: 22/12 → K3 = (22 − 18) / 18 = 0.2222.
    """
    cases = fact(
        "cases",
        [
            sgb2_case(date(2022, 1, 1)),
            sgb2_case(date(2023, 6, 1)),
            sgb2_case(date(2022, 1, 1), date(2024, 7, 1)),
            sgb2_case(date(2025, 1, 1)),
        ],
    )
    result = whole(catalogue, "sgb2-k3", {"cases": cases})
    assert result.numerator == pytest.approx(22 / 12)
    assert result.denominator == pytest.approx(18 / 12)
    assert result.value == pytest.approx(4 / 18)


def test_every_built_in_indicator_has_a_worked_example(catalogue):
    """Each indicator key of the catalogue appears in a test of this module."""
    with open(__file__, encoding="utf-8") as source:
        text = source.read()
    missing = [i.key for i in catalogue.indicators if f'"{i.key}"' not in text]
    assert missing == []
