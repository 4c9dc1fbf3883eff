"""The register's export: the visible, filtered deviations as CSV or XLSX."""

import tempfile

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponseBadRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dialoq.accounts import scoping as account_scoping
from dialoq.accounts.roles import Action
from dialoq.deviations import exports
from dialoq.deviations.forms import RegisterFilterForm
from dialoq.deviations.scoping import visible_deviations


@login_required
@never_cache
@require_POST
def export(request):
    """Send the register (with the filters handed over) as a file."""
    if not account_scoping.has_permission(request.user, Action.VIEW_DEVIATIONS):
        raise PermissionDenied
    fmt = request.POST.get("format", "")
    if fmt not in exports.FORMATS:
        return HttpResponseBadRequest(_("Choose XLSX or CSV."))
    names = set(RegisterFilterForm.base_fields)
    handed_over = {name: request.POST[name] for name in names if request.POST.get(name)}
    filters = RegisterFilterForm(handed_over or None, user=request.user)
    if filters.is_bound and not filters.is_valid():
        return HttpResponseBadRequest(
            _("These filters were not understood: %(names)s")
            % {"names": ", ".join(str(filters.fields[n].label) for n in filters.errors)}
        )
    today = timezone.localdate()
    deviations = filters.filter(visible_deviations(request.user), today)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    exports.do_export(request.user, fmt, handle, deviations=deviations, today=today)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=exports.export_file_name(fmt, today),
        content_type=exports.FORMATS[fmt],
    )
