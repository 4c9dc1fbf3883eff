"""Time the monitoring of process standards: all open cases against the standards.

    .venv/bin/python benchmarks/monitor.py --cases 370000
    ./dialoq bench monitor --cases 370000 --keep
    ./dialoq bench monitor --data-dir /tmp/dialoq-bench-xyz --repeat 3

The demo district with N cases (about 27 % of them open) is loaded into a
new SQLite database (in a child process, not measured) unless --data-dir
points at one already loaded. If fewer than --standards standards are in
force, the benchmark adds its own (variants of the built-in rules) to that
database. Then, in this process, it removes the deviations, runs and
compliance figures of earlier monitoring runs and times:

1. a first run, which opens a deviation for every persisting breach;
2. a second run on the same day, which must open nothing (idempotency).

With --repeat R both are repeated R times (the deviations removed before
each first run) and the median is printed. Printed: cases checked (open and
recently closed), open cases, standards, occurrences, breaches, deviations
opened, the time of each step, the whole time and the peak memory (maximum
resident set size of this process).
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LOAD_SCRIPT = """
import sys, django
django.setup()
from django.core.management import call_command
from dialoq.demo import loader
call_command("migrate", interactive=False, verbosity=0)
loader.load(cases=int(sys.argv[1]), seed=int(sys.argv[2]), out=sys.stdout)
"""

EXTRA_RULES = [
    {
        "kind": "deadline",
        "anchor": "referral",
        "event": "help_start",
        "within": "8 weeks",
    },
    {"kind": "max_interval", "event": "contact", "every": "6 weeks"},
    {"kind": "max_interval", "event": "progress_report", "every": "7 months"},
    {
        "kind": "deadline",
        "anchor": "referral",
        "event": "contact",
        "within": "15 working days",
    },
    {"kind": "participation", "event": "help_plan", "participant": "beneficiary"},
    {
        "kind": "precondition",
        "event": "review",
        "requires": "progress_report",
        "before": "10 working days",
    },
    {"kind": "max_interval", "event": "review", "every": "9 months"},
    {
        "kind": "deadline",
        "anchor": "help_start",
        "event": "review",
        "within": "4 months",
    },
    {"kind": "max_interval", "event": "needs_assessment", "every": "18 months"},
    {
        "kind": "precondition",
        "event": "review_due",
        "requires": "progress_report",
        "before": "3 weeks",
    },
]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=370_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--standards", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--data-dir", help="reuse a loaded demo data directory")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args(argv)

    fresh = args.data_dir is None
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="dialoq-bench-"))
    os.environ["DIALOQ_DATA_DIR"] = str(data_dir)
    os.environ["DIALOQ_DEMO_MODE"] = "true"
    os.environ["DJANGO_SETTINGS_MODULE"] = "dialoq.settings"
    os.environ.pop("DATABASE_URL", None)
    try:
        if fresh:
            began = time.monotonic()
            print(f"Loading {args.cases:,} demo cases (not measured) …", flush=True)
            subprocess.run(  # noqa: S603
                [sys.executable, "-c", LOAD_SCRIPT, str(args.cases), str(args.seed)],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            print(f"  loaded in {time.monotonic() - began:,.0f} s", flush=True)
        _measure(args.standards, args.repeat)
    finally:
        if fresh and not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
        elif fresh:
            print(f"Kept {data_dir} (reuse with --data-dir)")


def _measure(wanted: int, repeat: int):
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from dialoq.cases.models import Case
    from dialoq.catalog.standards import in_force
    from dialoq.deviations.monitor import job

    call_command("migrate", interactive=False, verbosity=0)
    _add_standards(wanted - len(in_force()))
    today = timezone.localdate()
    open_cases = Case.objects.open().count()
    firsts, seconds = [], []
    for _round in range(repeat):
        _clear()
        began = time.monotonic()
        first = job.monitor(today)
        firsts.append((time.monotonic() - began, first))
        began = time.monotonic()
        second = job.monitor(today)
        seconds.append((time.monotonic() - began, second))
        print(
            f"  round {_round + 1}: first run {firsts[-1][0]:.1f} s, "
            f"second run {seconds[-1][0]:.1f} s",
            flush=True,
        )
    first_time, first = _median(firsts)
    second_time, second = _median(seconds)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"cases checked        {first.cases:>12,}  (open: {open_cases:,})")
    print(f"standards            {first.standards:>12,}")
    print(f"occurrences          {first.occurrences:>12,}")
    print(f"breaches             {first.breaches:>12,}")
    print(f"deviations opened    {first.opened:>12,}  (second run: {second.opened:,})")
    print("time per step (first run):")
    for name, seconds_taken in first.seconds.items():
        print(f"  {seconds_taken:8.2f} s  {name}")
    print(f"whole first run      {first_time:>10.1f} s  (median of {repeat})")
    print(f"whole second run     {second_time:>10.1f} s  (median of {repeat})")
    print(f"peak memory          {peak:>10,.0f} MiB")
    if second.opened:
        print("NOT IDEMPOTENT: the second run opened deviations", file=sys.stderr)
        sys.exit(1)


def _median(timed):
    middle = statistics.median_low([seconds for seconds, _summary in timed])
    return next(item for item in timed if item[0] == middle)


def _add_standards(missing: int):
    """Put benchmark standards in force until enough are."""
    from dialoq.catalog.models import (
        ProcessStandard,
        ProcessStandardVersion,
        VersionStatus,
    )

    for index, rule in enumerate(EXTRA_RULES[: max(missing, 0)]):
        standard, _created = ProcessStandard.objects.get_or_create(
            key=f"benchmark-{index + 1}"
        )
        ProcessStandardVersion.objects.get_or_create(
            standard=standard,
            version=1,
            defaults={
                "status": VersionStatus.IN_FORCE,
                "title": f"Benchmark-Standard {index + 1}",
                "quality_goal": "Benchmark",
                "perspective": "business_process",
                "responsible": "provider",
                "rule": rule,
            },
        )


def _clear():
    """Remove what earlier monitoring runs wrote, so that the first run starts anew."""
    from django.db import transaction

    from dialoq.deviations.models import (
        Deviation,
        DeviationEvent,
        MonitorRun,
        StandardCompliance,
        StandardReviewFlag,
    )
    from dialoq.notifications.models import Notification

    with transaction.atomic():
        Notification.objects.filter(key__startswith="standard:").delete()
        DeviationEvent.objects.filter(deviation__source="standard").delete()
        Deviation.objects.filter(source="standard").delete()
        StandardCompliance.objects.all().delete()
        StandardReviewFlag.objects.all().delete()
        MonitorRun.objects.all().delete()


if __name__ == "__main__":
    main()
