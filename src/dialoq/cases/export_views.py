"""The export screen: cases, goals or reviews of the visible cases as CSV or XLSX."""

import tempfile

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dialoq.accounts import scoping
from dialoq.accounts.roles import Action
from dialoq.cases import exports
from dialoq.cases.forms import CaseFilterForm


class ExportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What to export"),
        choices=[
            ("cases", _("Cases – one row per case with its case-mix attributes")),
            ("goals", _("Goals – one row per goal of a help plan")),
            ("reviews", _("Reviews – one row per goal rating, with the T-score")),
        ],
        widget=forms.RadioSelect,
        initial="cases",
        error_messages={
            "required": _("Choose what to export."),
            "invalid_choice": _("Choose cases, goals or reviews."),
        },
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            ("xlsx", _("Excel workbook (XLSX) – to read and work with")),
            ("csv", _("CSV – for statistics software and further processing")),
        ],
        widget=forms.RadioSelect,
        initial="xlsx",
        error_messages={
            "required": _("Choose a format."),
            "invalid_choice": _("Choose XLSX or CSV."),
        },
    )


def _case_filters(request):
    """Return the case list's filter form, bound to the filters handed over."""
    data = request.GET if request.method == "GET" else request.POST
    names = set(CaseFilterForm.base_fields) - {"sort"}
    handed_over = {name: data[name] for name in names if data.get(name)}
    return CaseFilterForm(handed_over or None, user=request.user)


def _active_filters(filters):
    """Return (label, shown value, name, value) of each filter that narrows."""
    if not filters.is_bound or not filters.is_valid():
        return []
    active = []
    for name, value in filters.cleaned_data.items():
        if value in ("", None) or name == "sort":
            continue
        field = filters.fields[name]
        choices = dict(getattr(field, "choices", ()))
        shown = choices.get(value, value)
        active.append((field.label, shown, name, filters.data[name]))
    return active


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def export_page(request):
    """Offer the exports of the visible cases; send the chosen one as a file."""
    if not scoping.has_permission(request.user, Action.VIEW_CASE):
        raise PermissionDenied
    filters = _case_filters(request)
    form = ExportForm(request.POST or None)
    filters_valid = not filters.is_bound or filters.is_valid()
    if request.method == "POST" and form.is_valid() and filters_valid:
        kind, fmt = form.cleaned_data["kind"], form.cleaned_data["format"]
        cases = filters.filter(
            scoping.visible_cases(request.user), timezone.localdate()
        )
        handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
        exports.do_export(request.user, kind, fmt, handle, cases=cases)
        handle.seek(0)
        return FileResponse(
            handle,
            as_attachment=True,
            filename=exports.file_name(kind, fmt, timezone.localdate()),
            content_type=exports.FORMATS[fmt],
        )
    context = {"form": form, "filters": filters, "active": _active_filters(filters)}
    status = 400 if request.method == "POST" else 200
    return render(request, "cases/export_page.html", context, status=status)
