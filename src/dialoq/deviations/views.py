"""Screens of the register: list, board, deviation page, manual report, the work."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dialoq.accounts import scoping as account_scoping
from dialoq.accounts.roles import Action
from dialoq.cases.audit import log_access
from dialoq.cases.models import AccessAction
from dialoq.deviations import forms, scoping, workflow
from dialoq.deviations.models import (
    OPEN_STATUSES,
    ActionStatus,
    CorrectiveAction,
    DeviationStatus,
)

PER_PAGE = 50
CARDS_PER_COLUMN = 50
LIST_RELATED = (
    "case",
    "provider",
    "funder",
    "owner",
    "owner_organisation",
    "standard_version",
)


def _is_htmx(request):
    return bool(
        request.headers.get("HX-Request")
        and not request.headers.get("HX-History-Restore-Request")
    )


def _require_view(user):
    if not account_scoping.has_permission(user, Action.VIEW_DEVIATIONS):
        raise PermissionDenied


def _filtered(request):
    form = forms.RegisterFilterForm(request.GET or None, user=request.user)
    today = timezone.localdate()
    deviations = form.filter(scoping.visible_deviations(request.user), today)
    return form, deviations, today


@login_required
def register(request):
    """List the visible deviations: filtered, newest first, paginated."""
    _require_view(request.user)
    form, deviations, today = _filtered(request)
    page = Paginator(deviations.select_related(*LIST_RELATED), PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "form": form,
        "page": page,
        "today": today,
        "is_filtered": form.is_filtered(),
        "export_filters": form.query_items(),
        "can_report": bool(scoping.reportable_organisations(request.user)),
    }
    template = "deviations/register.html"
    response = render(
        request, f"{template}#results" if _is_htmx(request) else template, context
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def board(request):
    """Show the visible deviations as columns by workflow state."""
    _require_view(request.user)
    form, deviations, today = _filtered(request)
    deviations = deviations.select_related(*LIST_RELATED)
    columns = []
    for status in (*OPEN_STATUSES, DeviationStatus.CLOSED):
        in_status = deviations.filter(status=status)
        if status == DeviationStatus.CLOSED:
            in_status = in_status.order_by("-closed_at", "-pk")
        else:
            in_status = in_status.order_by("due_on", "pk")
        cards = list(in_status[: CARDS_PER_COLUMN + 1])
        columns.append(
            {
                "status": status,
                "label": DeviationStatus(status).label,
                "cards": cards[:CARDS_PER_COLUMN],
                "count": in_status.count()
                if len(cards) > CARDS_PER_COLUMN
                else len(cards),
            }
        )
    context = {
        "form": form,
        "columns": columns,
        "today": today,
        "cards_per_column": CARDS_PER_COLUMN,
        "is_filtered": form.is_filtered(),
        "can_report": bool(scoping.reportable_organisations(request.user)),
    }
    return render(request, "deviations/board.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def report(request):
    """Report a deviation by hand: crisis, audit finding, other observation."""
    if not scoping.reportable_organisations(request.user):
        raise PermissionDenied
    form = forms.ReportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            deviation = workflow.do_report(request.user, **form.report_fields())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Deviation %(number)s was recorded.") % {"number": deviation.number},
            )
            return redirect("deviations:detail", deviation.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "deviations/report.html", {"form": form}, status=status)


@login_required
def detail(request, pk):
    """Show a deviation with its links, work, actions, history and next step."""
    deviation = scoping.get_deviation_or_404(request.user, pk)
    return _detail_page(request, deviation)


def _detail_page(request, deviation, *, bound=None, status=200):
    """Render the deviation page; ``bound`` holds a form that failed, by its name."""
    user = request.user
    bound = bound or {}
    case_visible = (
        deviation.case_id is not None
        and account_scoping.visible_cases(user).filter(pk=deviation.case_id).exists()
    )
    if case_visible:
        log_access(
            user,
            AccessAction.VIEW_CASE,
            deviation.case,
            detail=f"deviation {deviation.number}",
        )
    may_work = deviation.is_open and scoping.may(user, Action.WORK_DEVIATION, deviation)
    steps = workflow.allowed_steps(user, deviation)
    step_forms = [
        bound.get(("step", step)) or forms.step_form(deviation, step) for step in steps
    ]
    actions = list(deviation.actions.select_related("owner"))
    context = {
        "deviation": deviation,
        "today": timezone.localdate(),
        "case_visible": case_visible,
        "may_work": may_work,
        "step_forms": step_forms,
        "actions": actions,
        "open_actions": sum(a.status == ActionStatus.OPEN for a in actions),
        "events": deviation.events.select_related("actor").order_by("at", "pk"),
        "may_comment": scoping.may(user, Action.WORK_DEVIATION, deviation),
        "comment_form": bound.get("comment") or forms.CommentForm(),
    }
    if may_work:
        context["assign_form"] = bound.get("assign") or forms.AssignForm(
            deviation=deviation
        )
        if deviation.status not in (DeviationStatus.REPORTED, DeviationStatus.REACTED):
            context["action_form"] = bound.get("action") or forms.ActionForm(
                deviation=deviation
            )
    context["error"] = bound.get("error")
    return render(request, "deviations/detail.html", context, status=status)


def _deviation_for(request, pk, action):
    """Return the visible deviation (404) if the user may act on it (403).

    Checked before the method, so a stranger learns nothing from a 405.
    """
    deviation = scoping.get_deviation_or_404(request.user, pk)
    if not scoping.may(request.user, action, deviation):
        raise PermissionDenied
    return deviation


@login_required
def transition(request, pk):
    """Move the deviation to the next status with the work that step needs."""
    deviation = scoping.get_deviation_or_404(request.user, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    to_status = request.POST.get("to_status", "")
    if to_status not in DeviationStatus.values:
        return _detail_page(
            request,
            deviation,
            bound={"error": _("This status does not exist.")},
            status=400,
        )
    if not scoping.may(
        request.user, workflow.required_action(to_status, deviation), deviation
    ):
        raise PermissionDenied
    if to_status not in deviation.next_statuses():
        return _detail_page(
            request,
            deviation,
            bound={
                "error": _("A deviation cannot go from “%(from)s” to “%(to)s”.")
                % {
                    "from": deviation.get_status_display(),
                    "to": DeviationStatus(to_status).label,
                }
            },
            status=400,
        )
    form = forms.step_form(deviation, to_status, request.POST)
    if form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "to_status"}
        try:
            workflow.do_transition(request.user, deviation, to_status, **fields)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The deviation was updated."))
            return redirect("deviations:detail", deviation.pk)
    return _detail_page(
        request, deviation, bound={("step", to_status): form}, status=400
    )


@login_required
def add_action(request, pk):
    """Plan a corrective or preventive action."""
    deviation = _deviation_for(request, pk, Action.WORK_DEVIATION)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = forms.ActionForm(request.POST, deviation=deviation)
    if form.is_valid():
        try:
            workflow.do_add_action(request.user, deviation, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The action was planned."))
            return redirect("deviations:detail", deviation.pk)
    return _detail_page(request, deviation, bound={"action": form}, status=400)


def _action_for(request, pk, action_pk):
    deviation = _deviation_for(request, pk, Action.WORK_DEVIATION)
    action = get_object_or_404(CorrectiveAction, pk=action_pk, deviation=deviation)
    return deviation, action


@login_required
def complete_action(request, pk, action_pk):
    """Record an action as done."""
    deviation, action = _action_for(request, pk, action_pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = forms.CompleteActionForm(request.POST)
    error = None
    if form.is_valid():
        try:
            workflow.do_complete_action(request.user, action, **form.cleaned_data)
        except ValidationError as exception:
            error = " ".join(exception.messages)
        else:
            messages.success(request, _("The action was recorded as done."))
            return redirect("deviations:detail", deviation.pk)
    else:
        error = " ".join(e for errors in form.errors.values() for e in errors)
    return _detail_page(request, deviation, bound={"error": error}, status=400)


@login_required
def cancel_action(request, pk, action_pk):
    """Cancel an open action with the reason."""
    deviation, action = _action_for(request, pk, action_pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = forms.CancelActionForm(request.POST)
    error = None
    if form.is_valid():
        try:
            workflow.do_cancel_action(
                request.user, action, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exception:
            error = " ".join(exception.messages)
        else:
            messages.success(request, _("The action was cancelled."))
            return redirect("deviations:detail", deviation.pk)
    else:
        error = " ".join(e for errors in form.errors.values() for e in errors)
    return _detail_page(request, deviation, bound={"error": error}, status=400)


@login_required
def assign(request, pk):
    """Make a member of the responsible organisation responsible."""
    deviation = _deviation_for(request, pk, Action.WORK_DEVIATION)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = forms.AssignForm(request.POST, deviation=deviation)
    if form.is_valid():
        try:
            workflow.do_assign(request.user, deviation, form.cleaned_data["owner"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The responsible person was changed."))
            return redirect("deviations:detail", deviation.pk)
    return _detail_page(request, deviation, bound={"assign": form}, status=400)


@login_required
def comment(request, pk):
    """Add a comment to the history."""
    deviation = _deviation_for(request, pk, Action.WORK_DEVIATION)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = forms.CommentForm(request.POST)
    if form.is_valid():
        workflow.do_comment(request.user, deviation, form.cleaned_data["text"])
        messages.success(request, _("The comment was added."))
        return redirect("deviations:detail", deviation.pk)
    return _detail_page(request, deviation, bound={"comment": form}, status=400)
