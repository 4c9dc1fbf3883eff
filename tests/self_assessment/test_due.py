"""Due dates for a calendar: rounds under way, the interval, never assessed."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from dialoq.self_assessment.models import RoundStatus
from dialoq.self_assessment.services import add_months, upcoming_self_assessments
from tests.self_assessment.factories import make_round


def _by_provider(user):
    return {entry.provider: entry for entry in upcoming_self_assessments(user)}


def test_pairs_never_assessed_are_due_today(world):
    due = _by_provider(world.people.funder)
    assert set(due) == {world.provider_a, world.provider_b}
    assert all(
        e.never_assessed and e.due_date == timezone.localdate() for e in due.values()
    )


def test_round_under_way_is_due_on_its_date(world):
    round_ = make_round(world.funder, world.provider_a)
    entry = _by_provider(world.people.provider_a)[world.provider_a]
    assert (entry.round, entry.due_date) == (round_, round_.due_date)
    assert list(_by_provider(world.people.provider_a)) == [world.provider_a]


def test_next_is_due_two_years_after_the_last_closed(world, settings):
    round_ = make_round(world.funder, world.provider_a)
    closed = datetime(2025, 3, 10, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    round_.status, round_.closed_at = RoundStatus.CLOSED, closed
    round_.save()
    entry = _by_provider(world.people.funder)[world.provider_a]
    assert (entry.round, entry.due_date) == (None, date(2027, 3, 10))
    settings.SELF_ASSESSMENT_INTERVAL_MONTHS = 12
    assert _by_provider(world.people.funder)[world.provider_a].due_date == date(
        2026, 3, 10
    )


def test_outsider_has_nothing_due(world, qm):
    assert upcoming_self_assessments(world.people.outsider) == []
    assert upcoming_self_assessments(qm.elsewhere) == []


def test_add_months_keeps_the_day_or_takes_the_last_of_the_month():
    assert add_months(date(2025, 3, 10), 24) == date(2027, 3, 10)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2027, 12, 31), 2) == date(2028, 2, 29)
    assert add_months(date(2025, 11, 15), 2) == date(2026, 1, 15)
    assert add_months(date(2025, 1, 1), 0) + timedelta(days=1) == date(2025, 1, 2)
