"""Computations: the screen with its progress, one run at a time, safe failures."""

import logging
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dialoq.accounts.roles import Role
from dialoq.measures import engine, tasks
from dialoq.measures.models import ComputeRun, Result, RunStatus
from tests import factories

from .runs_data import close_cases, make_only_indicator

RUNS = reverse("measures:runs")
HTMX = {"HX-Request": "true"}
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def immediate_tasks(settings):
    """Run tasks at once in the test's process, so their outcome can be checked."""
    settings.TASKS = IMMEDIATE


@pytest.fixture
def qm_officer(world):
    # A name that cannot occur by chance in a token or a nonce of the page.
    return factories.make_user(
        "qm_requester", role=Role.QM_OFFICER, organisation=world.funder
    )


@pytest.fixture
def english(client_for, verified_client_for):
    """Return a function giving a signed-in client that asks for English pages."""

    def sign_in(user, *, verified=False):
        client = (verified_client_for if verified else client_for)(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return sign_in


def _running(**fields):
    defaults = {"status": RunStatus.RUNNING, "started_at": timezone.now()}
    return ComputeRun.objects.create(**{**defaults, **fields})


# --- who sees and starts computations ----------------------------------------


def test_funder_member_sees_the_runs_but_cannot_start_one(world, english):
    """A funder's case manager sees recent runs, without a "Compute now" button."""
    _running(steps_done=3, steps_total=12)
    response = english(world.people.funder).get(RUNS)
    assert response.status_code == 200
    assert "Recent computations" in response.text
    assert "Compute now" not in response.text
    assert "25 % (3 of 12 steps)" in response.text


def test_provider_member_sees_the_runs(world, english, client_for):
    """A provider's caseworker sees the finished runs, numbers in the page's locale."""
    ComputeRun.objects.create(
        status=RunStatus.DONE,
        started_at=timezone.now(),
        finished_at=timezone.now(),
        steps_done=4,
        steps_total=4,
        results_written=1234,
    )
    response = english(world.people.provider_a).get(RUNS)
    assert response.status_code == 200
    assert "Done" in response.text
    assert "1,234" in response.text
    assert "Compute now" not in response.text
    assert "1.234" in client_for(world.people.provider_a).get(RUNS).text


def test_member_without_aggregates_is_refused(world, english):
    """A committee viewer (published reports only) gets 403, and so does a POST."""
    viewer = factories.make_user(
        "committee", role=Role.COMMITTEE_VIEWER, organisation=world.funder
    )
    client = english(viewer)
    assert client.get(RUNS).status_code == 403
    assert client.post(RUNS).status_code == 403
    assert not ComputeRun.objects.exists()


def test_outsider_sees_no_names_from_other_organisations(world, english, qm_officer):
    """Only colleagues of the requester see their name; others see who it was not."""
    ComputeRun.objects.create(requested_by=qm_officer, status=RunStatus.DONE)
    colleague = english(world.people.funder).get(RUNS)
    assert str(qm_officer) in colleague.text
    outsider = english(world.people.outsider).get(RUNS)
    assert outsider.status_code == 200
    assert str(qm_officer) not in outsider.text
    assert "Someone in another organisation" in outsider.text


def test_caseworker_cannot_start_a_computation(world, english):
    """Documenting cases does not allow starting a computation."""
    response = english(world.people.provider_a).post(RUNS)
    assert response.status_code == 403
    assert not ComputeRun.objects.exists()


def test_qm_officer_starts_a_computation(world, english, qm_officer, immediate_tasks):
    """ "Compute now" queues a run; the task computes and records the outcome."""
    make_only_indicator()
    close_cases(world)
    client = english(qm_officer, verified=True)
    page = client.get(RUNS)
    assert "Compute now" in page.text
    response = client.post(RUNS, follow=True)
    assert response.redirect_chain == [(RUNS, 302)]
    assert "The computation was queued." in response.text
    run = ComputeRun.objects.get()
    assert run.requested_by == qm_officer
    assert run.status == RunStatus.DONE, run.error
    assert run.results_written == Result.objects.count() > 0
    assert run.steps_done == run.steps_total > 0
    assert run.data_until == engine.default_data_until()


def test_compute_now_needs_a_post(world, english, qm_officer):
    """Opening the page never starts a computation."""
    english(qm_officer, verified=True).get(RUNS)
    assert not ComputeRun.objects.exists()


# --- one run at a time ---------------------------------------------------------


def test_second_request_shows_the_running_one(world, english, qm_officer):
    """While a run is under way, "Compute now" starts nothing and says so."""
    running = _running(steps_done=1, steps_total=5)
    client = english(qm_officer, verified=True)
    assert "Compute now" not in client.get(RUNS).text
    response = client.post(RUNS, follow=True)
    assert "A computation is already under way" in response.text
    assert list(ComputeRun.objects.all()) == [running]


def test_queued_run_is_not_duplicated(world, qm_officer):
    """A queued run counts as under way: a second request returns it."""
    first, created = tasks.request_run(user=qm_officer)
    second, created_again = tasks.request_run(user=qm_officer)
    assert created and not created_again
    assert second == first
    assert ComputeRun.objects.count() == 1


def test_stale_run_is_given_up_and_started_anew(world, english, qm_officer, settings):
    """A run without end after the stale time is marked failed; a new one starts."""
    settings.COMPUTE_RUN_STALE_MINUTES = 30
    stale = _running(started_at=timezone.now() - timedelta(minutes=31))
    client = english(qm_officer, verified=True)
    page = client.get(RUNS)
    assert "No progress for 30 minutes" in page.text
    assert "Compute now" in page.text
    client.post(RUNS)
    stale.refresh_from_db()
    assert stale.status == RunStatus.FAILED
    assert "30" in stale.error
    newest = ComputeRun.objects.first()
    assert newest != stale
    assert newest.status == RunStatus.QUEUED


def test_recent_run_is_not_stale(settings):
    """A run is stale only after the configured minutes."""
    settings.COMPUTE_RUN_STALE_MINUTES = 30
    now = timezone.now()
    run = ComputeRun(status=RunStatus.RUNNING, started_at=now - timedelta(minutes=29))
    assert not tasks.is_stale(run, now)
    run.started_at = now - timedelta(minutes=31)
    assert tasks.is_stale(run, now)
    run.status = RunStatus.DONE
    assert not tasks.is_stale(run, now)


def test_a_long_run_that_still_reports_progress_is_not_stale(settings):
    """Staleness counts from the last progress report, not from the start."""
    settings.COMPUTE_RUN_STALE_MINUTES = 30
    now = timezone.now()
    run = ComputeRun(
        status=RunStatus.RUNNING,
        started_at=now - timedelta(minutes=200),
        progress_at=now - timedelta(minutes=5),
    )
    assert not tasks.is_stale(run, now)
    run.progress_at = now - timedelta(minutes=31)
    assert tasks.is_stale(run, now)


def test_task_skips_a_run_that_is_no_longer_queued(world, immediate_tasks):
    """A run given up before the worker came to it is not computed any more."""
    run = ComputeRun.objects.create(status=RunStatus.FAILED, error="given up")
    result = tasks.compute_results.enqueue(run.pk)
    assert result.return_value == "skipped"
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.started_at is None


# --- progress -------------------------------------------------------------------


def test_page_polls_while_a_run_is_under_way(world, english):
    """The page asks for its runs part every 2 s while a run is under way."""
    _running(steps_done=2, steps_total=8, current_step="Fälle")
    client = english(world.people.funder)
    page = client.get(RUNS)
    assert 'hx-trigger="every 2s"' in page.text
    assert '<progress id="active-run-progress" max="100" value="25">' in page.text
    assert "Current step: Fälle" in page.text
    part = client.get(RUNS, headers=HTMX)
    assert part.status_code == 200
    assert "<html" not in part.text
    assert "2 of 8 steps" in part.text


def test_polling_stops_when_the_run_is_over(world, english):
    """With no run under way, htmx is told to stop polling (status 286)."""
    ComputeRun.objects.create(status=RunStatus.DONE, steps_done=3, steps_total=3)
    client = english(world.people.funder)
    page = client.get(RUNS)
    assert page.status_code == 200
    assert "hx-trigger" not in page.text
    part = client.get(RUNS, headers=HTMX)
    assert part.status_code == 286
    assert "Recent computations" in part.text


def test_progress_is_recorded_while_computing(world, monkeypatch):
    """Each step's progress reaches the database while the engine works."""
    make_only_indicator()
    close_cases(world)
    seen = []
    real_compute = engine.compute

    def observed_compute(*, progress, **arguments):
        def watch(done, total, text):
            progress(done, total, text)
            stored = ComputeRun.objects.get(pk=run.pk)
            seen.append((stored.steps_done, stored.steps_total))

        return real_compute(progress=watch, **arguments)

    monkeypatch.setattr(engine, "compute", observed_compute)
    run, created = tasks.request_run()
    assert created
    tasks.perform_run(run)
    run.refresh_from_db()
    assert seen[0] == (0, run.steps_total)
    assert seen[-1] == (run.steps_total, run.steps_total)
    assert run.status == RunStatus.DONE
    assert run.current_step == ""
    assert run.started_at <= run.progress_at <= run.finished_at


def test_page_query_count_does_not_grow_with_runs(world, english):
    """The page loads its runs and requesters in a fixed number of queries."""
    client = english(world.people.provider_b)

    def queries_with_runs(count):
        for _number in range(count):
            requester = factories.make_user(
                role=Role.QM_OFFICER, organisation=world.provider_b
            )
            ComputeRun.objects.create(requested_by=requester, status=RunStatus.DONE)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(RUNS)
        assert response.status_code == 200
        return len(captured)

    assert queries_with_runs(1) == queries_with_runs(14)
    assert ComputeRun.objects.count() == 15


# --- failures -------------------------------------------------------------------


def test_bad_definition_fails_with_its_message(world):
    """An indicator whose definition cannot be read fails the run with why."""
    make_only_indicator(spec={"fact": "cases", "kind": "sum"})
    run, _created = tasks.request_run()
    tasks.perform_run(run)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "kind" in run.error
    assert run.finished_at is not None


def test_unexpected_error_keeps_data_out_of_the_message(world, monkeypatch, caplog):
    """An unexpected error is recorded safely; the traceback goes to the log only."""

    def failing_compute(*, progress, **arguments):
        progress(0, 3, "Fälle")
        raise ValueError("Beneficiary LB-SECRET-0001 has no birth date")

    monkeypatch.setattr(engine, "compute", failing_compute)
    run, _created = tasks.request_run()
    with caplog.at_level(logging.ERROR, logger="dialoq.measures.tasks"):
        tasks.perform_run(run)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "ValueError" in run.error
    assert "Fälle" in run.error
    assert "LB-SECRET" not in run.error
    assert "LB-SECRET" in caplog.text  # the full traceback, for the operator
    assert tasks.active_run() is None


def test_failed_run_is_shown_with_its_message(world, english):
    """The screen shows a failed run's safe message."""
    ComputeRun.objects.create(
        status=RunStatus.FAILED, error="Unexpected error (ValueError)."
    )
    response = english(world.people.funder).get(RUNS)
    assert "Failed" in response.text
    assert "Unexpected error (ValueError)." in response.text
