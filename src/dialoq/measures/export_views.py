"""The result export: the indicator results a user may see, as CSV or XLSX.

One GET address: with ``format`` in the query it sends the file, without it
shows the form with the filters handed over (the dashboard links here with
its indicator and period). Invalid filters give the form with messages (400).
"""

import tempfile

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dialoq.accounts import scoping
from dialoq.accounts.roles import Action
from dialoq.cases.exports import FORMATS, file_name

from . import exports


@login_required
@never_cache
@require_GET
def export_results(request):
    """Offer the export of the visible results; send it when a format is chosen."""
    if not scoping.has_permission(request.user, Action.VIEW_AGGREGATES):
        raise PermissionDenied
    download = "format" in request.GET
    data = request.GET.copy()
    data.setdefault("format", "xlsx")  # preselected on the form
    form = exports.ResultFilterForm(data if request.GET else None, user=request.user)
    if form.is_bound and not form.is_valid():
        return _page(request, form, status=400)
    if not download:
        return _page(request, form)
    fmt = form.cleaned_data["format"]
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    exports.do_export(request.user, fmt, handle, form.filters())
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=file_name("results", fmt, timezone.localdate()),
        content_type=FORMATS[fmt],
    )


def _page(request, form, status=200):
    return render(
        request, "measures/export_results.html", {"form": form}, status=status
    )
