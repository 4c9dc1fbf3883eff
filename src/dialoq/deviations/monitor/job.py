"""The monitoring run: every case to check against every standard in force.

A run is a ``MonitorRun`` row. The screen (``views``) queues one for the
worker (``dialoq worker``); ``dialoq monitor`` and ``dialoq demo`` run one in
the foreground. Only one run is queued or running at a time; a run without
progress for ``MONITOR_RUN_STALE_MINUTES`` counts as stopped and is given up
at the next request (starting again is safe: reconciliation is idempotent
and the compliance figures are replaced in one transaction).

Steps: read the timelines, evaluate each standard, reconcile deviations,
store compliance, then the steps of the other detectors in this app:
flag standards for review, deviations from indicator results, escalate
overdue deviations, watch complaint deadlines. A detector whose module is
not installed is skipped with a warning in the log.
"""

import importlib
import logging
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb
import pyarrow as pa
from django.conf import settings
from django.db import connection, transaction
from django.tasks import task
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from dialoq.catalog.standards import RuleError, in_force
from dialoq.deviations.models import MonitorRun, RunStatus
from dialoq.lib import progress as run_progress

from . import compliance, reconcile, rules
from .timelines import load_timelines

logger = logging.getLogger(__name__)

ACTIVE_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)
# Any number, the same in every process: serialises requests on PostgreSQL.
_REQUEST_LOCK = 4_711_002

# The detectors of other modules, called after the standards: (module,
# function, step name).
FOLLOW_UPS = (
    ("dialoq.deviations.review", "flag_standards", "flag standards for review"),
    (
        "dialoq.deviations.indicators",
        "detect_indicator_deviations",
        "deviations from indicator results",
    ),
    ("dialoq.deviations.escalation", "escalate_overdue", "escalate overdue deviations"),
    ("dialoq.deviations.escalation", "watch_complaints", "watch complaint deadlines"),
)


class MonitorRequestError(ValueError):
    """A request for a monitoring run cannot be carried out."""


@dataclass
class Summary:
    cases: int = 0
    standards: int = 0
    occurrences: int = 0
    breaches: int = 0
    opened: int = 0
    healed: int = 0
    recurred: int = 0
    escalated: int = 0
    compliance_rows: int = 0
    seconds: dict = field(default_factory=dict)  # step name → seconds
    skipped: list = field(default_factory=list)


def monitor(today: date, *, progress=None) -> Summary:
    """Check every case against every standard in force as of ``today``."""
    summary = Summary()
    versions = {}
    checks = []
    for version in in_force():
        try:
            rule = version.parsed()
        except RuleError as error:
            logger.warning("Standard %s skipped: %s", version.pk, error.message)
            continue
        versions[version.pk] = version
        checks.append(
            rules.Check(
                version.pk, version.standard.key, rule, version.standard.owner_id
            )
        )
    summary.standards = len(checks)
    total = 3 + len(checks) + len(FOLLOW_UPS)
    step = _Steps(total, progress, summary)

    step.begin(_("Reading the case timelines"))
    timelines = load_timelines([check.rule for check in checks], today)
    summary.cases = timelines.case_count
    with duckdb.connect() as con:
        rules.prepare(con, timelines, [check.rule for check in checks])
        parts = []
        for check in checks:
            step.begin(
                _("Checking “%(standard)s”")
                % {"standard": versions[check.version_id].title}
            )
            found = rules.occurrences(con, check, timelines.since)
            parts.append(_with_keys(found, check))
        occ = (
            pa.concat_tables(parts)
            if parts
            else _with_keys(
                rules.OCCURRENCE_SCHEMA.empty_table(), rules.Check(0, "", None)
            )
        )
        con.register("occ", occ)
        summary.occurrences = occ.num_rows
        summary.breaches = con.sql("SELECT COUNT(*) FROM occ WHERE NOT met").fetchall()[
            0
        ][0]

        step.begin(_("Opening and healing deviations"))
        outcome = reconcile.reconcile(con, versions, today, _previous_check(today))
        summary.opened, summary.healed = outcome.opened, outcome.healed
        summary.recurred = outcome.recurred

        step.begin(_("Storing the compliance figures"))
        summary.compliance_rows = compliance.store_compliance(
            con, timelines.since, today
        )
    for module_name, function_name, name in FOLLOW_UPS:
        step.begin(_follow_up_title(name))
        function = _follow_up(module_name, function_name)
        if function is None:
            summary.skipped.append(name)
            continue
        result = function(today)
        if function_name == "detect_indicator_deviations":
            summary.opened += result[0]
            summary.healed += result[1]
        elif function_name == "escalate_overdue":
            summary.escalated += result
    step.end()
    return summary


def _follow_up_title(name: str) -> str:
    titles = {
        "flag standards for review": _("Flagging standards for review"),
        "deviations from indicator results": _("Deviations from indicator results"),
        "escalate overdue deviations": _("Escalating overdue deviations"),
        "watch complaint deadlines": _("Watching complaint deadlines"),
    }
    return titles[name]


def _follow_up(module_name: str, function_name: str):
    """Return a detector of another module, or None if that module is missing."""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
        logger.warning("Monitoring step skipped: %s is not installed.", module_name)
        return None
    return getattr(module, function_name)


def _with_keys(table: pa.Table, check: rules.Check) -> pa.Table:
    """Add the version and the stable key of each occurrence."""
    with duckdb.connect() as con:
        con.register("found", table)
        return con.sql(
            """
            SELECT $version AS version_id, *,
                   'standard:' || $standard || ':case:' || CAST(case_id AS VARCHAR)
                   || ':' || strftime(occurred_on, '%Y-%m-%d') AS key
            FROM found
            """,
            params={"version": check.version_id, "standard": check.standard_key},
        ).to_arrow_table()


def _previous_check(today: date) -> date | None:
    """Return the check date of the previous completed run up to ``today``."""
    return (
        MonitorRun.objects.filter(status=RunStatus.DONE, checked_on__lte=today)
        .order_by("-checked_on")
        .values_list("checked_on", flat=True)
        .first()
    )


class _Steps:
    """Count the steps, time them, and report progress."""

    def __init__(self, total, progress, summary):
        self.total, self.done, self.progress = total, -1, progress
        self.summary, self.name, self.began = summary, "", time.monotonic()

    def begin(self, name: str) -> None:
        self._close()
        self.done += 1
        self.name = name
        if self.progress is not None:
            self.progress(self.done, self.total, name)

    def end(self) -> None:
        self._close()
        self.done = self.total
        if self.progress is not None:
            self.progress(self.total, self.total, _("Done"))

    def _close(self) -> None:
        now = time.monotonic()
        if self.name:
            seconds = self.summary.seconds
            seconds[self.name] = seconds.get(self.name, 0) + now - self.began
        self.began = now


# --- Runs: request, perform, report ------------------------------------------


def is_stale(run: MonitorRun, now=None) -> bool:
    """Return whether a queued or running run has gone on too long to be alive."""
    if run.status not in ACTIVE_STATUSES:
        return False
    since = run.progress_at or run.started_at or run.requested_at
    limit = timedelta(minutes=settings.MONITOR_RUN_STALE_MINUTES)
    return since < (now or timezone.now()) - limit


def active_run() -> MonitorRun | None:
    """Return the newest queued or running run, stale or not."""
    return MonitorRun.objects.filter(status__in=ACTIVE_STATUSES).first()


def request_run(*, user=None, today: date | None = None) -> tuple[MonitorRun, bool]:
    """Queue a run for the worker, or return the one already under way."""
    today = _check_day(today)
    with transaction.atomic():
        run, created = _claim_run(user, today, RunStatus.QUEUED)
        if created:
            run_monitoring.enqueue(run.pk)
    return run, created


@task()
def run_monitoring(run_id: int) -> str:
    """Carry out a queued run; return its final status."""
    run = MonitorRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).first()
    if run is None:
        logger.info("Monitoring run %s is no longer queued; skipped.", run_id)
        return "skipped"
    return str(perform_run(run).status)


def monitor_in_foreground(
    *, today: date | None = None, out=None
) -> tuple[MonitorRun, bool]:
    """Run now in this process with a progress line on ``out``."""
    today = _check_day(today)
    with transaction.atomic():
        run, created = _claim_run(None, today, RunStatus.RUNNING)
    if created:
        perform_run(
            run, echo=run_progress.terminal(out, every_step=True) if out else None
        )
    return run, created


def perform_run(run: MonitorRun, *, echo=None) -> MonitorRun:
    """Run the monitoring for the run's check date, recording progress and outcome."""
    run.started_at = run.started_at or timezone.now()
    started = MonitorRun.objects.filter(pk=run.pk, status__in=ACTIVE_STATUSES).update(
        status=RunStatus.RUNNING, started_at=run.started_at
    )
    if not started:
        return run
    run.status = RunStatus.RUNNING
    with translation.override(settings.LANGUAGE_CODE):
        try:
            summary = monitor(run.checked_on, progress=run_progress.recorder(run, echo))
        except (KeyboardInterrupt, SystemExit):
            _finish(run, RunStatus.FAILED, error=_("The run was interrupted."))
            raise
        except Exception as error:
            # The traceback may show data values: it goes to the log only.
            logger.exception("Monitoring run %s failed", run.pk)
            detail = _(
                "Unexpected error (%(kind)s); the details are in the server log."
            ) % {"kind": type(error).__name__}
            _finish(
                run,
                RunStatus.FAILED,
                error=_("Stopped at step “%(step)s”. %(detail)s")
                % {"step": run.current_step, "detail": detail},
            )
            return run
    run.summary = summary
    _finish(
        run,
        RunStatus.DONE,
        cases_checked=summary.cases,
        deviations_opened=summary.opened,
        deviations_healed=summary.healed,
        escalated=summary.escalated,
    )
    logger.info(
        "Monitoring run %s done: %s cases, %s standards, %s opened, %s healed",
        run.pk,
        summary.cases,
        summary.standards,
        summary.opened,
        summary.healed,
    )
    return run


def run_summary(run: MonitorRun, created: bool) -> str:
    """Return one line saying how a requested run stands."""
    if not created:
        since = formats.date_format(
            timezone.localtime(run.started_at or run.requested_at),
            "SHORT_DATETIME_FORMAT",
        )
        return _(
            "A monitoring run is already under way (since %(since)s); "
            "no second one was started."
        ) % {"since": since}
    if run.status == RunStatus.DONE:
        return _(
            "Done: %(cases)s cases checked, %(opened)s deviations opened, "
            "%(healed)s healed."
        ) % {
            "cases": formats.localize(run.cases_checked, use_l10n=True),
            "opened": formats.localize(run.deviations_opened, use_l10n=True),
            "healed": formats.localize(run.deviations_healed, use_l10n=True),
        }
    return _("The monitoring run failed: %(error)s") % {"error": run.error}


def _check_day(today: date | None) -> date:
    local = timezone.localdate()
    if today is None:
        return local
    if today > local:
        raise MonitorRequestError(
            _("The check date %(day)s lies in the future.")
            % {"day": formats.date_format(today, "SHORT_DATE_FORMAT")}
        )
    return today


def _claim_run(user, today: date, status) -> tuple[MonitorRun, bool]:
    """Create a run unless one is under way; call inside a transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_REQUEST_LOCK])
    current = active_run()
    if current is not None and not is_stale(current):
        return current, False
    if current is not None:
        _give_up(current)
    run = MonitorRun.objects.create(
        requested_by=user,
        status=status,
        checked_on=today,
        started_at=timezone.now() if status == RunStatus.RUNNING else None,
    )
    return run, True


def _give_up(run: MonitorRun) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        error = _(
            "No progress for %(minutes)s minutes: the worker probably stopped. "
            "A new run was started."
        ) % {"minutes": settings.MONITOR_RUN_STALE_MINUTES}
    logger.warning("Monitoring run %s is stale; given up.", run.pk)
    _finish(run, RunStatus.FAILED, error=error)


def _finish(run: MonitorRun, status: str, **fields) -> None:
    """Record the run's outcome, unless it was given up meanwhile."""
    for name, value in fields.items():
        setattr(run, name, value)
    run.status = status
    run.finished_at = timezone.now()
    MonitorRun.objects.filter(pk=run.pk, status__in=ACTIVE_STATUSES).update(
        status=status,
        finished_at=run.finished_at,
        steps_done=run.steps_done,
        steps_total=run.steps_total,
        current_step=run.current_step,
        **fields,
    )


def monitor_if_missing(out) -> None:
    """Run the monitoring in the foreground unless a run has completed already."""
    if MonitorRun.objects.filter(status=RunStatus.DONE).exists():
        return
    out.write(_("Checking the cases against the process standards …") + "\n")
    run, created = monitor_in_foreground(out=out)
    out.write(run_summary(run, created) + "\n")
