"""Server time of the case list and the case page on a large database.

Loads the demo district with --cases cases into the database given by
--database-url (PostgreSQL by default) unless it already holds that many, then
requests the case list (plain, filtered, searched, sorted, deep pages) and case
pages through Django's test client as demo users, and prints p50, p95 and max
server time per screen. Target (issue: case work): p95 <= 150 ms at 100,000 cases.

    .venv/bin/python benchmarks/case_pages.py --cases 100000
"""

import argparse
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/dialoq_bench_pages",
    )
    parser.add_argument("--requests", type=int, default=60, help="per screen")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DIALOQ_DEMO_MODE", "true")
    os.environ.setdefault("DIALOQ_ALLOWED_HOSTS", "testserver,127.0.0.1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dialoq.settings")
    sys.path.insert(0, str(PROJECT_DIR / "src"))
    _ensure_database(args.database_url)

    import django

    django.setup()
    from django.core.management import call_command

    from dialoq.cases.models import Case
    from dialoq.demo import loader

    call_command("migrate", interactive=False, verbosity=0)
    if Case.objects.count() != args.cases:
        loader.reset_database()
        call_command("migrate", interactive=False, verbosity=0)
        started = time.perf_counter()
        loader.load(cases=args.cases, seed=args.seed, out=sys.stdout)
        print(f"loaded in {time.perf_counter() - started:.1f} s")
    _measure(args)


def _ensure_database(url):
    if not url.startswith("postgres"):
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def _measure(args):
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from dialoq.accounts import scoping
    from dialoq.accounts.models import User

    rng = random.Random(args.seed)
    print(
        f"\nmachine: {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores; database: {connection.vendor}; "
        f"{args.requests} requests per screen"
    )
    print(f"{'screen':<44} {'user':<20} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for username in ("qm.jugendamt", "fallmanagerin.ja", "fachkraft.diakonie"):
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        visible = scoping.visible_cases(user)
        case_ids = list(visible.values_list("pk", flat=True)[:5000])
        pages = max(1, visible.count() // 50)
        list_url = reverse("cases:list")
        screens = _screens(list_url, rng, pages, case_ids)
        for name, make_url in screens.items():
            timings = []
            for _ in range(args.requests):
                url = make_url()
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            timings.sort()
            p95 = timings[int(0.95 * (len(timings) - 1))]
            print(
                f"{name:<44} {username:<20} {statistics.median(timings):8.1f} "
                f"{p95:8.1f} {timings[-1]:8.1f}"
            )


def _screens(list_url, rng, pages, case_ids):
    from django.urls import reverse

    return {
        "case list": lambda: list_url,
        "case list, status running": lambda: list_url + "?status=running",
        "case list, search by case number": lambda: list_url + "?q=JA-2025",
        "case list, sorted by next review": lambda: list_url + "?sort=next_review_due",
        "case list, review overdue": lambda: list_url + "?review=overdue",
        "case list, deep page": lambda: f"{list_url}?page={rng.randint(1, pages)}",
        "case page": lambda: reverse("cases:detail", args=[rng.choice(case_ids)]),
    }


if __name__ == "__main__":
    main()
