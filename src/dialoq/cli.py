"""The `dialoq` command: the operator's entry point to every task."""

import argparse
import os
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_DEMO_CASES = 5000


def main(argv=None):
    parser = _parser()
    args, rest = parser.parse_known_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if rest and args.command not in {"test", "manage"}:
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
        help="export cases, goals, reviews or one beneficiary's data to a file",
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


def _add_output_arguments(parser):
    parser.add_argument("--out", required=True, help="file to write")
    parser.add_argument(
        "--user", required=True, help="user name to act as, with that user's access"
    )
    parser.set_defaults(handler=_export)


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

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    if args.reset:
        loader.reset_database()
    call_command("migrate", interactive=False, verbosity=0)
    if args.reset or not loader.is_loaded():
        loader.load(cases=args.cases, seed=args.seed, out=sys.stdout)
    else:
        print("Demo data already loaded (use --reset to generate them anew).")
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
            else:
                exports.run_export(
                    args.kind, args.format, args.out, args.user, out=sys.stdout
                )
    except exports.OperatorError as error:
        print(f"dialoq export: {error}", file=sys.stderr)
        return 1
    return 0


def _retention(args, rest):
    _setup_django()
    from dialoq.cases import retention

    retention.run_retention(dry_run=args.dry_run, out=sys.stdout)
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
