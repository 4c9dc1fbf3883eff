"""The documented facts that indicators are defined over.

A fact is a table with one row per countable thing (a case, a goal rating at
closure, a review, …) and the columns a definition may use. This module
declares them (``FACTS``: name → ``Fact`` with its ``FactSchema``) and reads
them from the system of record as Arrow tables (``load_fact``): a portable
extraction query runs in the database, and the derived columns (durations,
flags, T-scores) are computed in DuckDB from that extract. This is the one
place where analytics SQL over the case data lives.

Every fact carries the unit columns ``funder_id``, ``provider_id``,
``service_type_id`` and ``team_id`` (the provider's organisation unit) where
they exist; ``Fact.unit_types`` says which units a fact can be grouped by.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .conditions import Column, FactSchema

UNIT_COLUMNS = {
    "funder": ("funder_id",),
    "provider": ("funder_id", "provider_id"),
    "service_type": ("funder_id", "service_type_id"),
    "team": ("provider_id", "team_id"),
    "whole": (),
}

CLOSURE_REASONS = frozenset(
    {
        "planned",
        "dropout_beneficiary",
        "dropout_provider",
        "dropout_funder",
        "change_of_responsibility",
        "other",
    }
)
CODE_BOOKS = frozenset({"SGB II", "SGB VIII", "SGB IX", "SGB XII"})
PERSPECTIVES = frozenset({"funder", "provider", "beneficiary"})


@dataclass(frozen=True)
class Fact:
    """A fact table: its columns, the units it can be grouped by, its text."""

    name: str
    label: str
    description: str
    schema: FactSchema
    unit_types: tuple[str, ...]

    @property
    def columns(self) -> dict[str, Column]:
        return self.schema.columns


def _columns(*columns: Column) -> dict[str, Column]:
    return {column.name: column for column in columns}


def _unit_columns(*, team=True, funder=True) -> tuple[Column, ...]:
    columns = [
        Column("provider_id", "integer", _("provider")),
        Column("service_type_id", "integer", _("service type")),
        Column("code_book", "text", _("code book"), CODE_BOOKS),
        Column("service_type_key", "text", _("service type key")),
        Column("category", "text", _("service category")),
        Column("setting", "text", _("setting")),
    ]
    if funder:
        columns.insert(0, Column("funder_id", "integer", _("funder")))
    if team:
        columns.insert(2, Column("team_id", "integer", _("team")))
    return tuple(columns)


def _case_mix() -> tuple[Column, ...]:
    return (
        Column("age_band", "text", _("age band")),
        Column("sex", "text", _("sex")),
        Column("household_type", "text", _("household type")),
        Column("prior_help", "boolean", _("earlier help received")),
        Column("transfer_benefits", "boolean", _("receives transfer benefits")),
        Column("non_german_at_home", "boolean", _("family language not German")),
    )


def _fact(name, label, description, *columns, unit_types=None):
    if unit_types is None:
        unit_types = ("whole", "funder", "provider", "service_type", "team")
    return Fact(
        name, label, description, FactSchema(name, _columns(*columns)), unit_types
    )


FACTS: dict[str, Fact] = {
    fact.name: fact
    for fact in (
        _fact(
            "cases",
            _("Cases"),
            _("One row per case, with its dates, outcome, volume and cost."),
            Column("case_id", "integer", _("case")),
            *_unit_columns(),
            Column(
                "status", "text", _("status"), frozenset({"referred", "open", "closed"})
            ),
            Column("referred_on", "date", _("referred on")),
            Column("started_on", "date", _("help started on")),
            Column("ended_on", "date", _("help ended on")),
            Column("stock_end", "date", _("end of help, or far future if open")),
            Column("closure_reason", "text", _("reason for ending"), CLOSURE_REASONS),
            Column("planned_ending", "boolean", _("ended according to the help plan")),
            Column("integration_outcome", "text", _("integration outcome (SGB II)")),
            Column("integrated", "boolean", _("integrated into work (SGB II)")),
            *_case_mix(),
            Column("initial_need", "number", _("mean need rating at intake")),
            Column("days_to_start", "integer", _("days from referral to start")),
            Column(
                "working_days_to_start",
                "integer",
                _("working days from referral to start (Mon–Fri)"),
            ),
            Column("duration_days", "integer", _("duration of the help in days")),
            Column("months_of_help", "number", _("duration of the help in months")),
            Column("contacts", "integer", _("number of contacts")),
            Column("contacts_per_month", "number", _("contacts per month of help")),
            Column("service_hours", "number", _("service hours delivered")),
            Column("agreed_hours_per_month", "number", _("agreed hours per month")),
            Column("cost", "number", _("cost in EUR (hours × rate)")),
            Column("goals", "integer", _("goals in the last help plan")),
            Column("goals_reached", "integer", _("goals reached at closure")),
            Column(
                "subsistence_benefit_per_month",
                "number",
                _("subsistence benefits per month (SGB II)"),
            ),
        ),
        _fact(
            "goal_ratings",
            _("Goal ratings at closure"),
            _("One row per goal and perspective in the review at closure."),
            Column("goal_id", "integer", _("goal")),
            Column("case_id", "integer", _("case")),
            *_unit_columns(),
            Column("rated_on", "date", _("date of the review at closure")),
            Column("perspective", "text", _("perspective"), PERSPECTIVES),
            Column("level", "integer", _("goal attainment level (−2 to +2)")),
            Column("reached", "boolean", _("goal reached (level ≥ 0)")),
            Column("weight", "integer", _("weight")),
            Column(
                "levels_agree",
                "boolean",
                _("all perspectives that rated the goal gave the same level"),
            ),
            Column("perspectives_rated", "integer", _("perspectives that rated")),
            *_case_mix(),
        ),
        _fact(
            "outcomes",
            _("Goal attainment at closure"),
            _("One row per closed case and perspective: the GAS T-score."),
            Column("case_id", "integer", _("case")),
            *_unit_columns(),
            Column("rated_on", "date", _("date of the review at closure")),
            Column("perspective", "text", _("perspective"), PERSPECTIVES),
            Column("t_score", "number", _("GAS T-score")),
            Column("goals", "integer", _("goals rated")),
            *_case_mix(),
        ),
        _fact(
            "reviews",
            _("Reviews"),
            _("One row per held review of a help plan."),
            Column("review_id", "integer", _("review")),
            Column("case_id", "integer", _("case")),
            *_unit_columns(),
            Column("due_on", "date", _("due on")),
            Column("held_on", "date", _("held on")),
            Column("is_final", "boolean", _("review at closure")),
            Column("days_late", "integer", _("days after the due date")),
            Column("on_time", "boolean", _("held by the due date")),
        ),
        _fact(
            "help_plans",
            _("Help plans"),
            _("One row per help plan version."),
            Column("plan_id", "integer", _("help plan")),
            Column("case_id", "integer", _("case")),
            *_unit_columns(),
            Column("agreed_on", "date", _("agreed on")),
            Column("version", "integer", _("version")),
            Column("first_plan", "boolean", _("first help plan of the case")),
            Column(
                "beneficiary_participated",
                "boolean",
                _("beneficiary took part in planning"),
            ),
            Column("beneficiary_agreed", "boolean", _("beneficiary agreed")),
        ),
        _fact(
            "need_changes",
            _("Change in needs"),
            _("One row per closed case and relevant need dimension: intake and closure."),
            Column("case_id", "integer", _("case")),
            *_unit_columns(),
            Column("assessed_on", "date", _("date of the assessment at closure")),
            Column("dimension", "text", _("need dimension")),
            Column("intake_level", "integer", _("need at intake (1–7)")),
            Column("closure_level", "integer", _("need at closure (1–7)")),
            Column("change", "integer", _("change (intake minus closure)")),
            Column("improved", "boolean", _("need lower at closure")),
        ),
        _fact(
            "survey",
            _("Satisfaction survey"),
            _("One row per anonymous answer and aspect."),
            *_unit_columns(team=False),
            Column("period", "date", _("month of the answer")),
            Column("aspect", "text", _("aspect")),
            Column("answer", "integer", _("answer (1 = disagree … 5 = agree)")),
            Column("agrees", "boolean", _("agrees (4 or 5)")),
            unit_types=("whole", "funder", "provider", "service_type"),
        ),
        _fact(
            "staff",
            _("Staff"),
            _("One row per membership of a provider's staff."),
            Column("membership_id", "integer", _("membership")),
            Column("provider_id", "integer", _("provider")),
            Column("team_id", "integer", _("team")),
            Column("role", "text", _("role")),
            Column("valid_from", "date", _("valid from")),
            Column("stock_end", "date", _("valid until, or far future")),
            Column("full_time_equivalent", "number", _("full-time equivalent")),
            Column("qualification", "text", _("qualification")),
            Column(
                "professionally_qualified",
                "boolean",
                _("degree in social work, social pedagogy or similar"),
            ),
            unit_types=("whole", "provider", "team"),
        ),
        _fact(
            "complaints",
            _("Complaints"),
            _("One row per complaint (from complaint management)."),
            Column("complaint_id", "integer", _("complaint")),
            *_unit_columns(),
            Column("received_on", "date", _("received on")),
            Column("answer_due_on", "date", _("answer due on")),
            Column("answered_on", "date", _("answered on")),
            Column("answered_on_time", "boolean", _("answered by the due date")),
            Column("source", "text", _("from")),
        ),
        _fact(
            "deviations",
            _("Deviations"),
            _("One row per deviation in the register."),
            Column("deviation_id", "integer", _("deviation")),
            *_unit_columns(),
            Column("detected_on", "date", _("detected on")),
            Column("due_on", "date", _("due on")),
            Column("closed_on", "date", _("closed on")),
            Column("closed_on_time", "boolean", _("closed by the due date")),
            Column("source", "text", _("source")),
            Column("severity", "text", _("severity")),
        ),
    )
}
