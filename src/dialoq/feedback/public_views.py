"""The beneficiary's pages, reached without an account through a one-time link.

The URL carries the token and nothing else. Unknown tokens are counted per
client address; after too many, every link page answers 429 for a while.
"""

from dataclasses import dataclass

from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from dialoq.cases.audit import log_access
from dialoq.cases.models import AccessAction
from dialoq.feedback import ratelimit
from dialoq.feedback.actions import (
    LinkUnusable,
    do_record_beneficiary_ratings,
    do_submit_survey_response,
)
from dialoq.feedback.forms import GoalRatingForm, SurveyForm
from dialoq.feedback.models import (
    LINK_VALID_DAYS,
    GoalRatingInvitation,
    InvitationState,
    SurveyInvitation,
    hash_token,
)
from dialoq.feedback.results import min_responses
from dialoq.measures.disclosure import OutputKind, threshold

TOKEN_MAX_LENGTH = 64
UNKNOWN, TOO_MANY = "unknown", "too_many"


@dataclass(frozen=True)
class Problem:
    status: int
    heading: Promise
    lead: Promise
    advice: Promise


PROBLEMS = {
    UNKNOWN: Problem(
        404,
        _("This link is not valid"),
        _(
            "Please check that you typed the whole address exactly as it is "
            "printed on your sheet."
        ),
        _(
            "If you scanned the QR code, the sheet may be damaged. Your contact "
            "person can make you a new link."
        ),
    ),
    TOO_MANY: Problem(
        429,
        _("Too many attempts"),
        _("Too many wrong addresses were tried from this connection."),
        _("Please wait ten minutes, then try again with the address on your sheet."),
    ),
    InvitationState.EXPIRED: Problem(
        410,
        _("This link has expired"),
        format_lazy(_("Links are valid for {days} days."), days=LINK_VALID_DAYS),
        _(
            "Your contact person can make you a new link if you would still "
            "like to answer."
        ),
    ),
    InvitationState.USED: Problem(
        410,
        _("This link has already been used"),
        _("The answers for this link have already been received. Thank you!"),
        _(
            "Each link can be used only once. If you did not answer yourself, "
            "please tell your contact person."
        ),
    ),
    InvitationState.REVOKED: Problem(
        410,
        _("This link has been replaced"),
        _("A newer link has been made for you."),
        _("Please use the newest sheet you were given, or ask your contact person."),
    ),
}


def _open_invitation(request, queryset, token):
    """Return the open invitation of the token, or raise LinkUnusable."""
    if ratelimit.is_blocked(request):
        raise LinkUnusable(TOO_MANY)
    invitation = None
    if len(token) <= TOKEN_MAX_LENGTH:
        invitation = queryset.filter(token_hash=hash_token(token)).first()
    if invitation is None:
        ratelimit.record_failure(request)
        raise LinkUnusable(UNKNOWN)
    if invitation.state() != InvitationState.OPEN:
        raise LinkUnusable(invitation.state())
    return invitation


def _link_problem(request, reason):
    """Render a friendly page for a link that cannot be used."""
    problem = PROBLEMS[reason]
    response = render(
        request,
        "feedback/link_problem.html",
        {"problem": problem},
        status=problem.status,
    )
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
def goal_rating(request, token):
    """Let the beneficiary rate the goals of one review, once."""
    queryset = GoalRatingInvitation.objects.select_related(
        "review__help_plan", "review__case__beneficiary"
    )
    try:
        invitation = _open_invitation(request, queryset, token)
        if invitation.review.case.anonymised_at:
            raise LinkUnusable(InvitationState.EXPIRED)
        form = GoalRatingForm(
            request.POST if request.method == "POST" else None,
            goals=invitation.review.help_plan.goals.all(),
        )
        if request.method == "POST" and form.is_valid():
            do_record_beneficiary_ratings(invitation, form.levels())
            return redirect("feedback:thanks")
    except LinkUnusable as problem:
        return _link_problem(request, problem.reason)
    if request.method == "GET":
        log_access(
            None,
            AccessAction.VIEW_CASE,
            invitation.review.case,
            detail="goals shown through the one-time link",
        )
    context = {"form": form, "invitation": invitation}
    return render(request, "feedback/goal_rating.html", context)


@never_cache
def survey(request, token):
    """Let the beneficiary answer the anonymous survey, once."""
    try:
        invitation = _open_invitation(request, SurveyInvitation.objects, token)
        form = SurveyForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            do_submit_survey_response(
                invitation, form.answers(), form.cleaned_data["free_text"]
            )
            return redirect("feedback:thanks")
    except LinkUnusable as problem:
        return _link_problem(request, problem.reason)
    context = {
        "form": form,
        "invitation": invitation,
        "minimum": min_responses(),
        "free_text_minimum": max(min_responses(), threshold(OutputKind.FREE_TEXT)),
    }
    return render(request, "feedback/survey.html", context)


def thanks(request):
    """Thank the beneficiary; the page names no case and no link."""
    return render(request, "feedback/thanks.html")
