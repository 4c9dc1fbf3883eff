"""Screens of the quality framework: criteria and indicator definitions.

Every member who sees aggregated figures reads the framework; QM officers of
the owning organisation draft, check, preview and put in force their
indicators (``dialoq.catalog.services`` holds the rules and the writes).
"""

import operator

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from dialoq.accounts import scoping
from dialoq.accounts.models import Organisation, OrganisationUnit
from dialoq.accounts.roles import Action
from dialoq.catalog import services
from dialoq.catalog.forms import (
    DefinitionForm,
    IndicatorCreateForm,
    initial_from_spec,
)
from dialoq.catalog.history import diff_versions, pretty_spec
from dialoq.catalog.models import (
    IndicatorVersion,
    QualityCriterion,
    QualityDimension,
    QualityPerspective,
    ServiceType,
    VersionStatus,
)
from dialoq.measures.conditions import DefinitionError
from dialoq.measures.describe import describe, value_label
from dialoq.measures.formatting import value_format
from dialoq.measures.models import UnitType
from dialoq.measures.periods import Period
from dialoq.measures.statistics import Evaluation

UNIT_TYPE_ORDER = {name: index for index, name in enumerate(UnitType.values)}


def _is_htmx(request):
    """Return whether htmx asks for a part of the page (not a history restore)."""
    return bool(
        request.headers.get("HX-Request")
        and not request.headers.get("HX-History-Restore-Request")
    )


def _require_reader(user):
    if not scoping.has_permission(user, Action.VIEW_AGGREGATES):
        raise PermissionDenied


def _versions(definition):
    return list(definition.versions.select_related("created_by").order_by("-version"))


def _shown_version(versions):
    """Return the version in force, else the newest."""
    in_force = [v for v in versions if v.status == VersionStatus.IN_FORCE]
    return in_force[0] if in_force else (versions[0] if versions else None)


def _previous(versions, version):
    older = [v for v in versions if v.version < version.version]
    return older[0] if older else None


@login_required
def framework(request):
    """Show the criteria by dimension and perspective, each with its indicators."""
    _require_reader(request.user)
    definitions = (
        services.readable_definitions(request.user)
        .select_related("owner")
        .prefetch_related(
            Prefetch("versions", queryset=IndicatorVersion.objects.order_by("-version"))
        )
    )
    by_criterion = {}
    for definition in definitions:
        version = _shown_version(list(definition.versions.all()))
        by_criterion.setdefault(definition.criterion_id, []).append(
            {"definition": definition, "version": version}
        )
    criteria = list(QualityCriterion.objects.order_by("order", "key"))
    rows = [
        {
            "dimension": dimension,
            "cells": [
                {
                    "perspective": perspective,
                    "criteria": [
                        {"criterion": c, "indicators": by_criterion.get(c.pk, [])}
                        for c in criteria
                        if c.dimension == dimension and c.perspective == perspective
                    ],
                }
                for perspective in QualityPerspective
            ],
        }
        for dimension in QualityDimension
    ]
    context = {
        "rows": rows,
        "may_define": services.can_define_indicators(request.user),
    }
    return render(request, "catalog/framework.html", context)


@login_required
def indicator(request, key):
    """Show an indicator: texts, definition in words and as data, version history."""
    definition = services.access_definition(request.user, key)
    versions = _versions(definition)
    version = _shown_version(versions)
    context = {
        "definition": definition,
        "versions": versions,
        "draft": next((v for v in versions if v.status == VersionStatus.DRAFT), None),
        "may_change": services.can_change_definition(request.user, definition),
        "may_copy": services.can_define_indicators(request.user),
        "results_url": _results_url(definition, version),
        **_version_context(version, _previous(versions, version) if version else None),
    }
    return render(request, "catalog/indicator_detail.html", context)


@login_required
def version_detail(request, key, version):
    """Show one version and what changed against the one before (or a chosen one)."""
    definition = services.access_definition(request.user, key)
    versions = _versions(definition)
    shown = next((v for v in versions if v.version == version), None)
    if shown is None:
        raise Http404
    compare = _previous(versions, shown)
    if request.GET.get("compare", "").isdigit():
        number = int(request.GET["compare"])
        compare = next((v for v in versions if v.version == number), compare)
    context = {
        "definition": definition,
        "versions": versions,
        "may_change": services.can_change_definition(request.user, definition),
        **_version_context(shown, compare),
    }
    return render(request, "catalog/version_detail.html", context)


def _version_context(version, compare):
    """Return the words, raw definition and changes of a version for display."""
    if version is None:
        return {"version": None}
    try:
        statements, problem = describe(version.parsed()), ""
    except DefinitionError as error:
        statements, problem = [], str(error)
    return {
        "version": version,
        "statements": statements,
        "definition_problem": problem,
        "raw_spec": pretty_spec(version.spec),
        "compare": compare,
        "changes": diff_versions(compare, version) if compare else [],
    }


def _results_url(definition, version):
    if version is None or version.status != VersionStatus.IN_FORCE:
        return None
    try:
        return reverse("measures:indicator", args=[definition.key])
    except NoReverseMatch:
        return None


@login_required
def indicator_create(request):
    """Create an indicator of the user's organisation with its first draft."""
    if not services.can_define_indicators(request.user):
        raise PermissionDenied
    form = IndicatorCreateForm(
        request.POST or None,
        user=request.user,
        initial={"minimum_cases": 5, "reference_type": "none"},
        url=request.path,
    )
    return _create(request, form, source=None)


@login_required
def indicator_copy(request, key):
    """Copy an indicator (built-in or a partner's) as the organisation's own."""
    source = services.access_definition(request.user, key)
    if not services.can_define_indicators(request.user):
        raise PermissionDenied
    version = _shown_version(_versions(source))
    initial = {"criterion": source.criterion, "key": f"{source.key}-own"[:60]}
    if version is not None:
        initial |= initial_from_spec(version.spec)
        initial |= {name: getattr(version, name) for name in services.TEXT_FIELDS}
        initial["change_note"] = _("Copied from %(key)s version %(version)s.") % {
            "key": source.key,
            "version": version.version,
        }
    form = IndicatorCreateForm(
        request.POST or None, user=request.user, initial=initial, url=request.path
    )
    return _create(request, form, source=source)


def _create(request, form, *, source):
    action = request.POST.get("action", "save")
    context = {"form": form, "source": source, "mode": "create"}
    if request.method == "POST" and action == "columns":
        return render(request, "catalog/definition_form.html#columns", context)
    if request.method == "POST" and form.is_valid():
        if action == "check":
            context["preview"] = _preview(form.spec, request.user)
        else:
            version = services.do_create_indicator(
                request.user,
                owner=form.cleaned_data["owner"],
                key=form.cleaned_data["key"],
                criterion=form.cleaned_data["criterion"],
                texts=form.texts(),
                spec=form.raw_spec,
                change_note=form.cleaned_data["change_note"],
            )
            messages.success(
                request,
                _(
                    "The indicator has been created as a draft. Check it and put it in "
                    "force when it is agreed."
                ),
            )
            return redirect("catalog:indicator", key=version.definition.key)
    return _render_form(request, context)


@login_required
def version_create(request, key):
    """Start a new draft of an own indicator from its newest version."""
    definition = services.access_definition(request.user, key, for_change=True)
    versions = _versions(definition)
    draft = next((v for v in versions if v.status == VersionStatus.DRAFT), None)
    if draft is not None:
        return redirect("catalog:version_edit", key=key, version=draft.version)
    if request.method == "POST":
        draft = services.do_start_draft(request.user, definition)
        return redirect("catalog:version_edit", key=key, version=draft.version)
    context = {"definition": definition, "newest": versions[0] if versions else None}
    return render(request, "catalog/version_create.html", context)


@login_required
def version_edit(request, key, version):
    """Change a draft: texts and definition, checked and previewed on current data."""
    definition = services.access_definition(request.user, key, for_change=True)
    draft = get_object_or_404(definition.versions, version=version)
    if draft.status != VersionStatus.DRAFT:
        raise PermissionDenied
    initial = initial_from_spec(draft.spec)
    initial |= {name: getattr(draft, name) for name in services.TEXT_FIELDS}
    initial["change_note"] = draft.change_note
    form = DefinitionForm(request.POST or None, initial=initial, url=request.path)
    action = request.POST.get("action", "save")
    context = {"form": form, "definition": definition, "draft": draft, "mode": "edit"}
    if request.method == "POST" and action == "columns":
        return render(request, "catalog/definition_form.html#columns", context)
    if request.method == "POST" and form.is_valid():
        if action == "check":
            context["preview"] = _preview(form.spec, request.user)
        else:
            services.do_change_draft(
                draft,
                texts=form.texts(),
                spec=form.raw_spec,
                change_note=form.cleaned_data["change_note"],
            )
            messages.success(request, _("The draft has been saved."))
            return redirect("catalog:version", key=key, version=draft.version)
    return _render_form(request, context)


def _render_form(request, context):
    context["checked"] = request.method == "POST" and "preview" in context
    if _is_htmx(request) and request.method == "POST":
        return render(request, "catalog/definition_form.html#form", context)
    return render(request, "catalog/definition_form.html", context)


@login_required
def version_put_in_force(request, key, version):
    """Put a draft in force; the version in force before it is retired."""
    definition = services.access_definition(request.user, key, for_change=True)
    draft = get_object_or_404(definition.versions, version=version)
    if draft.status != VersionStatus.DRAFT:
        raise PermissionDenied
    versions = _versions(definition)
    in_force = next((v for v in versions if v.status == VersionStatus.IN_FORCE), None)
    problem = ""
    if request.method == "POST":
        try:
            services.do_put_in_force(draft)
        except DefinitionError as error:
            problem = str(error)
        else:
            messages.success(
                request,
                _(
                    "Version %(version)s is in force. Its results appear after the "
                    "next computation."
                )
                % {"version": draft.version},
            )
            return redirect("catalog:indicator", key=key)
    context = {
        "definition": definition,
        "draft": draft,
        "in_force": in_force,
        "problem": problem,
        "changes": diff_versions(in_force, draft) if in_force else [],
    }
    return render(request, "catalog/version_put_in_force.html", context)


# --- preview --------------------------------------------------------------------


def _preview(spec, user):
    """Return the definition's results on current data of the user's organisations."""
    from dialoq.measures import engine

    rows = engine.preview(spec, user=user, period_type="rolling12")
    figures = value_format(spec)
    names = _unit_names(rows)
    stratum_column = spec.strata[0] if spec.strata else None
    table = [
        {
            "unit": _unit_label(row, names),
            "order": (UNIT_TYPE_ORDER.get(row.unit_type, 99), _unit_label(row, names)),
            "stratum": value_label(stratum_column, row.stratum)
            if stratum_column and row.stratum
            else "",
            "cases": row.cases,
            "value": figures.value(row.value),
            "interval": figures.interval(row.ci_lower, row.ci_upper),
            "evaluation": Evaluation(row.evaluation).label,
        }
        for row in rows
    ]
    table.sort(key=operator.itemgetter("order"))
    period = (
        Period(rows[0].period_type, rows[0].period_start, rows[0].period_end).label()
        if rows
        else ""
    )
    return {"rows": table, "period": period, "stratified": bool(stratum_column)}


def _unit_names(rows):
    organisation_ids = {r.funder_id for r in rows} | {r.provider_id for r in rows}
    return {
        "organisation": Organisation.objects.in_bulk(organisation_ids - {None}),
        "service_type": ServiceType.objects.in_bulk(
            {r.service_type_id for r in rows} - {None}
        ),
        "team": OrganisationUnit.objects.in_bulk({r.team_id for r in rows} - {None}),
    }


def _unit_label(row, names):
    def name(table, pk):
        item = names[table].get(pk)
        return str(item) if item else "–"

    if row.unit_type == "funder":
        return name("organisation", row.funder_id)
    if row.unit_type == "provider":
        if row.funder_id is None:
            return name("organisation", row.provider_id)
        return _("%(provider)s for %(funder)s") % {
            "provider": name("organisation", row.provider_id),
            "funder": name("organisation", row.funder_id),
        }
    if row.unit_type == "service_type":
        return _("%(service_type)s at %(funder)s") % {
            "service_type": name("service_type", row.service_type_id),
            "funder": name("organisation", row.funder_id),
        }
    if row.unit_type == "team":
        return _("%(team)s of %(provider)s") % {
            "team": name("team", row.team_id),
            "provider": name("organisation", row.provider_id),
        }
    return str(UnitType.WHOLE.label)
