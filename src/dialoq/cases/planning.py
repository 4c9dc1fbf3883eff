"""Help plans, goals, reviews and need assessments: the reads and the writes.

Every write is one ``do_<verb>_<noun>`` function in ``transaction.atomic`` that
writes the case's history and the access log in the same transaction. History
entries map field names to ``[old, new]``; other keys annotate (ids, versions,
confirmed overrides). Free text (goal wording, participants) never enters the
history, since it may name people.
"""

import calendar
from datetime import date

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from dialoq.accounts import scoping
from dialoq.accounts.roles import Action, OrganisationKind
from dialoq.cases.audit import field_changes, log_access, record_event
from dialoq.cases.gas import gas_t_score
from dialoq.cases.models import (
    AccessAction,
    Case,
    CaseEventKind,
    CaseStatus,
    Goal,
    GoalRating,
    HelpPlan,
    NeedAssessment,
    NeedDimension,
    NeedOccasion,
    NeedRating,
    Perspective,
    Review,
)

# A review interval longer than this needs a confirmation (plausibility check).
LONG_REVIEW_INTERVAL_MONTHS = 6
# The interim need assessment should come at least this long after the start.
INTERIM_MIN_WEEKS = 6
# Perspectives whose levels for a goal differ by this much disagree.
DISAGREEMENT_LEVELS = 2

GOAL_FIELDS = (
    "title",
    "level_minus_2",
    "level_minus_1",
    "level_0",
    "level_plus_1",
    "level_plus_2",
    "baseline_level",
    "weight",
    "measures",
    "responsible",
)
GOAL_TEXT_FIELDS = frozenset(
    {
        "title",
        "level_minus_2",
        "level_minus_1",
        "level_0",
        "level_plus_1",
        "level_plus_2",
        "measures",
    }
)
PLAN_FIELDS = (
    "agreed_on",
    "beneficiary_participated",
    "beneficiary_agreed",
    "agreed_hours_per_month",
    "next_review_due",
)
# Statuses a case leaves once a help plan is documented.
BEFORE_PLAN_STATUSES = frozenset(
    {CaseStatus.REFERRAL, CaseStatus.INTAKE, CaseStatus.PLANNING}
)


def add_months(day: date, months: int) -> date:
    """Return the same day ``months`` later, clamped to the end of the month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def is_long_review_interval(start: date, due: date) -> bool:
    """Return whether a review due date lies unusually far after ``start``."""
    return due > add_months(start, LONG_REVIEW_INTERVAL_MONTHS)


# --- Reads --------------------------------------------------------------------


def current_help_plan(case) -> HelpPlan | None:
    """Return the latest version of the case's help plan, or None."""
    return case.help_plans.order_by("-version").select_related("created_by").first()


def plan_is_editable(plan, current) -> bool:
    """Return whether the plan may still change: the latest version of an open case."""
    return (
        plan is not None
        and current is not None
        and plan.pk == current.pk
        and plan.case.status != CaseStatus.CLOSED
    )


def rating_perspective(user, case) -> str | None:
    """Return the perspective from which the user rates this case's goals, or None.

    Members of the case's funder rate as the funder's case manager, members of
    its provider as the provider's caseworker; others may not rate at all.
    """
    if not scoping.can_change_case(user, case):
        return None
    kinds = {
        grant.organisation_kind
        for grant in scoping.grants(user, Action.CHANGE_CASE)
        if grant.organisation_id in (case.funder_id, case.provider_id)
    }
    if OrganisationKind.FUNDER in kinds:
        return Perspective.FUNDER
    if OrganisationKind.PROVIDER in kinds:
        return Perspective.PROVIDER
    return None


def reviews_with_scores(case):
    """Return the case's reviews, newest first, each with ``scores`` attached."""
    reviews = list(
        case.reviews.select_related("help_plan")
        .prefetch_related(
            "help_plan__goals",
            Prefetch("ratings", queryset=GoalRating.objects.select_related("rated_by")),
        )
        .order_by("-held_on", "-pk")
    )
    for review in reviews:
        review.scores = review_scores(review)
    return reviews


def review_scores(review) -> dict:
    """Return the goal levels, T-scores and disagreements of a review.

    The one definition of goal attainment used by screens and exports. For each
    perspective the weighted GAS T-score covers the goals rated from that
    perspective only (None if none is rated). A goal's ``spread`` is the
    difference between the highest and lowest level given to it (None with
    fewer than two ratings); ``disagreement`` marks a spread of at least
    ``DISAGREEMENT_LEVELS``. Prefetch ``help_plan__goals`` and ``ratings`` when
    scoring many reviews.
    """
    goals = list(review.help_plan.goals.all())
    ratings = {(r.goal_id, r.perspective): r for r in review.ratings.all()}
    rows = [_goal_row(goal, ratings) for goal in goals]
    perspectives = []
    for perspective in Perspective:
        pairs = [
            (row["levels"][perspective.value], row["goal"].weight)
            for row in rows
            if row["levels"][perspective.value] is not None
        ]
        rated_at = [
            r.rated_at
            for (_, p), r in ratings.items()
            if p == perspective and r.rated_at
        ]
        perspectives.append(
            {
                "perspective": perspective.value,
                "label": perspective.label,
                "t_score": gas_t_score(pairs),
                "rated": len(pairs),
                "total": len(goals),
                "last_rated_at": max(rated_at, default=None),
            }
        )
    return {
        "goals": rows,
        "perspectives": perspectives,
        "t_scores": {p["perspective"]: p["t_score"] for p in perspectives},
        "disagreements": sum(1 for row in rows if row["disagreement"]),
    }


def _goal_row(goal, ratings):
    """Return one goal's levels from every perspective, their spread, disagreement."""
    descriptions = dict(goal.level_descriptions())
    cells = []
    for perspective in Perspective:
        rating = ratings.get((goal.pk, perspective.value))
        level = rating.level if rating else None
        cells.append(
            {
                "perspective": perspective.value,
                "label": perspective.label,
                "level": level,
                "description": descriptions.get(level, ""),
                "rating": rating,
            }
        )
    given = [cell["level"] for cell in cells if cell["level"] is not None]
    spread = max(given) - min(given) if len(given) >= 2 else None
    return {
        "goal": goal,
        "levels": {cell["perspective"]: cell["level"] for cell in cells},
        "cells": cells,
        "spread": spread,
        "disagreement": spread is not None and spread >= DISAGREEMENT_LEVELS,
    }


def need_dimensions(case, assessments=()):
    """Return the need dimensions of the case: its service type's set and any rated."""
    dimensions = list(NeedDimension.for_service_type(case.service_type))
    known = {dimension.pk for dimension in dimensions}
    for assessment in assessments:
        for rating in assessment.ratings.all():
            if rating.dimension_id not in known:
                known.add(rating.dimension_id)
                dimensions.append(rating.dimension)
    return dimensions


def need_change(start, latest) -> dict | None:
    """Return the change of need from the start to a later assessment, or None.

    Counted over the dimensions marked relevant at the start and rated both
    times; a positive change means less need (the scale runs from 1, severe
    need, to 7, no need). Gives the mean change and, as the scale is ordinal,
    how many dimensions improved, stayed and worsened.
    """
    if start is None or latest is None or start.pk == latest.pk:
        return None
    before = {r.dimension_id: r for r in start.ratings.all() if r.relevant}
    after = {r.dimension_id: r.level for r in latest.ratings.all()}
    changes = {
        dimension_id: after[dimension_id] - rating.level
        for dimension_id, rating in before.items()
        if dimension_id in after
    }
    values = list(changes.values())
    return {
        "latest": latest,
        "by_dimension": changes,
        "count": len(values),
        "mean": sum(values) / len(values) if values else None,
        "improved": sum(1 for v in values if v > 0),
        "unchanged": sum(1 for v in values if v == 0),
        "worsened": sum(1 for v in values if v < 0),
    }


def need_overview(case) -> dict:
    """Return the need assessments by occasion, a row per dimension, the change."""
    assessments = list(
        case.need_assessments.select_related("assessed_by").prefetch_related(
            Prefetch("ratings", queryset=NeedRating.objects.select_related("dimension"))
        )
    )
    by_occasion = {a.occasion: a for a in assessments}
    start = by_occasion.get(NeedOccasion.START)
    latest = by_occasion.get(NeedOccasion.CLOSURE) or by_occasion.get(
        NeedOccasion.INTERIM
    )
    change = need_change(start, latest)
    ratings = {
        (a.occasion, r.dimension_id): r for a in assessments for r in a.ratings.all()
    }
    rows = [
        {
            "dimension": dimension,
            "cells": [ratings.get((o, dimension.pk)) for o in NeedOccasion.values],
            "change": change["by_dimension"].get(dimension.pk) if change else None,
        }
        for dimension in need_dimensions(case, assessments)
    ]
    occasions = [
        {"value": value, "label": label, "assessment": by_occasion.get(value)}
        for value, label in NeedOccasion.choices
    ]
    return {"occasions": occasions, "rows": rows, "change": change}


def assessments_by_occasion(case) -> dict:
    """Return the case's need assessments by occasion, with their ratings."""
    assessments = case.need_assessments.prefetch_related(
        Prefetch("ratings", queryset=NeedRating.objects.select_related("dimension"))
    )
    return {assessment.occasion: assessment for assessment in assessments}


def interim_reference_date(case) -> date | None:
    """Return the date the interim assessment's interval counts from."""
    if case.started_on:
        return case.started_on
    start = case.need_assessments.filter(occasion=NeedOccasion.START).first()
    return start.assessed_on if start else None


def planning_summary(case, user) -> dict:
    """Return what the case page shows of help plan, reviews and needs."""
    plan = current_help_plan(case)
    return {
        "plan": plan,
        "goals": list(plan.goals.all()) if plan else [],
        "reviews": reviews_with_scores(case),
        "needs": need_overview(case),
        "can_document": case.status != CaseStatus.CLOSED
        and scoping.can_change_case(user, case),
    }


# --- Writes -------------------------------------------------------------------


def _lock(case) -> Case:
    """Lock the case row so that concurrent writes to its plan line up."""
    return (
        Case.objects.select_for_update().select_related("beneficiary").get(pk=case.pk)
    )


def _plain(value):
    if isinstance(value, date):
        return value.isoformat()
    if value is not None and not isinstance(value, bool | int | str):
        return str(value)
    return value


def do_agree_help_plan(case, user, values, *, long_interval_confirmed=False):
    """Document a new version of the help plan, copying the previous version's goals.

    Sets the case's next review date; a case still in referral, intake or
    planning becomes ``running`` if the beneficiary agreed to the plan (with the
    help's start set to the agreement date if unknown), else ``planning``.
    """
    with transaction.atomic():
        case = _lock(case)
        previous = current_help_plan(case)
        plan = HelpPlan.objects.create(
            case=case,
            version=previous.version + 1 if previous else 1,
            participants=values.get("participants", ""),
            created_by=user,
            **{field: values[field] for field in PLAN_FIELDS},
        )
        copied = [
            Goal(help_plan=plan, **{f: getattr(goal, f) for f in GOAL_FIELDS})
            for goal in (previous.goals.all() if previous else [])
        ]
        Goal.objects.bulk_create(copied)
        changes = {
            field: [
                _plain(getattr(previous, field)) if previous else None,
                _plain(values[field]),
            ]
            for field in PLAN_FIELDS
        }
        changes["version"] = [previous.version if previous else None, plan.version]
        changes["goals_copied"] = len(copied)
        if long_interval_confirmed:
            changes["long_review_interval_confirmed"] = True
        record_event(case, CaseEventKind.HELP_PLAN_AGREED, user, changes)
        _set_case_after_plan(case, plan, user)
        log_access(
            user, AccessAction.CHANGE_CASE, case, detail=f"help plan v{plan.version}"
        )
    return plan


def _set_case_after_plan(case, plan, user):
    before = {f: getattr(case, f) for f in ("status", "started_on", "next_review_due")}
    case.next_review_due = plan.next_review_due
    if case.status in BEFORE_PLAN_STATUSES:
        agreed = plan.beneficiary_agreed
        case.status = CaseStatus.RUNNING if agreed else CaseStatus.PLANNING
        if agreed and case.started_on is None:
            case.started_on = plan.agreed_on
    after = {f: getattr(case, f) for f in before}
    case.save(update_fields=list(before))
    status_changes = field_changes(before, after, ("status", "started_on"))
    if status_changes:
        record_event(case, CaseEventKind.STATUS_CHANGED, user, status_changes)


def do_add_goal(plan, user, values) -> Goal:
    """Add a goal to the (current) help plan."""
    with transaction.atomic():
        case = _lock(plan.case)
        goal = Goal.objects.create(
            help_plan=plan, **{f: values[f] for f in GOAL_FIELDS if f in values}
        )
        changes = _goal_changes({}, values)
        changes.update(goal=goal.pk, version=plan.version)
        record_event(case, CaseEventKind.GOAL_CHANGED, user, changes)
        log_access(user, AccessAction.CHANGE_CASE, case, detail=f"goal {goal.pk}")
    return goal


def do_change_goal(goal, user, values) -> Goal:
    """Change a goal of the current help plan; records which fields changed."""
    with transaction.atomic():
        case = _lock(goal.help_plan.case)
        stored = Goal.objects.select_for_update().get(pk=goal.pk)
        before = {f: getattr(stored, f) for f in GOAL_FIELDS}
        for field in GOAL_FIELDS:
            if field in values:
                setattr(stored, field, values[field])
        stored.save()
        changes = _goal_changes(before, values)
        if changes:
            changes.update(goal=stored.pk, version=goal.help_plan.version)
            record_event(case, CaseEventKind.GOAL_CHANGED, user, changes)
            log_access(user, AccessAction.CHANGE_CASE, case, detail=f"goal {stored.pk}")
    return stored


def do_remove_goal(goal, user) -> bool:
    """Remove a goal from the current help plan unless it has been rated."""
    with transaction.atomic():
        case = _lock(goal.help_plan.case)
        if goal.ratings.exists():
            return False
        changes = {"goal": goal.pk, "version": goal.help_plan.version, "removed": True}
        goal.delete()
        record_event(case, CaseEventKind.GOAL_CHANGED, user, changes)
        log_access(user, AccessAction.CHANGE_CASE, case, detail="goal removed")
    return True


def _goal_changes(before, values):
    """Return [old, new] of changed structured fields and the names of changed texts."""
    structured = [f for f in GOAL_FIELDS if f not in GOAL_TEXT_FIELDS and f in values]
    changes = field_changes(before, values, structured)
    texts = [
        f
        for f in GOAL_FIELDS
        if f in GOAL_TEXT_FIELDS and f in values and before.get(f) != values[f]
    ]
    if texts:
        changes["texts_changed"] = texts
    return changes


def do_hold_review(
    plan,
    user,
    *,
    held_on,
    is_final,
    next_review_due=None,
    long_interval_confirmed=False,
    perspective=None,
    levels=None,
) -> Review:
    """Document a review of the current help plan and the user's ratings.

    Sets the plan's and the case's next review date, or clears the case's after
    the final review.
    """
    with transaction.atomic():
        case = _lock(plan.case)
        review = Review.objects.create(
            case=case,
            help_plan=plan,
            due_on=plan.next_review_due,
            held_on=held_on,
            is_final=is_final,
        )
        changes = {
            "review": review.pk,
            "version": plan.version,
            "due_on": [None, review.due_on.isoformat()],
            "held_on": [None, held_on.isoformat()],
            "is_final": [None, is_final],
        }
        changes.update(_set_next_review(case, plan, is_final, next_review_due))
        if long_interval_confirmed:
            changes["long_review_interval_confirmed"] = True
        record_event(case, CaseEventKind.REVIEW_HELD, user, changes)
        if perspective and levels:
            _rate(review, case, user, perspective, levels)
        log_access(user, AccessAction.CHANGE_CASE, case, detail=f"review {review.pk}")
    return review


def _set_next_review(case, plan, is_final, next_review_due):
    """Set the next review date on plan and case after a review; return changes."""
    old_due = case.next_review_due
    if is_final:
        case.next_review_due = None
    elif next_review_due:
        plan.next_review_due = case.next_review_due = next_review_due
        plan.save(update_fields=["next_review_due"])
    if case.next_review_due == old_due:
        return {}
    case.save(update_fields=["next_review_due"])
    return {"next_review_due": [_plain(old_due), _plain(case.next_review_due)]}


def do_rate_goals(review, user, perspective, levels) -> dict:
    """Record one perspective's levels ({goal id: level or None}) at a review.

    None removes that perspective's rating of the goal. Returns the changes.
    """
    with transaction.atomic():
        case = _lock(review.case)
        changes = _rate(review, case, user, perspective, levels)
        if changes:
            log_access(
                user, AccessAction.CHANGE_CASE, case, detail=f"review {review.pk}"
            )
    return changes


def _rate(review, case, user, perspective, levels):
    existing = {
        rating.goal_id: rating
        for rating in review.ratings.select_for_update().filter(perspective=perspective)
    }
    now = timezone.now()
    changes = {}
    for goal_id, level in levels.items():
        rating = existing.get(goal_id)
        old = rating.level if rating else None
        if old == level:
            continue
        changes[f"goal_{goal_id}"] = [old, level]
        if level is None:
            rating.delete()
            continue
        GoalRating.objects.update_or_create(
            review=review,
            goal_id=goal_id,
            perspective=perspective,
            defaults={"level": level, "rated_by": user, "rated_at": now},
        )
    if changes:
        changes.update(review=review.pk, perspective=str(perspective))
        record_event(case, CaseEventKind.RATING_RECORDED, user, changes)
    return changes


def do_assess_needs(
    case, user, occasion, assessed_on, ratings, *, short_interval_confirmed=False
) -> NeedAssessment:
    """Record (or correct) the need assessment of one occasion.

    ``ratings`` maps need dimensions to (level, relevant).
    """
    with transaction.atomic():
        case = _lock(case)
        assessment, created = NeedAssessment.objects.select_for_update().get_or_create(
            case=case,
            occasion=occasion,
            defaults={"assessed_on": assessed_on, "assessed_by": user},
        )
        changes = {
            "occasion": str(occasion),
            "assessed_on": [
                None if created else assessment.assessed_on.isoformat(),
                assessed_on.isoformat(),
            ],
        }
        if not created:
            assessment.assessed_on, assessment.assessed_by = assessed_on, user
            assessment.save(update_fields=["assessed_on", "assessed_by"])
        stored = {r.dimension_id: r for r in assessment.ratings.all()}
        for dimension, (level, relevant) in ratings.items():
            old = stored.get(dimension.pk)
            if old and (old.level, old.relevant) == (level, relevant):
                continue
            changes[dimension.key] = [
                [old.level, old.relevant] if old else None,
                [level, relevant],
            ]
            NeedRating.objects.update_or_create(
                assessment=assessment,
                dimension=dimension,
                defaults={"level": level, "relevant": relevant},
            )
        if short_interval_confirmed:
            changes["short_interim_interval_confirmed"] = True
        record_event(case, CaseEventKind.NEEDS_ASSESSED, user, changes)
        log_access(user, AccessAction.CHANGE_CASE, case, detail=f"needs {occasion}")
    return assessment
