"""Case screens: the list, the case page, and the forms that move a case along."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dialoq.accounts import scoping
from dialoq.cases import services, timeline
from dialoq.cases.audit import log_access
from dialoq.cases.forms import (
    CaseClosureForm,
    CaseCreateForm,
    CaseFilterForm,
    CaseStatusForm,
    ContactForm,
    funder_grants,
)
from dialoq.cases.models import AccessAction, Case, CaseStatus

CASES_PER_PAGE = 50
CASE_PAGE_RELATED = (
    "funder",
    "provider",
    "funder_unit",
    "provider_unit",
    "service_type",
    "beneficiary",
    "case_manager",
    "caseworker",
)


def _is_htmx(request):
    """Return whether htmx asks for a part of the page (not a history restore)."""
    return bool(
        request.headers.get("HX-Request")
        and not request.headers.get("HX-History-Restore-Request")
    )


def _changeable_case(user, pk):
    """Return the case to change: 404 if the user cannot see it, 403 if only see."""
    case = scoping.get_case_or_404(user, pk)
    if not scoping.can_change_case(user, case):
        raise PermissionDenied
    return case


@login_required
def case_list(request):
    """List the cases the user may see: searched, filtered, sorted, paginated."""
    # Invalid filters are shown as errors and left out of the filtering.
    form = CaseFilterForm(request.GET or None, user=request.user)
    today = timezone.localdate()
    cases = form.filter(scoping.visible_cases(request.user), today)
    # Page through ids only, then load the page's 50 cases with their relations.
    page = Paginator(cases.values_list("pk", flat=True), CASES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    page.object_list = _cases_in_order(page.object_list)
    context = {
        "form": form,
        "page": page,
        "is_filtered": form.is_filtered(),
        "today": today,
        "can_open": bool(funder_grants(request.user)),
    }
    template = "cases/case_list.html"
    response = render(
        request, f"{template}#results" if _is_htmx(request) else template, context
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


def _cases_in_order(pks):
    """Return the cases of the ids, in their order, with what the list shows."""
    pks = list(pks)
    cases = Case.objects.select_related("service_type", "provider", "beneficiary")
    by_pk = cases.in_bulk(pks)
    return [by_pk[pk] for pk in pks if pk in by_pk]


@login_required
def case_detail(request, pk):
    """Show a case with its timeline and service hours; log the access."""
    case = get_object_or_404(
        scoping.visible_cases(request.user).select_related(*CASE_PAGE_RELATED), pk=pk
    )
    log_access(request.user, AccessAction.VIEW_CASE, case)
    can_change = scoping.can_change_case(request.user, case)
    return render(
        request, "cases/case_detail.html", _page_context(request.user, case, can_change)
    )


def _page_context(user, case, can_change, contact_form=None):
    """Return what the case page shows, with the contact form if the user may add."""
    context = {"case": case, "can_change": can_change, **_course(case)}
    if can_change:
        context["contact_form"] = contact_form or ContactForm(case=case)
        context["deletable_contacts"] = services.deletable_contact_ids(user, case)
    return context


def _course(case):
    """Return the case's contacts, service hours by month and timeline."""
    # Explicit orderings: the models' default ones join the case table.
    contacts = list(
        case.contacts.select_related("staff").order_by("-occurred_on", "-pk")
    )
    help_plans = list(case.help_plans.order_by("version"))
    events = case.events.select_related("actor").order_by("-occurred_at", "-pk")
    months = timeline.service_hours_by_month(
        case, contacts, help_plans, timezone.localdate()
    )
    return {
        "contacts": contacts,
        "help_plan": timeline.current_help_plan(help_plans),
        "hours_by_month": months,
        "hours_scale": timeline.hours_scale(months),
        "next_statuses": services.next_statuses(case),
        "timeline": timeline.case_timeline(
            case,
            contacts=contacts,
            events=events,
            help_plans=help_plans,
            reviews=case.reviews.order_by("held_on"),
        ),
    }


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request):
    """Open a new case; only a funder's case managers may."""
    if not funder_grants(request.user):
        raise PermissionDenied
    form = CaseCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.do_create_case(
                request.user,
                reference=form.cleaned_data["reference"],
                **form.case_fields(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The case has been opened."))
            return redirect(case)
    return render(request, "cases/case_create.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def case_status(request, pk):
    """Move a case on to its next status."""
    case = _changeable_case(request.user, pk)
    form = CaseStatusForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        services.do_change_case_status(
            request.user,
            case,
            form.cleaned_data["status"],
            started_on=form.cleaned_data.get("started_on"),
        )
        messages.success(request, _("The status has been changed."))
        return redirect(case)
    return render(request, "cases/case_status.html", {"case": case, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def case_close(request, pk):
    """End the help of an open case."""
    case = _changeable_case(request.user, pk)
    if case.status == CaseStatus.CLOSED:
        messages.info(request, _("This case is already closed."))
        return redirect(case)
    form = CaseClosureForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        services.do_close_case(request.user, case, **form.cleaned_data)
        messages.success(request, _("The case has been closed."))
        return redirect(case)
    return render(request, "cases/case_close.html", {"case": case, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request, pk):
    """Document a contact; htmx gets the case page's contact section back."""
    case = _changeable_case(request.user, pk)
    form = ContactForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        services.do_record_contact(request.user, case, **form.cleaned_data)
        if not _is_htmx(request):
            messages.success(request, _("The contact has been documented."))
            return redirect(f"{case.get_absolute_url()}#contacts")
        form = ContactForm(case=case)
    if _is_htmx(request):
        context = _page_context(request.user, case, True, form)
        return render(request, "cases/case_detail.html#contacts", context)
    return render(request, "cases/contact_form.html", {"case": case, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def contact_delete(request, pk, contact_pk):
    """Delete a contact its author documented by mistake, within 24 hours."""
    case = _changeable_case(request.user, pk)
    contact = get_object_or_404(case.contacts, pk=contact_pk)
    if contact.pk not in services.deletable_contact_ids(request.user, case):
        raise PermissionDenied
    if request.method == "POST":
        services.do_delete_contact(request.user, contact)
        messages.success(request, _("The contact has been deleted."))
        return redirect(f"{case.get_absolute_url()}#contacts")
    return render(
        request, "cases/contact_delete.html", {"case": case, "contact": contact}
    )
