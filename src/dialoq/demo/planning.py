"""Vectorised draws of help plans, goals, reviews and GAS ratings of a chunk of cases.

Dates are whole days relative to today, as in :mod:`.generator`; indices are
local to the chunk.
"""

from dataclasses import dataclass

import numpy as np

from dialoq.demo import calibration as cal
from dialoq.demo import district, providers
from dialoq.demo.generator import PERSPECTIVES, SERVICE_KEYS, YOUTH_OFFICE, Cases


@dataclass
class Chunk:
    """The rows of one chunk of cases, as column arrays (local indices)."""

    reviews_case: np.ndarray
    reviews_plan: np.ndarray
    reviews_due: np.ndarray
    reviews_held: np.ndarray
    reviews_final: np.ndarray
    plans_case: np.ndarray
    plans_version: np.ndarray
    plans_agreed: np.ndarray
    plans_next_review: np.ndarray
    plans_participated: np.ndarray
    plans_agreed_by_beneficiary: np.ndarray
    plans_participants: np.ndarray
    plans_hours: np.ndarray  # agreed service hours per month, NaN if none
    goals_plan: np.ndarray
    goals_title: np.ndarray
    goals_weight: np.ndarray
    goals_baseline: np.ndarray
    goals_responsible: np.ndarray
    ratings_review: np.ndarray
    ratings_goal: np.ndarray
    ratings_perspective: np.ndarray
    ratings_level: np.ndarray
    ratings_day: np.ndarray  # day the rating was given


GOAL_GROUPS = tuple(dict.fromkeys(spec.goals for spec in district.SERVICE_TYPES))
GOAL_GROUP_OF_SERVICE = np.array(
    [GOAL_GROUPS.index(spec.goals) for spec in district.SERVICE_TYPES]
)
GOAL_TITLES = tuple(
    title for group in GOAL_GROUPS for title in district.GOAL_TITLES[group]
)
_GOAL_GROUP_FIRST = np.cumsum([0] + [len(district.GOAL_TITLES[g]) for g in GOAL_GROUPS])


def draw_chunk(rng, cases: Cases) -> Chunk:
    """Draw help plans, goals, reviews and ratings of a chunk of cases."""
    reviews = _reviews(rng, cases)
    case_of_review, due, held, final = reviews
    count = len(cases)
    per_case = np.bincount(case_of_review, minlength=count)
    first_review = np.concatenate(([0], np.cumsum(per_case)[:-1]))
    rank = np.arange(len(case_of_review)) - first_review[case_of_review]
    regular = per_case - cases.is_closed

    # A plan at the start, then a new version at every second review.
    per_plan = cal.REVIEWS_PER_PLAN_VERSION
    plans_per_case = np.where(cases.is_started, 1 + regular // per_plan, 0)
    plan_case = np.repeat(np.arange(count), plans_per_case)
    first_plan = np.concatenate(([0], np.cumsum(plans_per_case)[:-1]))
    version = np.arange(len(plan_case)) - first_plan[plan_case]
    made_at = first_review[plan_case] + per_plan * version - 1
    agreed = np.where(
        version == 0, cases.started[plan_case], held[np.maximum(made_at, 0)]
    )
    next_at = made_at + 1
    has_next = per_plan * version < per_case[plan_case]
    due_after = (
        due.take(next_at, mode="clip") if len(due) else np.zeros(len(plan_case), int)
    )
    plan_next = np.where(has_next, due_after, cases.next_review[plan_case])
    participated = rng.random(len(plan_case)) < _participation(cases, plan_case)
    agreed_by_beneficiary = participated & (
        rng.random(len(plan_case)) < cal.BENEFICIARY_AGREED
    )
    review_plan = first_plan[case_of_review] + rank // per_plan

    goals_plan, goal_title, weight, baseline = _goals(rng, cases, plan_case)
    responsible = rng.choice(
        list(cal.GOAL_RESPONSIBLE),
        size=len(goals_plan),
        p=list(cal.GOAL_RESPONSIBLE.values()),
    )
    ratings = _ratings(
        rng,
        cases,
        case_of_review,
        review_plan,
        held,
        plan_case,
        agreed,
        goals_plan,
        baseline,
    )
    return Chunk(
        reviews_case=case_of_review,
        reviews_plan=review_plan,
        reviews_due=due,
        reviews_held=held,
        reviews_final=final,
        plans_case=plan_case,
        plans_version=version + 1,
        plans_agreed=agreed,
        plans_next_review=plan_next,
        plans_participated=participated,
        plans_agreed_by_beneficiary=agreed_by_beneficiary,
        plans_participants=_participants(cases, plan_case, participated),
        plans_hours=_service_hours(rng, cases, plan_case),
        goals_plan=goals_plan,
        goals_title=goal_title,
        goals_weight=weight,
        goals_baseline=baseline,
        goals_responsible=responsible,
        ratings_review=ratings[0],
        ratings_goal=ratings[1],
        ratings_perspective=ratings[2],
        ratings_level=ratings[3],
        ratings_day=_rating_days(rng, held, ratings),
    )


def _rating_days(rng, held, ratings):
    """Return each rating's day: the review's, or up to a week later (beneficiary)."""
    review, _goal, perspective, _level = ratings
    later = rng.integers(0, cal.BENEFICIARY_RATING_DAYS + 1, len(review))
    by_beneficiary = perspective == PERSPECTIVES.tolist().index("beneficiary")
    return np.minimum(held[review] + np.where(by_beneficiary, later, 0), 0)


def _participants(cases, plan_case, participated):
    """Return who took part in each plan meeting, by role, one per line."""
    jobcenter = len(district.PLAN_PERSONS) - 1
    group = np.where(
        cases.funder[plan_case] == YOUTH_OFFICE,
        np.searchsorted([12, 18], cases.age[plan_case], side="right"),
        jobcenter,
    )
    variants = np.array(
        [
            "\n".join(
                (
                    *district.PLAN_PROFESSIONALS[index == jobcenter],
                    *persons[: len(persons) - 1 + took_part],
                )
            )
            for index, persons in enumerate(district.PLAN_PERSONS)
            for took_part in (0, 1)
        ],
        dtype=object,
    )
    return variants[2 * group + participated]


def _service_hours(rng, cases, plan_case):
    """Return agreed service hours per month (NaN where help is not paid by hours)."""
    base = np.array(
        [cal.SERVICE_HOURS_PER_MONTH.get(key, np.nan) for key in SERVICE_KEYS]
    )[cases.service[plan_case]]
    hours = base * rng.lognormal(0, cal.SERVICE_HOURS_SPREAD, len(plan_case))
    return np.round(hours * 2) / 2


def _participation(cases, plan_case):
    """Return the chance that the beneficiary took part, by the case's provider."""
    base = np.log(cal.BENEFICIARY_PARTICIPATED / (1 - cal.BENEFICIARY_PARTICIPATED))
    logit = base + providers.column("participation")[cases.provider[plan_case]]
    return 1 / (1 + np.exp(-logit))


def _review_delays(rng, late_odds):
    """Return days from a review's due date to the meeting (negative: held early).

    ``late_odds`` multiplies the odds of a late review, one per review.
    """
    count = len(late_odds)
    odds = cal.LATE_REVIEW_SHARE / (1 - cal.LATE_REVIEW_SHARE) * late_odds
    late = rng.random(count) < odds / (1 + odds)
    low, high = cal.LATE_REVIEW_DAYS
    slightly = np.minimum(
        1 + rng.exponential(cal.SLIGHTLY_LATE_MEAN_DAYS - 1, count), low - 1
    )
    delay = np.where(
        rng.random(count) < cal.SLIGHTLY_LATE_SHARE,
        slightly,
        rng.integers(low, high + 1, count),
    )
    early = -rng.integers(0, cal.EARLY_REVIEW_DAYS + 1, count)
    return np.where(late, delay, early).astype(np.int32)


def _reviews(rng, cases):
    """Return (case, due, held, is_final) of every review, ordered by case and date."""
    parts = []
    late_odds = providers.column("late_reviews")[cases.provider]
    # Closed cases: forward from the start; the last review is at the end.
    closed = np.flatnonzero(cases.is_closed)
    low, high = cal.FIRST_REVIEW_DAYS
    due = cases.started[closed] + rng.integers(low, high + 1, len(closed))
    active = np.arange(len(closed))
    while len(active):
        held = due[active] + _review_delays(rng, late_odds[closed[active]])
        keep = held < cases.ended[closed[active]] - cal.LAST_REVIEW_BEFORE_END_DAYS
        active, held = active[keep], held[keep]
        parts.append((closed[active], due[active], held, False))
        due[active] = held + cal.REVIEW_INTERVAL_DAYS
    parts.append((closed, cases.ended[closed], cases.ended[closed], True))

    # Running cases: backward from the next review due; each meeting set the next.
    running = np.flatnonzero(cases.is_running)
    earliest = cases.started[running] + cal.EARLIEST_REVIEW_DAYS
    held = cases.next_review[running] - cal.REVIEW_INTERVAL_DAYS
    active = np.flatnonzero(held >= earliest)
    held = held[active]
    while len(active):
        delays = _review_delays(rng, late_odds[running[active]])
        due = np.maximum(held - delays, earliest[active])
        parts.append((running[active], due, held, False))
        held = due - cal.REVIEW_INTERVAL_DAYS
        keep = held >= earliest[active]
        active, held = active[keep], held[keep]

    case = np.concatenate([part[0] for part in parts])
    due = np.concatenate([part[1] for part in parts]).astype(np.int32)
    held = np.concatenate([part[2] for part in parts]).astype(np.int32)
    final = np.concatenate([np.full(len(part[0]), part[3]) for part in parts])
    order = np.lexsort((final, held, case))
    return case[order], due[order], held[order], final[order]


def _goals(rng, cases, plan_case):
    """Return (plan, title, weight, baseline) of the goals of every plan."""
    counts = list(cal.GOALS_PER_PLAN)
    per_plan = rng.choice(
        counts, size=len(plan_case), p=list(cal.GOALS_PER_PLAN.values())
    )
    goal_plan = np.repeat(np.arange(len(plan_case)), per_plan)
    first_goal = np.concatenate(([0], np.cumsum(per_plan)[:-1]))
    slot = np.arange(len(goal_plan)) - first_goal[goal_plan]
    # Distinct titles per plan: the first slots of a random order of its group.
    group = GOAL_GROUP_OF_SERVICE[cases.service[plan_case]]
    sizes = np.diff(_GOAL_GROUP_FIRST)[group]
    keys = rng.random((len(plan_case), int(np.diff(_GOAL_GROUP_FIRST).max())))
    keys[np.arange(keys.shape[1]) >= sizes[:, None]] = 2.0
    order = np.argsort(keys, axis=1)
    title = _GOAL_GROUP_FIRST[group[goal_plan]] + order[goal_plan, slot]
    weight = rng.choice(
        list(cal.GOAL_WEIGHTS), size=len(goal_plan), p=list(cal.GOAL_WEIGHTS.values())
    )
    baseline = rng.choice(
        list(cal.BASELINE_LEVELS),
        size=len(goal_plan),
        p=list(cal.BASELINE_LEVELS.values()),
    )
    return goal_plan, title, weight, baseline


def _ratings(
    rng, cases, review_case, review_plan, held, plan_case, agreed, goal_plan, baseline
):
    """Return (review, goal, perspective, level) of every rating.

    Each goal moves from its baseline towards a final level that depends on how
    the case ends, reached when its plan is due to be rewritten or the help
    ends; each perspective adds its offset and noise.
    """
    goals_per_plan = np.bincount(goal_plan, minlength=len(plan_case))
    first_goal = np.concatenate(([0], np.cumsum(goals_per_plan)[:-1]))
    goals_per_review = goals_per_plan[review_plan]
    pair_review = np.repeat(np.arange(len(review_plan)), goals_per_review)
    first_pair = np.concatenate(([0], np.cumsum(goals_per_review)[:-1]))
    pair_goal = (
        first_goal[review_plan[pair_review]]
        + np.arange(len(pair_review))
        - first_pair[pair_review]
    )
    views = np.where(
        rng.random(len(review_plan)) < cal.BENEFICIARY_RATING_MISSING, 2, 3
    )
    views_per_pair = views[pair_review]
    rating_pair = np.repeat(np.arange(len(pair_review)), views_per_pair)
    first_rating = np.concatenate(([0], np.cumsum(views_per_pair)[:-1]))
    perspective = np.arange(len(rating_pair)) - first_rating[rating_pair]

    mean, spread = np.array([cal.FINAL_LEVEL[r] for r in cal.CLOSURE_REASONS]).T
    case_final = mean[cases.reason] + spread[cases.reason] * rng.standard_normal(
        len(cases)
    )
    goal_final = case_final[
        plan_case[goal_plan]
    ] + cal.GOAL_SPREAD * rng.standard_normal(len(goal_plan))
    # A plan's goals are meant to be reached by the plan's last review (about a
    # year on) or by the end of the help, whichever comes first.
    start = agreed[review_plan]
    planned_for = cal.REVIEWS_PER_PLAN_VERSION * cal.REVIEW_INTERVAL_DAYS
    span = np.maximum(
        np.minimum(start + planned_for, cases.ended[review_case]) - start, 1
    )
    progress = np.clip((held - start) / span, 0, 1) ** cal.PROGRESS_EXPONENT
    level = (
        baseline[pair_goal]
        + (goal_final[pair_goal] - baseline[pair_goal]) * (progress[pair_review])
    )
    offset = np.array([cal.PERSPECTIVE_OFFSET[p] for p in cal.PERSPECTIVES])
    noise = np.array([cal.PERSPECTIVE_NOISE[p] for p in cal.PERSPECTIVES])
    # A provider whose own ratings run high adds its bias to its perspective.
    rating_case = review_case[pair_review[rating_pair]]
    own = providers.column("own_rating")[cases.provider[rating_case]]
    is_provider = perspective == cal.PERSPECTIVES.index("provider")
    level = (
        level[rating_pair]
        + offset[perspective]
        + np.where(is_provider, own, 0.0)
        + noise[perspective] * rng.standard_normal(len(rating_pair))
    )
    level = np.clip(np.rint(level), -2, 2).astype(np.int8)
    return pair_review[rating_pair], pair_goal[rating_pair], perspective, level
