"""Staff pages: hand out one-time links for a case, and read survey aggregates."""

import segno
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from dialoq.accounts import scoping
from dialoq.accounts.roles import Action
from dialoq.feedback.actions import (
    do_create_goal_rating_invitation,
    do_create_survey_invitation,
    goal_rating_link_refusal,
)
from dialoq.feedback.forms import ResultsFilterForm
from dialoq.feedback.models import SurveyResponse
from dialoq.feedback.results import (
    free_text_provider_ids,
    min_responses,
    survey_results,
)


def _changeable_case(user, case_pk):
    """Return the case if the user may document it: 404 if unseen, 403 if read-only."""
    case = scoping.get_case_or_404(user, case_pk)
    if not scoping.can_change_case(user, case):
        raise PermissionDenied
    return case


def _link_sheet(request, *, kind, case, invitation, url_name, token):
    """Render the link, shown this once, with its printable QR sheet."""
    url = request.build_absolute_uri(reverse(url_name, args=[token]))
    qr_svg = segno.make(url, error="m").svg_inline(
        scale=4, title=_("QR code of the link"), border=2, omitsize=True
    )
    context = {
        "kind": kind,
        "case": case,
        "invitation": invitation,
        "url": url,
        "qr_svg": qr_svg,
    }
    return render(request, "feedback/link_sheet.html", context)


@never_cache
@login_required
def create_goal_rating_link(request, case_pk, review_pk):
    """Create a one-time link for the beneficiary to rate a review's goals."""
    case = _changeable_case(request.user, case_pk)
    review = get_object_or_404(case.reviews.select_related("help_plan"), pk=review_pk)
    refusal = goal_rating_link_refusal(review)
    if request.method != "POST" or refusal:
        context = {"kind": "goal_rating", "case": case, "review": review}
        context["refusal"] = refusal
        return render(request, "feedback/create_link.html", context)
    invitation, token = do_create_goal_rating_invitation(review, request.user)
    return _link_sheet(
        request,
        kind="goal_rating",
        case=case,
        invitation=invitation,
        url_name="feedback:goal_rating",
        token=token,
    )


@never_cache
@login_required
def create_survey_link(request, case_pk):
    """Create a one-time link to the anonymous survey for the case's beneficiary."""
    case = _changeable_case(request.user, case_pk)
    if request.method != "POST":
        context = {"kind": "survey", "case": case}
        return render(request, "feedback/create_link.html", context)
    invitation, token = do_create_survey_invitation(case, request.user)
    return _link_sheet(
        request,
        kind="survey",
        case=case,
        invitation=invitation,
        url_name="feedback:survey",
        token=token,
    )


@login_required
def survey_results_page(request):
    """Show survey aggregates for the organisations the user may see figures of."""
    if not scoping.has_permission(request.user, Action.VIEW_AGGREGATES):
        raise PermissionDenied
    responses = SurveyResponse.objects.visible_to(request.user)
    filters = ResultsFilterForm(request.GET or None, responses=responses)
    results = survey_results(
        filters.filter(responses),
        today=timezone.localdate(),
        free_text_providers=free_text_provider_ids(request.user),
    )
    context = {"filters": filters, "results": results, "minimum": min_responses()}
    template = "feedback/survey_results.html"
    if request.headers.get("HX-Request"):
        template += "#results"
    return render(request, template, context)
