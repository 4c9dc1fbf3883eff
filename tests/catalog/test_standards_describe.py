"""Rules in plain words: each kind, durations, contact kinds and scope."""

import pytest
from django.utils import translation

from dialoq.catalog.standards import Duration, parse_rule
from dialoq.catalog.standards.describe import (
    describe_duration,
    describe_interval,
    describe_rule,
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("duration", "words"),
    [
        (Duration(1, "days"), "1 day"),
        (Duration(14, "days"), "14 days"),
        (Duration(1, "working_days"), "1 working day"),
        (Duration(10, "working_days"), "10 working days"),
        (Duration(1, "weeks"), "1 week"),
        (Duration(6, "weeks"), "6 weeks"),
        (Duration(1, "months"), "1 month"),
        (Duration(24, "months"), "24 months"),
        (Duration(3000, "days"), "3,000 days"),
    ],
)
def test_durations_in_words(duration, words):
    assert describe_duration(duration) == words


def test_intervals_in_words_use_the_singular_without_a_number():
    assert describe_interval(Duration(1, "months")) == "every month"
    assert describe_interval(Duration(2, "weeks")) == "every 2 weeks"
    assert describe_interval(Duration(3, "working_days")) == "every 3 working days"


def test_the_first_contact_deadline_in_words():
    rule = parse_rule(
        {
            "kind": "deadline",
            "anchor": "referral",
            "event": "contact",
            "within": "10 working days",
        }
    )
    assert describe_rule(rule) == (
        "The first contact takes place at the latest 10 working days after the "
        "referral."
    )


@pytest.mark.parametrize(
    ("event", "words"),
    [
        (
            "help_plan",
            "The first help plan is agreed at the latest 6 weeks after "
            "the start of the help.",
        ),
        (
            "progress_report",
            "The first progress report is submitted at the latest "
            "6 weeks after the start of the help.",
        ),
        (
            "closure",
            "The end of the help comes at the latest 6 weeks after the "
            "start of the help.",
        ),
        (
            "needs_assessment",
            "The first needs assessment takes place at the latest "
            "6 weeks after the start of the help.",
        ),
    ],
)
def test_deadlines_are_worded_for_their_event(event, words):
    rule = parse_rule(
        {
            "kind": "deadline",
            "anchor": "help_start",
            "event": event,
            "within": "6 weeks",
        }
    )
    assert describe_rule(rule) == words


def test_an_interval_with_contact_kinds_and_a_scope_in_words():
    rule = parse_rule(
        {
            "kind": "max_interval",
            "event": "contact",
            "every": "2 weeks",
            "contact_kinds": ["face_to_face", "home_visit"],
            "scope": {"service_types": ["hze-31-spfh"], "code_books": ["SGB VIII"]},
        }
    )
    words = describe_rule(rule, {"hze-31-spfh": "§ 31 SGB VIII SPFH"})
    assert words == (
        "A contact takes place at least every 2 weeks, counted from the start of "
        "the help. Only contacts of these kinds count: face to face or home visit. "
        "Applies only to cases of the service type § 31 SGB VIII SPFH and the code "
        "book SGB VIII."
    )


def test_service_types_are_named_from_the_database(db):
    from tests.factories import make_service_type

    make_service_type(key="hze-31-spfh", name="Familienhilfe")
    rule = parse_rule(
        {
            "kind": "max_interval",
            "event": "review",
            "every": "6 months",
            "anchor": "referral",
            "scope": {"service_types": ["hze-31-spfh", "gone"]},
        }
    )
    assert describe_rule(rule) == (
        "A review takes place at least every 6 months, counted from the referral. "
        "Applies only to cases of the service types § 31 SGB VIII Familienhilfe or "
        "gone."
    )


def test_preconditions_in_words():
    report = parse_rule(
        {
            "kind": "precondition",
            "event": "review_due",
            "requires": "progress_report",
            "before": "14 days",
        }
    )
    assert describe_rule(report) == (
        "A progress report is submitted at least 14 days before each scheduled "
        "review date (and after the one before)."
    )
    assessment = parse_rule(
        {
            "kind": "precondition",
            "event": "help_plan",
            "requires": "needs_assessment",
            "before": "1 week",
            "scope": {"code_books": ["SGB II", "SGB IX"]},
        }
    )
    assert describe_rule(assessment) == (
        "A needs assessment takes place at least 1 week before each help plan (and "
        "after the one before). Applies only to cases of the code books SGB II or "
        "SGB IX."
    )


def test_participation_in_words():
    rule = parse_rule(
        {"kind": "participation", "event": "help_plan", "participant": "beneficiary"}
    )
    assert describe_rule(rule) == "The beneficiary takes part in each help plan."


def test_every_built_in_standard_has_words_in_both_languages():
    from dialoq.catalog.standards.catalogue import load_catalogue

    for entry in load_catalogue().standards:
        for language in ("en", "de"):
            with translation.override(language):
                words = describe_rule(entry.parsed, {})
            assert words.endswith(".")
            assert "%(" not in words
