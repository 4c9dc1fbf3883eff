"""``./dialoq reminders``: send the day's reminders about quality dialogues.

Kept free of Django imports at module level: the command-line parser imports
it before Django is set up. Schedule it daily; running it twice sends nothing
twice.
"""

import sys
from datetime import date


def _day(text):
    import argparse

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from None


def add_reminders_parser(commands):
    """Add ``reminders`` to the subcommands of ``./dialoq``."""
    parser = commands.add_parser(
        "reminders",
        help="send the reminders about quality dialogues due today",
        description="Remind of statements due within 7 days, agreed actions due "
        "within 7 days or overdue, and dialogues within 14 days, in the app and "
        "by e-mail. Each reminder is sent once; schedule it daily.",
    )
    parser.add_argument(
        "--date",
        type=_day,
        metavar="YYYY-MM-DD",
        help="as of this day (default: today)",
    )
    parser.set_defaults(handler=run)


def run(args, rest):
    """Send the reminders; print how many were new; return the exit code."""
    from dialoq.cli import _setup_django

    _setup_django()
    from django.db import transaction
    from django.utils import timezone

    from dialoq.dialogues.reminders import send_reminders

    today = args.date or timezone.localdate()
    with transaction.atomic():
        sent = send_reminders(today)
    print(
        f"Reminders sent as of {today.isoformat()}: {sent.statements} about "
        f"statements, {sent.actions} about actions, {sent.dialogues} about "
        "dialogues.",
        file=sys.stdout,
    )
    return 0
