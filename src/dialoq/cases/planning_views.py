"""Screens for a case's help plan with goals, its reviews and its need assessments."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dialoq.accounts import scoping
from dialoq.cases import planning
from dialoq.cases.audit import log_access
from dialoq.cases.models import (
    AccessAction,
    CaseStatus,
    Goal,
    NeedOccasion,
    Perspective,
)
from dialoq.cases.planning_forms import (
    GoalForm,
    GoalRatingForm,
    HelpPlanForm,
    NeedAssessmentForm,
    ReviewForm,
)


def _is_htmx(request):
    return request.headers.get("HX-Request") == "true"


def _changeable_case(user, pk, *, allow_closed=False):
    """Return the case to change: 404 if not visible, 403 if read-only or closed."""
    case = scoping.get_case_or_404(user, pk)
    if not scoping.can_change_case(user, case):
        raise PermissionDenied
    if case.status == CaseStatus.CLOSED and not allow_closed:
        raise PermissionDenied
    return case


def _current_plan_goal(case, goal_pk, *, unrated=True):
    """Return a goal of the case's current help plan; 403 for an older version.

    A rated goal is frozen too (``unrated``): changing its scale or weight
    would change what past ratings and T-scores mean.
    """
    goal = get_object_or_404(
        Goal.objects.select_related("help_plan"), pk=goal_pk, help_plan__case=case
    )
    if goal.help_plan_id != planning.current_help_plan(case).pk:
        raise PermissionDenied
    if unrated and goal.ratings.exists():
        raise PermissionDenied
    goal.help_plan.case = case
    return goal


def _plan_url(case, goal=None):
    url = reverse("cases:help_plan_detail", args=[case.pk])
    return f"{url}#goal-{goal.pk}" if goal else url


def _goals_context(case, plan, editable, **extra):
    goals = list(plan.goals.annotate(rating_count=Count("ratings"))) if plan else []
    reviewed = plan is not None and plan.reviews.exists()
    return {
        "case": case,
        "plan": plan,
        "goals": goals,
        "editable": editable,
        "reviewed": reviewed,
        **extra,
    }


@login_required
def help_plan_detail(request, pk, version=None):
    """Show the current (or an older) version of the help plan, with its history."""
    case = scoping.get_case_or_404(request.user, pk)
    plans = list(case.help_plans.select_related("created_by").order_by("version"))
    current = plans[-1] if plans else None
    plan = current
    if version is not None:
        plan = next((p for p in plans if p.version == version), None)
        if plan is None:
            raise Http404
    editable = planning.plan_is_editable(plan, current) and scoping.can_change_case(
        request.user, case
    )
    context = _goals_context(case, plan, editable)
    if _is_htmx(request):
        return render(request, "cases/help_plan_detail.html#goals", context)
    log_access(request.user, AccessAction.VIEW_CASE, case, detail="help plan")
    context.update(
        plans=plans,
        current=current,
        reviews=plan.reviews.order_by("held_on") if plan else [],
        can_document=case.status != CaseStatus.CLOSED
        and scoping.can_change_case(request.user, case),
    )
    return render(request, "cases/help_plan_detail.html", context)


@login_required
def help_plan_create(request, pk):
    """Document a new version of the help plan; it copies the previous goals."""
    case = _changeable_case(request.user, pk)
    previous = planning.current_help_plan(case)
    form = HelpPlanForm(
        request.POST or None, case=case, previous=previous, today=timezone.localdate()
    )
    if request.method == "POST" and form.is_valid():
        plan = planning.do_agree_help_plan(
            case,
            request.user,
            form.cleaned_data,
            long_interval_confirmed=form.long_interval,
        )
        messages.success(
            request,
            _("Version %(version)s of the help plan has been saved.")
            % {"version": plan.version},
        )
        return redirect("cases:help_plan_detail", pk=case.pk)
    context = {"case": case, "form": form, "previous": previous}
    return render(request, "cases/help_plan_form.html", context)


@login_required
def goal_create(request, pk):
    """Add a goal to the current help plan; inline on the plan page with htmx."""
    case = _changeable_case(request.user, pk)
    plan = planning.current_help_plan(case)
    if plan is None:
        messages.error(request, _("Agree a help plan first; then add its goals."))
        return redirect("cases:help_plan_create", pk=case.pk)
    if plan.reviews.exists():  # its reviews rated the goals it had
        raise PermissionDenied
    form = GoalForm(
        request.POST or None, auto_id="goal-new-%s", inline=_is_htmx(request)
    )
    if request.method == "POST" and form.is_valid():
        goal = planning.do_add_goal(plan, request.user, form.cleaned_data)
        if _is_htmx(request):
            context = _goals_context(case, plan, True, saved_goal=goal)
            return render(request, "cases/help_plan_detail.html#goals", context)
        messages.success(request, _("The goal has been added."))
        return redirect(_plan_url(case, goal))
    if _is_htmx(request) and request.method == "POST":
        context = _goals_context(case, plan, True, add_form=form)
        return render(request, "cases/help_plan_detail.html#goals", context)
    template = "cases/goal_form.html" + ("#add_form" if _is_htmx(request) else "")
    context = {"case": case, "plan": plan, "form": form, "goal": None}
    return render(request, template, context)


@login_required
def goal_edit(request, pk, goal_pk):
    """Change a goal of the current help plan; inline on the plan page with htmx."""
    case = _changeable_case(request.user, pk)
    goal = _current_plan_goal(case, goal_pk)
    form = GoalForm(
        request.POST or None,
        instance=goal,
        auto_id=f"goal-{goal.pk}-%s",
        inline=_is_htmx(request),
    )
    if request.method == "POST" and form.is_valid():
        goal = planning.do_change_goal(goal, request.user, form.cleaned_data)
        if _is_htmx(request):
            context = {"case": case, "goal": goal, "editable": True, "saved": True}
            return render(request, "cases/help_plan_detail.html#goal_item", context)
        messages.success(request, _("The goal has been saved."))
        return redirect(_plan_url(case, goal))
    template = "cases/goal_form.html" + ("#edit_form" if _is_htmx(request) else "")
    context = {"case": case, "plan": goal.help_plan, "form": form, "goal": goal}
    return render(request, template, context)


@login_required
def goal_delete(request, pk, goal_pk):
    """Remove a goal that was never rated from the current help plan."""
    case = _changeable_case(request.user, pk)
    goal = _current_plan_goal(case, goal_pk, unrated=False)
    rated = goal.ratings.exists()
    if request.method == "POST":
        if planning.do_remove_goal(goal, request.user):
            messages.success(request, _("The goal has been removed."))
        else:
            messages.error(request, _("A goal that has been rated cannot be removed."))
        return redirect(_plan_url(case))
    context = {"case": case, "goal": goal, "rated": rated}
    return render(request, "cases/goal_delete.html", context)


@login_required
def review_create(request, pk):
    """Document a review of the current help plan with the user's own ratings."""
    case = _changeable_case(request.user, pk)
    plan = planning.current_help_plan(case)
    if plan is None or not plan.goals.exists():
        messages.error(request, _("A review needs a help plan with at least one goal."))
        return redirect("cases:help_plan_detail", pk=case.pk)
    perspective = planning.rating_perspective(request.user, case)
    form = ReviewForm(
        request.POST or None,
        plan=plan,
        today=timezone.localdate(),
        final_review=case.reviews.filter(is_final=True).first(),
    )
    if request.method == "POST" and form.is_valid():
        review = planning.do_hold_review(
            plan, request.user, perspective=perspective, **form.review_values()
        )
        messages.success(request, _("The review has been saved."))
        return redirect("cases:review_detail", pk=case.pk, review_pk=review.pk)
    context = {"case": case, "plan": plan, "form": form, "perspective": perspective}
    return render(request, "cases/review_form.html", context)


@login_required
def review_detail(request, pk, review_pk):
    """Show a review: every goal from three perspectives, T-scores, disagreements."""
    case = scoping.get_case_or_404(request.user, pk)
    review = get_object_or_404(
        case.reviews.select_related("help_plan").prefetch_related(
            "help_plan__goals", "ratings__rated_by"
        ),
        pk=review_pk,
    )
    log_access(request.user, AccessAction.VIEW_CASE, case, detail="review")
    perspective = planning.rating_perspective(request.user, case)
    context = {
        "case": case,
        "review": review,
        "scores": planning.review_scores(review),
        "perspective": Perspective(perspective) if perspective else None,
    }
    return render(request, "cases/review_detail.html", context)


@login_required
def review_rate(request, pk, review_pk):
    """Rate the goals of a review from the user's own perspective."""
    case = _changeable_case(request.user, pk, allow_closed=True)
    review = get_object_or_404(case.reviews.select_related("help_plan"), pk=review_pk)
    perspective = planning.rating_perspective(request.user, case)
    if perspective is None:
        raise PermissionDenied
    stored = review.ratings.filter(perspective=perspective)
    form = GoalRatingForm(
        request.POST or None,
        goals=review.help_plan.goals.all(),
        levels={rating.goal_id: rating.level for rating in stored},
    )
    if request.method == "POST" and form.is_valid():
        planning.do_rate_goals(review, request.user, perspective, form.levels())
        messages.success(request, _("Your ratings have been saved."))
        return redirect("cases:review_detail", pk=case.pk, review_pk=review.pk)
    context = {
        "case": case,
        "plan": review.help_plan,
        "review": review,
        "form": form,
        "perspective": perspective,
    }
    return render(request, "cases/review_form.html", context)


@login_required
def needs_detail(request, pk):
    """Show the case's need assessments and the change since the start."""
    case = scoping.get_case_or_404(request.user, pk)
    log_access(request.user, AccessAction.VIEW_CASE, case, detail="needs")
    context = {
        "case": case,
        "needs": planning.need_overview(case),
        "can_document": scoping.can_change_case(request.user, case),
    }
    return render(request, "cases/needs_detail.html", context)


@login_required
def needs_assess(request, pk, occasion):
    """Record or correct the need assessment of one occasion."""
    case = _changeable_case(request.user, pk, allow_closed=True)
    if occasion not in NeedOccasion.values:
        raise Http404
    form = NeedAssessmentForm(
        request.POST or None,
        case=case,
        occasion=occasion,
        assessments=planning.assessments_by_occasion(case),
        today=timezone.localdate(),
    )
    if request.method == "POST" and form.is_valid():
        planning.do_assess_needs(
            case,
            request.user,
            occasion,
            form.cleaned_data["assessed_on"],
            form.ratings(),
            short_interval_confirmed=form.short_interval,
        )
        messages.success(request, _("The need assessment has been saved."))
        return redirect("cases:needs_detail", pk=case.pk)
    context = {
        "case": case,
        "form": form,
        "occasion_label": NeedOccasion(occasion).label,
    }
    return render(request, "cases/needs_form.html", context)
