"""The computations screen: recent runs with their progress, and "Compute now"."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dialoq.accounts import scoping
from dialoq.accounts.models import Membership
from dialoq.accounts.roles import Action

from . import tasks
from .models import ComputeRun

RUNS_SHOWN = 20
# htmx stops polling when an answer has this status (and still shows it).
STOP_POLLING = 286


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def run_list(request):
    """Show the recent computations; QM officers start one with POST."""
    user = request.user
    can_compute = scoping.has_permission(user, Action.CHANGE_CATALOG)
    if not (can_compute or scoping.has_permission(user, Action.VIEW_AGGREGATES)):
        raise PermissionDenied
    if request.method == "POST":
        if not can_compute:
            raise PermissionDenied
        _run, created = tasks.request_run(user=user)
        if created:
            messages.success(request, _("The computation was queued."))
        else:
            messages.info(
                request,
                _("A computation is already under way; it is shown below."),
            )
        return redirect("measures:runs")

    runs = _recent_runs()
    active = next((run for run in runs if run.status in tasks.ACTIVE_STATUSES), None)
    own_organisations = set(
        Membership.objects.active()
        .filter(user=user)
        .values_list("organisation_id", flat=True)
    )
    context = {
        "runs": [(run, _requester(run, user, own_organisations)) for run in runs],
        "active": active,
        "active_is_stale": active is not None and tasks.is_stale(active),
        "can_compute": can_compute,
        "stale_minutes": settings.COMPUTE_RUN_STALE_MINUTES,
    }
    template = "measures/runs.html"
    if _is_htmx(request):
        response = render(request, f"{template}#runs", context)
        if active is None:
            response.status_code = STOP_POLLING
    else:
        response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _recent_runs() -> list[ComputeRun]:
    """Return the newest runs with their requesters' current organisations."""
    memberships = Membership.objects.active().only("user_id", "organisation_id")
    return list(
        ComputeRun.objects.select_related("requested_by").prefetch_related(
            Prefetch("requested_by__memberships", queryset=memberships)
        )[:RUNS_SHOWN]
    )


def _is_htmx(request) -> bool:
    """Return whether htmx asks for a part of the page (not a history restore)."""
    return bool(
        request.headers.get("HX-Request")
        and not request.headers.get("HX-History-Restore-Request")
    )


def _requester(run: ComputeRun, viewer, own_organisations: set[int]) -> str:
    """Name who asked for the run, to colleagues only: names stay in-house."""
    requester = run.requested_by
    if requester is None:
        return _("Command line")
    if requester.pk == viewer.pk:
        return _("You")
    theirs = {m.organisation_id for m in requester.memberships.all()}
    if own_organisations & theirs:
        return str(requester)
    return _("Someone in another organisation")
