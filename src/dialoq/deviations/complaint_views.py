"""Staff screens of complaints: list, detail with the handling steps, recording, link.

Only complaint handlers (QM officers, managers of the organisation concerned)
see the list and the detail page; opening a complaint shows its text at once
and every opening is written to the access log, because a handler opens a
complaint to work it. Any member who may report deviations records
complaints received in person, by phone, letter or e-mail, and afterwards
sees only the reference.
"""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from dialoq.accounts import scoping as account_scoping
from dialoq.accounts.models import Organisation
from dialoq.accounts.roles import Action, OrganisationKind
from dialoq.deviations import complaints, scoping
from dialoq.deviations.complaint_forms import (
    AnswerForm,
    ComplaintFilterForm,
    OpenDeviationForm,
    StaffComplaintForm,
    organisation_token,
)

COMPLAINTS_PER_PAGE = 50


def _require_handler(user):
    if not account_scoping.has_permission(user, Action.HANDLE_COMPLAINTS):
        raise PermissionDenied


def _navigation(user) -> dict:
    """Return which complaint screens the user may reach."""
    return {
        "may_handle": account_scoping.has_permission(user, Action.HANDLE_COMPLAINTS),
        "may_record": bool(scoping.reportable_organisations(user)),
    }


@login_required
@require_GET
def complaint_list(request):
    """List the complaints the user handles, filtered by status, topic and deadline."""
    _require_handler(request.user)
    today = timezone.localdate()
    form = ComplaintFilterForm(request.GET or None)
    queryset = form.filter(scoping.visible_complaints(request.user), today)
    queryset = queryset.select_related("funder", "provider", "deviation")
    page = Paginator(queryset, COMPLAINTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "today": today,
        **_navigation(request.user),
    }
    return render(request, "deviations/complaints/list.html", context)


def _detail_context(request, complaint, **forms):
    return {
        "complaint": complaint,
        "content": complaints.read_complaint(request.user, complaint),
        "today": timezone.localdate(),
        "answer_form": forms.get("answer_form") or AnswerForm(),
        "deviation_form": forms.get("deviation_form") or OpenDeviationForm(),
        "may_see_case": complaint.case_id
        and account_scoping.visible_cases(request.user)
        .filter(pk=complaint.case_id)
        .exists(),
        "may_see_deviation": complaint.deviation_id
        and scoping.visible_deviations(request.user)
        .filter(pk=complaint.deviation_id)
        .exists(),
    }


@never_cache
@login_required
@require_GET
def complaint_detail(request, pk):
    """Show a complaint with its text (the reading is logged) and its next steps."""
    complaint = scoping.get_complaint_or_404(request.user, pk)
    return render(
        request,
        "deviations/complaints/detail.html",
        _detail_context(request, complaint),
    )


def _step_refused(request, complaint, error):
    messages.error(request, " ".join(error.messages))
    return redirect("deviations:complaint_detail", pk=complaint.pk)


@login_required
def complaint_acknowledge(request, pk):
    """Record that receipt was confirmed to the complainant."""
    complaint = scoping.get_complaint_or_404(request.user, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        complaints.do_acknowledge(request.user, complaint)
    except complaints.ComplaintError as error:
        return _step_refused(request, complaint, error)
    messages.success(request, _("Receipt confirmed."))
    return redirect("deviations:complaint_detail", pk=complaint.pk)


@never_cache
@login_required
def complaint_answer(request, pk):
    """Record the outcome and the answer given."""
    complaint = scoping.get_complaint_or_404(request.user, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = AnswerForm(request.POST)
    if not form.is_valid():
        context = _detail_context(request, complaint, answer_form=form)
        return render(request, "deviations/complaints/detail.html", context, status=400)
    try:
        complaints.do_answer(
            request.user,
            complaint,
            form.cleaned_data["outcome"],
            form.cleaned_data["answer_note"],
        )
    except complaints.ComplaintError as error:
        return _step_refused(request, complaint, error)
    messages.success(request, _("The answer has been recorded."))
    return redirect("deviations:complaint_detail", pk=complaint.pk)


@login_required
def complaint_close(request, pk):
    """Close an answered complaint."""
    complaint = scoping.get_complaint_or_404(request.user, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        complaints.do_close(request.user, complaint)
    except complaints.ComplaintError as error:
        return _step_refused(request, complaint, error)
    messages.success(request, _("The complaint has been closed."))
    return redirect("deviations:complaint_detail", pk=complaint.pk)


@login_required
def complaint_open_deviation(request, pk):
    """Open a deviation from the complaint, to work its causes."""
    complaint = scoping.get_complaint_or_404(request.user, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = OpenDeviationForm(request.POST)
    if not form.is_valid():
        return _step_refused(
            request,
            complaint,
            complaints.ComplaintError(_("Please choose a severity.")),
        )
    try:
        deviation = complaints.do_open_deviation(
            request.user, complaint, form.cleaned_data["severity"]
        )
    except complaints.ComplaintError as error:
        return _step_refused(request, complaint, error)
    messages.success(
        request,
        _("Deviation %(number)s has been opened.") % {"number": deviation.number},
    )
    return redirect("deviations:complaint_detail", pk=complaint.pk)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def complaint_record(request):
    """Record a complaint received in person, by phone, letter or e-mail."""
    if not scoping.reportable_organisations(request.user):
        raise PermissionDenied
    form = StaffComplaintForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        complaint = form.receive()
        messages.success(
            request,
            _(
                "The complaint has been recorded as %(reference)s. The complaint "
                "handlers have been notified."
            )
            % {"reference": complaint.reference},
        )
        if complaints.may_handle(request.user, complaint):
            return redirect("deviations:complaint_detail", pk=complaint.pk)
        return redirect("deviations:complaint_record")
    status = 400 if form.is_bound else 200
    context = {"form": form, **_navigation(request.user)}
    return render(request, "deviations/complaints/record.html", context, status=status)


@login_required
@require_GET
def complaint_form_link(request):
    """Show the public form's link and QR code for each organisation handled."""
    organisation_ids = {
        grant.organisation_id
        for grant in account_scoping.grants(request.user, Action.HANDLE_COMPLAINTS)
    }
    if not organisation_ids:
        raise PermissionDenied
    sheets = []
    for organisation in Organisation.objects.filter(
        pk__in=organisation_ids,
        kind__in=(OrganisationKind.FUNDER, OrganisationKind.PROVIDER),
    ).order_by("name"):
        url = request.build_absolute_uri(
            reverse("complaints_public:form")
            + "?org="
            + organisation_token(organisation)
        )
        qr_svg = segno.make(url, error="m").svg_inline(
            scale=4, title=_("QR code of the complaint form"), border=2, omitsize=True
        )
        sheets.append({"organisation": organisation, "url": url, "qr_svg": qr_svg})
    context = {"sheets": sheets, **_navigation(request.user)}
    return render(request, "deviations/complaints/form_link.html", context)
