"""Vectorised draws of the demo cases with their help plans, goals, reviews, ratings.

Everything here is pure numpy: the loader passes a seeded generator and the
database ids, and writes what comes back. Dates are whole days relative to
today (0 = today, negative = past).

Cases are those active at some time in the last four years, like the official
case count (open at year end plus ended during the year). Their help plans,
goals, reviews and ratings are drawn chunk by chunk in :mod:`.planning`.
"""

from dataclasses import dataclass, fields
from functools import cache

import numpy as np

from dialoq.demo import calibration as cal
from dialoq.demo import district, providers

SERVICE_KEYS = tuple(spec.key for spec in district.SERVICE_TYPES)
YOUTH_OFFICE, JOBCENTER = 0, 1
FUNDER_KEYS = (district.YOUTH_OFFICE, district.JOBCENTER)
FUNDER_TYPES = ("youth_office", "jobcenter")
CALIBRATION = {**cal.YOUTH_WELFARE, **cal.JOBCENTER}
OTHER_ENDINGS = (cal.YOUTH_WELFARE_OTHER_ENDINGS, cal.JOBCENTER_OTHER_ENDINGS)

# The teams that manage or deliver cases, in a fixed order.
FUNDER_UNITS = tuple(
    (spec.key, unit.name)
    for spec in district.ORGANISATIONS
    if spec.key in FUNDER_KEYS
    for unit in spec.units
    if unit.services
)
PROVIDER_UNITS = tuple(
    (spec.key, unit.name)
    for spec in district.PROVIDERS
    for unit in spec.units
    if unit.services
)
# The provider (index into providers.PROVIDER_KEYS) of each provider team.
PROVIDER_OF_UNIT = np.array(
    [providers.PROVIDER_KEYS.index(org_key) for org_key, _ in PROVIDER_UNITS]
)

AGE_BANDS = np.array(["0-5", "6-11", "12-17", "18-26", "27-49", "50+"])
AGE_BAND_LIMITS = np.array([6, 12, 18, 27, 50])
SEXES = np.array(["male", "female"])
REASONS = np.array(cal.CLOSURE_REASONS)
INTEGRATIONS = np.array([*cal.INTEGRATION_KINDS, "none"])
PERSPECTIVES = np.array(cal.PERSPECTIVES)
HOUSEHOLDS = np.array(
    ["single_parent", "two_parents", "step_family", "single", "couple", "other"]
)

# Stock state of an open, running case today.
ON_TIME, OVERDUE, SLIGHTLY_OVERDUE, DUE_SOON, NEW_REFERRAL = 0, 1, 2, 3, 4


@dataclass
class Cases:
    """One array per case attribute; every array has one entry per case."""

    funder: np.ndarray  # YOUTH_OFFICE or JOBCENTER
    service: np.ndarray  # index into SERVICE_KEYS
    reason: np.ndarray  # index into REASONS (the ending it has or will have)
    integration: np.ndarray  # index into INTEGRATIONS (SGB II)
    referred: np.ndarray  # days relative to today
    started: np.ndarray
    ended: np.ndarray  # planned end for open cases (after today)
    age: np.ndarray  # years at start
    difficulty: np.ndarray  # hidden, standard normal; harder cases end worse
    sex: np.ndarray
    household: np.ndarray
    transfer_benefits: np.ndarray
    non_german: np.ndarray
    prior_help: np.ndarray
    funder_unit: np.ndarray  # index into FUNDER_UNITS
    provider_unit: np.ndarray  # index into PROVIDER_UNITS
    case_manager: np.ndarray  # position in the funder unit's staff
    caseworker: np.ndarray  # position in the provider unit's staff
    state: np.ndarray  # stock state today (ON_TIME, OVERDUE, …)
    next_review: np.ndarray  # next review due, for open running cases
    sequence: np.ndarray  # running number of the case number
    benefit: np.ndarray  # SGB II subsistence benefits per month (EUR), else NaN

    def __len__(self):
        return len(self.funder)

    def take(self, order):
        """Return the cases in the given order."""
        return Cases(**{f.name: getattr(self, f.name)[order] for f in fields(self)})

    @property
    def provider(self):
        """Return the provider of each case (index into providers.PROVIDER_KEYS)."""
        return PROVIDER_OF_UNIT[self.provider_unit]

    @property
    def is_started(self):
        return self.started <= 0

    @property
    def is_closed(self):
        return self.is_started & (self.ended <= 0)

    @property
    def is_running(self):
        return self.is_started & (self.ended > 0)


def draw_cases(rng: np.random.Generator, count: int) -> Cases:
    """Draw the cases with their type, dates, ending and case mix."""
    funder = (rng.random(count) >= cal.YOUTH_OFFICE_SHARE).astype(np.int8)
    service = np.empty(count, np.int16)
    for funder_index, calibrations in enumerate((cal.YOUTH_WELFARE, cal.JOBCENTER)):
        chosen = np.flatnonzero(funder == funder_index)
        keys = list(calibrations)
        shares = np.array([calibrations[key].share for key in keys])
        picks = rng.choice(len(keys), size=len(chosen), p=shares / shares.sum())
        service[chosen] = np.array([SERVICE_KEYS.index(key) for key in keys])[picks]

    cases = Cases(
        funder=funder,
        service=service,
        reason=np.zeros(count, np.int8),
        integration=np.full(count, -1, np.int8),
        referred=np.zeros(count, np.int32),
        started=np.zeros(count, np.int32),
        ended=np.zeros(count, np.int32),
        age=np.zeros(count),
        difficulty=np.zeros(count),
        sex=np.zeros(count, np.int8),
        household=np.zeros(count, np.int8),
        transfer_benefits=np.zeros(count, bool),
        non_german=np.zeros(count, bool),
        prior_help=np.zeros(count, bool),
        funder_unit=np.zeros(count, np.int16),
        provider_unit=np.zeros(count, np.int16),
        case_manager=np.zeros(count, np.int32),
        caseworker=np.zeros(count, np.int32),
        state=np.zeros(count, np.int8),
        next_review=np.zeros(count, np.int32),
        sequence=np.zeros(count, np.int32),
        benefit=np.full(count, np.nan),
    )
    for index, key in enumerate(SERVICE_KEYS):
        chosen = np.flatnonzero(service == index)
        if len(chosen):
            _draw_type(rng, cases, chosen, key)
    _draw_units(rng, cases)
    _draw_starts(rng, cases)
    _draw_benefits(rng, cases)
    return cases


def _draw_type(rng, cases, chosen, key):
    """Draw dates, ending and case mix of the cases of one service type."""
    calibration = CALIBRATION[key]
    funder = int(cases.funder[chosen[0]])
    other_endings = OTHER_ENDINGS[funder]
    count = len(chosen)
    shares = np.array(cal.reason_shares(calibration, other_endings))
    reason, referred, started, ended, age = _draw_histories(
        rng, calibration, funder, shares, count
    )
    cases.reason[chosen] = reason
    cases.referred[chosen] = referred
    cases.started[chosen] = started
    cases.ended[chosen] = ended
    cases.age[chosen] = age
    # Planned endings are easier cases: the gap is split so the mean stays 0.
    planned = reason == 0
    cases.difficulty[chosen] = rng.standard_normal(count) + cal.DIFFICULTY_GAP * (
        np.where(planned, -(1 - shares[0]), shares[0])
    )
    male = rng.random(count) < calibration.male
    cases.sex[chosen] = np.where(male, 0, 1)
    cases.household[chosen] = _draw_households(rng, calibration, funder, count)
    cases.transfer_benefits[chosen] = rng.random(count) < calibration.transfer_benefits
    cases.non_german[chosen] = rng.random(count) < calibration.non_german
    cases.prior_help[chosen] = rng.random(count) < calibration.prior_help
    if funder == JOBCENTER:
        cases.integration[chosen] = _draw_integration(
            rng, calibration, shares, reason, male, age
        )


def _draw_histories(rng, calibration, funder, shares, count):
    """Return (reason, referred, started, ended, age) of cases active in the window.

    Referrals arrive at a constant rate over a long history; the cases still
    active when the window opens, or referred later, are kept until there are
    enough. So the cases ended within the window have the calibrated mix of
    durations and endings, without censoring.
    """
    minimum_lag, lag_scale = cal.REFERRAL_LAG[FUNDER_TYPES[funder]]
    window_months = cal.WINDOW_DAYS / cal.DAYS_PER_MONTH
    history_months = window_months + cal.HISTORY_DAYS / cal.DAYS_PER_MONTH
    acceptance = (window_months + calibration.mean_months) / history_months
    location = _duration_location(calibration, funder)
    parts, kept = [], 0
    while kept < count:
        size = int((count - kept) / acceptance * 1.1) + 64
        reason = rng.choice(len(shares), size=size, p=shares)
        age = _draw_ages(rng, calibration, size)
        months = _durations(
            calibration, funder, rng.standard_normal(size), reason, age, location
        )
        duration = np.maximum(
            np.rint(months * cal.DAYS_PER_MONTH), cal.MINIMUM_DURATION_DAYS
        )
        referred = -np.floor(rng.random(size) * (cal.WINDOW_DAYS + cal.HISTORY_DAYS))
        started = referred + np.floor(minimum_lag + rng.gamma(2.0, lag_scale, size))
        ended = started + duration
        keep = np.flatnonzero(ended >= -cal.WINDOW_DAYS)[: count - kept]
        parts.append(
            (reason[keep], referred[keep], started[keep], ended[keep], age[keep])
        )
        kept += len(keep)
    return tuple(np.concatenate(column) for column in zip(*parts, strict=True))


def _draw_ages(rng, calibration, size):
    width = calibration.max_age - calibration.min_age
    return calibration.min_age + width * rng.beta(*_beta_shape(calibration), size)


def _durations(calibration, funder, normal, reason, age, location):
    """Return durations in months: lognormal by reason, cut at the legal limits."""
    factors = np.array(cal.duration_factors(calibration, OTHER_ENDINGS[funder]))
    months = np.exp(location + np.log(factors[reason]) + calibration.sigma * normal)
    if funder == YOUTH_OFFICE:
        limit = (cal.YOUTH_WELFARE_AGE_LIMIT - age) * 12
        months = np.minimum(months, np.maximum(limit, 1))
    if calibration.max_months:
        months = np.minimum(months, calibration.max_months)
    return months


@cache
def _duration_location(calibration, funder):
    """Return the lognormal location whose durations, after the limits, have the mean.

    The published means are of help that actually ended, limits included, so
    the location is raised until the cut distribution has the calibrated mean
    (a fixed internal sample, independent of the seed).
    """
    sample = np.random.default_rng(0)
    size = 50_000
    shares = cal.reason_shares(calibration, OTHER_ENDINGS[funder])
    reason = sample.choice(len(shares), size=size, p=shares)
    age = _draw_ages(sample, calibration, size)
    normal = sample.standard_normal(size)
    location = correction = calibration.mu
    while abs(correction) > 1e-4:
        mean = _durations(calibration, funder, normal, reason, age, location).mean()
        correction = np.log(calibration.mean_months / mean)
        location += correction
    return location


def _beta_shape(calibration):
    """Return beta parameters giving the calibrated mean and spread of age."""
    width = calibration.max_age - calibration.min_age
    mean = (calibration.mean_age - calibration.min_age) / width
    variance = (calibration.age_sd / width) ** 2
    common = mean * (1 - mean) / variance - 1
    return mean * common, (1 - mean) * common


def _draw_households(rng, calibration, funder, count):
    others = (
        cal.FAMILY_HOUSEHOLDS if funder == YOUTH_OFFICE else cal.JOBCENTER_HOUSEHOLDS
    )
    names = list(others)
    weights = np.array([others[name] for name in names])
    codes = np.array([list(HOUSEHOLDS).index(name) for name in names])
    household = codes[rng.choice(len(names), size=count, p=weights / weights.sum())]
    single_parent = rng.random(count) < calibration.single_parent
    return np.where(single_parent, 0, household)


def _draw_integration(rng, calibration, shares, reason, male, age):
    """Draw the integration outcome an SGB II measure has (or will have) at its end."""
    odds = np.array([cal.INTEGRATION_BY_REASON[r] for r in cal.CLOSURE_REASONS])
    by_reason = calibration.integration * odds / (shares * odds).sum()
    female_factor = cal.INTEGRATION_FEMALE_RATIO
    men = 1 / (calibration.male + female_factor * (1 - calibration.male))
    chance = by_reason[reason] * np.where(male, men, men * female_factor)
    integrated = rng.random(len(reason)) < np.minimum(chance, 0.95)
    kind = np.where(
        age < 25,
        rng.choice(3, size=len(reason), p=cal.INTEGRATION_KIND_SHARES_UNDER_25),
        rng.choice(3, size=len(reason), p=cal.INTEGRATION_KIND_SHARES),
    )
    return np.where(integrated, kind, len(cal.INTEGRATION_KINDS)).astype(np.int8)


def _draw_units(rng, cases):
    """Draw the funder's team and the provider's team of every case."""
    unit_index = {unit: index for index, unit in enumerate(FUNDER_UNITS)}
    for index, key in enumerate(SERVICE_KEYS):
        chosen = np.flatnonzero(cases.service == index)
        if not len(chosen):
            continue
        if key == "hze-33-vollzeitpflege":
            teams = {district.FOSTER_CARE_SERVICE: 1.0}
        elif key.startswith("eh-35a"):
            teams = {district.SECTION_35A_TEAM: 1.0}
        elif key.startswith("hze"):
            teams = district.ASD_REGION_SHARES
        else:
            teams = district.JOBCENTER_REGION_SHARES
        funder_key = FUNDER_KEYS[cases.funder[chosen[0]]]
        codes = np.array([unit_index[funder_key, team] for team in teams])
        weights = np.array(list(teams.values()))
        cases.funder_unit[chosen] = codes[
            rng.choice(len(codes), size=len(chosen), p=weights / weights.sum())
        ]
        if funder_key == district.JOBCENTER:
            young = chosen[cases.age[chosen] < 25]
            cases.funder_unit[young] = unit_index[funder_key, district.JOBCENTER_U25]

        cases.provider_unit[chosen] = _choose_provider_teams(rng, cases, chosen, key)


def _choose_provider_teams(rng, cases, chosen, key):
    """Draw the provider team of cases of one service type, with the providers' effects.

    A team's weight is its share of the service, times exp(x·d − x²/2) for a
    provider drawing harder cases (difficulty d, mean weight unchanged), times
    a factor by ending: a provider with planned-ending odds ratio r gets
    planned endings with weight r·b and the others with weight b, where
    b = 1 / (r·p + 1 − p) for the service's planned share p keeps its size.
    """
    offering = [
        (position, _provider_share(org_key, unit_name, key))
        for position, (org_key, unit_name) in enumerate(PROVIDER_UNITS)
        if key in _unit_spec(org_key, unit_name).services
    ]
    codes = np.array([position for position, _ in offering])
    provider = PROVIDER_OF_UNIT[codes]
    calibration = CALIBRATION[key]
    planned_share = cal.reason_shares(
        calibration, OTHER_ENDINGS[cases.funder[chosen[0]]]
    )[0]
    odds = providers.column("planned_odds")[provider]
    other = 1 / (odds * planned_share + 1 - planned_share)
    harder = providers.column("difficulty")[provider]
    difficulty = cases.difficulty[chosen][:, None]
    weights = (
        np.array([weight for _, weight in offering])[None, :]
        * np.exp(harder * difficulty - harder**2 / 2)
        * np.where((cases.reason[chosen] == 0)[:, None], odds * other, other)
    )
    cumulative = np.cumsum(weights, axis=1)
    drawn = rng.random(len(chosen))[:, None] * cumulative[:, -1:]
    return codes[(drawn >= cumulative).sum(axis=1)]


def _draw_starts(rng, cases):
    """Redraw the days from referral to first contact with the providers' delays.

    The referral date and the duration of the help stay as drawn.
    """
    duration = cases.ended - cases.started
    delay = providers.column("start_delay")[cases.provider]
    for funder, funder_type in enumerate(FUNDER_TYPES):
        chosen = np.flatnonzero(cases.funder == funder)
        minimum_lag, lag_scale = cal.REFERRAL_LAG[funder_type]
        lag = minimum_lag + rng.gamma(2.0, lag_scale * delay[chosen])
        cases.started[chosen] = cases.referred[chosen] + np.floor(lag)
    cases.ended[:] = cases.started + duration


def _draw_benefits(rng, cases):
    """Draw the subsistence benefits per month of the SGB II households."""
    chosen = np.flatnonzero(cases.funder == JOBCENTER)
    count = len(chosen)
    household = HOUSEHOLDS[cases.household[chosen]]
    children = rng.choice(
        list(cal.CHILDREN), size=count, p=list(cal.CHILDREN.values())
    ) * np.isin(household, ["single_parent", "two_parents"])
    young = cases.age[chosen] < 25
    adults = np.select(
        [
            household == "single_parent",
            np.isin(household, ["couple", "two_parents"]),
            (household == "other") & young,
        ],
        [
            cal.REGELBEDARF_SINGLE + cal.SINGLE_PARENT_SUPPLEMENT,
            2 * cal.REGELBEDARF_PARTNER,
            cal.REGELBEDARF_YOUNG_ADULT,
        ],
        cal.REGELBEDARF_SINGLE,
    )
    need = adults + children * cal.CHILD_BENEFIT_NET
    low, high = cal.INCOME_REDUCTION
    reduction = np.where(
        rng.random(count) < cal.WITH_INCOME, rng.uniform(low, high, count), 0.0
    )
    cases.benefit[chosen] = np.round(need * (1 - reduction), 2)


def _unit_spec(org_key, unit_name):
    spec = district.ORGANISATIONS_BY_KEY[org_key]
    return next(unit for unit in spec.units if unit.name == unit_name)


def _provider_share(org_key, unit_name, service_key):
    """Return a team's weight for a service: its provider's size over its teams."""
    spec = district.ORGANISATIONS_BY_KEY[org_key]
    teams = sum(1 for unit in spec.units if service_key in unit.services)
    return spec.size / teams


def team_sizes(cases: Cases) -> tuple[np.ndarray, np.ndarray]:
    """Return the case managers per funder team and caseworkers per provider team."""
    per_funder_unit = np.bincount(cases.funder_unit, minlength=len(FUNDER_UNITS))
    caseload = np.array(
        [
            cal.CASES_PER_CASE_MANAGER[FUNDER_TYPES[FUNDER_KEYS.index(org_key)]]
            for org_key, _ in FUNDER_UNITS
        ]
    )
    managers = np.maximum(np.ceil(per_funder_unit / caseload), cal.MINIMUM_TEAM_SIZE)
    per_provider_unit = np.bincount(cases.provider_unit, minlength=len(PROVIDER_UNITS))
    caseload = cal.CASES_PER_CASEWORKER * providers.column("caseload")[PROVIDER_OF_UNIT]
    workers = np.maximum(np.ceil(per_provider_unit / caseload), cal.MINIMUM_TEAM_SIZE)
    return managers.astype(int), workers.astype(int)


def assign_staff(rng, cases: Cases, managers: np.ndarray, workers: np.ndarray):
    """Give every case a case manager and a caseworker of its teams."""
    cases.case_manager[:] = rng.random(len(cases)) * managers[cases.funder_unit]
    cases.caseworker[:] = rng.random(len(cases)) * workers[cases.provider_unit]


@dataclass(frozen=True)
class Showcase:
    """What a demo login should find on the start page: own cases needing attention."""

    role: str  # case_manager or caseworker
    unit: int  # index into FUNDER_UNITS or PROVIDER_UNITS
    overdue: int = 3
    due_soon: int = 3
    referrals: int = 2
    other: int = 12


def showcase(rng, cases: Cases, showcases: list[Showcase]):
    """Give each demo login (position 0 of its team) open cases that need attention.

    Open cases are taken first; in a small demo a few closed ones are reopened.
    """
    claimed = np.zeros(len(cases), bool)
    for item in showcases:
        if item.role == "case_manager":
            mine, position = cases.funder_unit == item.unit, cases.case_manager
        else:
            mine, position = cases.provider_unit == item.unit, cases.caseworker
        wanted = (
            (OVERDUE, item.overdue, cases.started <= -(cal.EARLIEST_REVIEW_DAYS + 100)),
            (DUE_SOON, item.due_soon, cases.started <= -cal.EARLIEST_REVIEW_DAYS),
            (NEW_REFERRAL, item.referrals, cases.started > -cal.WINDOW_DAYS),
            (ON_TIME, item.other, cases.is_started),
        )
        for state, number, condition in wanted:
            pool = np.flatnonzero(mine & condition & ~claimed)
            still_open = cases.ended[pool] > 0
            picked = np.concatenate(
                (rng.permutation(pool[still_open]), rng.permutation(pool[~still_open]))
            )[:number]
            reopened = picked[cases.ended[picked] <= 0]
            cases.ended[reopened] = rng.integers(30, 365, len(reopened))
            claimed[picked] = True
            position[picked] = 0
            cases.state[picked] = state
            if state == NEW_REFERRAL:
                referred = -rng.integers(0, cal.REFERRAL_DAYS, size=len(picked))
                duration = cases.ended[picked] - cases.started[picked]
                cases.referred[picked] = referred
                cases.started[picked] = np.maximum(
                    referred + cal.REFERRAL_DAYS + rng.integers(5, 20, len(picked)), 1
                )
                cases.ended[picked] = cases.started[picked] + duration


def settle(rng, cases: Cases, today) -> Cases:
    """Fix today's state of open cases, order cases by referral and number them."""
    running = np.flatnonzero(cases.is_running)
    late_low, late_high = cal.LATE_REVIEW_DAYS
    # Only cases running long enough can be overdue: raise their chance so that
    # the shares hold among all running cases.
    can_be_late = cases.started[running] <= -(cal.EARLIEST_REVIEW_DAYS + late_high)
    scale = len(running) / max(can_be_late.sum(), 1)
    overdue = cal.OPEN_OVERDUE_SHARE * scale
    slightly = cal.OPEN_SLIGHTLY_OVERDUE_SHARE * scale
    drawn = np.where(can_be_late, rng.random(len(running)), 1.0)
    free = cases.state[running] == ON_TIME
    state = np.select(
        [drawn < overdue, drawn < overdue + slightly],
        [OVERDUE, SLIGHTLY_OVERDUE],
        ON_TIME,
    )
    cases.state[running] = np.where(free, state, cases.state[running])
    state = cases.state[running]
    next_review = np.select(
        [state == OVERDUE, state == SLIGHTLY_OVERDUE, state == DUE_SOON],
        [
            -rng.integers(late_low, late_high + 1, len(running)),
            -rng.integers(1, late_low, len(running)),
            rng.integers(0, 14, len(running)),
        ],
        rng.integers(0, cal.REVIEW_INTERVAL_DAYS, len(running)),
    )
    cases.next_review[running] = np.maximum(
        next_review, cases.started[running] + cal.EARLIEST_REVIEW_DAYS
    )

    cases = cases.take(np.lexsort((np.arange(len(cases)), cases.referred)))
    year = years(today, cases.referred)
    for funder in (YOUTH_OFFICE, JOBCENTER):
        chosen = np.flatnonzero(cases.funder == funder)
        _, first, group = np.unique(
            year[chosen], return_index=True, return_inverse=True
        )
        cases.sequence[chosen] = np.arange(len(chosen)) - first[group] + 1
    return cases


def years(today, offsets):
    """Return the calendar years of day offsets relative to today."""
    dates = np.datetime64(today, "D") + offsets.astype("timedelta64[D]")
    return dates.astype("datetime64[Y]").astype(int) + 1970


def iso_dates(today, offsets):
    """Return ISO date strings for day offsets relative to today."""
    return (np.datetime64(today, "D") + offsets.astype("timedelta64[D]")).astype(str)


def references(today, cases: Cases) -> list[str]:
    """Return case numbers such as ``JA-2025-000123``."""
    prefixes = np.array(["JA", "JC"])[cases.funder]
    referred = years(today, cases.referred)
    return [
        f"{prefix}-{year}-{number:06d}"
        for prefix, year, number in zip(
            prefixes.tolist(), referred.tolist(), cases.sequence.tolist(), strict=True
        )
    ]


class Pseudonyms:
    """Unique pseudonyms such as ``LB-7KQ2-M9XD``: a seeded bijection of an index."""

    BITS = 40  # 8 characters of a 32-letter alphabet

    def __init__(self, rng, alphabet):
        self.alphabet = np.frombuffer(alphabet.encode("ascii"), np.uint8)
        self.multipliers = (rng.integers(1, 2**39, size=2, dtype=np.uint64) << 1) | 1
        self.offset = rng.integers(0, 2**self.BITS, dtype=np.uint64)

    def __call__(self, indices: np.ndarray) -> np.ndarray:
        mask = np.uint64(2**self.BITS - 1)
        x = (indices.astype(np.uint64) + self.offset) & mask
        for multiplier, shift in zip(self.multipliers, (19, 21), strict=True):
            x = (x * multiplier) & mask
            x ^= x >> np.uint64(shift)
        letters = np.empty((len(x), 12), np.uint8)
        letters[:, :3] = np.frombuffer(b"LB-", np.uint8)
        letters[:, 7] = ord("-")
        for place, column in enumerate((3, 4, 5, 6, 8, 9, 10, 11)):
            digit = (x >> np.uint64(5 * place)) & np.uint64(31)
            letters[:, column] = self.alphabet[digit]
        return letters.view("S12").ravel().astype("U12")
