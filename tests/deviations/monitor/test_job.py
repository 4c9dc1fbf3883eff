"""Monitoring runs: progress, one at a time, stale runs, the command, the screen."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dialoq import cli
from dialoq.accounts.roles import Role
from dialoq.catalog.models import ProcessStandardVersion, VersionStatus
from dialoq.deviations.models import Deviation, MonitorRun, RunStatus
from dialoq.deviations.monitor import job
from tests import factories
from tests.deviations.factories import make_standard_version

RUNS = reverse("deviations:monitor")
HTMX = {"HX-Request": "true"}
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def standard(world):
    ProcessStandardVersion.objects.filter(status=VersionStatus.IN_FORCE).update(
        status=VersionStatus.RETIRED
    )
    return make_standard_version(
        "first-contact",
        rule={
            "kind": "deadline",
            "anchor": "referral",
            "event": "contact",
            "within": "10 working days",
        },
    )


@pytest.fixture
def qm_officer(world):
    return factories.make_user(
        "qm_monitor", role=Role.QM_OFFICER, organisation=world.funder
    )


def test_foreground_run_records_progress_and_outcome(standard):
    progress = []
    summary = job.monitor(
        date(2026, 3, 2), progress=lambda *step: progress.append(step)
    )
    total = 3 + 1 + len(job.FOLLOW_UPS)
    assert [done for done, _total, _text in progress] == list(range(total + 1))
    assert {step_total for _d, step_total, _t in progress} == {total}
    assert progress[1][2] == _("Checking “%(standard)s”") % {
        "standard": "Standard first-contact"
    }
    assert summary.cases == 2 and summary.standards == 1 and summary.opened == 2
    assert summary.skipped == []  # every detector of the app is installed


def test_monitor_command_runs_with_a_progress_line(standard, capsys):
    assert cli.main(["monitor", "--date", "2026-03-02"]) == 0
    out = capsys.readouterr().out
    with translation.override(settings.LANGUAGE_CODE):  # the command's language
        checking = _("Checking “%(standard)s”") % {"standard": "Standard first-contact"}
    assert f"(1/8) {checking}" in out
    run = MonitorRun.objects.get()
    assert run.status == RunStatus.DONE
    assert run.checked_on == date(2026, 3, 2)
    assert (run.cases_checked, run.deviations_opened) == (2, 2)
    assert run.steps_done == run.steps_total > 0
    assert cli.main(["monitor", "--date", "2026-03-02"]) == 0
    assert Deviation.objects.count() == 2


def test_monitor_command_refuses_a_bad_or_future_date(db, capsys):
    with pytest.raises(SystemExit):
        cli.main(["monitor", "--date", "2.3.2026"])
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert cli.main(["monitor", "--date", tomorrow.isoformat()]) == 2
    assert not MonitorRun.objects.exists()


def test_only_one_run_at_a_time_and_stale_runs_are_given_up(standard, settings):
    running = MonitorRun.objects.create(
        status=RunStatus.RUNNING, started_at=timezone.now(), progress_at=timezone.now()
    )
    run, created = job.monitor_in_foreground()
    assert (run, created) == (running, False)
    old = timezone.now() - timedelta(minutes=settings.MONITOR_RUN_STALE_MINUTES + 1)
    MonitorRun.objects.filter(pk=running.pk).update(progress_at=old)
    run, created = job.monitor_in_foreground(today=date(2026, 3, 2))
    assert created and run.status == RunStatus.DONE
    running.refresh_from_db()
    with translation.override(settings.LANGUAGE_CODE):
        stale = _(
            "No progress for %(minutes)s minutes: the worker probably stopped. "
            "A new run was started."
        ) % {"minutes": settings.MONITOR_RUN_STALE_MINUTES}
    assert running.status == RunStatus.FAILED and running.error == stale


def test_a_failing_run_keeps_data_out_of_its_error(standard, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("LB-TEST-0001 secret")

    monkeypatch.setattr(job.compliance, "store_compliance", broken)
    run, _created = job.monitor_in_foreground(today=date(2026, 3, 2))
    assert run.status == RunStatus.FAILED
    assert "RuntimeError" in run.error and "LB-TEST" not in run.error


def test_a_missing_detector_module_is_skipped_with_a_warning(standard, caplog):
    original = job.FOLLOW_UPS
    job.FOLLOW_UPS = (*original, ("dialoq.deviations.nowhere", "run", original[0][2]))
    try:
        summary = job.monitor(date(2026, 3, 2))
    finally:
        job.FOLLOW_UPS = original
    assert summary.skipped == [original[0][2]]
    assert "dialoq.deviations.nowhere" in caplog.text


# --- the screen ----------------------------------------------------------------


def test_qm_officer_starts_a_run_that_the_worker_carries_out(
    standard, qm_officer, verified_client_for, settings
):
    settings.TASKS = IMMEDIATE
    client = verified_client_for(qm_officer)
    response = client.post(RUNS)
    assert response.status_code == 302 and response.url == RUNS
    run = MonitorRun.objects.get()
    assert run.requested_by == qm_officer
    assert run.status == RunStatus.DONE, run.error
    assert run.deviations_opened == 2
    page = client.get(RUNS)
    assert page.status_code == 200
    assert "Check now" in page.text or "Jetzt prüfen" in page.text


def test_the_screen_polls_while_a_run_is_under_way(
    standard, qm_officer, verified_client_for
):
    MonitorRun.objects.create(
        status=RunStatus.RUNNING,
        started_at=timezone.now(),
        steps_done=2,
        steps_total=8,
    )
    client = verified_client_for(qm_officer)
    page = client.get(RUNS)
    assert 'hx-trigger="every 2s"' in page.text
    assert 'value="25"' in page.text
    part = client.get(RUNS, headers=HTMX)
    assert part.status_code == 200 and "<html" not in part.text
    MonitorRun.objects.update(status=RunStatus.DONE)
    assert client.get(RUNS, headers=HTMX).status_code == 286


@pytest.mark.parametrize("who", ["provider_a", "funder", "outsider"])
def test_caseworkers_case_managers_and_outsiders_get_nothing(
    world, client_for, who, settings
):
    settings.TASKS = IMMEDIATE
    client = client_for(getattr(world.people, who))
    assert client.get(RUNS).status_code == 403
    assert client.post(RUNS).status_code == 403
    assert not MonitorRun.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(db, client):
    response = client.get(RUNS)
    assert response.status_code == 302 and "sign-in" in response.url
