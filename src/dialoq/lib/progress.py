"""Progress of long runs (computing, monitoring): in their row and on a terminal.

A run model has ``status``, ``steps_done``, ``steps_total``, ``current_step``
and ``progress_at``; ``recorder`` writes them while the run is running, at
most every ``WRITE_SECONDS`` (and always at the end), so the screens can
show progress without the run writing on every step.
"""

import time

from django.utils import timezone

WRITE_SECONDS = 0.5


def recorder(run, echo=None):
    """Return a progress callback ``(done, total, text)`` that records on the run."""
    last_write = -WRITE_SECONDS

    def progress(done: int, total: int, text: str) -> None:
        nonlocal last_write
        if echo is not None:
            echo(done, total, text)
        run.steps_done, run.steps_total, run.current_step = done, total, text[:200]
        now = time.monotonic()
        if done < total and now - last_write < WRITE_SECONDS:
            return
        last_write = now
        run.progress_at = timezone.now()
        type(run).objects.filter(pk=run.pk, status="running").update(
            steps_done=done,
            steps_total=total,
            current_step=run.current_step,
            progress_at=run.progress_at,
        )

    return progress


def terminal(out, *, every_step=False):
    """Return a progress callback that rewrites one line on a terminal.

    Elsewhere (a log file, a pipe) it writes a line per tenth of the steps,
    or per step with ``every_step``.
    """
    interactive = out.isatty() if hasattr(out, "isatty") else False

    def echo(done: int, total: int, text: str) -> None:
        percent = round(100 * done / total) if total else 0
        line = f"{percent:3d} % ({done}/{total}) {text}"
        if interactive:
            out.write("\r\033[K" + line[:100])
            if done >= total:
                out.write("\n")
        elif every_step or done >= total or done % max(1, total // 10) == 0:
            out.write(line + "\n")
        out.flush()

    return echo
