"""Screens of key processes and process standards, and their editor.

Every member who sees aggregated figures reads the catalogue; QM officers of
the owning organisation draft, change and put in force their processes and
standards (``dialoq.catalog.process_services`` holds the rules and writes).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from dialoq.accounts import scoping
from dialoq.accounts.roles import Action
from dialoq.catalog import process_forms, process_services
from dialoq.catalog.models import (
    KeyProcessVersion,
    ProcessStandardVersion,
    QualityPerspective,
    VersionStatus,
)
from dialoq.catalog.process_history import (
    diff_process_versions,
    diff_standard_versions,
)
from dialoq.catalog.standards import RuleError
from dialoq.catalog.standards.describe import describe_rule, service_type_names
from dialoq.catalog.standards.rule_text import rule_as_toml
from dialoq.catalog.swimlane import key_process_swimlane


def _require_reader(user):
    if not process_services.may_read_catalogue(user):
        raise PermissionDenied


def _previous(versions, version):
    older = [v for v in versions if v.version < version.version]
    return older[0] if older else None


def _compared(versions, shown, request):
    compare = _previous(versions, shown)
    if request.GET.get("compare", "").isdigit():
        number = int(request.GET["compare"])
        compare = next((v for v in versions if v.version == number), compare)
    return None if compare is not None and compare.pk == shown.pk else compare


def _rule_words(version) -> tuple[str, str]:
    """Return the rule in words and the problem, if the rule cannot be read."""
    try:
        rule = version.parsed()
    except RuleError as error:
        return "", error.message
    return describe_rule(rule, service_type_names(rule.scope)), ""


# --- key processes ----------------------------------------------------------------


def _process_versions(process):
    return list(
        process.versions.select_related("created_by", "process").order_by("-version")
    )


@login_required
def process_list(request):
    """List the key processes the user may read."""
    _require_reader(request.user)
    processes = (
        process_services.readable_key_processes(request.user)
        .select_related("owner")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=KeyProcessVersion.objects.order_by(
                    "-version"
                ).prefetch_related("steps", "interfaces"),
            )
        )
    )
    rows = [
        {
            "process": process,
            "version": process_services.shown_version(list(process.versions.all())),
        }
        for process in processes
    ]
    context = {"rows": rows, "may_define": process_services.can_define(request.user)}
    return render(request, "catalog/processes/process_list.html", context)


def _process_context(request, process, versions, shown, compare):
    return {
        "process": process,
        "versions": versions,
        "version": shown,
        "compare": compare,
        "changes": diff_process_versions(compare, shown) if compare else [],
        "steps": list(shown.steps.order_by("order")) if shown else [],
        "interfaces": list(shown.interfaces.select_related("step").order_by("order"))
        if shown
        else [],
        "swimlane": key_process_swimlane(shown) if shown else "",
        "draft": next((v for v in versions if v.status == VersionStatus.DRAFT), None),
        "may_change": process_services.can_change(request.user, process),
        "may_copy": process_services.can_define(request.user),
        "standards": _standards_of(request.user, process),
    }


def _standards_of(user, process):
    """Return the readable standards in force that govern steps of the process."""
    return list(
        ProcessStandardVersion.objects.filter(
            key_process=process,
            status=VersionStatus.IN_FORCE,
            standard__in=process_services.readable_standards(user),
        )
        .select_related("standard")
        .order_by("standard__key")
    )


@login_required
def process_detail(request, key):
    """Show a key process: swimlane, steps, interfaces, standards and versions."""
    process = process_services.access_key_process(request.user, key)
    versions = _process_versions(process)
    shown = process_services.shown_version(versions)
    compare = _previous(versions, shown) if shown else None
    context = _process_context(request, process, versions, shown, compare)
    return render(request, "catalog/processes/process_detail.html", context)


@login_required
def process_version(request, key, version):
    """Show one version of a key process and what changed against another."""
    process = process_services.access_key_process(request.user, key)
    versions = _process_versions(process)
    shown = next((v for v in versions if v.version == version), None)
    if shown is None:
        raise Http404
    compare = _compared(versions, shown, request)
    context = _process_context(request, process, versions, shown, compare)
    context["version_page"] = True
    return render(request, "catalog/processes/process_detail.html", context)


def _process_editor(
    request, *, form, content, mode, process=None, draft=None, source=None
):
    """Render or save the key process editor (create and edit share it)."""
    initial_steps, initial_interfaces = process_forms.initial_rows(content)
    data = request.POST if request.method == "POST" else None
    steps = process_forms.StepFormSet(data, initial=initial_steps, prefix="steps")
    step_keys = process_forms.step_keys_of(data, "steps", content["steps"])
    interfaces = process_forms.InterfaceFormSet(
        data,
        initial=initial_interfaces,
        prefix="interfaces",
        form_kwargs={"step_keys": step_keys},
    )
    if request.method == "POST" and all(
        [form.is_valid(), steps.is_valid(), interfaces.is_valid()]
    ):
        new_content = process_forms.process_content(form, steps, interfaces)
        if new_content is not None:
            note = form.cleaned_data.get("change_note") or ""
            if mode == "create":
                saved = process_services.do_create_key_process(
                    request.user,
                    owner=form.cleaned_data["owner"],
                    key=form.cleaned_data["key"],
                    content=new_content,
                    change_note=note,
                )
                messages.success(
                    request,
                    _(
                        "The key process has been created as a draft. Check it and "
                        "put it in force when it is agreed."
                    ),
                )
                return redirect("catalog:process", key=saved.process.key)
            process_services.do_change_process_draft(
                draft, content=new_content, change_note=note
            )
            messages.success(request, _("The draft has been saved."))
            return redirect(
                "catalog:process_version", key=process.key, version=draft.version
            )
    context = {
        "form": form,
        "steps": steps,
        "interfaces": interfaces,
        "mode": mode,
        "process": process,
        "draft": draft,
        "source": source,
    }
    return render(request, "catalog/processes/process_form.html", context)


def _empty_content():
    return {"texts": {}, "steps": [], "interfaces": [], "service_types": []}


@login_required
def process_create(request):
    """Create a key process of the user's organisation with its first draft."""
    if not process_services.can_define(request.user):
        raise PermissionDenied
    form = process_forms.KeyProcessCreateForm(request.POST or None, user=request.user)
    return _process_editor(request, form=form, content=_empty_content(), mode="create")


@login_required
def process_copy(request, key):
    """Copy a key process (built-in or a partner's) as the organisation's own."""
    source = process_services.access_key_process(request.user, key)
    if not process_services.can_define(request.user):
        raise PermissionDenied
    version = process_services.shown_version(_process_versions(source))
    content = process_services.process_content(version) if version else _empty_content()
    initial = {
        **content["texts"],
        "service_types": content["service_types"],
        "key": f"{source.key}-eigen"[:60],
    }
    if version is not None:
        initial["change_note"] = _("Copied from %(key)s version %(version)s.") % {
            "key": source.key,
            "version": version.version,
        }
    form = process_forms.KeyProcessCreateForm(
        request.POST or None, user=request.user, initial=initial
    )
    return _process_editor(
        request, form=form, content=content, mode="create", source=source
    )


@login_required
def process_version_create(request, key):
    """Start a new draft of an own key process from its newest version."""
    process = process_services.access_key_process(request.user, key, for_change=True)
    versions = _process_versions(process)
    draft = next((v for v in versions if v.status == VersionStatus.DRAFT), None)
    if draft is None and request.method == "POST":
        draft = process_services.do_start_process_draft(request.user, process)
    if draft is not None:
        return redirect("catalog:process_version_edit", key=key, version=draft.version)
    context = {
        "item": process,
        "newest": versions[0] if versions else None,
        "back_url": reverse("catalog:process", args=[key]),
        "action_url": reverse("catalog:process_version_create", args=[key]),
    }
    return render(request, "catalog/processes/version_create.html", context)


@login_required
def process_version_edit(request, key, version):
    """Change a draft of a key process: texts, steps and interfaces."""
    process = process_services.access_key_process(request.user, key, for_change=True)
    draft = get_object_or_404(process.versions, version=version)
    if draft.status != VersionStatus.DRAFT:
        raise PermissionDenied
    content = process_services.process_content(draft)
    initial = {
        **content["texts"],
        "service_types": content["service_types"],
        "change_note": draft.change_note,
    }
    form = process_forms.KeyProcessForm(request.POST or None, initial=initial)
    return _process_editor(
        request, form=form, content=content, mode="edit", process=process, draft=draft
    )


@login_required
def process_put_in_force(request, key, version):
    """Put a draft of a key process in force; the one in force before is retired."""
    process = process_services.access_key_process(request.user, key, for_change=True)
    draft = get_object_or_404(process.versions, version=version)
    if draft.status != VersionStatus.DRAFT:
        raise PermissionDenied
    versions = _process_versions(process)
    in_force = next((v for v in versions if v.status == VersionStatus.IN_FORCE), None)
    problem = ""
    if request.method == "POST":
        if not draft.steps.exists():
            problem = _("A key process needs at least one step.")
        else:
            process_services.do_put_process_in_force(draft)
            messages.success(
                request, _("Version %(version)s is in force.") % {"version": version}
            )
            return redirect("catalog:process", key=key)
    context = {
        "item": process,
        "title": draft.display_title,
        "draft": draft,
        "in_force": in_force,
        "problem": problem,
        "changes": diff_process_versions(in_force, draft) if in_force else [],
        "back_url": reverse("catalog:process_version", args=[key, version]),
        "action_url": reverse("catalog:process_put_in_force", args=[key, version]),
    }
    return render(request, "catalog/processes/put_in_force.html", context)


# --- process standards ------------------------------------------------------------


def _standard_versions(standard):
    return list(
        standard.versions.select_related(
            "created_by", "key_process", "standard"
        ).order_by("-version")
    )


GROUPINGS = ("process", "perspective")


@login_required
def standard_list(request):
    """List the standards with their rule in words, by key process or perspective."""
    _require_reader(request.user)
    grouping = request.GET.get("group")
    grouping = grouping if grouping in GROUPINGS else "process"
    standards = (
        process_services.readable_standards(request.user)
        .select_related("owner")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=ProcessStandardVersion.objects.select_related(
                    "key_process"
                ).order_by("-version"),
            )
        )
    )
    entries = []
    names = {}
    for standard in standards:
        version = process_services.shown_version(list(standard.versions.all()))
        if version is None:
            continue
        try:
            rule = version.parsed()
        except RuleError as error:
            words = _("This rule cannot be used: %(problem)s") % {
                "problem": error.message
            }
        else:
            missing = set(rule.scope.service_types) - set(names)
            if missing:
                names |= service_type_names(rule.scope)
            words = describe_rule(rule, names)
        entries.append({"standard": standard, "version": version, "words": words})
    context = {
        "groups": _group(entries, grouping, request.user),
        "grouping": grouping,
        "may_define": process_services.can_define(request.user),
    }
    return render(request, "catalog/processes/standard_list.html", context)


def _group(entries, grouping, user):
    if grouping == "perspective":
        return [
            {
                "id": perspective.value,
                "title": perspective.label,
                "entries": [
                    e for e in entries if e["version"].perspective == perspective.value
                ],
            }
            for perspective in QualityPerspective
        ]
    titles = {}
    for process in process_services.readable_key_processes(user).prefetch_related(
        "versions"
    ):
        version = process_services.shown_version(
            sorted(process.versions.all(), key=lambda v: -v.version)
        )
        titles[process.pk] = version.display_title if version else process.key
    groups = {}
    for entry in entries:
        process_id = entry["version"].key_process_id
        groups.setdefault(process_id, []).append(entry)
    ordered = sorted(
        groups.items(), key=lambda item: (item[0] is None, titles.get(item[0], ""))
    )
    return [
        {
            "id": f"process-{process_id or 'none'}",
            "title": titles.get(process_id, _("Without key process")),
            "entries": items,
        }
        for process_id, items in ordered
    ]


def _compliance_url(user, version):
    """Return the compliance view of the version (else of all standards), if any.

    The deviations app owns those screens; the link is left out when its URLs
    are not there or the user may not see deviations.
    """
    if version is None or not scoping.has_permission(user, Action.VIEW_DEVIATIONS):
        return None
    try:
        from dialoq.deviations.review import visible_compliance

        measured = (
            visible_compliance(user).filter(standard_version_id=version.pk).exists()
        )
        if measured:
            return reverse("deviations:compliance_standard", kwargs={"pk": version.pk})
    except (ImportError, NoReverseMatch):
        pass
    try:
        return reverse("deviations:compliance")
    except NoReverseMatch:
        return None


def _standard_context(request, standard, versions, shown, compare):
    words, problem = _rule_words(shown) if shown else ("", "")
    scope_names = {}
    if shown and not problem:
        scope_names = service_type_names(shown.parsed().scope)
    return {
        "standard": standard,
        "versions": versions,
        "version": shown,
        "compare": compare,
        "changes": diff_standard_versions(compare, shown) if compare else [],
        "words": words,
        "rule_problem": problem,
        "rule_toml": rule_as_toml(shown.rule) if shown else "",
        "scope": (shown.rule or {}).get("scope") or {} if shown else {},
        "scope_names": scope_names,
        "draft": next((v for v in versions if v.status == VersionStatus.DRAFT), None),
        "may_change": process_services.can_change(request.user, standard),
        "may_copy": process_services.can_define(request.user),
        "compliance_url": _compliance_url(request.user, shown),
    }


@login_required
def standard_detail(request, key):
    """Show a standard: texts, rule in words and as TOML, scope and versions."""
    standard = process_services.access_standard(request.user, key)
    versions = _standard_versions(standard)
    shown = process_services.shown_version(versions)
    compare = _previous(versions, shown) if shown else None
    context = _standard_context(request, standard, versions, shown, compare)
    return render(request, "catalog/processes/standard_detail.html", context)


@login_required
def standard_version(request, key, version):
    """Show one version of a standard and what changed against another."""
    standard = process_services.access_standard(request.user, key)
    versions = _standard_versions(standard)
    shown = next((v for v in versions if v.version == version), None)
    if shown is None:
        raise Http404
    compare = _compared(versions, shown, request)
    context = _standard_context(request, standard, versions, shown, compare)
    context["version_page"] = True
    return render(request, "catalog/processes/standard_detail.html", context)


def _standard_initial(version) -> dict:
    initial = {
        name: getattr(version, name) for name in process_services.STANDARD_FIELDS
    }
    initial["rule"] = rule_as_toml(version.rule)
    return initial


def _standard_editor(request, form, *, mode, standard=None, draft=None, source=None):
    if request.method == "POST" and form.is_valid():
        note = form.cleaned_data.get("change_note") or ""
        if mode == "create":
            saved = process_services.do_create_standard(
                request.user,
                owner=form.cleaned_data["owner"],
                key=form.cleaned_data["key"],
                fields=form.standard_fields(),
                rule=form.rule_data,
                change_note=note,
            )
            messages.success(
                request,
                _(
                    "The standard has been created as a draft. Check it and put it "
                    "in force when it is agreed."
                ),
            )
            return redirect("catalog:standard", key=saved.standard.key)
        process_services.do_change_standard_draft(
            draft, fields=form.standard_fields(), rule=form.rule_data, change_note=note
        )
        messages.success(request, _("The draft has been saved."))
        return redirect(
            "catalog:standard_version", key=standard.key, version=draft.version
        )
    context = {
        "form": form,
        "mode": mode,
        "standard": standard,
        "draft": draft,
        "source": source,
    }
    return render(request, "catalog/processes/standard_form.html", context)


@login_required
def standard_create(request):
    """Create a standard of the user's organisation with its first draft."""
    if not process_services.can_define(request.user):
        raise PermissionDenied
    initial = {
        "rule": 'kind = "deadline"\nanchor = "referral"\nevent = "contact"\n'
        'within = "10 working days"\n',
        "severity": "medium",
    }
    form = process_forms.StandardCreateForm(
        request.POST or None, user=request.user, initial=initial
    )
    return _standard_editor(request, form, mode="create")


@login_required
def standard_copy(request, key):
    """Copy a standard (built-in or a partner's) as the organisation's own."""
    source = process_services.access_standard(request.user, key)
    if not process_services.can_define(request.user):
        raise PermissionDenied
    version = process_services.shown_version(_standard_versions(source))
    initial = {"key": f"{source.key}-eigen"[:60]}
    if version is not None:
        initial |= _standard_initial(version)
        initial["change_note"] = _("Copied from %(key)s version %(version)s.") % {
            "key": source.key,
            "version": version.version,
        }
    form = process_forms.StandardCreateForm(
        request.POST or None, user=request.user, initial=initial
    )
    return _standard_editor(request, form, mode="create", source=source)


@login_required
def standard_version_create(request, key):
    """Start a new draft of an own standard from its newest version."""
    standard = process_services.access_standard(request.user, key, for_change=True)
    versions = _standard_versions(standard)
    draft = next((v for v in versions if v.status == VersionStatus.DRAFT), None)
    if draft is None and request.method == "POST":
        draft = process_services.do_start_standard_draft(request.user, standard)
    if draft is not None:
        return redirect("catalog:standard_version_edit", key=key, version=draft.version)
    context = {
        "item": standard,
        "newest": versions[0] if versions else None,
        "back_url": reverse("catalog:standard", args=[key]),
        "action_url": reverse("catalog:standard_version_create", args=[key]),
    }
    return render(request, "catalog/processes/version_create.html", context)


@login_required
def standard_version_edit(request, key, version):
    """Change a draft of a standard: texts, settings and rule."""
    standard = process_services.access_standard(request.user, key, for_change=True)
    draft = get_object_or_404(standard.versions, version=version)
    if draft.status != VersionStatus.DRAFT:
        raise PermissionDenied
    initial = _standard_initial(draft) | {"change_note": draft.change_note}
    form = process_forms.StandardForm(
        request.POST or None, user=request.user, initial=initial
    )
    return _standard_editor(request, form, mode="edit", standard=standard, draft=draft)


@login_required
def standard_put_in_force(request, key, version):
    """Put a draft of a standard in force; the one in force before is retired."""
    standard = process_services.access_standard(request.user, key, for_change=True)
    draft = get_object_or_404(standard.versions, version=version)
    if draft.status != VersionStatus.DRAFT:
        raise PermissionDenied
    versions = _standard_versions(standard)
    in_force = next((v for v in versions if v.status == VersionStatus.IN_FORCE), None)
    problem = ""
    if request.method == "POST":
        try:
            process_services.do_put_standard_in_force(draft)
        except RuleError as error:
            problem = process_forms.rule_message(error)
        else:
            messages.success(
                request,
                _(
                    "Version %(version)s is in force. The next monitoring run checks "
                    "cases against it."
                )
                % {"version": version},
            )
            return redirect("catalog:standard", key=key)
    context = {
        "item": standard,
        "title": draft.display_title,
        "draft": draft,
        "in_force": in_force,
        "problem": problem,
        "changes": diff_standard_versions(in_force, draft) if in_force else [],
        "back_url": reverse("catalog:standard_version", args=[key, version]),
        "action_url": reverse("catalog:standard_put_in_force", args=[key, version]),
    }
    return render(request, "catalog/processes/put_in_force.html", context)
