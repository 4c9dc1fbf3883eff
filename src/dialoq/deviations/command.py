"""``./dialoq export deviations``: the register as a file, as a named user.

Kept free of Django imports at module level: the command-line parser imports
it before Django is set up.
"""

import sys


def add_export_parser(kinds, add_output_arguments):
    """Add ``export deviations`` to the export subcommands of ``./dialoq``."""
    parser = kinds.add_parser(
        "deviations",
        help="the register of deviations, one row per deviation",
        description="Export the deviations the user may see, one row per "
        "deviation (columns in docs/exports.md).",
    )
    parser.add_argument(
        "--format", choices=("csv", "xlsx"), default="csv", help="default csv"
    )
    add_output_arguments(parser)
    parser.set_defaults(handler=run)


def run(args, rest):
    """Write the export; return the exit code."""
    from dialoq.cli import _setup_django

    _setup_django()
    from django.conf import settings
    from django.utils import translation

    from dialoq.deviations import exports

    try:
        with translation.override(settings.LANGUAGE_CODE):
            exports.run_export(args.format, args.out, args.user, out=sys.stdout)
    except exports.OperatorError as error:
        print(f"dialoq export: {error}", file=sys.stderr)
        return 1
    return 0
