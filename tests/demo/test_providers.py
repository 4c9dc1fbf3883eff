"""Providers differ as calibrated, while the district keeps its calibration."""

import numpy as np
import pytest

from dialoq.demo import calibration, generator, planning, providers

CASES = 30_000


@pytest.fixture(scope="module")
def drawn():
    """Draw cases with their plans and reviews (no database)."""
    rng = np.random.default_rng(11)
    cases = generator.draw_cases(rng, CASES)
    return cases, planning.draw_chunk(rng, cases)


def _provider(key):
    return providers.PROVIDER_KEYS.index(key)


def _planned_share(cases, chosen):
    ended = chosen & cases.is_closed & (cases.reason != 4)  # without changes
    return (cases.reason[ended] == 0).mean()


def test_the_conspicuous_provider_ends_fewer_helps_as_planned(drawn):
    """Weserbogen's planned share is far below the others', Caritas' above."""
    cases, _rows = drawn
    everyone = np.ones(len(cases), bool)
    district_share = _planned_share(cases, everyone)
    weserbogen = _planned_share(cases, cases.provider == _provider("weserbogen"))
    caritas = _planned_share(cases, cases.provider == _provider("caritas"))
    assert weserbogen < district_share - 0.15
    assert caritas > district_share


def test_provider_choice_keeps_the_calibrated_endings(drawn):
    """Choosing providers by ending keeps the district's calibrated planned share."""
    cases, _rows = drawn
    for key, calibrated in calibration.YOUTH_WELFARE.items():
        chosen = cases.service == generator.SERVICE_KEYS.index(key)
        shares = calibration.reason_shares(
            calibrated, calibration.YOUTH_WELFARE_OTHER_ENDINGS
        )
        closed = chosen & cases.is_closed
        observed = (cases.reason[closed] == 0).mean()
        tolerance = 4 * np.sqrt(shares[0] * (1 - shares[0]) / closed.sum()) + 0.01
        assert abs(observed - shares[0]) < tolerance, key


def test_harder_cases_go_to_the_provider_that_takes_them(drawn):
    """Sonnenhof's cases are harder on average; the district's mean stays near 0."""
    cases, _rows = drawn
    assert abs(cases.difficulty.mean()) < 0.05
    sonnenhof = cases.difficulty[cases.provider == _provider("sonnenhof")].mean()
    assert sonnenhof > 0.2


def test_late_starts_and_late_reviews_concentrate_at_weserbogen(drawn):
    """Weserbogen starts later and holds more reviews late than the district."""
    cases, rows = drawn
    started = cases.is_started
    lag = cases.started - cases.referred
    weserbogen = cases.provider == _provider("weserbogen")
    assert np.median(lag[started & weserbogen]) > np.median(lag[started]) + 2

    regular = ~rows.reviews_final
    late = rows.reviews_held > rows.reviews_due
    at_weserbogen = weserbogen[rows.reviews_case]
    district_late = late[regular].mean()
    assert 0.08 < district_late < 0.25
    assert late[regular & at_weserbogen].mean() > 2 * district_late


def test_participation_in_planning_varies_by_provider(drawn):
    """Beneficiaries take part less often in plans with Weserbogen."""
    cases, rows = drawn
    provider = cases.provider[rows.plans_case]
    overall = rows.plans_participated.mean()
    weserbogen = rows.plans_participated[provider == _provider("weserbogen")].mean()
    assert abs(overall - calibration.BENEFICIARY_PARTICIPATED) < 0.02
    assert weserbogen < overall - 0.08


def test_every_provider_effect_names_a_provider_of_the_district():
    """The table of effects only names providers that exist."""
    assert set(providers.EFFECTS) <= set(providers.PROVIDER_KEYS)
    assert providers.effect("unknown") == providers.NEUTRAL
