"""Screens of indicator results: the dashboard and the page of one indicator."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dialoq.accounts import scoping
from dialoq.accounts.roles import Action
from dialoq.catalog.models import IndicatorVersion, VersionStatus

from . import dashboard
from .describe import describe
from .selection import Sight, select, views_of


@login_required
@require_GET
def dashboard_page(request):
    """Show every indicator in force for one view and period, with its trend."""
    user = request.user
    if not scoping.has_permission(user, Action.VIEW_AGGREGATES):
        raise PermissionDenied
    sight = Sight.of(user)
    results = dashboard.results_in_force(user)
    selection = select(request.GET, results, views_of(results, sight), sight)
    context = {
        "selection": selection,
        "can_compute": scoping.has_permission(user, Action.CHANGE_CATALOG),
    }
    if selection.period is not None:
        context["dimensions"] = dashboard.dashboard_lines(
            user, results, selection.view, selection.period
        )
    return render(request, "measures/dashboard.html", context)


@login_required
@require_GET
def indicator_page(request, key):
    """Show one indicator: its definition, the comparison of units, its course."""
    user = request.user
    version = _version_in_force_or_404(key)
    sight = Sight.of(user)
    results = dashboard.results_in_force(user).filter(version=version)
    views = views_of(results, sight)
    if not views:
        raise Http404  # nothing of this indicator is in the user's sight
    selection = select(request.GET, results, views, sight)
    context = {
        "version": version,
        "statements": describe(version.parsed()),
        "selection": selection,
        "panels": dashboard.indicator_panels(user, version, results, selection, sight),
        "export_query": selection.export_query(version.definition.key),
    }
    return render(request, "measures/indicator.html", context)


def _version_in_force_or_404(key) -> IndicatorVersion:
    """Return the indicator's version in force; 404 if there is none."""
    try:
        return IndicatorVersion.objects.select_related("definition__criterion").get(
            definition__key=key, status=VersionStatus.IN_FORCE
        )
    except IndicatorVersion.DoesNotExist:
        raise Http404 from None
