"""The agreement in force on a day is unambiguous: adjacent periods, gaps, futures."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils.translation import gettext

from dialoq.agreements import services
from dialoq.agreements.in_force import agreed_indicators, agreement_in_force, rate_for
from dialoq.agreements.models import AgreedIndicator, AgreedRate, AgreementVersion
from tests import factories
from tests.agreements.factories import (
    agreement_between,
    make_approved,
    make_terms,
    spfh,
)
from tests.catalog.factories import make_indicator


@pytest.fixture
def approve(world, people):
    """Return a function that proposes terms and has both sides approve them."""

    def approve(terms, today):
        agreement = agreement_between(world.funder, world.provider_a)
        return make_approved(
            agreement,
            people.funder_qm,
            people.funder_manager,
            people.provider_manager,
            terms,
            today=today,
        )

    return approve


def _covering(agreement, day):
    """Count the approved versions covering the day, computed without the query."""
    return sum(
        1
        for version in agreement.versions.all()
        if version.status in {"approved", "superseded"}
        and version.valid_from <= day
        and (version.valid_until is None or day <= version.valid_until)
    )


def test_adjacent_versions(world, approve):
    """The old version covers its last day, the new one its first, nothing both."""
    approve(make_terms(date(2025, 1, 1)), date(2025, 1, 1))
    approve(make_terms(date(2026, 1, 1), amount="61.20"), date(2025, 6, 1))
    funder, provider = world.funder, world.provider_a
    assert agreement_in_force(funder, provider, date(2025, 12, 31)).number == 1
    assert agreement_in_force(funder, provider, date(2026, 1, 1)).number == 2
    assert agreement_in_force(funder, provider, date(2030, 1, 1)).number == 2
    assert agreement_in_force(funder, provider, date(2024, 12, 31)) is None


def test_gap_between_versions(world, approve):
    """A version that ended before the next starts leaves days without agreement."""
    approve(
        make_terms(date(2025, 1, 1), valid_until=date(2025, 3, 31)), date(2025, 1, 1)
    )
    approve(make_terms(date(2025, 5, 1)), date(2025, 2, 1))
    funder, provider = world.funder, world.provider_a
    first = AgreementVersion.objects.get(number=1)
    assert first.valid_until == date(2025, 3, 31)  # kept, not stretched
    assert agreement_in_force(funder, provider, date(2025, 3, 31)).number == 1
    assert agreement_in_force(funder, provider, date(2025, 4, 15)) is None
    assert agreement_in_force(funder, provider, date(2025, 5, 1)).number == 2


def test_every_day_has_at_most_one_version(world, approve):
    """Over a chain of changes, each day is covered by exactly the function's answer."""
    approve(make_terms(date(2024, 1, 1)), date(2024, 1, 1))
    approve(
        make_terms(date(2024, 6, 1), valid_until=date(2024, 9, 30)), date(2024, 2, 1)
    )
    approve(make_terms(date(2024, 8, 1)), date(2024, 7, 1))
    approve(make_terms(date(2025, 2, 1)), date(2024, 12, 1))
    agreement = agreement_between(world.funder, world.provider_a)
    day = date(2023, 12, 1)
    while day < date(2025, 4, 1):
        covering = _covering(agreement, day)
        found = agreement_in_force(world.funder, world.provider_a, day)
        assert covering <= 1, day
        assert (found is not None) == (covering == 1), day
        day += timedelta(days=1)
    expected = {
        date(2024, 5, 31): 1,
        date(2024, 6, 1): 2,
        date(2024, 7, 31): 2,
        date(2024, 8, 1): 3,
        date(2025, 1, 31): 3,
        date(2025, 2, 1): 4,
    }
    for day, number in expected.items():
        assert agreement_in_force(world.funder, world.provider_a, day).number == number


def test_other_pairs_do_not_count(world, approve):
    approve(make_terms(date(2025, 1, 1)), date(2025, 1, 1))
    assert agreement_in_force(world.funder, world.provider_b, date(2025, 6, 1)) is None


def test_rate_for_follows_versions_and_rate_periods(world, approve):
    """A rate may change within a version; rate_for picks the one of the day."""
    service_type = spfh()
    approve(make_terms(date(2025, 1, 1)), date(2025, 1, 1))
    terms = make_terms(date(2026, 1, 1), amount="61.20")
    terms.rates = [
        AgreedRate(
            service_type=service_type,
            unit="hour",
            amount=Decimal("61.20"),
            valid_until=date(2026, 6, 30),
        ),
        AgreedRate(
            service_type=service_type,
            unit="hour",
            amount=Decimal("63.00"),
            valid_from=date(2026, 7, 1),
        ),
    ]
    approve(terms, date(2025, 6, 1))
    funder, provider = world.funder, world.provider_a

    def amount(day):
        rate = rate_for(funder, provider, service_type, day)
        return rate.amount if rate else None

    assert amount(date(2024, 12, 31)) is None
    assert amount(date(2025, 12, 31)) == Decimal("58.40")
    assert amount(date(2026, 1, 1)) == Decimal("61.20")
    assert amount(date(2026, 6, 30)) == Decimal("61.20")
    assert amount(date(2026, 7, 1)) == Decimal("63.00")
    other = factories.make_service_type("ise", legal_basis="§ 35 SGB VIII")
    assert rate_for(funder, provider, other, date(2026, 7, 1)) is None


def test_agreed_indicators_take_own_values_before_the_catalogue(world, approve):
    """Values the partners agree replace the catalogue's; the others stay."""
    indicator = make_indicator().definition  # catalogue: target 0.7, range >= 0.6
    terms = make_terms(date(2025, 1, 1))
    terms.indicators = [
        AgreedIndicator(
            indicator=indicator,
            target=Decimal("0.75"),
            minimum_standard=Decimal("0.5"),
        )
    ]
    version = approve(terms, date(2025, 1, 1))
    (agreed,) = agreed_indicators(version)
    assert agreed.indicator == indicator
    assert agreed.target == pytest.approx(0.75)
    assert agreed.minimum_standard == pytest.approx(0.5)
    assert agreed.reference_lower == pytest.approx(0.6)
    assert agreed.reference_upper is None
    assert agreed.agreed == {"target", "minimum_standard"}


def test_overlapping_rates_are_refused(world, people):
    service_type = spfh()
    terms = make_terms(date(2025, 1, 1))
    terms.rates.append(
        AgreedRate(
            service_type=service_type,
            unit="day",
            amount=Decimal("150"),
            valid_from=date(2025, 6, 1),
        )
    )
    problems = services.check_terms(terms, base=None, today=date(2025, 1, 1))
    overlap = gettext(
        "Two rates for “%(name)s” apply on the same days; let one end before the next "
        "starts."
    ) % {"name": service_type}
    assert overlap in problems
