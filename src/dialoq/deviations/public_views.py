"""The public complaint form: for everybody, without an account.

- The organisation concerned is named by a signed token, in the form's select
  and in the printable link ``/beschwerde/?org=<token>``; ids are never shown,
  and an altered token is refused like an unknown one.
- After sending, the reference and the deadlines are kept in the visitor's
  session and shown on the thanks page, whose address names nothing. There is
  no public status page by reference: whoever learnt a reference could
  otherwise find out whether a complaint exists and how it is handled.
- Sending is limited per client address and hour (``COMPLAINT_FORM_LIMIT_PER_HOUR``)
  in Django's cache, keyed by a keyed hash of the address, which is never
  stored. A filled hidden field (honeypot) is counted like a sending and
  answered like a success, and nothing is stored.
- The form cannot attach a complaint to a case and says nothing about cases.
"""

from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.utils.crypto import salted_hmac
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from dialoq.accounts.models import Organisation
from dialoq.accounts.roles import OrganisationKind
from dialoq.deviations.complaint_forms import (
    PublicComplaintForm,
    organisation_from_token,
)

RECEIPT_SESSION_KEY = "complaint_receipt"
LIMIT_WINDOW_SECONDS = 60 * 60


def _limit_key(request) -> str:
    address = request.META.get("REMOTE_ADDR", "")
    digest = salted_hmac(
        "dialoq.complaint-form.address", address, algorithm="sha256"
    ).hexdigest()
    return f"complaint-form-sent:{digest}"


def _is_limited(request) -> bool:
    limit = settings.COMPLAINT_FORM_LIMIT_PER_HOUR
    return cache.get(_limit_key(request), 0) >= limit


def _count_sending(request) -> None:
    key = _limit_key(request)
    if cache.add(key, 1, LIMIT_WINDOW_SECONDS):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, LIMIT_WINDOW_SECONDS)


def _organisations():
    return Organisation.objects.filter(
        kind__in=(OrganisationKind.FUNDER, OrganisationKind.PROVIDER)
    ).order_by("name")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def complaint_form(request):
    """Take a complaint about a funder or provider from anybody."""
    if request.method == "POST":
        if _is_limited(request):
            response = render(
                request, "deviations/complaints/public_too_many.html", status=429
            )
            response["Retry-After"] = str(LIMIT_WINDOW_SECONDS)
            return response
        form = PublicComplaintForm(request.POST, organisations=_organisations())
        if form.is_trap():
            _count_sending(request)
            request.session.pop(RECEIPT_SESSION_KEY, None)
            return redirect("complaints_public:thanks")
        if form.is_valid():
            complaint = form.receive()
            _count_sending(request)
            request.session[RECEIPT_SESSION_KEY] = {
                "reference": complaint.reference,
                "organisation": str(complaint.funder or complaint.provider),
                "anonymous": complaint.anonymous,
                "acknowledge_due_on": complaint.acknowledge_due_on.isoformat(),
                "answer_due_on": complaint.answer_due_on.isoformat(),
            }
            return redirect("complaints_public:thanks")
        chosen = None
    else:
        token = request.GET.get("org", "")
        chosen = organisation_from_token(token)
        initial = {"organisation": token} if chosen else {}
        form = PublicComplaintForm(initial=initial, organisations=_organisations())
    context = {
        "form": form,
        "chosen": chosen,
        "link_invalid": request.method != "POST"
        and "org" in request.GET
        and not chosen,
    }
    response = render(request, "deviations/complaints/public_form.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@require_GET
def thanks(request):
    """Thank the complainant; show the reference and deadlines kept in the session."""
    receipt = request.session.get(RECEIPT_SESSION_KEY)
    context = {}
    if isinstance(receipt, dict) and receipt.get("reference"):
        context = {
            "reference": receipt["reference"],
            "organisation": receipt.get("organisation", ""),
            "anonymous": receipt.get("anonymous", False),
            "acknowledge_due_on": date.fromisoformat(receipt["acknowledge_due_on"]),
            "answer_due_on": date.fromisoformat(receipt["answer_due_on"]),
        }
    response = render(request, "deviations/complaints/public_thanks.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response
