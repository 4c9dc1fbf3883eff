"""The monitoring-runs screen: recent runs with their progress, and "Check now"."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dialoq.accounts import scoping
from dialoq.accounts.roles import Action
from dialoq.deviations.models import MonitorRun

from . import job

RUNS_SHOWN = 20
# htmx stops polling when an answer has this status (and still shows it).
STOP_POLLING = 286


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def run_list(request):
    """Show the recent monitoring runs; QM officers and managers start one."""
    if not scoping.has_permission(request.user, Action.VERIFY_DEVIATION):
        raise PermissionDenied
    if request.method == "POST":
        _run, created = job.request_run(user=request.user)
        if created:
            messages.success(request, _("The monitoring run was queued."))
        else:
            messages.info(
                request, _("A monitoring run is already under way; it is shown below.")
            )
        return redirect("deviations:monitor")

    runs = list(MonitorRun.objects.all()[:RUNS_SHOWN])
    active = next((run for run in runs if run.status in job.ACTIVE_STATUSES), None)
    context = {
        "runs": runs,
        "active": active,
        "active_is_stale": active is not None and job.is_stale(active),
        "stale_minutes": settings.MONITOR_RUN_STALE_MINUTES,
        "user_id": request.user.pk,
    }
    template = "deviations/monitor/runs.html"
    if request.headers.get("HX-Request") and not request.headers.get(
        "HX-History-Restore-Request"
    ):
        response = render(request, f"{template}#runs", context)
        if active is None:
            response.status_code = STOP_POLLING
    else:
        response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
