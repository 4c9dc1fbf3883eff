"""Computing indicator results in the background, one computation at a time.

A computation is a ``ComputeRun`` row. The screen (``run_views``) and the
``dialoq compute`` command request one; the screen's run is queued for the
worker (``dialoq worker``, django-tasks-db), the command's runs in the
foreground. Either way ``perform_run`` calls the engine and records its
progress on the row, which the screen polls.

Only one computation is queued or running at a time: a request while one is
shows that one instead. A run that has reported no progress for
``COMPUTE_RUN_STALE_MINUTES`` (since it was requested, started or last
reported) is taken as stopped (its worker died); the next
request marks it failed and starts anew. Starting anew is safe: the engine
replaces each indicator's results in one transaction, so an interrupted run
leaves every indicator's results either as they were or complete.
"""

import logging
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.tasks import task
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from dialoq.catalog.models import IndicatorVersion, VersionStatus
from dialoq.lib import progress as run_progress

from . import engine
from .conditions import DefinitionError
from .models import ComputeRun, Result, RunStatus
from .periods import DEFAULT_YEARS, periods_containing

logger = logging.getLogger(__name__)

ACTIVE_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)
# Progress is written at most this often; the screen polls every two seconds.
# Any number, the same in every process: the advisory lock that serialises
# requests for a computation on PostgreSQL.
_REQUEST_LOCK = 4_711_001


class ComputeRequestError(ValueError):
    """A request for a computation names something that cannot be computed."""


def is_stale(run: ComputeRun, now=None) -> bool:
    """Return whether a queued or running run has gone on too long to be alive."""
    if run.status not in ACTIVE_STATUSES:
        return False
    since = run.progress_at or run.started_at or run.requested_at
    limit = timedelta(minutes=settings.COMPUTE_RUN_STALE_MINUTES)
    return since < (now or timezone.now()) - limit


def active_run() -> ComputeRun | None:
    """Return the newest queued or running run, stale or not."""
    return ComputeRun.objects.filter(status__in=ACTIVE_STATUSES).first()


def request_run(
    *, user=None, keys=(), months=(), data_until=None
) -> tuple[ComputeRun, bool]:
    """Queue a computation for the worker, or return the one already under way.

    Returns the run and whether it was created. The run and its queue entry
    are written in one transaction, so the worker sees both or neither.
    """
    _check_request(keys, months, data_until)
    with transaction.atomic():
        run, created = _claim_run(user, keys, months, data_until, RunStatus.QUEUED)
        if created:
            compute_results.enqueue(run.pk)
    return run, created


@task()
def compute_results(run_id: int) -> str:
    """Compute the results of a queued run; return the run's final status."""
    run = ComputeRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).first()
    if run is None:
        # Already done, or given up as stale before a worker got to it.
        logger.info("Computation %s is no longer queued; skipped.", run_id)
        return "skipped"
    return str(perform_run(run).status)


def compute_in_foreground(
    *, keys=(), months=(), data_until=None, out=None
) -> tuple[ComputeRun, bool]:
    """Compute now in this process, printing a progress line to ``out``.

    Returns the run and whether it was computed here; if another computation
    is under way it is returned unchanged.
    """
    _check_request(keys, months, data_until)
    with transaction.atomic():
        run, created = _claim_run(None, keys, months, data_until, RunStatus.RUNNING)
    if created:
        perform_run(run, echo=run_progress.terminal(out) if out else None)
    return run, created


def compute_if_missing(out) -> None:
    """Compute every result in the foreground unless results are stored already."""
    if Result.objects.exists():
        return
    out.write(_("Computing the indicator results …") + "\n")
    run, created = compute_in_foreground(out=out)
    out.write(run_summary(run, created) + "\n")


def perform_run(run: ComputeRun, *, echo=None) -> ComputeRun:
    """Run the engine for the run's scope, recording progress and the outcome."""
    run.started_at = run.started_at or timezone.now()
    started = ComputeRun.objects.filter(pk=run.pk, status__in=ACTIVE_STATUSES).update(
        status=RunStatus.RUNNING, started_at=run.started_at
    )
    if not started:
        return run
    run.status = RunStatus.RUNNING
    with translation.override(settings.LANGUAGE_CODE):
        try:
            summary = engine.compute(
                **_engine_arguments(run.scope),
                progress=run_progress.recorder(run, echo),
            )
        except (KeyboardInterrupt, SystemExit):
            _finish(run, RunStatus.FAILED, error=_("The computation was interrupted."))
            raise
        except Exception as error:
            # The traceback may show data values: it goes to the log only.
            logger.exception("Computation %s failed", run.pk)
            _finish(run, RunStatus.FAILED, error=_safe_error(error, run))
            return run
    run.steps_done = run.steps_total = summary.steps
    _finish(
        run,
        RunStatus.DONE,
        results_written=summary.results_written,
        data_until=summary.data_until,
    )
    logger.info(
        "Computation %s done: %s results in %.1f s",
        run.pk,
        summary.results_written,
        summary.seconds,
    )
    return run


def run_summary(run: ComputeRun, created: bool) -> str:
    """Return one line saying how a requested run stands."""
    if not created:
        since = formats.date_format(
            timezone.localtime(run.started_at or run.requested_at),
            "SHORT_DATETIME_FORMAT",
        )
        if run.status == RunStatus.QUEUED:
            return _(
                "A computation is already queued (since %(since)s); "
                "no second one was started."
            ) % {"since": since}
        return _(
            "A computation is already running (since %(since)s); "
            "no second one was started."
        ) % {"since": since}
    if run.status == RunStatus.DONE:
        return _("Done: %(count)s results written (data up to %(day)s).") % {
            "count": formats.localize(run.results_written, use_l10n=True),
            "day": formats.date_format(run.data_until, "SHORT_DATE_FORMAT"),
        }
    return _("The computation failed: %(error)s") % {"error": run.error}


def _claim_run(user, keys, months, data_until, status) -> tuple[ComputeRun, bool]:
    """Create a run unless one is under way; call inside a transaction."""
    _lock_requests()
    current = active_run()
    if current is not None and not is_stale(current):
        return current, False
    if current is not None:
        _give_up(current)
    run = ComputeRun.objects.create(
        requested_by=user,
        status=status,
        started_at=timezone.now() if status == RunStatus.RUNNING else None,
        scope=_scope(keys, months, data_until),
    )
    return run, True


def _lock_requests() -> None:
    """Serialise requests for a computation until the transaction ends.

    SQLite needs nothing: Dialoq opens its transactions IMMEDIATE, so one
    writer holds the database from the start.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_REQUEST_LOCK])


def _give_up(run: ComputeRun) -> None:
    """Mark a stale run failed, so a new one can start."""
    with translation.override(settings.LANGUAGE_CODE):
        error = _(
            "No progress for %(minutes)s minutes: the worker probably stopped. "
            "A new computation was started."
        ) % {"minutes": settings.COMPUTE_RUN_STALE_MINUTES}
    logger.warning("Computation %s is stale; given up.", run.pk)
    _finish(run, RunStatus.FAILED, error=error)


def _finish(run: ComputeRun, status: str, **fields) -> None:
    """Record the run's outcome, unless it was given up meanwhile."""
    for name, value in fields.items():
        setattr(run, name, value)
    run.status = status
    run.finished_at = timezone.now()
    ComputeRun.objects.filter(pk=run.pk, status__in=ACTIVE_STATUSES).update(
        status=status,
        finished_at=run.finished_at,
        steps_done=run.steps_done,
        steps_total=run.steps_total,
        current_step=run.current_step,
        **fields,
    )


def _engine_arguments(scope: dict) -> dict:
    """Return the engine's arguments for a run's stored scope."""
    months = [date.fromisoformat(f"{month}-01") for month in scope.get("months", [])]
    data_until = scope.get("data_until")
    return {
        "keys": scope.get("indicators") or None,
        "months": months or None,
        "data_until": date.fromisoformat(data_until) if data_until else None,
    }


def _scope(keys, months, data_until) -> dict:
    scope = {}
    if keys:
        scope["indicators"] = sorted(set(keys))
    if months:
        scope["months"] = sorted({month.strftime("%Y-%m") for month in months})
    if data_until:
        scope["data_until"] = data_until.isoformat()
    return scope


def _check_request(keys, months, data_until) -> None:
    """Raise ``ComputeRequestError`` for indicators or days that cannot be computed."""
    if data_until and data_until > timezone.localdate():
        raise ComputeRequestError(
            _("The data end %(day)s lies in the future.")
            % {"day": data_until.isoformat()}
        )
    last = data_until or engine.default_data_until()
    outside = sorted(
        month.strftime("%Y-%m")
        for month in months
        if not periods_containing([month], last)
    )
    if outside:
        raise ComputeRequestError(
            _(
                "No complete period up to %(day)s contains the month(s) %(months)s: "
                "months must be complete and within the last %(years)s years."
            )
            % {
                "day": last.isoformat(),
                "months": ", ".join(outside),
                "years": DEFAULT_YEARS,
            }
        )
    in_force = set(
        IndicatorVersion.objects.filter(
            status=VersionStatus.IN_FORCE, definition__key__in=keys
        ).values_list("definition__key", flat=True)
    )
    unknown = sorted(set(keys) - in_force)
    if unknown:
        raise ComputeRequestError(
            _("No indicator in force with the key(s): %(keys)s.")
            % {"keys": ", ".join(unknown)}
        )


def _safe_error(error: Exception, run: ComputeRun) -> str:
    """Return an error text without data values for the run's page."""
    if isinstance(error, DefinitionError):
        # Definition errors describe the indicator's definition, not cases.
        detail = str(error)
    else:
        detail = _(
            "Unexpected error (%(kind)s); the details are in the server log."
        ) % {"kind": type(error).__name__}
    if not run.current_step:
        return detail
    return _("Stopped at step “%(step)s”. %(detail)s") % {
        "step": run.current_step,
        "detail": detail,
    }
