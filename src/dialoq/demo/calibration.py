"""Calibration of the demo data: every figure with its source or marked as assumption.

Tags as in the research note on published German figures that came with the
project brief: [V] verified in the source, [V-2nd] read in a secondary source,
[D] derived from such figures, [A] assumption without a published value.
Section numbers (§1.2, §7.1 …) refer to that note; ``docs/demo-data.md`` gives
every value with its source URL.
"""

import math
from dataclasses import dataclass

# --- Time frame -------------------------------------------------------------

# The demo holds the cases active at some time in the last four years (the
# official case count is "open at year end plus ended during the year", §1.1):
# three years of results, as asked of the demo, and the year before them,
# which the year-on-year key figures (K1, K3) compare with.
WINDOW_DAYS = 4 * 365  # [A]
# Referrals are simulated this long before the window, so that every help
# still running when the window opens is included (no help lasts longer).
HISTORY_DAYS = 21 * 365
DAYS_PER_MONTH = 30.4375  # average Gregorian month
MINIMUM_DURATION_DAYS = 7  # [A] shortest help recorded
YOUTH_WELFARE_AGE_LIMIT = 21  # [A] help for young adults usually ends at 21 (§ 41)

# --- Funders ----------------------------------------------------------------

# Share of cases funded by the Jugendamt (HzE, § 35a); the rest is Jobcenter.
YOUTH_OFFICE_SHARE = 0.70  # [A]

# --- Endings ----------------------------------------------------------------

PLANNED = "planned"
DROPOUT_BENEFICIARY = "dropout_beneficiary"
DROPOUT_PROVIDER = "dropout_provider"
DROPOUT_FUNDER = "dropout_funder"
CHANGE_OF_RESPONSIBILITY = "change_of_responsibility"
OTHER = "other"
CLOSURE_REASONS = (
    PLANNED,
    DROPOUT_BENEFICIARY,
    DROPOUT_PROVIDER,
    DROPOUT_FUNDER,
    CHANGE_OF_RESPONSIBILITY,
    OTHER,
)

# How endings that are not "gemäß Hilfeplan" split (§7.1): [A], anchored on
# Heim 2004/2006 where 20-21 % of all endings were broken off by the
# Sorgeberechtigte or young adult [V-2nd].
YOUTH_WELFARE_OTHER_ENDINGS = {
    DROPOUT_BENEFICIARY: 0.55,
    DROPOUT_PROVIDER: 0.15,
    DROPOUT_FUNDER: 0.10,
    CHANGE_OF_RESPONSIBILITY: 0.10,
    OTHER: 0.10,
}
# SGB II measures: no published split [A]; Jobcenter end measures more often
# themselves (e.g. lack of participation, end of benefit receipt).
JOBCENTER_OTHER_ENDINGS = {
    DROPOUT_BENEFICIARY: 0.50,
    DROPOUT_PROVIDER: 0.10,
    DROPOUT_FUNDER: 0.20,
    CHANGE_OF_RESPONSIBILITY: 0.10,
    OTHER: 0.10,
}
# Helps that are broken off end earlier: duration multiplier for dropouts [A];
# the planned endings are stretched so that each type keeps its mean (§7.1).
DROPOUT_DURATION_FACTOR = 0.6
DROPOUT_REASONS = (DROPOUT_BENEFICIARY, DROPOUT_PROVIDER, DROPOUT_FUNDER)


@dataclass(frozen=True)
class TypeCalibration:
    """Distributions of one service type's cases."""

    share: float  # share among the funder's cases
    mean_months: float  # mean duration of ended help
    sigma: float  # lognormal shape of the duration
    planned: float  # share ended as planned, excluding changes of responsibility
    mean_age: float  # mean age at start
    age_sd: float
    male: float  # share male
    single_parent: float
    transfer_benefits: float
    non_german: float
    prior_help: float
    integration: float = 0.0  # SGB II: share of ended measures with integration
    max_months: float | None = None  # legal maximum duration
    min_age: float = 0.0
    max_age: float = YOUTH_WELFARE_AGE_LIMIT

    @property
    def mu(self) -> float:
        """Return the lognormal location giving the calibrated mean duration."""
        return math.log(self.mean_months) - self.sigma**2 / 2


# --- Youth welfare (SGB VIII): §7.1 ------------------------------------------

# Type mix of ASD-managed help without Erziehungsberatung [D] (Destatis 2023,
# §1.1), normalised to 1 below; § 35a adds about 30 % on top, i.e. 23 % of the
# combined pool [D]. Split of § 35a into ambulant and residential: [A].
_ASD_MIX = {
    "hze-27-flexibel": 11.0,
    "hze-29-gruppenarbeit": 3.0,
    "hze-30-erziehungsbeistand": 14.0,
    "hze-31-spfh": 26.0,
    "hze-32-tagesgruppe": 4.0,
    "hze-33-vollzeitpflege": 16.0,
    "hze-34-heimerziehung": 24.0,
    "hze-35-ise": 1.5,
}
SECTION_35A_SHARE = 0.23  # [D] 158.6k / (532.5k + 158.6k)
SECTION_35A_AMBULANT = 0.75  # [A] most § 35a help is ambulant (e.g. Lerntherapie)

SINGLE_PARENT = 0.405  # [V] AKJStat 2023, §1.2
TRANSFER_BENEFITS = 0.266  # [V] AKJStat 2023, §1.2
NON_GERMAN = 0.203  # [V] AKJStat 2023, §1.2
PRIOR_HELP = 0.30  # [A] earlier help received
MALE = 0.55  # [A] §7.1 (direction [V-2nd], value not verified)


def _youth(key, **values):
    share = _ASD_MIX[key] / sum(_ASD_MIX.values()) * (1 - SECTION_35A_SHARE)
    defaults = {
        "share": share,
        "mean_age": 10.2,  # [V] overall mean age at start, §1.2
        "age_sd": 4.5,  # [A]
        "male": MALE,
        "single_parent": SINGLE_PARENT,
        "transfer_benefits": TRANSFER_BENEFITS,
        "non_german": NON_GERMAN,
        "prior_help": PRIOR_HELP,
    }
    defaults.update(values)
    return TypeCalibration(**defaults)


_SECTION_35A = {
    "mean_months": 24.6,  # [V] hzemonitor § 35a 2023
    "sigma": 0.9,  # [A] §7.1
    "planned": 0.62,  # [V] hzemonitor § 35a 2023 (62.3 %)
    "mean_age": 11.5,  # [V] hzemonitor § 35a 2023
    "age_sd": 3.5,  # [A]
    "male": 0.70,  # [A] §7.1
    "single_parent": 0.315,  # [V] hzemonitor § 35a 2023
    "transfer_benefits": 0.232,  # [V] hzemonitor § 35a 2023
    "non_german": 0.136,  # [V] hzemonitor § 35a 2023
    "prior_help": PRIOR_HELP,
}

YOUTH_WELFARE = {
    # Duration 12 months [A]; planned share: overall ASD value [A].
    "hze-27-flexibel": _youth(
        "hze-27-flexibel", mean_months=12, sigma=0.8, planned=0.68, mean_age=9.0
    ),
    # Duration 12 months, σ 0.7 [A]; planned [A]; age [A].
    "hze-29-gruppenarbeit": _youth(
        "hze-29-gruppenarbeit", mean_months=12, sigma=0.7, planned=0.68, mean_age=11.5
    ),
    # Duration 14 months [A]; planned 0.68 [A]; adolescents, age 13 [A].
    "hze-30-erziehungsbeistand": _youth(
        "hze-30-erziehungsbeistand",
        mean_months=14,
        sigma=0.8,
        planned=0.68,
        mean_age=13.0,
        age_sd=3.0,
    ),
    # Duration 16 months [V-2nd] (σ [A]); planned 0.64 [V-2nd]; age 8.2,
    # single parent 50.6 %, transfer benefits 63.4 %, non-German 20.6 %
    # [V-2nd] (Monitor HzE 2016 via Krause); male 0.52 [A].
    "hze-31-spfh": _youth(
        "hze-31-spfh",
        mean_months=16,
        sigma=0.8,
        planned=0.64,
        mean_age=8.2,
        male=0.52,
        single_parent=0.506,
        transfer_benefits=0.634,
        non_german=0.206,
    ),
    # Duration 20 months [A]; planned 0.65 [A]; age 9 [A].
    "hze-32-tagesgruppe": _youth(
        "hze-32-tagesgruppe",
        mean_months=20,
        sigma=0.8,
        planned=0.65,
        mean_age=9.0,
        age_sd=2.5,
    ),
    # Duration about 40 months, σ 1.0 [A]; planned 0.55 [A]; foster children
    # are young, age 6.5 [A].
    "hze-33-vollzeitpflege": _youth(
        "hze-33-vollzeitpflege",
        mean_months=40,
        sigma=1.0,
        planned=0.55,
        mean_age=6.5,
        age_sd=4.5,
    ),
    # Duration mean 26, σ 1.04 [D] from Destatis 2006 [V-2nd] (26 months, 41 %
    # within a year); planned 0.50 [A]; age 13.5 [A]; prior help 0.5 [A].
    "hze-34-heimerziehung": _youth(
        "hze-34-heimerziehung",
        mean_months=26,
        sigma=1.04,
        planned=0.50,
        mean_age=13.5,
        age_sd=3.0,
        prior_help=0.50,
    ),
    # Duration 12 months [A]; planned 0.55 [A]; age 15 [A].
    "hze-35-ise": _youth(
        "hze-35-ise",
        mean_months=12,
        sigma=0.8,
        planned=0.55,
        mean_age=15.0,
        age_sd=2.0,
        prior_help=0.60,
    ),
    "eh-35a-ambulant": TypeCalibration(
        share=SECTION_35A_SHARE * SECTION_35A_AMBULANT, **_SECTION_35A
    ),
    "eh-35a-stationaer": TypeCalibration(
        share=SECTION_35A_SHARE * (1 - SECTION_35A_AMBULANT), **_SECTION_35A
    ),
}

# --- SGB II measures of the Jobcenter (zkT): §7.3 ----------------------------

# No published mix, durations or endings per measure: all [A], with legal
# maxima from the SGB II (§ 16e: 2 years, § 16i: 5 years). The integration
# share of ended measures is anchored on K2 ≈ 21 % (§3.2, [V]): overall
# about 20-25 % of ended measures end with an integration [A].
INTEGRATION_FEMALE_RATIO = 0.65  # [V] K2 women / men 2013 (19.3 / 29.7), §3.2
JOBCENTER_MALE = 0.52  # [A] ELB are about half women
JOBCENTER_SINGLE_PARENT = 0.16  # [A] within the NRW range 10-16 % [V] (§3.4)
JOBCENTER_NON_GERMAN = 0.35  # [A]
JOBCENTER_PRIOR_HELP = 0.40  # [A] earlier measure received


def _jobcenter(**values):
    defaults = {
        "mean_age": 38.0,  # [A]
        "age_sd": 11.0,  # [A]
        "male": JOBCENTER_MALE,
        "single_parent": JOBCENTER_SINGLE_PARENT,
        "transfer_benefits": 1.0,  # SGB II benefits by definition
        "non_german": JOBCENTER_NON_GERMAN,
        "prior_help": JOBCENTER_PRIOR_HELP,
        "min_age": 18.0,
        "max_age": 64.0,
    }
    defaults.update(values)
    return TypeCalibration(**defaults)


JOBCENTER = {
    "sgb2-16-aktivierung": _jobcenter(
        share=0.28, mean_months=5, sigma=0.4, planned=0.65, integration=0.30
    ),
    "sgb2-16a-schuldnerberatung": _jobcenter(
        share=0.10, mean_months=10, sigma=0.6, planned=0.60, integration=0.15
    ),
    "sgb2-16a-psychosozial": _jobcenter(
        share=0.07, mean_months=11, sigma=0.6, planned=0.55, integration=0.12
    ),
    "sgb2-16a-suchtberatung": _jobcenter(
        share=0.05, mean_months=9, sigma=0.6, planned=0.50, integration=0.10
    ),
    "sgb2-16d-agh": _jobcenter(
        share=0.18,
        mean_months=9,
        sigma=0.35,
        planned=0.60,
        integration=0.12,
        max_months=24,
    ),
    "sgb2-16e": _jobcenter(
        share=0.03,
        mean_months=18,
        sigma=0.35,
        planned=0.70,
        integration=0.50,
        max_months=24,
    ),
    "sgb2-16h": _jobcenter(
        share=0.07,
        mean_months=8,
        sigma=0.6,
        planned=0.45,
        integration=0.20,
        mean_age=20.5,
        age_sd=2.5,
        min_age=15.0,
        max_age=25.0,
        male=0.60,
        single_parent=0.08,
    ),
    "sgb2-16i": _jobcenter(
        share=0.07,
        mean_months=30,
        sigma=0.45,
        planned=0.70,
        integration=0.35,
        max_months=60,
    ),
    "sgb2-16k": _jobcenter(
        share=0.15, mean_months=9, sigma=0.5, planned=0.60, integration=0.18
    ),
}

# Kind of integration [A]; young people far more often start an apprenticeship.
INTEGRATION_KINDS = ("employment", "apprenticeship", "self_employment")
INTEGRATION_KIND_SHARES = (0.80, 0.16, 0.04)  # [A]
INTEGRATION_KIND_SHARES_UNDER_25 = (0.48, 0.50, 0.02)  # [A]
# Integration odds by how the measure ended, normalised per type [A].
INTEGRATION_BY_REASON = {
    PLANNED: 1.3,
    DROPOUT_BENEFICIARY: 0.4,
    DROPOUT_PROVIDER: 0.5,
    DROPOUT_FUNDER: 0.8,
    CHANGE_OF_RESPONSIBILITY: 0.3,
    OTHER: 1.0,
}

# --- Case-mix details ------------------------------------------------------

# Households that are not single parents, youth welfare [A].
FAMILY_HOUSEHOLDS = {"two_parents": 0.58, "step_family": 0.25, "other": 0.17}
# Households of SGB II participants who are not single parents [A].
JOBCENTER_HOUSEHOLDS = {
    "single": 0.55,
    "couple": 0.14,
    "two_parents": 0.22,
    "other": 0.09,
}

# Days from referral to the first contact, which starts the help: minimum
# plus gamma(shape 2, scale) [A]. About 82 % of youth-welfare helps and 91 %
# of SGB II measures start within 10 working days (about 14 calendar days);
# a provider's start delay multiplies the scale (:mod:`.providers`).
REFERRAL_LAG = {"youth_office": (3, 3.5), "jobcenter": (2, 3.0)}
# Status of a referral whose help has not started, by days since referral [A].
REFERRAL_DAYS = 10
INTAKE_DAYS = 25

# --- Help plans, goals and reviews ---------------------------------------------

# Review every six months: [V] §6 (HzE practice guideline; SGB II § 15).
REVIEW_INTERVAL_DAYS = 183
FIRST_REVIEW_DAYS = (90, 183)  # [A] earlier in the first months (§7.1)
EARLIEST_REVIEW_DAYS = 60  # [A] no review in the first two months
LAST_REVIEW_BEFORE_END_DAYS = 30  # [A] a closing review replaces a later one
# Timing of a review against its due date [A] (§7.1: "for example 15 %
# overdue by 1-3 months"): 15 % are held late, two thirds of them 30-90 days
# late and one third 1-29 days late (exponential, mean 10 days); the others
# are held on the due date or up to two weeks before it. A provider's late
# reviews multiply the odds of being late (:mod:`.providers`).
LATE_REVIEW_SHARE = 0.15
LATE_REVIEW_DAYS = (30, 90)
SLIGHTLY_LATE_SHARE = 1 / 3  # of the late reviews
SLIGHTLY_LATE_MEAN_DAYS = 10.0
EARLY_REVIEW_DAYS = 14
# Open cases today: 15 % overdue by 1-3 months (§7.1 [A]), 5 % overdue by a
# few days, the rest due within the next six months [A].
OPEN_OVERDUE_SHARE = 0.15
OPEN_SLIGHTLY_OVERDUE_SHARE = 0.05
# The plan is rewritten (new version) at every second review, about yearly [A].
REVIEWS_PER_PLAN_VERSION = 2
BENEFICIARY_PARTICIPATED = 0.93  # [A]; providers shift its logit
BENEFICIARY_AGREED = 0.90  # [A] of those who took part

# Agreed service hours (Fachleistungsstunden) per month for help paid by the
# hour [A]; day-rate help (residential, day groups, foster care, AGH,
# activation courses) has none. Each plan varies by a lognormal factor. For
# comparison, SPFH cost about 7,450 EUR per counted case in 2016 (§1.5 [D]);
# counted cases are those open at year end plus those ended, so with 16
# months of help that is about 13,000 EUR per year of help, or 18 hours a
# month at the 2016 rate of about 60 EUR [D]. The demo's 14 agreed hours
# (3.5 a week) are at the lower end, so that a visit lasts about 3-4 hours.
SERVICE_HOURS_PER_MONTH = {
    "hze-27-flexibel": 10,
    "hze-29-gruppenarbeit": 8,
    "hze-30-erziehungsbeistand": 9,
    "hze-31-spfh": 14,
    "hze-35-ise": 22,
    "eh-35a-ambulant": 9,
    "sgb2-16a-schuldnerberatung": 3,
    "sgb2-16a-psychosozial": 5,
    "sgb2-16a-suchtberatung": 4,
    "sgb2-16e": 5,
    "sgb2-16h": 6,
    "sgb2-16i": 5,
    "sgb2-16k": 5,
}
SERVICE_HOURS_SPREAD = 0.3

# Goals per help plan: 2-4 part goals, mode 3 [A] (§7.1).
GOALS_PER_PLAN = {2: 0.25, 3: 0.50, 4: 0.25}
GOAL_WEIGHTS = {1: 0.50, 2: 0.35, 3: 0.15}  # [A]
BASELINE_LEVELS = {-1: 0.75, -2: 0.25}  # [A]
GOAL_RESPONSIBLE = {  # who mainly works on a goal [A]
    "provider": 0.45,
    "jointly": 0.30,
    "beneficiary": 0.20,
    "funder": 0.05,
}

# Goal attainment (GAS levels -2 … +2) [A]: each goal moves from its baseline
# towards a final level that depends on how the help ends; the path is
# concave (progress early).
FINAL_LEVEL = {  # mean and spread of a case's final level
    PLANNED: (0.6, 0.5),
    DROPOUT_BENEFICIARY: (-1.3, 0.5),
    DROPOUT_PROVIDER: (-1.3, 0.5),
    DROPOUT_FUNDER: (-1.1, 0.5),
    CHANGE_OF_RESPONSIBILITY: (-0.3, 0.6),
    OTHER: (-0.3, 0.6),
}
GOAL_SPREAD = 0.4  # [A] goals of one case differ
PROGRESS_EXPONENT = 0.8  # [A]
# Perspectives: providers rate a little better than funders; beneficiaries
# a little better on average and more varied [A].
PERSPECTIVES = ("funder", "provider", "beneficiary")
PERSPECTIVE_OFFSET = {"funder": 0.0, "provider": 0.15, "beneficiary": 0.1}
PERSPECTIVE_NOISE = {"funder": 0.45, "provider": 0.45, "beneficiary": 0.75}
BENEFICIARY_RATING_MISSING = 0.20  # [A] reviews without the beneficiary's view
BENEFICIARY_RATING_DAYS = 7  # [A] the beneficiary rates up to a week later
RATING_TIME = "09:00:00"  # [A] time of day (UTC) the ratings are recorded

# --- Difficulty of a case -----------------------------------------------------

# A hidden difficulty (standard normal over all cases) links the ending, the
# need at intake and the provider a case goes to [A]: helps that end as
# planned were on average DIFFICULTY_GAP sd easier than the others, so the
# need at intake predicts the ending, as risk adjustment assumes.
DIFFICULTY_GAP = 0.8

# --- Contacts and service hours -------------------------------------------------


@dataclass(frozen=True)
class ContactCalibration:
    """Documented contacts of one service type."""

    per_month: float  # contacts per month of help
    kinds: dict  # share of each contact kind
    minutes: float = 0.0  # mean minutes, for help without agreed hours


# Documented contacts per month of help and their kinds [A]: ambulant help
# about weekly (SPFH a little more, ISE twice weekly, group work weekly);
# day-rate help (residential, day groups, foster care, AGH, activation
# courses) documents only the contacts beyond everyday care, such as work
# with the parents or the foster family and key-worker talks. SGB II
# measures follow the contact rhythm of counselling (§7.3: every 4-8 weeks
# in the Jobcenter, more often at the provider).
_HOME = {"home_visit": 0.6, "face_to_face": 0.25, "phone": 0.15}
_TALKS = {"face_to_face": 0.6, "home_visit": 0.2, "phone": 0.2}
_PARENTS = {"face_to_face": 0.55, "home_visit": 0.2, "phone": 0.25}
_COUNSELLING = {"face_to_face": 0.7, "phone": 0.25, "group": 0.05}
CONTACTS = {
    "hze-27-flexibel": ContactCalibration(3.0, _HOME),
    "hze-29-gruppenarbeit": ContactCalibration(
        4.0, {"group": 0.8, "face_to_face": 0.1, "phone": 0.1}
    ),
    "hze-30-erziehungsbeistand": ContactCalibration(3.0, _TALKS),
    "hze-31-spfh": ContactCalibration(4.0, _HOME),
    "hze-32-tagesgruppe": ContactCalibration(1.0, _PARENTS, minutes=60),
    "hze-33-vollzeitpflege": ContactCalibration(
        0.5, {"home_visit": 0.8, "phone": 0.2}, minutes=90
    ),
    "hze-34-heimerziehung": ContactCalibration(0.75, _PARENTS, minutes=75),
    "hze-35-ise": ContactCalibration(6.0, _TALKS),
    "eh-35a-ambulant": ContactCalibration(
        3.0, {"face_to_face": 0.8, "group": 0.1, "phone": 0.1}
    ),
    "eh-35a-stationaer": ContactCalibration(0.75, _PARENTS, minutes=75),
    "sgb2-16-aktivierung": ContactCalibration(
        2.0, {"group": 0.5, "face_to_face": 0.4, "phone": 0.1}, minutes=60
    ),
    "sgb2-16a-schuldnerberatung": ContactCalibration(1.5, _COUNSELLING),
    "sgb2-16a-psychosozial": ContactCalibration(2.5, _COUNSELLING),
    "sgb2-16a-suchtberatung": ContactCalibration(2.5, _COUNSELLING),
    "sgb2-16d-agh": ContactCalibration(
        1.0, {"face_to_face": 0.8, "phone": 0.2}, minutes=45
    ),
    "sgb2-16e": ContactCalibration(2.0, _COUNSELLING),
    "sgb2-16h": ContactCalibration(3.0, _COUNSELLING),
    "sgb2-16i": ContactCalibration(2.0, _COUNSELLING),
    "sgb2-16k": ContactCalibration(2.5, _COUNSELLING),
}
# A phone call takes a quarter of the time of a meeting [A]; the minutes of
# the other contacts follow from the agreed hours of the help plan.
CONTACT_KIND_LENGTH = {
    "face_to_face": 1.0,
    "home_visit": 1.0,
    "group": 1.0,
    "phone": 0.25,
}
CONTACT_MINUTES_SPREAD = 0.35  # [A] lognormal
# Share of the agreed hours delivered (appointments fall through) [A].
DELIVERED_SHARE = 0.9
# At most this many contacts per case [A], so that a million cases stay
# loadable: a longer help has fewer, somewhat longer contacts (up to a
# quarter longer) and so a lower density and fewer hours than calibrated.
MAX_CONTACTS_PER_CASE = 40
MAX_CONTACT_STRETCH = 1.25
MAX_CONTACT_MINUTES = 8 * 60

# Reference rates (EUR, 2025 level) [A]. Help paid by the hour has a rate per
# Fachleistungsstunde in the usual range of 55-75 EUR. Help paid by the day
# has a daily rate (per calendar day of help: Heimerziehung 180 EUR, i.e.
# about 65,700 EUR a year, within the 55,000-75,000 EUR of §7.1; Vollzeit-
# pflege 48 EUR, 17,500 EUR a year, within 15,000-20,000 EUR of §7.1); its
# rate per hour converts the daily rate to the documented contact hours:
# daily rate × 365.25 / 12 / expected contact hours per month, so that the
# hours times the rate give the cost of the days.
RATE_PER_SERVICE_HOUR = {
    "hze-27-flexibel": 62.0,
    "hze-29-gruppenarbeit": 58.0,
    "hze-30-erziehungsbeistand": 63.0,
    "hze-31-spfh": 65.0,
    "hze-35-ise": 68.0,
    "eh-35a-ambulant": 60.0,
    "sgb2-16a-schuldnerberatung": 55.0,
    "sgb2-16a-psychosozial": 58.0,
    "sgb2-16a-suchtberatung": 58.0,
    "sgb2-16e": 56.0,
    "sgb2-16h": 60.0,
    "sgb2-16i": 56.0,
    "sgb2-16k": 57.0,
}
DAILY_RATE = {
    "hze-32-tagesgruppe": 85.0,  # 125 EUR per day attended, 250 days a year
    "hze-33-vollzeitpflege": 48.0,
    "hze-34-heimerziehung": 180.0,
    "eh-35a-stationaer": 195.0,
    "sgb2-16-aktivierung": 25.0,  # about 760 EUR a month
    "sgb2-16d-agh": 12.0,  # about 365 EUR a month, incl. the allowance
}


def contact_hours_per_month(key: str) -> float:
    """Return the expected documented contact hours per month of a service type."""
    contacts = CONTACTS[key]
    if key in SERVICE_HOURS_PER_MONTH:
        return SERVICE_HOURS_PER_MONTH[key] * DELIVERED_SHARE
    length = sum(
        share * CONTACT_KIND_LENGTH[kind] for kind, share in contacts.kinds.items()
    )
    return contacts.per_month * contacts.minutes * length / 60


def rate_per_hour(key: str) -> float | None:
    """Return the reference rate per service hour of a service type (EUR)."""
    if key in RATE_PER_SERVICE_HOUR:
        return RATE_PER_SERVICE_HOUR[key]
    if key in DAILY_RATE:
        month = DAILY_RATE[key] * DAYS_PER_MONTH
        return round(month / contact_hours_per_month(key), 2)
    return None


# --- Need assessments -------------------------------------------------------------

# Needs are rated on the dimensions of the case's code book (1 = severe
# need … 7 = no need, a resource) at the start and at closure [A].
NEED_ASSESSED_AT_START = 0.95  # share of started cases
NEED_ASSESSED_AT_CLOSURE = {"planned": 0.92, "other": 0.70}  # of closed cases
NEED_RELEVANT = 0.65  # share of dimensions marked relevant (at least two)
NEED_START_MEAN = 3.0  # relevant dimensions at intake
NEED_START_SPREAD = 1.0  # between dimensions of a case
NEED_DIFFICULTY = 0.6  # a harder case (+1 sd) starts this much lower
NEED_IRRELEVANT_MEAN = 5.5  # dimensions not relevant for the help
# Change at closure (closure minus intake; positive = less need) by ending.
NEED_CHANGE = {
    PLANNED: 1.4,
    DROPOUT_BENEFICIARY: 0.2,
    DROPOUT_PROVIDER: 0.3,
    DROPOUT_FUNDER: 0.4,
    CHANGE_OF_RESPONSIBILITY: 0.7,
    OTHER: 0.7,
}
NEED_CHANGE_SPREAD = 1.0

# --- Satisfaction survey --------------------------------------------------------

# After a review (or the closing review) within the window, the beneficiary
# answers the anonymous survey with this probability, up to three weeks
# later [A].
SURVEY_RESPONSE = 0.30
SURVEY_DAYS = 21
SURVEY_NO_ANSWER = 0.04  # [A] an item left blank
# Share agreeing (4 or 5) per statement [A], anchored on the DGSF evaluation
# (over 85 % full agreement on being accepted, §5 [V]) and the BA survey
# (friendliness rated good by about 75-80 %, counselling by about 50 %, §5
# [V-2nd]).
SURVEY_AGREEMENT = {
    "framework_time": 0.78,
    "framework_reachable": 0.74,
    "position_respect": 0.88,
    "position_say": 0.76,
    "relationship_atmosphere": 0.84,
    "relationship_engagement": 0.82,
    "relationship_trust": 0.80,
    "competence_expertise": 0.83,
    "competence_advice": 0.75,
    "benefit_situation": 0.66,
    "benefit_independence": 0.60,
}
# A latent answer: person (shared by the items) and item noise, each with the
# given sd (together 1), cut at the thresholds into the answers 1-5; "agrees"
# is above the third threshold. Planned endings answer more favourably.
SURVEY_PERSON_SD = 0.8
SURVEY_ITEM_SD = 0.6
SURVEY_THRESHOLDS = (-1.6, -0.8, 0.0, 1.0)
SURVEY_ENDING_SHIFT = {"planned": 0.2, "dropout": -0.5, "other": 0.0}

# --- Subsistence benefits (SGB II) -----------------------------------------------

# Benefits for subsistence (without housing and heating) paid to the
# household per month, from the Regelbedarfe since 1 January 2024 [V]
# (jobcenter-alb-donau.de/regelbedarf: 563 EUR single or single parent, 506
# EUR each partner, 451 EUR adults under 25 at their parents', children
# 357/390/471 EUR) [D]; assumptions [A]: 1-3 children (45/35/20 %) at
# 150 EUR each net of the child benefit counted as the child's income, the
# single-parent supplement of 36 % of 563 EUR, and 30 % of households with an
# income that reduces the benefit by 20-80 %.
REGELBEDARF_SINGLE = 563.0
REGELBEDARF_PARTNER = 506.0
REGELBEDARF_YOUNG_ADULT = 451.0
SINGLE_PARENT_SUPPLEMENT = 0.36 * REGELBEDARF_SINGLE
CHILD_BENEFIT_NET = 150.0
CHILDREN = {1: 0.45, 2: 0.35, 3: 0.20}
WITH_INCOME = 0.30
INCOME_REDUCTION = (0.2, 0.8)

# --- Staff ------------------------------------------------------------------

# Cases (over the four years) per person [A]: an ASD worker has about 50
# open HzE cases; Jobcenter Fallmanagement about 1:100 (targets 1:75 / 1:150,
# §6 [V]); a provider's caseworker about 10-15 families at a time.
CASES_PER_CASE_MANAGER = {"youth_office": 150, "jobcenter": 330}
CASES_PER_CASEWORKER = 38
MINIMUM_TEAM_SIZE = 3
# 47.4 % work full-time; 83,857 FTE / 115,308 persons = 0.73 FTE per head
# [V]/[D] (HzE staff 2020, §1.2); part-time fractions [A].
FULL_TIME_SHARE = 0.474
PART_TIME_FTE = {"0.30": 0.25, "0.50": 0.45, "0.60": 0.15, "0.75": 0.15}
FEMALE_STAFF = 0.75  # [V-2nd] child and youth welfare staff 2022, §1.6
# Qualification (Fachkräftegebot, § 72 SGB VIII). Nationally 36.9 % of all
# HzE staff hold a relevant degree [V] (§1.2, includes Erzieher/innen); for
# the demo [A]:
QUALIFICATIONS = {
    "youth_office": {"social_work_degree": 0.90, "other_pedagogical_degree": 0.10},
    "jobcenter": {
        "administrative": 0.45,
        "social_work_degree": 0.40,
        "other_pedagogical_degree": 0.15,
    },
    "ambulant": {
        "social_work_degree": 0.80,
        "other_pedagogical_degree": 0.10,
        "vocational": 0.10,
    },
    "residential": {
        "social_work_degree": 0.45,
        "vocational": 0.45,
        "other_pedagogical_degree": 0.10,
    },
    "labour_market": {
        "social_work_degree": 0.50,
        "other_pedagogical_degree": 0.20,
        "vocational": 0.30,
    },
}


def planned_share_of_all_endings(planned: float, other_endings: dict) -> float:
    """Return P(planned) among all endings for a share that excludes changes.

    The statistics count "gemäß Hilfeplan" among endings without a change of
    responsible office: p = x / (1 - c·(1 - x)), so x = p·(1 - c) / (1 - c·p).
    """
    change = other_endings[CHANGE_OF_RESPONSIBILITY]
    return planned * (1 - change) / (1 - change * planned)


def reason_shares(calibration: TypeCalibration, other_endings: dict) -> list[float]:
    """Return the probability of each closure reason (order of CLOSURE_REASONS)."""
    planned = planned_share_of_all_endings(calibration.planned, other_endings)
    return [planned] + [
        (1 - planned) * other_endings[reason] for reason in CLOSURE_REASONS[1:]
    ]


def duration_factors(calibration: TypeCalibration, other_endings: dict) -> list[float]:
    """Return per-reason duration multipliers that keep the type's mean duration."""
    shares = dict(
        zip(CLOSURE_REASONS, reason_shares(calibration, other_endings), strict=True)
    )
    factors = {reason: 1.0 for reason in CLOSURE_REASONS}
    for reason in DROPOUT_REASONS:
        factors[reason] = DROPOUT_DURATION_FACTOR
    rest = sum(shares[r] * factors[r] for r in CLOSURE_REASONS if r != PLANNED)
    factors[PLANNED] = (1 - rest) / shares[PLANNED]
    return [factors[reason] for reason in CLOSURE_REASONS]
