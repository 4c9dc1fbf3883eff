"""The rule language: every kind, every error path, durations, scope, TOML text."""

import pytest
from django.utils import translation

from dialoq.catalog.standards import (
    Duration,
    Rule,
    RuleError,
    Scope,
    check_scope,
    parse_duration,
    parse_rule,
)
from dialoq.catalog.standards.rule_text import rule_as_toml, rule_from_toml


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _error(rule) -> RuleError:
    with pytest.raises(RuleError) as caught:
        parse_rule(rule)
    return caught.value


# --- each kind ----------------------------------------------------------------------


def test_deadline_is_parsed_with_its_anchor_event_and_duration():
    rule = parse_rule(
        {
            "kind": "deadline",
            "anchor": "referral",
            "event": "contact",
            "within": "10 working days",
        }
    )
    assert rule == Rule(
        "deadline", "contact", anchor="referral", duration=Duration(10, "working_days")
    )
    assert rule.scope == Scope()


def test_max_interval_defaults_its_anchor_to_help_start():
    rule = parse_rule({"kind": "max_interval", "event": "review", "every": "6 months"})
    assert rule.anchor == "help_start"
    assert rule.duration == Duration(6, "months")


def test_precondition_names_the_required_event():
    rule = parse_rule(
        {
            "kind": "precondition",
            "event": "review_due",
            "requires": "progress_report",
            "before": "14 days",
        }
    )
    assert (rule.event, rule.requires, rule.duration) == (
        "review_due",
        "progress_report",
        Duration(14, "days"),
    )


def test_participation_needs_no_duration():
    rule = parse_rule(
        {"kind": "participation", "event": "help_plan", "participant": "beneficiary"}
    )
    assert rule.participant == "beneficiary"
    assert rule.duration is None


def test_contact_kinds_and_scope_are_kept_without_duplicates():
    rule = parse_rule(
        {
            "kind": "max_interval",
            "event": "contact",
            "every": "2 weeks",
            "contact_kinds": ["home_visit", "face_to_face", "home_visit"],
            "scope": {"service_types": ["hze-31-spfh"], "code_books": ["SGB VIII"]},
        }
    )
    assert rule.contact_kinds == ("home_visit", "face_to_face")
    assert rule.scope == Scope(("hze-31-spfh",), ("SGB VIII",))


# --- durations ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10 working days", Duration(10, "working_days")),
        ("10 Arbeitstage", Duration(10, "working_days")),
        ("1 Arbeitstag", Duration(1, "working_days")),
        ("6 Monate", Duration(6, "months")),
        ("1 month", Duration(1, "months")),
        ("  4  Wochen ", Duration(4, "weeks")),
        ("14 Tage", Duration(14, "days")),
        ("3 Kalendertage", Duration(3, "days")),
        ("2 WEEKS", Duration(2, "weeks")),
    ],
)
def test_durations_are_read_in_english_and_german(text, expected):
    assert parse_duration(text, "within") == expected


@pytest.mark.parametrize(
    "text", ["ten days", "10", "10 fortnights", "-3 days", "1.5 weeks", "days 10", ""]
)
def test_a_text_that_is_no_duration_is_refused_naming_the_units(text):
    with pytest.raises(RuleError) as caught:
        parse_duration(text, "every")
    assert caught.value.field == "every"
    assert "is not a duration" in caught.value.message
    assert "working days" in caught.value.message


def test_a_duration_that_is_no_text_is_refused():
    with pytest.raises(RuleError) as caught:
        parse_duration(10, "within")
    assert caught.value.message.startswith("Write the duration as text")


def test_a_zero_duration_is_refused():
    with pytest.raises(RuleError, match="at least 1"):
        parse_duration("0 days", "before")


def test_a_duration_above_ten_years_is_refused():
    assert parse_duration("120 months", "every") == Duration(120, "months")
    with pytest.raises(RuleError, match="at most ten years"):
        parse_duration("121 months", "every")
    with pytest.raises(RuleError, match="at most ten years"):
        parse_duration("3000 working days", "every")


def test_approximate_days_per_unit():
    assert Duration(10, "working_days").approximate_days() == 14
    assert Duration(2, "weeks").approximate_days() == 14
    assert Duration(6, "months").approximate_days() == 182
    assert Duration(5, "days").approximate_days() == 5


# --- errors -------------------------------------------------------------------------


def test_a_rule_that_is_no_table_is_refused():
    error = _error(["deadline"])
    assert (error.field, error.message) == ("rule", "A rule is a table of named parts.")


@pytest.mark.parametrize("kind", [None, "timer", "Deadline"])
def test_an_unknown_kind_lists_the_kinds(kind):
    error = _error({"kind": kind, "event": "contact"})
    assert error.field == "kind"
    assert "deadline, max_interval, precondition, participation" in error.message


def test_a_field_of_another_kind_is_named():
    error = _error(
        {
            "kind": "participation",
            "event": "help_plan",
            "participant": "beneficiary",
            "within": "3 days",
        }
    )
    assert error.field == "within"
    assert error.message == "“within” is not part of a rule of this kind."


def test_an_unknown_field_is_named():
    error = _error(
        {
            "kind": "deadline",
            "anchor": "referral",
            "event": "contact",
            "within": "3 days",
            "reminder": "yes",
        }
    )
    assert error.field == "reminder"


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"kind": "deadline", "event": "contact", "within": "3 days"}, "anchor"),
        ({"kind": "deadline", "anchor": "referral", "within": "3 days"}, "event"),
        ({"kind": "max_interval", "every": "3 days"}, "event"),
        ({"kind": "precondition", "event": "review", "before": "3 days"}, "requires"),
        ({"kind": "participation", "event": "help_plan"}, "participant"),
    ],
)
def test_a_missing_part_is_named(rule, field):
    error = _error(rule)
    assert error.field == field
    assert error.message == f"This kind of rule needs “{field}”."


@pytest.mark.parametrize(
    ("rule", "field", "value"),
    [
        (
            {
                "kind": "deadline",
                "anchor": "closure",
                "event": "contact",
                "within": "3 days",
            },
            "anchor",
            "closure",
        ),
        (
            {
                "kind": "deadline",
                "anchor": "referral",
                "event": "review_due",
                "within": "3 days",
            },
            "event",
            "review_due",
        ),
        (
            {
                "kind": "deadline",
                "anchor": "referral",
                "event": "phone_call",
                "within": "3 days",
            },
            "event",
            "phone_call",
        ),
        (
            {"kind": "max_interval", "event": "closure", "every": "3 days"},
            "event",
            "closure",
        ),
        (
            {
                "kind": "max_interval",
                "event": "contact",
                "anchor": "help_plan",
                "every": "3 days",
            },
            "anchor",
            "help_plan",
        ),
        (
            {
                "kind": "precondition",
                "event": "contact",
                "requires": "progress_report",
                "before": "3 days",
            },
            "event",
            "contact",
        ),
        (
            {
                "kind": "precondition",
                "event": "review",
                "requires": "review",
                "before": "3 days",
            },
            "requires",
            "review",
        ),
        (
            {"kind": "participation", "event": "review", "participant": "beneficiary"},
            "event",
            "review",
        ),
        (
            {"kind": "participation", "event": "help_plan", "participant": "provider"},
            "participant",
            "provider",
        ),
    ],
)
def test_an_event_that_cannot_be_used_there_lists_the_possible_ones(rule, field, value):
    error = _error(rule)
    assert error.field == field
    assert error.message.startswith(f"“{value}” cannot be used here. Possible:")


def test_a_deadline_needs_an_event_other_than_its_anchor():
    error = _error(
        {
            "kind": "deadline",
            "anchor": "help_start",
            "event": "help_start",
            "within": "3 days",
        }
    )
    assert (error.field, error.message) == (
        "event",
        "The event must differ from the anchor.",
    )


def test_a_bad_duration_is_reported_at_its_field():
    error = _error({"kind": "max_interval", "event": "review", "every": "often"})
    assert error.field == "every"
    error = _error({"kind": "deadline", "anchor": "referral", "event": "contact"})
    assert error.field == "within"


def test_contact_kinds_only_apply_to_rules_on_contacts():
    error = _error(
        {
            "kind": "max_interval",
            "event": "review",
            "every": "6 months",
            "contact_kinds": ["phone"],
        }
    )
    assert (error.field, error.message) == (
        "contact_kinds",
        "Contact kinds only apply to rules on contacts.",
    )


def test_an_unknown_contact_kind_is_named():
    error = _error(
        {
            "kind": "max_interval",
            "event": "contact",
            "every": "4 weeks",
            "contact_kinds": ["letter"],
        }
    )
    assert error.field == "contact_kinds"
    assert error.message.startswith("Unknown: letter. Possible: face_to_face")


@pytest.mark.parametrize(
    "scope",
    [
        {"teams": ["a"]},
        ["SGB VIII"],
        {"code_books": "SGB VIII"},
        {"service_types": [1, 2]},
        {"code_books": ["SGB 8"]},
    ],
)
def test_a_bad_scope_is_refused_at_the_scope(scope):
    error = _error(
        {"kind": "max_interval", "event": "review", "every": "6 months", "scope": scope}
    )
    assert error.field == "scope"


def test_check_scope_names_unknown_service_types(db):
    from tests.factories import make_service_type

    make_service_type(key="hze-31-spfh")
    rule = parse_rule(
        {
            "kind": "max_interval",
            "event": "review",
            "every": "6 months",
            "scope": {"service_types": ["hze-31-spfh", "no-such-help"]},
        }
    )
    with pytest.raises(RuleError) as caught:
        check_scope(rule)
    assert (caught.value.field, caught.value.message) == (
        "scope",
        "Unknown service types: no-such-help.",
    )
    check_scope(
        parse_rule(
            {
                "kind": "max_interval",
                "event": "review",
                "every": "6 months",
                "scope": {"service_types": ["hze-31-spfh"]},
            }
        )
    )


# --- TOML text ---------------------------------------------------------------------


def test_rule_as_toml_reads_back_to_the_same_rule():
    rule = {
        "scope": {"code_books": ["SGB VIII"], "service_types": ["hze-31-spfh"]},
        "every": "2 weeks",
        "contact_kinds": ["face_to_face", "home_visit"],
        "event": "contact",
        "kind": "max_interval",
    }
    text = rule_as_toml(rule)
    assert text.splitlines()[0] == 'kind = "max_interval"'
    assert "[scope]" in text
    assert rule_from_toml(text) == rule


def test_rule_as_toml_escapes_quotes():
    rule = {"kind": 'dead"line', "event": "contact\\x"}
    assert rule_from_toml(rule_as_toml(rule)) == rule


def test_text_that_is_not_toml_gives_a_rule_error():
    with pytest.raises(RuleError) as caught:
        rule_from_toml('kind = "deadline\nevent = ')
    assert caught.value.field == "rule"
    assert caught.value.message.startswith("The rule is not valid TOML:")
