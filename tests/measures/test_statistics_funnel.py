"""Funnel-plot limits and overdispersion (Spiegelhalter 2005) against SciPy."""

import numpy as np
import pytest
from django.utils import translation
from scipy import stats
from scipy.stats import mstats
from statsmodels.stats.meta_analysis import combine_effects

from dialoq.measures.statistics import (
    StatisticsError,
    estimate_dispersion,
    exact_quantile_limits,
    funnel_limits,
    funnel_positions,
    standard_errors,
    z_scores,
)

Z_95 = 1.959964
Z_998 = 3.090232


@pytest.fixture(autouse=True)
def english():
    """Check messages by their English text."""
    with translation.override("en"):
        yield


def test_normal_limits_by_hand():
    """θ₀ = 20 %, n = 100: s = 0.04, limits 0.2 ± z·0.04; O/E, E = 25: 1 ± z/5."""
    limits = funnel_limits(0.2, [100], method="normal")
    assert limits.lower_95[0] == pytest.approx(0.2 - Z_95 * 0.04, abs=1e-7)
    assert limits.upper_95[0] == pytest.approx(0.2 + Z_95 * 0.04, abs=1e-7)
    assert limits.lower_998[0] == pytest.approx(0.2 - Z_998 * 0.04, abs=1e-7)
    assert limits.upper_998[0] == pytest.approx(0.2 + Z_998 * 0.04, abs=1e-7)
    ratio = funnel_limits(1.0, [25.0], kind="ratio", method="normal")
    assert ratio.lower_95[0] == pytest.approx(1 - Z_95 / 5, abs=1e-7)
    assert ratio.upper_998[0] == pytest.approx(1 + Z_998 / 5, abs=1e-7)
    assert limits.method == "normal"
    assert limits.parameters == {
        "kind": "proportion",
        "target": 0.2,
        "adjustment": "none",
    }


def spiegelhalter_limit(distribution, probability, precision):
    """Return App. A.1.1 by brute force: the first r with P(R ≤ r) ≥ p."""
    support = np.arange(int(precision + 20 * np.sqrt(precision) + 30))
    cumulative = distribution.cdf(support)
    r = int(np.flatnonzero(cumulative >= probability)[0])
    below, below_previous = cumulative[r], distribution.cdf(r - 1)
    alpha = (below - probability) / (below - below_previous)
    return (r - alpha) / precision, r


@pytest.mark.parametrize("target", [0.03, 0.2, 0.5, 0.85])
@pytest.mark.parametrize("probability", [0.001, 0.025, 0.975, 0.999])
def test_exact_binomial_limits_equal_a_brute_force_computation(target, probability):
    """The interpolated limit equals App. A.1.1 walked out with binom.cdf."""
    cases = np.array([1, 4, 13, 60, 250])
    limits = exact_quantile_limits(target, cases, probability, kind="proportion")
    for index, n in enumerate(cases):
        expected, r = spiegelhalter_limit(stats.binom(n, target), probability, n)
        assert limits[index] == pytest.approx(expected, abs=1e-12)
        # the interpolated value lies between the two adjacent discrete values
        assert (r - 1) / n <= limits[index] <= r / n


@pytest.mark.parametrize("probability", [0.001, 0.025, 0.975, 0.999])
def test_exact_poisson_limits_equal_a_brute_force_computation(probability):
    """For O/E the same interpolation with R ~ Poisson(E·θ₀), divided by E."""
    expected_events = np.array([0.4, 2.5, 9.0, 41.3])
    limits = exact_quantile_limits(1.0, expected_events, probability, kind="ratio")
    for index, e in enumerate(expected_events):
        expected, r = spiegelhalter_limit(stats.poisson(e), probability, e)
        assert limits[index] == pytest.approx(expected, abs=1e-12)
        assert (r - 1) / e <= limits[index] <= r / e


def test_exact_limit_is_the_discrete_value_where_the_distribution_hits_p():
    """Bin(2, ½): P(R ≤ 0) = ¼ and P(R ≤ 1) = ¾ exactly, so α = 0."""
    assert exact_quantile_limits(0.5, [2], 0.25, kind="proportion")[0] == 0.0
    assert exact_quantile_limits(0.5, [2], 0.75, kind="proportion")[0] == 0.5


def test_limits_are_symmetric():
    """Normal limits mirror around θ₀; exact ones mirror θ₀ ↔ 1 − θ₀ up to 1/n."""
    cases = np.array([10, 37, 100, 500])
    normal = funnel_limits(0.5, cases, method="normal")
    np.testing.assert_allclose(normal.upper_95 - 0.5, 0.5 - normal.lower_95)
    low = exact_quantile_limits(0.2, cases, 0.025, kind="proportion")
    high = exact_quantile_limits(0.8, cases, 0.975, kind="proportion")
    # each mass P(R = r) is spread over (r − 1, r], so the mirror is shifted by 1/n
    np.testing.assert_allclose(low, 1 - high - 1 / cases, atol=1e-12)


def test_exact_limits_approach_the_normal_ones_for_large_n():
    """At n = 100,000 exact and normal limits differ by less than 0.0002."""
    exact = funnel_limits(0.3, [100_000])
    normal = funnel_limits(0.3, [100_000], method="normal")
    assert exact.lower_998[0] == pytest.approx(normal.lower_998[0], abs=2e-4)
    assert exact.upper_95[0] == pytest.approx(normal.upper_95[0], abs=2e-4)


def test_limits_are_vectorised_for_drawing_the_funnel():
    """Limits for 2,000 precisions come back as arrays that narrow with n."""
    cases = np.arange(1, 2001)
    limits = funnel_limits(0.25, cases)
    assert limits.upper_998.shape == (2000,)
    assert np.all(limits.lower_998 <= limits.lower_95)
    assert np.all(limits.lower_95 <= 0.25) and np.all(limits.upper_95 >= 0.25)
    assert np.all(limits.upper_998 >= limits.upper_95)
    assert limits.upper_95[-1] < limits.upper_95[99] < limits.upper_95[9]


def test_edge_cases_of_target_and_precision():
    """θ₀ = 0 or 1 gives limits at θ₀; n = 0 or E = 0 gives no limits."""
    for method in ("exact", "normal"):
        zero = funnel_limits(0.0, [10, 0], method=method)
        assert zero.lower_998[0] == zero.upper_998[0] == 0.0
        assert np.isnan(zero.upper_95[1])
        one = funnel_limits(1.0, [10], method=method)
        assert one.lower_95[0] == one.upper_95[0] == 1.0
    ratio = funnel_limits(1.0, [0.0, 0.3], kind="ratio")
    assert np.isnan(ratio.lower_95[0])
    assert ratio.lower_95[1] == 0.0
    assert np.all(np.isnan(z_scores([0.0, 0.1], [10, 10], 0.0)))
    assert np.isnan(standard_errors(0.3, [0])[0])
    assert funnel_limits(0.2, []).upper_95.shape == (0,)
    assert estimate_dispersion([], [], 0.2).units == 0


def test_funnel_positions():
    """Points are placed below/above the 95 % and 99.8 % limits, or within."""
    limits = funnel_limits(0.2, [100] * 5, method="normal")
    positions = funnel_positions([0.0, 0.1, 0.2, 0.3, 0.5], limits)
    assert list(positions) == [-2, -1, 0, 1, 2]


def overdispersed_units():
    """Return 11 units around θ₀ = 20 %: five mirrored pairs and one on target."""
    cases = np.array([50, 50, 100, 100, 200, 200, 400, 400, 800, 800, 250])
    offsets = np.array([6, -6, 10, -10, 14, -14, 30, -30, 40, -40, 0])
    events = 0.2 * cases + offsets
    return events / cases, cases


def test_phi_equals_an_independent_winsorised_computation():
    """φ = mean of squared z-scores winsorised at 10 % (scipy.stats.mstats)."""
    rates, cases = overdispersed_units()
    dispersion = estimate_dispersion(rates, cases, 0.2)
    z = (rates - 0.2) / np.sqrt(0.2 * 0.8 / cases)
    # for I = 11 the 10 % quantiles (R type 7) are exactly the 2nd and 10th values,
    # which is what mstats.winsorize sets the lowest and highest value to
    winsorised = np.asarray(mstats.winsorize(z, limits=(0.1, 0.1)))
    assert dispersion.phi == pytest.approx(np.mean(winsorised**2))
    assert dispersion.statistic == pytest.approx(11 * np.mean(winsorised**2))
    assert dispersion.critical_value == pytest.approx(stats.chi2.ppf(0.95, 10))
    assert dispersion.overdispersed
    assert dispersion.units == 11


def test_winsorising_uses_type_7_quantiles():
    """For I = 10 the 10 % quantile lies 0.9 of the way from z(1) to z(2)."""
    z = np.array([-9.0, -2.0, -1.0, -0.5, 0.0, 0.2, 0.4, 1.0, 2.0, 5.0])
    cases = np.full(10, 100)
    rates = 0.5 + z * np.sqrt(0.25 / cases)
    dispersion = estimate_dispersion(rates, cases, 0.5)
    low = -9.0 + 0.9 * (-2.0 - -9.0)
    high = 2.0 + 0.1 * (5.0 - 2.0)
    expected = np.clip(z, low, high)
    np.testing.assert_allclose(np.sort(dispersion.winsorised_z), np.sort(expected))
    assert dispersion.phi == pytest.approx(np.mean(expected**2))


def test_tau2_equals_statsmodels_dersimonian_laird():
    """τ² equals statsmodels' DL estimate where both are provably the same.

    statsmodels computes Q = Σ wᵢ(yᵢ − ȳ)² around the weighted mean ȳ; ours is
    Iφ = Σ zᵢ² = Σ wᵢ(yᵢ − θ₀)² with wᵢ = 1/sᵢ². With effects yᵢ = θ₀ + z_wᵢ·sᵢ
    from mirrored pairs (same n, opposite z), ȳ = θ₀, so the two Q are equal.
    """
    rates, cases = overdispersed_units()
    dispersion = estimate_dispersion(rates, cases, 0.2)
    errors = np.sqrt(0.2 * 0.8 / cases)
    winsorised = np.asarray(mstats.winsorize((rates - 0.2) / errors, limits=(0.1, 0.1)))
    effects = 0.2 + winsorised * errors
    result = combine_effects(effects, errors**2, method_re="dl")
    assert result.mean_effect_fe == pytest.approx(0.2)
    assert dispersion.tau2 == pytest.approx(result.tau2, rel=1e-10)
    assert dispersion.tau2 > 0


def test_tau2_equals_the_dersimonian_laird_formula_written_out():
    """τ² = (Iφ − (I − 1)) / (Σw − Σw²/Σw) on uneven, real-looking units."""
    rng = np.random.default_rng(7)
    cases = rng.integers(20, 400, 30)
    events = rng.binomial(cases, rng.beta(8, 24, 30))
    rates = events / cases
    dispersion = estimate_dispersion(rates, cases, 0.25)
    z = (rates - 0.25) / np.sqrt(0.25 * 0.75 / cases)
    low, high = np.percentile(z, [10, 90])
    q = np.sum(np.clip(z, low, high) ** 2)
    w = cases / (0.25 * 0.75)
    expected = max(0.0, (q - 29) / (w.sum() - (w**2).sum() / w.sum()))
    assert dispersion.tau2 == pytest.approx(expected)


def test_limits_with_overdispersion_adjustments():
    """Multiplicative limits use √φ·s, additive ones √(s² + τ²)."""
    rates, cases = overdispersed_units()
    dispersion = estimate_dispersion(rates, cases, 0.2)
    errors = np.sqrt(0.2 * 0.8 / cases)
    multiplicative = funnel_limits(
        0.2, cases, adjustment="multiplicative", dispersion=dispersion
    )
    np.testing.assert_allclose(
        multiplicative.upper_95,
        0.2 + Z_95 * np.sqrt(dispersion.phi) * errors,
        rtol=1e-6,
    )
    additive = funnel_limits(0.2, cases, adjustment="additive", dispersion=dispersion)
    np.testing.assert_allclose(
        additive.lower_998,
        np.clip(0.2 - Z_998 * np.sqrt(errors**2 + dispersion.tau2), 0, 1),
        rtol=1e-6,
    )
    assert additive.method == "normal"
    assert additive.parameters["adjustment"] == "additive"
    assert additive.parameters["tau2"] == dispersion.tau2
    # the same units fall outside fewer limits once overdispersion is allowed for
    plain = funnel_positions(rates, funnel_limits(0.2, cases))
    adjusted = funnel_positions(rates, additive)
    assert np.count_nonzero(adjusted) < np.count_nonzero(plain)


def test_no_adjustment_without_overdispersion():
    """Units that vary as binomial chance predicts keep the unadjusted limits."""
    cases = np.array([100, 100, 100, 100, 100, 100])
    rates = np.array([19, 21, 20, 18, 22, 20]) / 100
    dispersion = estimate_dispersion(rates, cases, 0.2)
    assert not dispersion.overdispersed and dispersion.tau2 == 0.0
    limits = funnel_limits(0.2, cases, adjustment="additive", dispersion=dispersion)
    plain = funnel_limits(0.2, cases)
    np.testing.assert_array_equal(limits.upper_95, plain.upper_95)
    assert limits.parameters["adjustment"] == "none"
    assert limits.method == "exact"


def test_dispersion_of_a_single_unit_or_a_fixed_target():
    """One unit cannot be tested; with an external target the test has I df."""
    single = estimate_dispersion([0.9], [50], 0.2)
    assert single.phi == 1.0 and single.tau2 == 0.0 and not single.overdispersed
    rates, cases = overdispersed_units()
    fixed = estimate_dispersion(rates, cases, 0.2, target_estimated=False)
    assert fixed.critical_value == pytest.approx(stats.chi2.ppf(0.95, 11))
    assert fixed.parameters["degrees_of_freedom"] == 11


def test_ratio_dispersion_uses_poisson_standard_errors():
    """For O/E, zᵢ = (O/E − 1)·√E."""
    observed = np.array([3, 12, 30, 8, 1])
    expected = np.array([5.0, 6.0, 20.0, 8.0, 4.0])
    z = z_scores(observed / expected, expected, 1.0, kind="ratio")
    np.testing.assert_allclose(z, (observed / expected - 1) * np.sqrt(expected))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: funnel_limits(1.2, [10]), "between 0 and 1"),
        (lambda: funnel_limits(-1.0, [10], kind="ratio"), "ratio must be 0 or more"),
        (lambda: funnel_limits(0.2, [10], kind="mean"), "Unknown kind"),
        (lambda: funnel_limits(0.2, [10], method="bootstrap"), "Unknown funnel"),
        (lambda: funnel_limits(0.2, [10], adjustment="both"), "Unknown overdispersion"),
        (
            lambda: funnel_limits(0.2, [10], adjustment="additive"),
            "needs an estimated dispersion",
        ),
        (lambda: funnel_limits(0.2, [10.5]), "Cases must be whole numbers"),
        (lambda: funnel_limits(0.2, [-3], method="normal"), "Precisions must be"),
        (
            lambda: estimate_dispersion([0.1], [10], 0.2, winsorise=0.5),
            "less than half of the values",
        ),
        (lambda: z_scores([0.1, 0.2], [10], 0.2), "same length"),
    ],
)
def test_bad_input_is_refused_clearly(call, message):
    """Impossible targets, precisions and policies raise a specific message."""
    with pytest.raises(StatisticsError, match=message):
        call()


def test_grouped_exact_limits_equal_the_limits_of_each_group():
    from dialoq.measures.statistics import grouped_exact_limits

    groups = [
        (0.3, [5, 12, 40]),
        (0.85, [3, 20, 20, 75]),
        (1.0, [4, 9]),
        (0.0, [6]),
    ]
    targets = [target for target, sizes in groups for _size in sizes]
    sizes = [size for _target, group in groups for size in group]
    batch = grouped_exact_limits(targets, sizes, kind="proportion")
    offset = 0
    for target, group in groups:
        single = funnel_limits(target, group, kind="proportion", method="exact")
        part = slice(offset, offset + len(group))
        np.testing.assert_allclose(batch["lower_95"][part], single.lower_95)
        np.testing.assert_allclose(batch["upper_95"][part], single.upper_95)
        np.testing.assert_allclose(batch["lower_998"][part], single.lower_998)
        np.testing.assert_allclose(batch["upper_998"][part], single.upper_998)
        offset += len(group)
    ratios = grouped_exact_limits([1.0, 1.0, 1.2], [2.5, 30.0, 30.0], kind="ratio")
    single = funnel_limits(1.2, [30.0], kind="ratio", method="exact")
    assert ratios["upper_998"][2] == pytest.approx(single.upper_998[0])
