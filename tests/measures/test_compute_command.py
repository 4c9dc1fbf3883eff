"""`dialoq compute` and `dialoq worker`: foreground runs, argument checks, the queue."""

import io
import signal
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from dialoq import cli
from dialoq.accounts.roles import Role
from dialoq.measures import tasks
from dialoq.measures.models import ComputeRun, Result, RunStatus
from tests import factories

from .runs_data import close_cases, make_only_indicator

DATABASE_QUEUE = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}


@pytest.fixture
def indicator(world):
    close_cases(world)
    return make_only_indicator()


@pytest.fixture
def restored_signals():
    """Give back the signal handlers the worker installs for itself."""
    names = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]
    saved = {name: signal.getsignal(name) for name in names}
    yield
    for name, handler in saved.items():
        signal.signal(name, handler)


def _refused(capsys, *arguments):
    """Run the command; return its exit code and error output."""
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["compute", *arguments])
    return exit_info.value.code, capsys.readouterr().err


def test_bad_month_is_refused(capsys):
    """A month that is no month ends with exit code 2 and says how to write one."""
    code, error = _refused(capsys, "--month", "2026-13")
    assert code == 2
    assert "'2026-13' is not a month (use YYYY-MM" in error


def test_bad_day_is_refused(capsys):
    """A data end that is no date ends with exit code 2 and says how to write one."""
    code, error = _refused(capsys, "--until", "31.03.2026")
    assert code == 2
    assert "'31.03.2026' is not a date (use YYYY-MM-DD" in error


@pytest.mark.django_db
def test_future_data_end_is_refused(capsys):
    """Data cannot be complete in the future: exit code 2, nothing started."""
    tomorrow = timezone.localdate() + timedelta(days=1)
    with translation.override("en"):
        code = cli.main(["compute", "--until", tomorrow.isoformat()])
    assert code == 2
    assert "lies in the future" in capsys.readouterr().err
    assert not ComputeRun.objects.exists()


@pytest.mark.django_db
def test_month_outside_the_window_is_refused(capsys):
    """A month with no complete period up to the data end is named."""
    with translation.override("en"):
        code = cli.main(["compute", "--until", "2026-03-31", "--month", "2026-04"])
    assert code == 2
    assert "2026-04" in capsys.readouterr().err
    assert not ComputeRun.objects.exists()


@pytest.mark.django_db
def test_unknown_indicator_is_refused(capsys):
    """An indicator key without a version in force is named; nothing starts."""
    with translation.override("en"):
        code = cli.main(["compute", "--indicator", "no-such-indicator"])
    assert code == 2
    error = capsys.readouterr().err
    assert "No indicator in force with the key(s): no-such-indicator" in error
    assert not ComputeRun.objects.exists()


def test_compute_runs_in_the_foreground_with_progress(indicator, capsys):
    """The command computes here, prints progress and records the run."""
    with translation.override("en"):
        code = cli.main(["compute", "--indicator", indicator.key, "--month", "2026-03"])
    output = capsys.readouterr().out
    assert code == 0
    run = ComputeRun.objects.get()
    assert run.status == RunStatus.DONE
    assert run.requested_by is None
    assert run.scope == {"indicators": [indicator.key], "months": ["2026-03"]}
    assert run.results_written == Result.objects.count() > 0
    assert f"100 % ({run.steps_total}/{run.steps_total})" in output
    assert f"Done: {run.results_written} results written" in output


def test_compute_starts_nothing_while_a_run_is_under_way(world, capsys):
    """While a computation is queued, the command says so and exits with 1."""
    queued, _created = tasks.request_run()
    with translation.override("en"):
        code = cli.main(["compute"])
    assert code == 1
    assert "no second one was started" in capsys.readouterr().out
    assert list(ComputeRun.objects.all()) == [queued]


def test_demo_computes_the_results_once(indicator):
    """The demo computes when no results are stored, and not again after that."""
    out = io.StringIO()
    tasks.compute_if_missing(out)
    assert ComputeRun.objects.get().status == RunStatus.DONE
    assert Result.objects.exists()
    tasks.compute_if_missing(out)
    assert ComputeRun.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_worker_runs_a_queued_computation(
    world, indicator, settings, restored_signals, capsys
):
    """A run queued in the database is carried out by `dialoq worker --batch`."""
    settings.TASKS = DATABASE_QUEUE
    requester = factories.make_user(
        "qm", role=Role.QM_OFFICER, organisation=world.funder
    )
    run, created = tasks.request_run(user=requester)
    assert created
    queued = DBTaskResult.objects.get()
    assert queued.args_kwargs == {"args": [run.pk], "kwargs": {}}
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED

    assert cli.main(["worker", "--batch"]) == 0

    run.refresh_from_db()
    assert run.status == RunStatus.DONE, run.error
    assert run.results_written == Result.objects.count() > 0
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL"
    assert queued.return_value == "done"
