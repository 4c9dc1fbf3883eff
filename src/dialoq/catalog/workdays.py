"""Working days in Germany: Monday to Friday, not a public holiday of the federal state.

Deadlines in working days (``"10 working days"`` in a process standard, the
answer to a complaint) count from the day after the event: the deadline of
"3 working days after Friday" is the following Wednesday. Holidays come from
the ``holidays`` package per federal state (``subdiv``); holidays that hold
only in some municipalities of a state (e.g. Mariä Himmelfahrt in Bavaria)
are not counted.

``working_day_table`` gives, per state and calendar day, the running number
of working days, so that "N working days after d" becomes a lookup in SQL:
the deadline is the first day whose number is ``number(d) + N`` and that is
itself a working day.
"""

from datetime import date, timedelta
from functools import lru_cache

import holidays

DEFAULT_STATE = "NI"


@lru_cache(maxsize=1024)
def _holidays(state: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("DE", subdiv=state, years=year))


def is_working_day(day: date, state: str = DEFAULT_STATE) -> bool:
    """Return whether the day is a working day in the federal state."""
    return day.weekday() < 5 and day not in _holidays(state, day.year)


def add_working_days(start: date, days: int, state: str = DEFAULT_STATE) -> date:
    """Return the day that lies the given number of working days after start."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day, state):
            remaining -= 1
    return day


def working_days_between(start: date, end: date, state: str = DEFAULT_STATE) -> int:
    """Return the number of working days after start up to and including end."""
    if end <= start:
        return 0
    return sum(
        is_working_day(start + timedelta(days=offset), state)
        for offset in range(1, (end - start).days + 1)
    )


def working_day_table(states, start: date, end: date) -> dict[str, list]:
    """Return columns state, day, number, is_working_day for each day, start to end.

    ``number`` counts the working days from ``start`` up to and including the day.
    """
    columns = {"state": [], "day": [], "number": [], "is_working_day": []}
    for state in sorted(set(states)):
        number = 0
        day = start
        while day <= end:
            working = is_working_day(day, state)
            number += working
            columns["state"].append(state)
            columns["day"].append(day)
            columns["number"].append(number)
            columns["is_working_day"].append(working)
            day += timedelta(days=1)
    return columns
