"""Deviations from conspicuous indicator results: opened once, healed when in range."""

from datetime import date, timedelta

import pytest

from dialoq.catalog.models import VersionStatus
from dialoq.deviations.indicators import detect_indicator_deviations
from dialoq.deviations.models import (
    Deviation,
    DeviationEventKind,
    DeviationSource,
    DeviationStatus,
    Resolution,
)
from dialoq.deviations.workflow import do_assign, do_comment, do_transition
from dialoq.measures import statistics as st
from dialoq.measures.periods import Period
from dialoq.notifications.models import Notification
from tests import factories
from tests.deviations.compliance_data import make_qm_officer
from tests.measures.results_data import make_indicator, make_result

YEAR_2025 = Period("year", date(2025, 1, 1), date(2025, 12, 31))
YEAR_2026 = Period("year", date(2026, 1, 1), date(2026, 12, 31))
TODAY = date(2026, 3, 2)
NEXT_YEAR = date(2027, 2, 1)
CONSPICUOUS = st.Evaluation.CONSPICUOUS


@pytest.fixture
def version(db):
    return make_indicator()


def _result(
    version,
    provider,
    *,
    funder=None,
    period=YEAR_2025,
    evaluation=CONSPICUOUS,
    **fields,
):
    fields.setdefault("cases", 40)
    fields.setdefault("numerator", 18)
    return make_result(
        version,
        "provider",
        funder=funder,
        provider=provider,
        period=period,
        evaluation=evaluation,
        **fields,
    )


def test_a_conspicuous_provider_result_opens_one_deviation(version, world):
    """The deviation carries the stable key, owner, period, indicator, no names."""
    _result(version, world.provider_a, funder=world.funder)
    assert detect_indicator_deviations(TODAY) == (1, 0)
    deviation = Deviation.objects.get()
    assert deviation.key == (
        f"indicator:planned_endings:provider:{world.provider_a.pk}-f{world.funder.pk}"
        ":2025-01-01:2025-12-31"
    )
    assert deviation.source == DeviationSource.INDICATOR
    assert deviation.severity == "medium"
    assert deviation.status == DeviationStatus.REPORTED
    assert deviation.auto_detected
    assert deviation.owner_organisation == world.provider_a
    assert deviation.provider == world.provider_a
    assert deviation.funder == world.funder
    assert deviation.case is None
    assert deviation.indicator_version == version
    assert (deviation.period_start, deviation.period_end) == (
        YEAR_2025.start,
        YEAR_2025.end,
    )
    assert deviation.title.startswith("Beendigung gemäß Hilfeplan: ")
    assert "01.01.2025" in deviation.title and "31.12.2025" in deviation.title
    assert "45,0" in deviation.description  # 18 of 40
    assert deviation.due_on == TODAY + timedelta(days=60)
    assert list(deviation.events.values_list("kind", flat=True)) == ["created"]


def test_running_again_changes_nothing(version, world):
    _result(version, world.provider_a, funder=world.funder)
    detect_indicator_deviations(TODAY)
    assert detect_indicator_deviations(TODAY) == (0, 0)
    assert Deviation.objects.count() == 1
    assert Deviation.objects.get().events.count() == 1


def test_a_result_without_funder_has_a_key_without_funder(version, world):
    """Provider figures over all funders (such as staff) are owned by the provider."""
    _result(version, world.provider_b)
    detect_indicator_deviations(TODAY)
    deviation = Deviation.objects.get()
    assert deviation.funder is None
    assert deviation.key == (
        f"indicator:planned_endings:provider:{world.provider_b.pk}:2025-01-01:2025-12-31"
    )


def test_only_the_latest_year_of_provider_units_counts(version, world):
    """Within range, older years, rolling windows, teams and strata open nothing."""
    _result(version, world.provider_a, funder=world.funder, evaluation="within_range")
    _result(
        version,
        world.provider_b,
        funder=world.funder,
        period=Period("year", date(2024, 1, 1), date(2024, 12, 31)),
    )
    _result(
        version,
        world.provider_b,
        funder=world.funder,
        period=Period("rolling12", date(2025, 2, 1), date(2026, 1, 31)),
    )
    team = factories.make_unit(world.provider_b)
    make_result(
        version,
        "team",
        provider=world.provider_b,
        team=team,
        period=YEAR_2025,
        cases=30,
        numerator=3,
        evaluation=CONSPICUOUS,
    )
    _result(version, world.provider_b, funder=world.funder, stratum="age:0-5")
    make_result(
        version,
        "funder",
        funder=world.funder,
        period=YEAR_2025,
        cases=80,
        numerator=20,
        evaluation=CONSPICUOUS,
    )
    assert detect_indicator_deviations(TODAY) == (0, 0)
    assert not Deviation.objects.exists()


def test_versions_not_in_force_are_ignored(world):
    draft = make_indicator("draft_indicator", status=VersionStatus.DRAFT)
    _result(draft, world.provider_a, funder=world.funder)
    assert detect_indicator_deviations(TODAY) == (0, 0)


def test_a_year_not_yet_over_is_not_read(version, world):
    """A result for a period ending on or after the day checked is not complete."""
    _result(version, world.provider_a, funder=world.funder, period=YEAR_2026)
    assert detect_indicator_deviations(date(2026, 12, 31)) == (0, 0)
    assert detect_indicator_deviations(NEXT_YEAR) == (1, 0)


def test_healed_when_the_next_year_is_within_range(version, world):
    """An untouched deviation closes as healed; running again heals nothing more."""
    _result(version, world.provider_a, funder=world.funder)
    detect_indicator_deviations(TODAY)
    _result(
        version,
        world.provider_a,
        funder=world.funder,
        period=YEAR_2026,
        evaluation="within_range",
        numerator=30,
    )
    assert detect_indicator_deviations(NEXT_YEAR) == (0, 1)
    deviation = Deviation.objects.get()
    assert deviation.status == DeviationStatus.CLOSED
    assert deviation.resolution == Resolution.HEALED
    assert deviation.healed_at is not None and deviation.closed_at is not None
    event = deviation.events.get(kind=DeviationEventKind.HEALED)
    assert (event.from_status, event.to_status) == ("reported", "closed")
    assert "31.12.2026" in event.note
    assert detect_indicator_deviations(NEXT_YEAR) == (0, 0)
    assert deviation.events.count() == 2


def test_a_deviation_being_worked_on_keeps_its_work_when_healed(version, world):
    """Taken up: healing records healed_at and an event, and tells the owner."""
    _result(version, world.provider_a, funder=world.funder)
    detect_indicator_deviations(TODAY)
    qm = make_qm_officer(world.provider_a, "a_qm")
    deviation = Deviation.objects.get()
    do_comment(qm, deviation, "Wir prüfen die Abbrüche.")
    do_assign(qm, deviation, qm)
    do_transition(qm, deviation, "reacted", immediate_correction="Fälle gesichtet.")
    _result(
        version,
        world.provider_a,
        funder=world.funder,
        period=YEAR_2026,
        evaluation="within_range",
        numerator=30,
    )
    assert detect_indicator_deviations(NEXT_YEAR) == (0, 1)
    deviation.refresh_from_db()
    assert deviation.status == DeviationStatus.REACTED
    assert deviation.healed_at is not None
    assert deviation.events.filter(kind=DeviationEventKind.HEALED).count() == 1
    assert Notification.objects.filter(
        recipient=qm, key=f"deviation:{deviation.pk}:healed"
    ).exists()
    assert detect_indicator_deviations(NEXT_YEAR) == (0, 0)
    assert deviation.events.filter(kind=DeviationEventKind.HEALED).count() == 1
    assert Notification.objects.filter(recipient=qm).count() == 1  # healed, once


def test_not_healed_while_the_next_year_is_not_within_range(version, world):
    """Not evaluable is no healing; conspicuous again opens that year's deviation."""
    _result(version, world.provider_a, funder=world.funder)
    _result(version, world.provider_b, funder=world.funder)
    detect_indicator_deviations(TODAY)
    _result(
        version,
        world.provider_a,
        funder=world.funder,
        period=YEAR_2026,
        evaluation="not_evaluable",
        cases=3,
        numerator=1,
    )
    _result(version, world.provider_b, funder=world.funder, period=YEAR_2026)
    assert detect_indicator_deviations(NEXT_YEAR) == (1, 0)
    assert Deviation.objects.open().count() == 3
    assert Deviation.objects.filter(period_start=YEAR_2026.start).get().provider == (
        world.provider_b
    )


def test_healing_follows_the_indicator_into_its_new_version(version, world):
    """A result of the next version in force heals the old version's deviation."""
    _result(version, world.provider_a, funder=world.funder)
    detect_indicator_deviations(TODAY)
    version.status = VersionStatus.RETIRED
    version.save()
    successor = type(version).objects.create(
        definition=version.definition,
        version=2,
        status=VersionStatus.IN_FORCE,
        title=version.title,
        quality_goal=version.quality_goal,
        rationale=version.rationale,
        spec=version.spec,
    )
    _result(
        successor,
        world.provider_a,
        funder=world.funder,
        period=YEAR_2026,
        evaluation="within_range",
        numerator=30,
    )
    assert detect_indicator_deviations(NEXT_YEAR) == (0, 1)


def test_the_providers_qm_officers_are_notified_once(version, world):
    qm = make_qm_officer(world.provider_a, "a_qm")
    make_qm_officer(world.provider_b, "b_qm")
    _result(version, world.provider_a, funder=world.funder)
    detect_indicator_deviations(TODAY)
    detect_indicator_deviations(TODAY)
    notifications = Notification.objects.all()
    assert [n.recipient for n in notifications] == [qm]
    assert Deviation.objects.get().number in notifications[0].subject
