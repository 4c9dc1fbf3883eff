"""Screens for personal data: identity, the access log, the GDPR Art. 15 export."""

import csv
import unicodedata

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from dialoq.accounts import scoping
from dialoq.accounts.roles import Action
from dialoq.cases import privacy
from dialoq.cases.models import AccessAction

ACCESS_LOG_ENTRIES_PER_PAGE = 50
OLDEST_PLAUSIBLE_AGE_YEARS = 120
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _is_htmx(request):
    return bool(
        request.headers.get("HX-Request")
        and not request.headers.get("HX-History-Restore-Request")
    )


def _render(request, template, context, partial, status=200):
    """Render the screen, or only its named partial for an htmx request."""
    if _is_htmx(request):
        # htmx swaps only 2xx answers; a form with its messages must be one.
        return render(request, f"{template}#{partial}", context)
    return render(request, template, context, status=status)


def _identity_case(user, pk):
    """Return the case whose identity the user may see: 404 outside scope, else 403."""
    case = scoping.get_case_or_404(user, pk)
    if not scoping.can_view_identity(user, case):
        raise PermissionDenied
    return case


# --- Identity -----------------------------------------------------------------


class IdentityForm(forms.Form):
    first_name = forms.CharField(
        label=gettext_lazy("First name"),
        max_length=100,
        error_messages={"required": gettext_lazy("Enter the first name.")},
    )
    last_name = forms.CharField(
        label=gettext_lazy("Last name"),
        max_length=100,
        error_messages={"required": gettext_lazy("Enter the last name.")},
    )
    date_of_birth = forms.DateField(
        label=gettext_lazy("Date of birth"),
        required=False,
        widget=DATE_WIDGET,
        error_messages={
            "invalid": gettext_lazy(
                "Enter the date of birth as a date, e.g. 31.12.2010."
            )
        },
    )
    address = forms.CharField(
        label=gettext_lazy("Address"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_first_name(self):
        return _clean_name(self.cleaned_data["first_name"])

    def clean_last_name(self):
        return _clean_name(self.cleaned_data["last_name"])

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if born and born > today:
            raise ValidationError(_("The date of birth cannot be in the future."))
        oldest = today.replace(year=today.year - OLDEST_PLAUSIBLE_AGE_YEARS, day=1)
        if born and born < oldest:
            raise ValidationError(
                _("The date of birth lies more than 120 years back. Please check it.")
            )
        return born

    def clean_address(self):
        address = self.cleaned_data["address"]
        if any(_is_control(char) for char in address.replace("\n", "")):
            raise ValidationError(
                _("The address contains invisible control characters.")
            )
        return address


def _is_control(char):
    return unicodedata.category(char) == "Cc" and char not in "\r\t"


def _clean_name(name):
    if any(char.isdigit() for char in name):
        raise ValidationError(_("A name cannot contain digits."))
    if any(_is_control(char) for char in name):
        raise ValidationError(_("The name contains invisible control characters."))
    return name


@login_required
@never_cache
@require_GET
def identity_show(request, pk):
    """Show the beneficiary's identity to the funder's case manager; log it."""
    case = _identity_case(request.user, pk)
    if case.anonymised_at:
        raise PermissionDenied
    context = {
        "case": case,
        "identity": privacy.read_identity(request.user, case),
        "may_change": privacy.may_change_identity(request.user, case),
    }
    return _render(request, "cases/identity_detail.html", context, "identity")


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def identity_edit(request, pk):
    """Change the beneficiary's identity; every read and write is logged."""
    case = _identity_case(request.user, pk)
    if not privacy.may_change_identity(request.user, case):
        raise PermissionDenied
    if request.method == "GET":
        form = IdentityForm(initial=privacy.read_identity(request.user, case))
    else:
        form = IdentityForm(request.POST)
    if request.method == "POST" and form.is_valid():
        changed = privacy.do_change_identity(request.user, case, form.cleaned_data)
        note = _("Identifying data saved.") if changed else _("Nothing was changed.")
        if _is_htmx(request):
            context = {"case": case, "note": note}
            return render(request, "cases/_identity_section.html", context)
        messages.success(request, note)
        return redirect(f"{case.get_absolute_url()}#identity")
    status = 400 if form.is_bound else 200
    context = {"case": case, "form": form}
    return _render(request, "cases/identity_form.html", context, "form", status)


# --- Access log ----------------------------------------------------------------


class AccessLogFilterForm(forms.Form):
    case_reference = forms.CharField(
        label=gettext_lazy("Case number"),
        required=False,
        max_length=24,
        help_text=gettext_lazy("The complete case number."),
    )
    pseudonym = forms.CharField(
        label=gettext_lazy("Pseudonym"),
        required=False,
        max_length=16,
        help_text=gettext_lazy("The complete pseudonym, e.g. LB-7KQ2-M9XD."),
    )
    username = forms.CharField(
        label=gettext_lazy("User name"), required=False, max_length=150
    )
    action = forms.ChoiceField(
        label=gettext_lazy("Action"),
        required=False,
        choices=[("", gettext_lazy("all")), *AccessAction.choices],
        error_messages={
            "invalid_choice": gettext_lazy("Choose an action from the list.")
        },
    )
    date_from = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=DATE_WIDGET,
        error_messages={
            "invalid": gettext_lazy("Enter the first day as a date, e.g. 01.11.2026.")
        },
    )
    date_to = forms.DateField(
        label=gettext_lazy("Until"),
        required=False,
        widget=DATE_WIDGET,
        error_messages={
            "invalid": gettext_lazy("Enter the last day as a date, e.g. 30.11.2026.")
        },
    )

    def clean_case_reference(self):
        return self.cleaned_data["case_reference"].strip().upper()

    def clean_pseudonym(self):
        return self.cleaned_data["pseudonym"].strip().upper()

    def clean(self):
        data = super().clean()
        first, last = data.get("date_from"), data.get("date_to")
        if first and last and first > last:
            self.add_error(
                "date_to", _("The last day must not lie before the first day.")
            )
        return data

    def search(self, entries):
        """Return the entries matching the form; none if the form is invalid."""
        if not self.is_bound:
            return entries
        if not self.is_valid():
            return entries.none()
        return privacy.search_access_log(entries, **self.cleaned_data)


def _access_log_entries(user):
    """Return the log entries the user may search; 403 without the permission."""
    if not scoping.has_permission(user, Action.VIEW_ACCESS_LOG):
        raise PermissionDenied
    return privacy.visible_access_log(user)


@login_required
@require_GET
def access_log(request):
    """Search the access log of the user's organisations."""
    entries = _access_log_entries(request.user)
    form = AccessLogFilterForm(request.GET or None)
    entries = form.search(entries).select_related("funder", "provider")
    page = Paginator(entries, ACCESS_LOG_ENTRIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {"form": form, "page": page}
    return _render(request, "cases/access_log.html", context, "search")


ACCESS_LOG_CSV_COLUMNS = (
    "at",
    "username",
    "action",
    "case_reference",
    "pseudonym",
    "funder_id",
    "provider_id",
    "detail",
)


class _Echo:
    """A file that hands back what is written, for streaming CSV."""

    def write(self, value):
        return value


def _csv_lines(header, rows):
    writer = csv.writer(_Echo(), lineterminator="\n")
    yield writer.writerow(header)
    for row in rows.iterator(chunk_size=2000):
        yield writer.writerow([_csv_text(value) for value in row])


@login_required
@require_GET
def access_log_csv(request):
    """Send the matching access-log entries as CSV."""
    entries = _access_log_entries(request.user)
    form = AccessLogFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        context = {"form": form, "page": None}
        return render(request, "cases/access_log.html", context, status=400)
    rows = form.search(entries).values_list(*ACCESS_LOG_CSV_COLUMNS)
    response = StreamingHttpResponse(
        _csv_lines(ACCESS_LOG_CSV_COLUMNS, rows), content_type="text/csv; charset=utf-8"
    )
    name = f"dialoq-access-log-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _csv_text(value):
    if value is None:
        return ""
    if hasattr(value, "tzinfo"):
        return timezone.localtime(value).isoformat()
    return value


# --- GDPR Art. 15 export ---------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def beneficiary_export(request, pk):
    """Export all data about the case's beneficiary as JSON or a printable page."""
    case = _identity_case(request.user, pk)
    output = request.POST.get("output")
    if request.method == "GET" or output not in {"json", "html"}:
        status = 400 if request.method == "POST" else 200
        context = {"case": case, "invalid": status == 400}
        return render(request, "cases/export_beneficiary.html", context, status=status)
    export = privacy.do_export_beneficiary(request.user, case.beneficiary)
    if output == "html":
        context = {"case": case, "export": export}
        return render(request, "cases/export_beneficiary_report.html", context)
    response = JsonResponse(
        privacy.beneficiary_export_json(export),
        json_dumps_params={"ensure_ascii": False, "indent": 2},
    )
    name = f"dialoq-{case.beneficiary.pseudonym}-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
