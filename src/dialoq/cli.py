"""The `dialoq` command: the operator's entry point to every task."""

import argparse
import os
import re
import sys
from datetime import date
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_DEMO_CASES = 5000


def main(argv=None):
    parser = _parser()
    args, rest = parser.parse_known_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if rest and args.command not in {"test", "manage", "bench"}:
        parser.error(f"unrecognised arguments: {' '.join(rest)}")
    return args.handler(args, rest) or 0


def _parser():
    parser = argparse.ArgumentParser(
        prog="dialoq",
        description="Dialoq – cooperative quality management of social services.",
    )
    commands = parser.add_subparsers(dest="command", title="commands", metavar="")

    demo = commands.add_parser(
        "demo",
        help="load the demo district into the embedded database and serve it",
        description="Migrate the database, load calibrated demo data for a "
        "fictional district and serve the demo on 127.0.0.1.",
    )
    demo.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    demo.add_argument(
        "--cases",
        type=_positive_int,
        default=DEFAULT_DEMO_CASES,
        help=f"number of cases to generate (default {DEFAULT_DEMO_CASES})",
    )
    demo.add_argument(
        "--reset", action="store_true", help="delete existing data and generate anew"
    )
    demo.add_argument(
        "--no-serve", action="store_true", help="load the data, then exit"
    )
    demo.add_argument("--seed", type=int, default=2026, help="random seed")
    demo.set_defaults(handler=_demo)

    serve = commands.add_parser("serve", help="serve the existing database locally")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.set_defaults(handler=_serve)

    _add_export_parser(commands)

    bench = commands.add_parser(
        "bench",
        help="run a benchmark from benchmarks/ and print its figures",
        description="Run a benchmark script from benchmarks/ (see its --help).",
    )
    bench.add_argument(
        "benchmark", choices=["indicators", "monitor"], help="which benchmark"
    )
    bench.set_defaults(handler=_bench)

    retention = commands.add_parser(
        "retention",
        help="anonymise or erase closed cases past the retention period (run daily)",
        description="Anonymise (or, with DIALOQ_RETENTION_MODE=erase, delete) the "
        "closed cases whose help ended more than DIALOQ_RETENTION_YEARS ago. "
        "Schedule it daily; see docs/privacy.md.",
    )
    retention.add_argument(
        "--dry-run",
        action="store_true",
        help="report what would be done, change nothing",
    )
    retention.set_defaults(handler=_retention)

    _add_compute_parsers(commands)
    _add_monitor_parser(commands)
    from dialoq.dialogues.command import add_reminders_parser

    add_reminders_parser(commands)

    test = commands.add_parser(
        "test",
        help="run the whole test suite (extra arguments go to pytest)",
        add_help=False,
    )
    test.set_defaults(handler=_test)

    manage = commands.add_parser(
        "manage",
        help="run a Django management command (e.g. migrate, createsuperuser)",
        add_help=False,
    )
    manage.set_defaults(handler=_manage)
    return parser


def _add_export_parser(commands):
    export = commands.add_parser(
        "export",
        help="export cases, goals, reviews, indicator results or one "
        "beneficiary's data to a file",
        description="Write an export as a named user: it holds exactly what that "
        "user may see. Columns are described in docs/exports.md.",
    )
    kinds = export.add_subparsers(
        dest="kind", title="exports", metavar="", required=True
    )
    for kind, text in (
        ("cases", "one row per case with its case-mix attributes"),
        ("goals", "one row per goal of a help plan"),
        ("reviews", "one row per goal rating, with the review's GAS T-score"),
    ):
        sub = kinds.add_parser(kind, help=text, description=f"Export {text}.")
        sub.add_argument(
            "--format", choices=("csv", "xlsx"), default="csv", help="default csv"
        )
        _add_output_arguments(sub)
    beneficiary = kinds.add_parser(
        "beneficiary",
        help="all data about one beneficiary as JSON (GDPR Art. 15)",
        description="Export all data about one beneficiary as JSON (GDPR Art. 15); "
        "the user must be a case manager of the funder of one of their cases.",
    )
    beneficiary.add_argument(
        "--pseudonym", required=True, help="the beneficiary's pseudonym (LB-XXXX-XXXX)"
    )
    _add_output_arguments(beneficiary)
    _add_result_export_parser(kinds)
    from dialoq.deviations.command import add_export_parser

    add_export_parser(kinds, _add_output_arguments)


def _add_result_export_parser(kinds):
    results = kinds.add_parser(
        "results",
        help="indicator results, small numbers suppressed as on screen",
        description="Export the indicator results the user may see, one row per "
        "indicator version, unit, period and stratum; figures of others resting "
        "on few cases are suppressed (docs/disclosure.md).",
    )
    results.add_argument(
        "--format", choices=("csv", "xlsx"), default="csv", help="default csv"
    )
    results.add_argument(
        "--indicator",
        action="append",
        default=[],
        dest="indicators",
        metavar="KEY",
        help="only this indicator (repeat for more; default: all)",
    )
    results.add_argument(
        "--period-type",
        choices=("month", "quarter", "year", "rolling12"),
        help="only this kind of period",
    )
    results.add_argument(
        "--unit-type",
        choices=("whole", "funder", "provider", "service_type", "team"),
        help="only this kind of unit",
    )
    results.add_argument(
        "--from",
        type=_day,
        dest="period_from",
        metavar="YYYY-MM-DD",
        help="only periods starting on or after this day",
    )
    results.add_argument(
        "--to",
        type=_day,
        dest="period_to",
        metavar="YYYY-MM-DD",
        help="only periods ending on or before this day",
    )
    _add_output_arguments(results)


def _add_output_arguments(parser):
    parser.add_argument("--out", required=True, help="file to write")
    parser.add_argument(
        "--user", required=True, help="user name to act as, with that user's access"
    )
    parser.set_defaults(handler=_export)


def _add_compute_parsers(commands):
    compute = commands.add_parser(
        "compute",
        help="compute the indicator results now, showing progress",
        description="Compute the results of the indicators in force for their "
        "periods, here and now, with a progress line. Only one computation runs "
        "at a time: while another is queued or running, nothing is started.",
    )
    compute.add_argument(
        "--indicator",
        action="append",
        default=[],
        dest="indicators",
        metavar="KEY",
        help="only this indicator (repeat for more; default: all in force)",
    )
    compute.add_argument(
        "--month",
        action="append",
        default=[],
        dest="months",
        type=_month,
        metavar="YYYY-MM",
        help="only the periods containing this month (repeat for more)",
    )
    compute.add_argument(
        "--until",
        type=_day,
        metavar="YYYY-MM-DD",
        help="the last day whose data are complete (default: the engine's)",
    )
    compute.set_defaults(handler=_compute)

    worker = commands.add_parser(
        "worker",
        help="run the background worker (computations requested on screen)",
        description="Run the worker that carries out queued background work, "
        "such as computations requested with “Compute now”. Keep it running "
        "beside the web server.",
    )
    worker.add_argument(
        "--batch", action="store_true", help="run what is queued, then exit"
    )
    worker.set_defaults(handler=_worker)


def _month(text):
    if re.fullmatch(r"\d{4}-\d{2}", text):
        year, month = text.split("-")
        if 1 <= int(month) <= 12:
            return date(int(year), int(month), 1)
    raise argparse.ArgumentTypeError(
        f"{text!r} is not a month (use YYYY-MM, e.g. 2026-03)"
    )


def _day(text):
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date (use YYYY-MM-DD, e.g. 2026-03-31)"
        ) from None


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _setup_django(*, demo=False):
    if demo:
        os.environ.setdefault("DIALOQ_DEMO_MODE", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dialoq.settings")
    import django

    django.setup()


def _demo(args, rest):
    _setup_django(demo=True)
    from django.conf import settings
    from django.core.management import call_command

    from dialoq.demo import loader
    from dialoq.measures import tasks

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    if args.reset:
        loader.reset_database()
    call_command("migrate", interactive=False, verbosity=0)
    if args.reset or not loader.is_loaded():
        loader.load(cases=args.cases, seed=args.seed, out=sys.stdout)
    else:
        print("Demo data already loaded (use --reset to generate them anew).")
    tasks.compute_if_missing(sys.stdout)
    from dialoq.deviations.monitor import job as monitoring

    monitoring.monitor_if_missing(sys.stdout)
    from dialoq.demo import dialogues as demo_dialogues

    demo_dialogues.create_if_missing(sys.stdout)
    loader.print_logins(sys.stdout)
    if args.no_serve:
        return 0
    return _run_server(args.port)


def _serve(args, rest):
    _setup_django()
    return _run_server(args.port)


def _run_server(port):
    from django.core.management import call_command

    print(f"\nDialoq is running at http://127.0.0.1:{port}/  (stop with Ctrl+C)\n")
    call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
    return 0


def _export(args, rest):
    _setup_django()
    from django.conf import settings
    from django.utils import translation

    from dialoq.cases import exports, privacy

    try:
        with translation.override(settings.LANGUAGE_CODE):
            if args.kind == "beneficiary":
                privacy.run_beneficiary_export(
                    args.pseudonym, args.out, args.user, out=sys.stdout
                )
            elif args.kind == "results":
                _export_results(args)
            else:
                exports.run_export(
                    args.kind, args.format, args.out, args.user, out=sys.stdout
                )
    except exports.OperatorError as error:
        print(f"dialoq export: {error}", file=sys.stderr)
        return 1
    return 0


def _export_results(args):
    from dialoq.measures import exports

    options = {
        "indicator": args.indicators,
        "period_type": args.period_type or "",
        "unit_type": args.unit_type or "",
        "period_from": args.period_from,
        "period_to": args.period_to,
    }
    exports.run_export(
        args.format, args.out, args.user, options=options, out=sys.stdout
    )


def _retention(args, rest):
    _setup_django()
    from dialoq.cases import retention

    retention.run_retention(dry_run=args.dry_run, out=sys.stdout)
    from dialoq.deviations.complaints import erase_old_complaints

    erased = erase_old_complaints(dry_run=args.dry_run)
    verb = "Would erase" if args.dry_run else "Erased"
    print(f"{verb} the text and contact of {erased} closed complaints.")
    return 0


def _bench(args, rest):
    script = PROJECT_DIR / "benchmarks" / f"{args.benchmark}.py"
    os.chdir(PROJECT_DIR)
    os.execv(sys.executable, [sys.executable, str(script), *rest])  # noqa: S606


def _compute(args, rest):
    _setup_django()
    from dialoq.measures import tasks

    try:
        run, created = tasks.compute_in_foreground(
            keys=args.indicators,
            months=args.months,
            data_until=args.until,
            out=sys.stdout,
        )
    except tasks.ComputeRequestError as error:
        print(f"dialoq compute: {error}", file=sys.stderr)
        return 2
    print(tasks.run_summary(run, created))
    return 0 if created and run.status == "done" else 1


def _add_monitor_parser(commands):
    monitor = commands.add_parser(
        "monitor",
        help="check the cases against the process standards now, showing progress",
        description="Check every open case against every process standard in "
        "force, open and heal deviations, store the compliance figures, with a "
        "progress line. Only one run at a time. Schedule it daily.",
    )
    monitor.add_argument(
        "--date",
        type=_day,
        metavar="YYYY-MM-DD",
        help="check as of this day (default: today)",
    )
    monitor.set_defaults(handler=_monitor)


def _monitor(args, rest):
    _setup_django()
    from dialoq.deviations.monitor import job

    try:
        run, created = job.monitor_in_foreground(today=args.date, out=sys.stdout)
    except job.MonitorRequestError as error:
        print(f"dialoq monitor: {error}", file=sys.stderr)
        return 2
    print(job.run_summary(run, created))
    return 0 if created and run.status == "done" else 1


def _worker(args, rest):
    _setup_django()
    from django.core.management import call_command

    if args.batch:
        call_command("db_worker", batch=True, reload=False, startup_delay=False)
    else:
        call_command("db_worker")
    return 0


def _test(args, rest):
    os.chdir(PROJECT_DIR)
    os.execv(sys.executable, [sys.executable, "-m", "pytest", *rest])  # noqa: S606


def _manage(args, rest):
    _setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["dialoq manage", *rest])
    return 0


if __name__ == "__main__":
    sys.exit(main())
