"""Time the demo loader on a fresh database: rows written, seconds, rows/s, memory.

    .venv/bin/python benchmarks/demo_load.py --cases 100000
    .venv/bin/python benchmarks/demo_load.py --cases 100000 \\
        --database-url postgres://postgres@127.0.0.1:5432/dialoq_bench

Without --database-url a new SQLite database in a temporary data directory is
used and deleted afterwards (keep it with --keep). A PostgreSQL database is
emptied first: never point this at data you need.
"""

import argparse
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file")
    args = parser.parse_args(argv)

    data_dir = Path(tempfile.mkdtemp(prefix="dialoq-bench-"))
    os.environ["DIALOQ_DATA_DIR"] = str(data_dir)
    os.environ["DIALOQ_DEMO_MODE"] = "true"
    os.environ["DJANGO_SETTINGS_MODULE"] = "dialoq.settings"
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from dialoq.demo import loader

    try:
        call_command("migrate", interactive=False, verbosity=0)
        if connection.vendor == "postgresql":
            loader.reset_database()
        began = time.monotonic()
        rows = loader.load(cases=args.cases, seed=args.seed, out=sys.stdout)
        seconds = time.monotonic() - began
        _report(args, connection, rows, seconds, data_dir)
    finally:
        connection.close()
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
        else:
            print(f"Kept {data_dir}")


def _report(args, connection, rows, seconds, data_dir):
    total = sum(rows.values())
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print()
    print(f"database        {connection.vendor} {connection.get_database_version()}")
    print(f"machine         {platform.machine()}, {os.cpu_count()} cores")
    print(f"cases           {args.cases:,}")
    for table, count in sorted(rows.items(), key=lambda item: -item[1]):
        print(f"  {table:<20}{count:>12,}")
    print(f"rows written    {total:,}")
    print(f"wall seconds    {seconds:,.1f}")
    print(f"rows per second {total / seconds:,.0f}")
    print(f"peak memory     {peak_mib:,.0f} MiB (maximum resident set size)")
    if connection.vendor == "sqlite":
        size = sum(path.stat().st_size for path in data_dir.glob("dialoq.sqlite3*"))
        print(f"database size   {size / 2**20:,.0f} MiB")


if __name__ == "__main__":
    main()
