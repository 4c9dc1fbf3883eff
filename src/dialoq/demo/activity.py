"""Vectorised draws of contacts, need assessments and survey answers of a chunk.

Dates are whole days relative to today and indices are local to the chunk,
as in :mod:`.planning`, whose rows (help plans, reviews) some draws build on.
"""

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from dialoq.demo import calibration as cal
from dialoq.demo import providers
from dialoq.demo.generator import SERVICE_KEYS, Cases
from dialoq.demo.planning import Chunk
from dialoq.feedback.survey import ITEM_FIELDS

CONTACT_KINDS = np.array(["face_to_face", "home_visit", "group", "phone"])
_KIND_SHARES = np.array(
    [
        [cal.CONTACTS[key].kinds.get(kind, 0.0) for kind in CONTACT_KINDS]
        for key in SERVICE_KEYS
    ]
)
_KIND_LENGTH = np.array([cal.CONTACT_KIND_LENGTH[kind] for kind in CONTACT_KINDS])
_PER_MONTH = np.array([cal.CONTACTS[key].per_month for key in SERVICE_KEYS])
_DAY_RATE_MINUTES = np.array([cal.CONTACTS[key].minutes for key in SERVICE_KEYS])
_PLANNED, _DROPOUTS = 0, [cal.CLOSURE_REASONS.index(r) for r in cal.DROPOUT_REASONS]


@dataclass
class Contacts:
    """Contacts of a chunk, ordered by case and date."""

    case: np.ndarray
    day: np.ndarray
    minutes: np.ndarray
    kind: np.ndarray  # index into CONTACT_KINDS


@dataclass
class Needs:
    """Need assessments (start, then closure) and their ratings of a chunk."""

    assessments_case: np.ndarray
    assessments_closure: np.ndarray  # False: at the start
    assessments_day: np.ndarray
    ratings_assessment: np.ndarray
    ratings_dimension: np.ndarray  # position in the code book's dimensions
    ratings_level: np.ndarray
    ratings_relevant: np.ndarray


@dataclass
class Survey:
    """Anonymous survey answers of a chunk, in random order."""

    case: np.ndarray  # only for funder, provider and service type
    day: np.ndarray
    answers: dict  # item field → levels 1-5, 0 for no answer


def draw_contacts(rng, cases: Cases, rows: Chunk) -> Contacts:
    """Draw the documented contacts of started cases, from the start to today or end.

    The first contact is the start of the help; the others fall evenly at the
    service's rate over the help. Their minutes deliver the agreed hours of
    the first help plan (help paid by the hour) or the calibrated length.
    A case above the cap has fewer, longer contacts.
    """
    started = cases.is_started
    last = np.minimum(cases.ended, 0)
    span = np.where(started, last - cases.started, 0)
    intensity = providers.column("contact_intensity")[cases.provider]
    per_month = _PER_MONTH[cases.service] * intensity
    drawn = np.where(
        started,
        1 + rng.poisson(per_month * span / cal.DAYS_PER_MONTH),
        0,
    )
    count = np.minimum(drawn, cal.MAX_CONTACTS_PER_CASE)
    stretch = np.minimum(drawn / np.maximum(count, 1), cal.MAX_CONTACT_STRETCH)

    case = np.repeat(np.arange(len(cases)), count)
    first = np.concatenate(([0], np.cumsum(count)[:-1]))
    is_first = np.zeros(len(case), bool)
    is_first[first[count > 0]] = True
    day = cases.started[case] + np.where(
        is_first, 0, np.floor(rng.random(len(case)) * (span[case] + 1))
    ).astype(np.int32)
    order = np.lexsort((day, case))
    case, day = case[order], day[order]

    shares = np.cumsum(_KIND_SHARES[cases.service[case]], axis=1)
    kind = (rng.random(len(case))[:, None] >= shares).sum(axis=1)
    kind = np.minimum(kind, len(CONTACT_KINDS) - 1)
    length = (_KIND_SHARES * _KIND_LENGTH).sum(axis=1)[cases.service]
    first_plan = _first_plan_hours(rows, len(cases))
    hourly = (
        first_plan * cal.DELIVERED_SHARE * 60 / (_PER_MONTH[cases.service] * length)
    )
    base = np.where(np.isnan(hourly), _DAY_RATE_MINUTES[cases.service], hourly)
    minutes = (
        base[case]
        * _KIND_LENGTH[kind]
        * stretch[case]
        * rng.lognormal(
            -(cal.CONTACT_MINUTES_SPREAD**2) / 2, cal.CONTACT_MINUTES_SPREAD, len(case)
        )
    )
    minutes = np.clip(np.rint(minutes / 5) * 5, 5, cal.MAX_CONTACT_MINUTES)
    return Contacts(case, day, minutes.astype(np.int32), kind)


def _first_plan_hours(rows: Chunk, count: int) -> np.ndarray:
    """Return the agreed hours per month of each case's first plan (NaN if none)."""
    hours = np.full(count, np.nan)
    first = rows.plans_version == 1
    hours[rows.plans_case[first]] = rows.plans_hours[first]
    return hours


def draw_needs(rng, cases: Cases, dimensions: list[int]) -> Needs:
    """Draw need assessments at the start and at closure, over the dimensions.

    ``dimensions`` gives the number of need dimensions of each service type
    (index into SERVICE_KEYS). Every dimension is rated; relevant ones start
    low (harder cases lower) and change by how the help ends.
    """
    count = len(cases)
    started = cases.is_started
    closed = cases.is_closed
    at_start = started & (rng.random(count) < cal.NEED_ASSESSED_AT_START)
    closure_share = np.where(
        cases.reason == _PLANNED,
        cal.NEED_ASSESSED_AT_CLOSURE["planned"],
        cal.NEED_ASSESSED_AT_CLOSURE["other"],
    )
    at_closure = closed & (rng.random(count) < closure_share)
    last = np.minimum(cases.ended, 0)
    start_day = np.minimum(cases.started + rng.integers(0, 15, count), last)
    closure_day = np.maximum(cases.ended - rng.integers(0, 8, count), start_day)

    assessments, ratings = [], []
    next_assessment = 0
    for service, size in enumerate(dimensions):
        chosen = np.flatnonzero((cases.service == service) & started)
        if not len(chosen) or not size:
            continue
        start, closure, relevant = _need_levels(rng, cases, chosen, size)
        for occasion, levels, wanted, days in (
            (False, start, at_start, start_day),
            (True, closure, at_closure, closure_day),
        ):
            keep = wanted[chosen]
            number = int(keep.sum())
            local = np.arange(next_assessment, next_assessment + number)
            next_assessment += number
            assessments.append(
                (chosen[keep], np.full(number, occasion), days[chosen[keep]])
            )
            ratings.append(
                (
                    np.repeat(local, size),
                    np.tile(np.arange(size), number),
                    levels[keep].ravel(),
                    relevant[keep].ravel(),
                )
            )
    if not assessments:
        empty = np.zeros(0, np.int32)
        return Needs(empty, empty.astype(bool), empty, empty, empty, empty, empty)
    case, closure, day = (np.concatenate(c) for c in zip(*assessments, strict=True))
    rating = [np.concatenate(c) for c in zip(*ratings, strict=True)]
    return Needs(case, closure, day, *rating)


def _need_levels(rng, cases, chosen, size):
    """Return (start levels, closure levels, relevant) as case × dimension arrays."""
    count = len(chosen)
    order = rng.random((count, size))
    relevant = order < cal.NEED_RELEVANT
    # At least two dimensions are relevant: the two with the lowest draws.
    ranks = order.argsort(axis=1).argsort(axis=1)
    relevant |= ranks < 2
    case_level = cal.NEED_START_MEAN - cal.NEED_DIFFICULTY * cases.difficulty[chosen]
    start = np.where(
        relevant,
        case_level[:, None]
        + cal.NEED_START_SPREAD * rng.standard_normal((count, size)),
        cal.NEED_IRRELEVANT_MEAN + 0.8 * rng.standard_normal((count, size)),
    )
    change = (
        np.array([cal.NEED_CHANGE[r] for r in cal.CLOSURE_REASONS])[
            cases.reason[chosen]
        ]
        + providers.column("need_change")[cases.provider[chosen]]
    )
    closure = start + np.where(
        relevant,
        change[:, None] + cal.NEED_CHANGE_SPREAD * rng.standard_normal((count, size)),
        0.5 * rng.standard_normal((count, size)),
    )
    return _need_scale(start), _need_scale(closure), relevant


def _need_scale(levels):
    return np.clip(np.rint(levels), 1, 7).astype(np.int8)


def draw_survey(rng, cases: Cases, rows: Chunk) -> Survey:
    """Draw anonymous survey answers after reviews held within the window.

    Each answer shares a person effect over its items; providers, and how
    the help ends, shift it. The order of the answers is random.
    """
    held = rows.reviews_held
    answered = (held >= -cal.WINDOW_DAYS) & (
        rng.random(len(held)) < cal.SURVEY_RESPONSE
    )
    day = held[answered] + rng.integers(0, cal.SURVEY_DAYS + 1, int(answered.sum()))
    case = rows.reviews_case[answered][day <= 0]
    day = day[day <= 0]
    order = rng.permutation(len(case))
    case, day = case[order], day[order]

    reason = cases.reason[case]
    ending = np.select(
        [reason == _PLANNED, np.isin(reason, _DROPOUTS)],
        [cal.SURVEY_ENDING_SHIFT["planned"], cal.SURVEY_ENDING_SHIFT["dropout"]],
        cal.SURVEY_ENDING_SHIFT["other"],
    )
    person = (
        cal.SURVEY_PERSON_SD * rng.standard_normal(len(case))
        + providers.column("satisfaction")[cases.provider[case]]
        + ending
    )
    normal = NormalDist()
    answers = {}
    for field in ITEM_FIELDS:
        agree_at = cal.SURVEY_THRESHOLDS[2]
        base = agree_at + normal.inv_cdf(cal.SURVEY_AGREEMENT[field])
        latent = base + person + cal.SURVEY_ITEM_SD * rng.standard_normal(len(case))
        level = 1 + np.searchsorted(cal.SURVEY_THRESHOLDS, latent)
        blank = rng.random(len(case)) < cal.SURVEY_NO_ANSWER
        answers[field] = np.where(blank, 0, level).astype(np.int8)
    return Survey(case, day, answers)
