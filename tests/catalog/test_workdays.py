"""Working days: weekends and the public holidays of each federal state.

Holidays checked against the statutes: Reformationstag (31 October) is a
holiday in Lower Saxony since 2018, not in Bavaria; Corpus Christi in Bavaria
and North Rhine-Westphalia, not in Lower Saxony; Repentance Day only in
Saxony. Easter Sunday: 31 March 2024, 20 April 2025, 5 April 2026.
"""

from datetime import date, timedelta

import pytest

from dialoq.catalog.workdays import (
    add_working_days,
    is_working_day,
    working_day_table,
    working_days_between,
)


def _naive_working_day(day, holidays):
    return day.weekday() < 5 and day not in holidays


@pytest.mark.parametrize(
    ("day", "state", "working"),
    [
        (date(2025, 10, 31), "NI", False),  # Reformationstag, Friday
        (date(2025, 10, 31), "BY", True),
        (date(2025, 10, 31), "SN", False),
        (date(2017, 10, 31), "BY", False),  # 500 years: nationwide in 2017
        (date(2016, 10, 31), "NI", True),  # not yet a holiday in Lower Saxony
        (date(2025, 6, 19), "BY", False),  # Fronleichnam
        (date(2025, 6, 19), "NW", False),
        (date(2025, 6, 19), "NI", True),
        (date(2025, 11, 19), "SN", False),  # Buß- und Bettag
        (date(2025, 11, 19), "BY", True),
        (date(2025, 11, 19), "NI", True),
        (date(2025, 1, 6), "BY", False),  # Heilige Drei Könige
        (date(2025, 1, 6), "NI", True),
        (date(2025, 8, 15), "BY", True),  # Mariä Himmelfahrt: only some towns
        (date(2025, 3, 8), "BE", False),  # Frauentag
        (date(2024, 9, 20), "TH", False),  # Weltkindertag, Friday
        (date(2024, 9, 20), "NI", True),
        (date(2025, 11, 22), "NI", False),  # Saturday
        (date(2025, 11, 23), "NI", False),  # Sunday
        (date(2025, 11, 24), "NI", True),
    ],
)
def test_working_days_per_state(day, state, working):
    assert is_working_day(day, state) is bool(working)


@pytest.mark.parametrize(
    ("easter", "state"),
    [(date(2024, 3, 31), "NI"), (date(2025, 4, 20), "BY"), (date(2026, 4, 5), "SN")],
)
def test_good_friday_and_easter_monday_follow_easter(easter, state):
    good_friday = easter - timedelta(days=2)
    easter_monday = easter + timedelta(days=1)
    ascension = easter + timedelta(days=39)
    whit_monday = easter + timedelta(days=50)
    for day in (good_friday, easter_monday, ascension, whit_monday):
        assert not is_working_day(day, state), day
    assert is_working_day(easter - timedelta(days=3), state)  # Maundy Thursday
    assert is_working_day(easter + timedelta(days=2), state)


def test_a_deadline_across_christmas_and_new_year():
    """From Monday 22 December 2025: 23, 24, 29, 30, 31 Dec, 2, 5, 7 Jan ..."""
    start = date(2025, 12, 22)
    assert add_working_days(start, 3, "NI") == date(2025, 12, 29)
    assert add_working_days(start, 5, "NI") == date(2025, 12, 31)
    assert add_working_days(start, 6, "NI") == date(2026, 1, 2)
    assert add_working_days(start, 7, "NI") == date(2026, 1, 5)
    # Epiphany (6 January 2026, Tuesday) is a holiday in Bavaria only
    assert add_working_days(start, 8, "NI") == date(2026, 1, 6)
    assert add_working_days(start, 8, "BY") == date(2026, 1, 7)


def test_counting_starts_the_day_after_and_skips_a_weekend_start():
    friday, saturday = date(2025, 11, 21), date(2025, 11, 22)
    assert add_working_days(friday, 3, "NI") == date(2025, 11, 26)  # Wednesday
    assert add_working_days(saturday, 1, "NI") == date(2025, 11, 24)  # Monday
    assert add_working_days(saturday, 0, "NI") == saturday
    with pytest.raises(ValueError, match="negative"):
        add_working_days(friday, -1, "NI")


def test_ten_working_days_after_a_referral_before_reformation_day():
    """Referral Friday 24 Oct 2025: NI loses 31 Oct, BY does not."""
    referral = date(2025, 10, 24)
    assert add_working_days(referral, 10, "BY") == date(2025, 11, 7)
    assert add_working_days(referral, 10, "NI") == date(2025, 11, 10)


def test_working_days_between_is_the_inverse_of_adding():
    start = date(2025, 12, 19)
    for state in ("NI", "BY", "SN"):
        for days in range(0, 40):
            end = add_working_days(start, days, state)
            assert working_days_between(start, end, state) == days
    assert working_days_between(date(2025, 5, 2), date(2025, 5, 1), "NI") == 0


def test_the_working_day_table_numbers_the_working_days():
    start, end = date(2025, 12, 20), date(2026, 1, 10)
    table = working_day_table(["NI", "BY", "NI"], start, end)
    days = (end - start).days + 1
    assert table["state"] == ["BY"] * days + ["NI"] * days
    ni = slice(days, 2 * days)
    for day, number, working in zip(
        table["day"][ni],
        table["number"][ni],
        table["is_working_day"][ni],
        strict=True,
    ):
        assert working == is_working_day(day, "NI")
        assert number == working_days_between(start - timedelta(days=1), day, "NI")
    # "N working days after d" is the first working day numbered number(d) + N
    number = dict(zip(table["day"][ni], table["number"][ni], strict=True))
    working = dict(zip(table["day"][ni], table["is_working_day"][ni], strict=True))
    referral = date(2025, 12, 22)
    deadline = min(
        day for day in number if number[day] == number[referral] + 7 and working[day]
    )
    assert deadline == add_working_days(referral, 7, "NI")


def test_a_year_of_working_days_per_state():
    """2025 has 261 weekdays; NI has 10 weekday holidays, BY 11 (All Saints'
    Day falls on a Saturday), SN 11 (Repentance Day on a Wednesday)."""
    start, end = date(2024, 12, 31), date(2025, 12, 31)
    assert working_days_between(start, end, "NI") == 251
    assert working_days_between(start, end, "BY") == 250
    assert working_days_between(start, end, "SN") == 250
