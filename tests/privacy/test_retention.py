"""Retention: closed cases past the period are anonymised (or erased), nothing else."""

import io
import os
import subprocess
import sys
from datetime import date

import pytest
from django.utils import timezone

from dialoq import cli
from dialoq.cases import retention
from dialoq.cases.models import (
    AccessAction,
    AccessLogEntry,
    Beneficiary,
    BeneficiaryIdentity,
    Case,
    CaseEvent,
    CaseEventKind,
    Contact,
    Goal,
    GoalRating,
    HelpPlan,
    NeedRating,
    Review,
)
from dialoq.feedback.actions import (
    do_create_goal_rating_invitation,
    do_create_survey_invitation,
)
from tests import factories
from tests.privacy.builders import document, set_identity

TODAY = date(2026, 11, 23)  # three years back: 2023-11-23


@pytest.fixture
def cases(world):
    """Cases around the cutoff, each documented, each beneficiary with identity."""
    people = world.people

    def closed(ended_on, **fields):
        case = factories.make_case(
            world.funder,
            world.provider_a,
            status="closed",
            started_on=date(2020, 1, 1),
            ended_on=ended_on,
            closure_reason="planned",
            **fields,
        )
        document(case, staff=people.provider_a)
        return case

    built = {
        "expired": closed(date(2023, 1, 10)),
        "day_before_cutoff": closed(date(2023, 11, 22)),
        "on_cutoff": closed(date(2023, 11, 23)),
        "recent": closed(date(2025, 6, 1)),
        "open": world.case_a,
    }
    document(world.case_a, staff=people.provider_a)
    # A person whose old case expired but who has help again: identity stays.
    returning = closed(date(2022, 5, 1))
    factories.make_case(
        world.funder, world.provider_b, beneficiary=returning.beneficiary
    )
    built["returning"] = returning
    for case in built.values():
        set_identity(case.beneficiary)
        Beneficiary.objects.filter(pk=case.beneficiary_id).update(birth_year=2012)
    return built


def _run(**options):
    out = io.StringIO()
    counts = retention.run_retention(out=out, today=TODAY, **options)
    return counts, out.getvalue()


def _texts(case):
    goals = Goal.objects.filter(help_plan__case=case).order_by("pk")
    return [
        (goal.title, goal.level_minus_2, goal.level_0, goal.level_plus_2, goal.measures)
        for goal in goals
    ]


def _snapshot(case):
    return (
        _texts(case),
        list(HelpPlan.objects.filter(case=case).values_list("participants", flat=True)),
        Case.objects.filter(pk=case.pk).values_list("anonymised_at", flat=True).get(),
        BeneficiaryIdentity.objects.filter(beneficiary=case.beneficiary_id).exists(),
    )


def test_anonymises_exactly_the_expired_closed_cases(cases):
    """Only closed cases ended before the cutoff change; the rest stay as they were."""
    untouched = ("on_cutoff", "recent", "open")
    before = {name: _snapshot(cases[name]) for name in untouched}
    counts, output = _run()
    assert counts["cases"] == 3
    assert "Anonymised 3 cases" in output
    for name in untouched:
        assert _snapshot(cases[name]) == before[name], name
    for name in ("expired", "day_before_cutoff", "returning"):
        case = Case.objects.get(pk=cases[name].pk)
        assert case.anonymised_at is not None, name
        assert _texts(case) == [
            ("***", "***", "***", "", "***"),
            ("***", "", "", "", ""),
        ]
        assert list(case.help_plans.values_list("participants", flat=True)) == [""]


def test_keeps_what_statistics_need(cases):
    """Case-mix, ratings, needs, contacts with their staff and dates stay."""
    case = cases["expired"]
    _run()
    case.refresh_from_db()
    assert (case.age_band, case.household_type, case.closure_reason) == (
        "6-11",
        "single_parent",
        "planned",
    )
    assert GoalRating.objects.filter(review__case=case).count() == 5
    assert NeedRating.objects.filter(assessment__case=case).count() == 1
    contact = Contact.objects.get(case=case)
    assert contact.staff == cases["open"].caseworker


def test_identity_goes_unless_the_person_has_a_live_case(cases):
    """Identity and year of birth are deleted, except for a person still in help."""
    _run()
    for name in ("expired", "day_before_cutoff"):
        beneficiary = Beneficiary.objects.get(pk=cases[name].beneficiary_id)
        assert not BeneficiaryIdentity.objects.filter(beneficiary=beneficiary).exists()
        assert beneficiary.birth_year is None
    returning = Beneficiary.objects.get(pk=cases["returning"].beneficiary_id)
    assert BeneficiaryIdentity.objects.filter(beneficiary=returning).exists()
    assert returning.birth_year == 2012


def test_each_anonymisation_is_logged_and_in_the_history(cases):
    """ANONYMISE entries by system:retention and ANONYMISED events, one per case."""
    _run()
    entries = AccessLogEntry.objects.filter(action=AccessAction.ANONYMISE)
    assert sorted(entry.case_id for entry in entries) == sorted(
        cases[name].pk for name in ("expired", "day_before_cutoff", "returning")
    )
    assert {(entry.username, entry.user_id) for entry in entries} == {
        ("system:retention", None)
    }
    events = CaseEvent.objects.filter(kind=CaseEventKind.ANONYMISED)
    assert events.count() == 3
    assert {event.actor_id for event in events} == {None}


def test_running_again_changes_nothing(cases):
    """The job is idempotent: a second run finds nothing and logs nothing."""
    _run()
    logged = AccessLogEntry.objects.count()
    stamps = list(Case.objects.order_by("pk").values_list("anonymised_at", flat=True))
    counts, output = _run()
    assert counts["cases"] == 0
    assert "Anonymised 0 cases" in output
    assert AccessLogEntry.objects.count() == logged
    assert list(
        Case.objects.order_by("pk").values_list("anonymised_at", flat=True)
    ) == (stamps)


def test_dry_run_reports_and_changes_nothing(cases):
    """A dry run names the count and the cutoff, and leaves everything as it is."""
    before = {name: _snapshot(case) for name, case in cases.items()}
    counts, output = _run(dry_run=True)
    assert counts["cases"] == 3
    assert "before 2023-11-23 (3 years)" in output
    assert "Dry run: would anonymise 3 cases" in output
    assert {name: _snapshot(case) for name, case in cases.items()} == before
    assert not AccessLogEntry.objects.exists()


def test_large_runs_report_progress(cases):
    """Work goes in batches, each reported as progress."""
    _counts, output = _run(batch_size=2)
    assert "  2/3 cases" in output
    assert "  3/3 cases" in output


def test_period_comes_from_the_setting(cases, settings):
    """With four years, only the case ended before 2022-11-23 goes."""
    settings.RETENTION_YEARS = 4
    counts, _output = _run()
    assert counts["cases"] == 1  # "returning", ended 2022-05-01
    assert Case.objects.get(pk=cases["returning"].pk).anonymised_at is not None


def test_closed_cases_without_end_date_are_reported(cases):
    """A closed case lacking its end date cannot be judged: the job says so."""
    Case.objects.filter(pk=cases["recent"].pk).update(ended_on=None)
    _counts, output = _run(dry_run=True)
    assert "1 closed cases have no end date" in output


def test_erase_mode_deletes_expired_cases_and_keeps_the_log(cases, settings):
    """Erasure deletes case and records; the log keeps number and organisations."""
    settings.RETENTION_MODE = "erase"
    expired = cases["expired"]
    reference, beneficiary_id = expired.reference, expired.beneficiary_id
    # Links handed out to the beneficiary go with the case.
    do_create_survey_invitation(expired, None)
    do_create_goal_rating_invitation(Review.objects.get(case=expired), None)
    returning = cases["returning"]
    counts, output = _run()
    assert counts["cases"] == 3
    assert "Erased 3 cases" in output
    assert not Case.objects.filter(
        pk__in=[expired.pk, cases["day_before_cutoff"].pk, returning.pk]
    ).exists()
    assert not Goal.objects.filter(help_plan__case_id=expired.pk).exists()
    assert not Beneficiary.objects.filter(pk=beneficiary_id).exists()
    assert not BeneficiaryIdentity.objects.filter(
        beneficiary_id=beneficiary_id
    ).exists()
    # The returning person keeps their identity with their open case.
    assert BeneficiaryIdentity.objects.filter(
        beneficiary_id=returning.beneficiary_id
    ).exists()
    entry = AccessLogEntry.objects.get(
        action=AccessAction.ERASE, case_reference=reference
    )
    assert (entry.case_id, entry.username, entry.funder_id, entry.provider_id) == (
        None,
        "system:retention",
        expired.funder_id,
        expired.provider_id,
    )
    for name in ("on_cutoff", "recent", "open"):
        assert Case.objects.filter(pk=cases[name].pk).exists()
    assert _run()[0]["cases"] == 0


def test_erase_mode_also_erases_cases_anonymised_before(cases, settings):
    """Switching from anonymise to erase deletes the cases anonymised earlier."""
    _run()
    settings.RETENTION_MODE = "erase"
    counts, _output = _run()
    assert counts["cases"] == 3
    assert Case.objects.filter(anonymised_at__isnull=False).count() == 0


def test_command_runs_the_job(world, capsys):
    """`dialoq retention` uses today's date and prints what it did."""
    today = timezone.localdate()
    old = factories.make_case(
        world.funder,
        world.provider_a,
        status="closed",
        started_on=date(2019, 1, 1),
        ended_on=today.replace(year=today.year - 4),
    )
    assert cli.main(["retention", "--dry-run"]) == 0
    assert "would anonymise 1 cases" in capsys.readouterr().out
    assert Case.objects.get(pk=old.pk).anonymised_at is None
    assert cli.main(["retention"]) == 0
    assert "Anonymised 1 cases" in capsys.readouterr().out
    assert Case.objects.get(pk=old.pk).anonymised_at is not None


def test_help_lists_export_and_retention(capsys):
    """`dialoq --help` names the new commands."""
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    output = capsys.readouterr().out
    assert "export" in output
    assert "retention" in output


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DIALOQ_RETENTION_MODE", "shred", "must be anonymise or erase"),
        ("DIALOQ_RETENTION_YEARS", "0", "must be at least 1"),
        ("DIALOQ_RETENTION_YEARS", "three", "is not an integer"),
    ],
)
def test_bad_retention_settings_stop_the_start(variable, value, message):
    """A misspelt mode or an impossible period refuses to start, naming the variable."""
    env = {**os.environ, variable: value}
    result = subprocess.run(
        [sys.executable, "-c", "import dialoq.settings"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert variable in result.stderr
    assert message in result.stderr
