"""Time the indicator engine: the whole catalogue, every unit and month of three years.

    .venv/bin/python benchmarks/indicators.py --cases 100000
    ./dialoq bench indicators --cases 1000000

The demo district with N cases is loaded into a new SQLite database (in a
child process, so its memory does not count) unless --data-dir points at one
that is already loaded (keep one with --keep). Then, in this process:

0. snapshot   the fact snapshot built from scratch (measures.snapshot), as
              after a new database; not part of the wall time below;
1. facts      every fact the catalogue reads, derived from the snapshot
              (refreshed: nothing changed) into DuckDB tables of the columns
              the indicators read;
2. engine     every indicator in force evaluated for all periods and units
              (DuckDB aggregation over those tables, and the statistics);
3. store      the results written, one transaction per indicator;
4. bare       a bare DuckDB scan-and-group-by over the same fact tables: per fact
              and period date, count and sum per unit and month, the floor
              any engine has to pay;
5. one month  one case changed (a contact recorded), then
              `engine.compute(months=[last month])`: the snapshot refreshed
              for that case, facts for the periods containing the month,
              evaluation, storage.

It prints each time, the ratio engine ÷ bare, wall time and peak memory
(maximum resident set size of this process).
"""

import argparse
import os
import platform
import resource
import shutil
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
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
        _measure()
    finally:
        if fresh and not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
        elif fresh:
            print(f"Kept {data_dir} (reuse with --data-dir)")


def _measure():
    import django

    django.setup()
    import duckdb
    from django.core.management import call_command
    from django.db import connection

    from dialoq.cases.models import Case
    from dialoq.catalog.models import IndicatorVersion, VersionStatus
    from dialoq.measures import engine, snapshot
    from dialoq.measures.facts import FACTS
    from dialoq.measures.periods import add_months, periods_until

    call_command("migrate", interactive=False, verbosity=0)
    versions = list(
        IndicatorVersion.objects.filter(status=VersionStatus.IN_FORCE).select_related(
            "definition"
        )
    )
    specs = [(version, version.parsed()) for version in versions]
    data_until = engine.default_data_until()
    periods = periods_until(data_until)
    start = min(period.start for period in periods)
    end = max(period.end for period in periods)
    began = time.monotonic()
    snapshot.refresh(rebuild=True)
    build_seconds = time.monotonic() - began

    from django.utils import timezone

    wall = time.monotonic()
    wall_cpu = time.process_time()
    names = sorted({name for _v, spec in specs for name in spec.facts})
    engine_seconds = store_seconds = 0.0
    written = 0
    computed_at = timezone.now()
    began = time.monotonic()
    earlier = {
        name for _v, spec in specs if spec.kind == "change" for name in spec.facts
    }
    with snapshot.fact_views(
        names,
        start=start,
        starts={name: add_months(start, -12) for name in earlier},
        end=end,
        columns=engine.used_columns(spec for _v, spec in specs),
    ) as facts:
        facts_seconds = time.monotonic() - began
        for version, spec in specs:
            began = time.monotonic()
            risk = {}
            columns = engine.evaluate_columns(spec, facts, periods, data_until, risk)
            engine_seconds += time.monotonic() - began
            began = time.monotonic()
            written += engine._store(
                version,
                periods,
                columns,
                computed_at,
                data_until,
                risk_model=risk.get("model"),
                refitted=spec.kind == "oe",
            )
            store_seconds += time.monotonic() - began
        wall_seconds = time.monotonic() - wall
        wall_cpu = time.process_time() - wall_cpu

        # The bare scan reads the same facts (the same tables derived from the
        # snapshot, with the columns the indicators read).
        began = time.monotonic()
        dates = {(spec.fact, spec.period_date) for _v, spec in specs}
        con = next(iter(facts.values())).con
        for name, period_date in sorted(dates):
            numbers = [
                column
                for column, declared in FACTS[name].columns.items()
                if declared.type in {"integer", "number"}
                and column in facts[name].column_names
            ][:3]
            sums = ", ".join(f'SUM("{column}")' for column in numbers) or "0"
            units = [
                column
                for column in ("funder_id", "provider_id", "service_type_id", "team_id")
                if column in facts[name].column_names
            ]
            con.sql(
                f"""
                SELECT {", ".join(units)}, DATE_TRUNC('month', "{period_date}"),
                       COUNT(*), {sums}
                FROM {facts[name].view} GROUP BY ALL
                """  # noqa: S608
            ).to_arrow_table()
        bare_seconds = time.monotonic() - began
        rows = {name: fact.num_rows for name, fact in facts.items()}

    last_month = max(p.start for p in periods if p.type == "month")
    from dialoq.cases.models import Contact

    case = Case.objects.filter(status="running").order_by("pk").last()
    began = time.monotonic()
    month_cpu = time.process_time()
    Contact.objects.create(
        case=case, occurred_on=last_month, duration_minutes=45, kind="phone"
    )
    summary = engine.compute(months=[last_month], data_until=data_until)
    month_seconds = time.monotonic() - began
    month_cpu = time.process_time() - month_cpu

    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print()
    print(
        f"machine            {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}"
    )
    print(f"database           {connection.vendor}")
    print(f"cases              {Case.objects.count():,}")
    print(f"indicators         {len(specs)} in force")
    print(
        f"periods            {len(periods)} (months, quarters, years, rolling 12 "
        f"months up to {data_until:%Y-%m-%d})"
    )
    for name, count in sorted(rows.items(), key=lambda item: -item[1]):
        print(f"  fact {name:<14}{count:>12,} rows")
    print(f"results written    {written:,}")
    print(f"snapshot (build)   {build_seconds:8.2f} s   (once; then incremental)")
    print(f"facts (read)       {facts_seconds:8.2f} s")
    print(f"engine (evaluate)  {engine_seconds:8.2f} s")
    print(f"store              {store_seconds:8.2f} s")
    print(
        f"whole catalogue    {wall_seconds:8.2f} s wall"
        f"   ({wall_cpu:.1f} s CPU; target ≤ 20 s at 1,000,000 cases)"
    )
    print(f"bare DuckDB scan   {bare_seconds:8.2f} s")
    print(
        f"engine ÷ bare      {engine_seconds / bare_seconds:8.1f} ×   (engine + "
        f"store ÷ bare {(engine_seconds + store_seconds) / bare_seconds:.1f} ×;"
        " target ≤ 3 ×)"
    )
    print(
        f"one month again    {month_seconds:8.2f} s   ({month_cpu:.1f} s CPU; "
        f"{summary.periods} periods, "
        f"{summary.results_written:,} results; target ≤ 2 s)"
    )
    print(f"peak memory        {peak_mib:8,.0f} MiB   (target ≤ 4,096 MiB)")


if __name__ == "__main__":
    main()
