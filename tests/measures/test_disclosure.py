"""The disclosure policy: owners see small numbers, nobody else can find them out."""

import itertools
import os
import random
import subprocess
import sys
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from dialoq.accounts import scoping
from dialoq.accounts.roles import OrganisationKind, Role
from dialoq.feedback.models import SurveyResponse
from dialoq.feedback.results import survey_results
from dialoq.measures import disclosure
from dialoq.measures.disclosure import OutputKind, disclose, published
from dialoq.measures.models import Result
from dialoq.measures.periods import Period, add_months, month_end, month_period
from tests import factories
from tests.feedback.factories import make_responses
from tests.measures import results_data as data

PROJECT_DIR = Path(__file__).resolve().parents[2]
LATEST = data.LATEST
YEAR_2025 = Period("year", date(2025, 1, 1), date(2025, 12, 31))


def by_unit(items):
    """Return the disclosed items keyed by their result's unit key."""
    return {item.result.unit_key: item for item in items}


@pytest.fixture
def small_peer(world):
    """Return a funder with providers A (40), B (30), C (20) and D (2 cases).

    Also the funder's service types (52 and 40), the funder (92) and all
    organisations (92) for the latest rolling twelve months.
    """
    version = data.make_indicator()
    provider_c = factories.make_organisation(OrganisationKind.PROVIDER, "Träger C")
    provider_d = factories.make_organisation(OrganisationKind.PROVIDER, "Träger D")
    family = factories.make_service_type("spfh")
    home = factories.make_service_type("heim", name="Heimerziehung")
    rows = {
        "whole": data.make_result(version, "whole", cases=92, numerator=70),
        "funder": data.make_result(
            version, "funder", funder=world.funder, cases=92, numerator=70
        ),
    }
    for name, provider, cases, planned in (
        ("a", world.provider_a, 40, 30),
        ("b", world.provider_b, 30, 22),
        ("c", provider_c, 20, 16),
        ("d", provider_d, 2, 2),
    ):
        rows[name] = data.make_result(
            version,
            "provider",
            funder=world.funder,
            provider=provider,
            cases=cases,
            numerator=planned,
        )
    for name, service_type, cases, planned in (
        ("family", family, 52, 40),
        ("home", home, 40, 30),
    ):
        rows[name] = data.make_result(
            version,
            "service_type",
            funder=world.funder,
            service_type=service_type,
            cases=cases,
            numerator=planned,
        )
    return SimpleNamespace(version=version, rows=rows, c=provider_c, d=provider_d)


def network_coordinator(world):
    return factories.make_user(
        role=Role.NETWORK_COORDINATOR, organisation=world.network
    )


# --- Owners and the threshold -------------------------------------------------------


def test_owners_see_small_numbers_others_do_not(world, small_peer):
    """Provider D and the funder see D's two cases; a peer and the network do not."""
    rows = small_peer.rows
    owner = factories.make_user(role=Role.CASEWORKER, organisation=small_peer.d)
    for user in (owner, world.people.funder):
        seen = by_unit(disclose(Result.objects.all(), user))
        assert not seen[rows["d"].unit_key].suppressed
        assert seen[rows["d"].unit_key].cases == 2
        assert seen[rows["d"].unit_key].value == 1.0
    for user in (world.people.provider_a, network_coordinator(world)):
        item = by_unit(disclose(Result.objects.all(), user))[rows["d"].unit_key]
        assert item.suppressed
        assert item.cases is None and item.value is None and item.numerator is None
    assert by_unit(published(Result.objects.all()))[rows["d"].unit_key].suppressed


def test_a_suppressed_result_keeps_only_unit_and_period(world, small_peer):
    """Figures, interval, funnel, method are empty; the evaluation says suppressed."""
    row = small_peer.rows["d"]
    row.funnel_target, row.expected, row.method = 0.7, 1.5, {"funnel": "exact"}
    row.save()
    item = by_unit(disclose([row], world.people.provider_a))[row.unit_key]
    for name in disclosure.Disclosed.__dict__:
        if isinstance(getattr(disclosure.Disclosed, name), property) and name not in {
            "note",
            "evaluation",
            "method",
        }:
            assert getattr(item, name) is None, name
    assert item.evaluation == disclosure.SUPPRESSED
    assert item.method == {}
    assert item.result.period_start == LATEST.start
    with translation.override("en"):
        assert item.note == "not shown: protects small numbers"


def test_threshold_table_names_every_output_kind(settings):
    """One table, one number per kind; all follow the configured minimum."""
    settings.DISCLOSURE_MINIMUM = 7
    assert set(disclosure.thresholds()) == set(OutputKind)
    assert set(disclosure.thresholds().values()) == {7}
    assert disclosure.indicator_threshold({"kind": "rate"}) == 7


def test_a_higher_minimum_suppresses_more(world, small_peer, settings):
    """With a minimum of 25, provider C's 20 cases are withheld from peers too."""
    settings.DISCLOSURE_MINIMUM = 25
    seen = by_unit(disclose(Result.objects.all(), world.people.provider_a))
    assert seen[small_peer.rows["c"].unit_key].suppressed
    assert not seen[small_peer.rows["a"].unit_key].suppressed


@pytest.mark.parametrize("minimum", [3, 1, 0, -5])
def test_a_minimum_below_four_is_refused(settings, minimum):
    """The policy refuses a minimum that would let one to three cases through."""
    settings.DISCLOSURE_MINIMUM = minimum
    with pytest.raises(ImproperlyConfigured, match="below 4"):
        disclosure.thresholds()


def test_a_minimum_below_four_stops_the_start():
    """DIALOQ_DISCLOSURE_MINIMUM=3 stops the settings from loading, with a message."""
    env = dict(os.environ, DIALOQ_DISCLOSURE_MINIMUM="3")
    result = subprocess.run(
        [sys.executable, "-c", "import dialoq.settings"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "DIALOQ_DISCLOSURE_MINIMUM=3 is too small" in result.stderr


def test_feedback_groups_follow_the_policy_threshold(world, settings):
    """Survey groups use the same minimum: with 6, five answers are withheld."""
    settings.DISCLOSURE_MINIMUM = 6
    make_responses(world.case_a, 5)
    [group] = survey_results(SurveyResponse.objects.all(), today=date(2027, 1, 2))
    assert group.suppressed and group.respondents is None


# --- Complementary suppression ------------------------------------------------------


def test_a_peer_cannot_subtract_the_small_one_from_the_total(world, small_peer):
    """Provider A knows the funder total and its own figure: B + C + D stay unknown."""
    rows = small_peer.rows
    seen = by_unit(disclose(Result.objects.all(), world.people.provider_a))
    total = seen[rows["funder"].unit_key]
    assert not total.suppressed
    hidden = [rows[name] for name in "bcd" if seen[rows[name].unit_key].suppressed]
    assert rows["d"] in hidden and len(hidden) >= 2
    shown_peers = sum(
        seen[rows[name].unit_key].cases or 0
        for name in "bcd"
        if not seen[rows[name].unit_key].suppressed
    )
    left = total.cases - seen[rows["a"].unit_key].cases - shown_peers
    assert left == sum(row.cases for row in hidden) >= 5


def test_the_owner_of_the_complementary_figure_cannot_undo_it(world, small_peer):
    """Every provider, knowing its own figure, still faces two or more unknowns."""
    rows = small_peer.rows
    owners = {
        "a": world.people.provider_a,
        "b": world.people.provider_b,
        "c": factories.make_user(role=Role.CASEWORKER, organisation=small_peer.c),
    }
    for name, user in owners.items():
        seen = by_unit(disclose(Result.objects.all(), user))
        unknown = [
            rows[peer]
            for peer in "abcd"
            if peer != name and seen[rows[peer].unit_key].suppressed
        ]
        if not seen[rows["funder"].unit_key].suppressed:
            assert len(unknown) >= 2, name
            assert sum(row.cases for row in unknown) >= 5, name


def test_with_two_providers_the_total_is_withheld(world):
    """A funder with providers A (40) and D (2): A would subtract, so no total."""
    version = data.make_indicator()
    provider_d = factories.make_organisation(OrganisationKind.PROVIDER, "Träger D")
    total = data.make_result(version, "funder", funder=world.funder, cases=42)
    own = data.make_result(
        version, "provider", funder=world.funder, provider=world.provider_a, cases=40
    )
    small = data.make_result(
        version, "provider", funder=world.funder, provider=provider_d, cases=2
    )
    seen = by_unit(disclose(Result.objects.all(), world.people.provider_a))
    assert not seen[own.unit_key].suppressed
    assert seen[small.unit_key].suppressed
    assert seen[total.unit_key].suppressed
    assert not by_unit(disclose([total], world.people.funder))[
        total.unit_key
    ].suppressed


def test_protection_holds_after_every_roll_up(world):
    """A funder withheld for its own small provider protects it among funders too."""
    version = data.make_indicator()
    other = factories.make_organisation(OrganisationKind.FUNDER, "Jobcenter")
    other.networks.add(world.network)
    provider_d = factories.make_organisation(OrganisationKind.PROVIDER, "Träger D")
    whole = data.make_result(version, "whole", cases=102)
    data.make_result(version, "funder", funder=world.funder, cases=42)
    data.make_result(version, "funder", funder=other, cases=60)
    data.make_result(
        version, "provider", funder=world.funder, provider=world.provider_a, cases=40
    )
    data.make_result(
        version, "provider", funder=world.funder, provider=provider_d, cases=2
    )
    data.make_result(
        version, "provider", funder=other, provider=world.provider_b, cases=60
    )
    for user in (world.people.provider_a, network_coordinator(world)):
        assert_nothing_small_can_be_worked_out(user)
    seen = by_unit(disclose(Result.objects.all(), world.people.provider_a))
    assert (
        seen[whole.unit_key].suppressed
        or seen[data.unit_key("funder", other)].suppressed
    )


def test_strata_add_up_to_their_unit(world):
    """A small stratum is protected against its unit's total."""
    version = data.make_indicator()
    provider_d = factories.make_organisation(OrganisationKind.PROVIDER, "Träger D")
    data.make_result(
        version, "provider", funder=world.funder, provider=provider_d, cases=30
    )
    for stratum, cases in (("female", 27), ("male", 3)):
        data.make_result(
            version,
            "provider",
            funder=world.funder,
            provider=provider_d,
            cases=cases,
            stratum=stratum,
        )
    shown = {
        item.result.stratum: item.suppressed
        for item in disclose(Result.objects.all(), world.people.provider_a)
    }
    assert shown["male"] and (shown["female"] or shown[""])


# --- Periods ------------------------------------------------------------------------


def test_months_quarters_and_teams_stay_with_their_owners(world, small_peer):
    """Only twelve-month figures of others are shown, however many cases."""
    version = small_peer.version
    month = data.make_result(
        version,
        "provider",
        funder=world.funder,
        provider=world.provider_b,
        period=month_period(date(2026, 10, 1)),
        cases=50,
    )
    quarter = data.make_result(
        version,
        "provider",
        funder=world.funder,
        provider=world.provider_b,
        period=Period("quarter", date(2026, 7, 1), date(2026, 9, 30)),
        cases=80,
    )
    team = data.make_result(
        version,
        "team",
        provider=world.provider_b,
        team=factories.make_unit(world.provider_b),
        cases=50,
    )
    for item in disclose([month, quarter, team], world.people.provider_a):
        assert item.suppressed and item.value is None
    assert [item.reason for item in published([month, quarter, team])] == [
        "short_period",
        "short_period",
        "team",
    ]
    for item in disclose([month, quarter, team], world.people.provider_b):
        assert not item.suppressed and item.cases in {50, 80}


def _provider_months(version, provider, funder, counts: dict[date, int]):
    """Store the provider's month results and their rolling twelve months."""
    for first, cases in counts.items():
        data.make_result(
            version,
            "provider",
            funder=funder,
            provider=provider,
            period=month_period(first),
            cases=cases,
        )
    windows = {}
    for end in sorted(counts):
        start = add_months(end, -11)
        total = sum(c for m, c in counts.items() if start <= m <= end)
        windows[end] = data.make_result(
            version,
            "provider",
            funder=funder,
            provider=provider,
            period=Period("rolling12", start, month_end(end)),
            cases=total,
        )
    return windows


def test_a_new_units_first_windows_do_not_give_its_months_away(world):
    """Before its first case a unit's months are empty: window steps must be large.

    Windows of 6 and 8 cases a month apart tell that the second month had 2.
    """
    version = data.make_indicator()
    provider_d = factories.make_organisation(OrganisationKind.PROVIDER, "Träger D")
    windows = _provider_months(
        version,
        provider_d,
        world.funder,
        {date(2026, 1, 1): 6, date(2026, 2, 1): 2, date(2026, 3, 1): 9},
    )
    seen = {
        item.result.period_end.month: item
        for item in disclose(
            Result.objects.filter(period_type="rolling12"), world.people.provider_a
        )
    }
    assert not seen[1].suppressed and seen[1].cases == 6
    assert seen[2].suppressed
    assert not seen[3].suppressed  # 17 − 6 = 11 months' cases: a step of 11
    assert windows[date(2026, 3, 1)].cases - windows[date(2026, 1, 1)].cases >= 5


def test_steady_windows_are_shown(world):
    """Where months enter and leave, a small step tells nothing and is shown."""
    version = data.make_indicator()
    counts = {add_months(date(2024, 1, 1), n): 6 + n % 3 for n in range(30)}
    _provider_months(version, world.provider_b, world.funder, counts)
    windows = Result.objects.filter(
        period_type="rolling12", period_start__gte=date(2024, 1, 1)
    )
    late = [
        item
        for item in disclose(windows, world.people.provider_a)
        if item.result.period_end >= date(2025, 1, 1)
    ]
    assert late and not any(item.suppressed for item in late)


def test_a_year_and_its_rolling_window_are_withheld_together(world):
    """The calendar year is the window ending in December: one figure, one fate."""
    version = data.make_indicator()
    provider_d = factories.make_organisation(OrganisationKind.PROVIDER, "Träger D")
    counts = {date(2025, 11, 1): 6, date(2025, 12, 1): 3}
    windows = _provider_months(version, provider_d, world.funder, counts)
    year = data.make_result(
        version,
        "provider",
        funder=world.funder,
        provider=provider_d,
        period=YEAR_2025,
        cases=9,
    )
    seen = disclose([windows[date(2025, 12, 1)], year], world.people.provider_a)
    assert [item.suppressed for item in seen] == [True, True]


# --- Filters cannot change what is withheld -----------------------------------------


def test_a_selection_gets_the_same_answer_as_everything(world, small_peer):
    """Whatever subset is asked for, each result is withheld exactly as in the whole."""
    user = world.people.provider_a
    everything = {
        item.result.pk: item.suppressed for item in disclose(Result.objects.all(), user)
    }
    for unit_type in ("whole", "funder", "provider", "service_type"):
        subset = Result.objects.filter(unit_type=unit_type)
        for item in disclose(subset, user):
            assert item.suppressed == everything[item.result.pk], unit_type
    for row in small_peer.rows.values():
        [item] = disclose([row], user)
        assert item.suppressed == everything[row.pk]


# --- Nothing small can be worked out, on random worlds ------------------------------


def assert_nothing_small_can_be_worked_out(user=None):
    """Solve every sum with what the reader knows; no small figure may come out.

    Independent of the policy's own reasoning: the reader's knowledge is a
    linear system (totals = sums of parts) over the figures it does not
    know; a figure is found out when its unit vector lies in the row space
    of that system, unless it already follows from the reader's own figures
    (and empty ones) alone.
    """
    results = list(Result.objects.all())
    items = disclose(results, user) if user is not None else published(results)
    owned = scoping.owned_organisations(user) if user is not None else set()
    minimum = disclosure.configured_minimum()
    own = set()
    for item in items:
        result = item.result
        owners = disclosure.owners(
            result.unit_type, result.funder_id, result.provider_id
        )
        if owners & owned or not result.cases:
            own.add(result.pk)
        elif not item.suppressed and result.period_type in {"year", "rolling12"}:
            assert not 0 < result.cases < minimum, result
    hidden = {item.result.pk for item in items if item.suppressed} - own
    for _period, same in itertools.groupby(
        sorted(results, key=_period_key), key=_period_key
    ):
        same = list(same)
        sums = _sums_of(same)
        small = [r for r in same if r.pk in hidden and 0 < r.cases < minimum]
        others = {r.pk for r in same if r.pk not in own}
        for result in small:
            found = _determined(result, hidden, sums)
            assert not found or _determined(result, others, sums), (user, result)


def _period_key(result):
    return result.period_type, str(result.period_start), result.stratum


def _sums_of(same):
    """Return (total, parts) for each sum among the results of one period."""
    sums = []
    for total in same:
        if total.unit_type == "whole":
            kinds = [("funder", None), ("provider", None), ("service_type", None)]
        elif total.unit_type == "funder":
            kinds = [("provider", total.funder_id), ("service_type", total.funder_id)]
        else:
            continue
        for kind, funder_id in kinds:
            parts = [
                r
                for r in same
                if r.unit_type == kind
                and (kind == "funder" or r.funder_id == funder_id)
            ]
            if parts:
                sums.append((total, parts))
    return sums


def _determined(result, unknown: set, sums) -> bool:
    """Return whether the sums fix the result when only ``unknown`` are unknown."""
    index = {pk: n for n, pk in enumerate(sorted(unknown))}
    rows = []
    for total, parts in sums:
        row = np.zeros(len(index))
        for member, sign in [(total, 1), *((part, -1) for part in parts)]:
            if member.pk in index:
                row[index[member.pk]] += sign
        if row.any():
            rows.append(row)
    if not rows:
        return False
    system = np.array(rows)
    probe = np.zeros(len(index))
    probe[index[result.pk]] = 1
    rank = np.linalg.matrix_rank(system)
    return np.linalg.matrix_rank(np.vstack([system, probe])) == rank


@pytest.mark.parametrize("seed", range(12))
def test_random_worlds_never_give_a_small_figure_away(world, seed):
    """Funders, providers, service types with random sizes: peers, network, public.

    The providers of the test world each know their own figures; the network
    coordinator and the public know only what is shown.
    """
    generator = random.Random(seed)
    version = data.make_indicator(f"random-{seed}")
    funders = [world.funder]
    for number in range(generator.randint(0, 2)):
        funder = factories.make_organisation(OrganisationKind.FUNDER, f"LT {number}")
        funder.networks.add(world.network)
        funders.append(funder)
    providers = [world.provider_a, world.provider_b]
    providers += [
        factories.make_organisation(OrganisationKind.PROVIDER, f"LE {n}")
        for n in range(generator.randint(1, 4))
    ]
    service_types = [
        factories.make_service_type(f"st-{n}", name=f"Leistung {n}") for n in range(3)
    ]
    everything = 0
    for funder in funders:
        per_provider = {
            provider: generator.choice([0, 1, 2, 3, 4, 6, 9, 15, 30])
            for provider in generator.sample(
                providers, generator.randint(1, len(providers))
            )
        }
        total = sum(per_provider.values())
        if not total:
            continue
        everything += total
        data.make_result(version, "funder", funder=funder, cases=total)
        for provider, cases in per_provider.items():
            if cases:
                data.make_result(
                    version, "provider", funder=funder, provider=provider, cases=cases
                )
        left = total
        for service_type in service_types[:-1]:
            cases = generator.randint(0, left)
            left -= cases
            if cases:
                data.make_result(
                    version,
                    "service_type",
                    funder=funder,
                    service_type=service_type,
                    cases=cases,
                )
        if left:
            data.make_result(
                version,
                "service_type",
                funder=funder,
                service_type=service_types[-1],
                cases=left,
            )
    if everything:
        data.make_result(version, "whole", cases=everything)
    for user in (world.people.provider_a, world.people.provider_b, None):
        assert_nothing_small_can_be_worked_out(user)
    assert_nothing_small_can_be_worked_out(network_coordinator(world))
