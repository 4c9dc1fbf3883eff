"""Screens of the cooperative self-assessment: rounds, answering, comparison.

Every view loads its round through ``access.get_round_or_404``; the rules of
who sees which answers live in ``access``, the writes in ``services``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dialoq.measures.charts import ChartText
from dialoq.self_assessment import access, scoring, services
from dialoq.self_assessment.charts import (
    FUNDER_COLOUR,
    PROVIDER_COLOUR,
    RadarSeries,
    radar_chart,
)
from dialoq.self_assessment.comparison import compare
from dialoq.self_assessment.forms import (
    AnswerForm,
    ProposalForm,
    StartRoundForm,
    ThresholdForm,
)
from dialoq.self_assessment.models import Item, RoundStatus, Side


def _require_member(user):
    if not access.reading_organisations(user):
        raise PermissionDenied


@login_required
def round_list(request):
    """List the self-assessments of the user's organisations and what falls due."""
    _require_member(request.user)
    rounds = (
        access.visible_rounds(request.user)
        .select_related("funder", "provider", "template_version")
        .prefetch_related("responses")
        .order_by("status", "due_date")
    )
    context = {
        "rounds": rounds,
        "upcoming": services.upcoming_self_assessments(request.user),
        "may_start": bool(access.answering_organisations(request.user)),
    }
    return render(request, "self_assessment/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def round_start(request):
    """Start a self-assessment with a partner organisation."""
    if not access.answering_organisations(request.user):
        raise PermissionDenied
    form = StartRoundForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            round_ = services.do_start_round(
                request.user,
                own=data["own"],
                partner=data["partner"],
                template_version=data["template_version"],
                method=data["method"],
                due_date=data["due_date"],
                period_label=data["period_label"],
            )
        except services.SelfAssessmentError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The self-assessment has started."))
            return redirect(round_)
    return render(request, "self_assessment/start.html", {"form": form})


def _side_summaries(user, round_):
    items = services.items_of(round_)
    summaries = []
    for response in round_.responses.prefetch_related("answers"):
        answers = services.answers_by_item(response)
        answered = sum(
            services.item_value(round_, item, answers.get(item.pk)) is not None
            for item in items
        )
        summaries.append(
            {
                "side": response.side,
                "label": Side(response.side).label,
                "organisation": round_.organisation_of(response.side),
                "response": response,
                "answered": answered,
                "total": len(items),
                "may_answer": response.side in access.answering_sides(user, round_),
                "may_read": access.can_see_answers(user, round_, response.side),
            }
        )
    return summaries


@login_required
def round_detail(request, pk):
    """Show a round: partners, questionnaire, each side's progress and next steps."""
    round_ = access.get_round_or_404(request.user, pk)
    context = {
        "round": round_,
        "sides": _side_summaries(request.user, round_),
        "may_close": round_.status == RoundStatus.SUBMITTED
        and bool(access.answering_sides(request.user, round_)),
    }
    return render(request, "self_assessment/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def answer(request, pk, side, number):
    """Answer one criterion's items for a side, or read them once submitted."""
    round_ = access.get_round_or_404(request.user, pk)
    side = access.check_side(side)
    if not access.can_see_answers(request.user, round_, side):
        raise PermissionDenied
    criteria = list(round_.template_version.criteria.order_by("order"))
    if not 1 <= number <= len(criteria):
        raise Http404
    criterion = criteria[number - 1]
    response = round_.responses.get(side=side)
    editable = (
        not response.is_submitted
        and round_.status == RoundStatus.OPEN
        and side in access.answering_sides(request.user, round_)
    )
    items = list(criterion.items.order_by("order"))
    answers = services.answers_by_item(response)
    values = {
        item.pk: services.item_value(round_, item, answers.get(item.pk))
        for item in items
    }
    form = AnswerForm(
        request.POST if request.method == "POST" else None,
        round_=round_,
        items=items,
        answers=answers,
        values=values,
    )
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.do_save_answers(request.user, round_, side, form.answers())
            except services.SelfAssessmentError as error:
                messages.error(request, str(error))
                return redirect(round_)
            messages.success(request, _("Your answers have been saved as a draft."))
            target = number + 1 if "next" in request.POST else number
            if target > len(criteria):
                return redirect("self_assessment:submit", pk=round_.pk, side=side)
            return redirect(
                "self_assessment:answer", pk=round_.pk, side=side, number=target
            )
    context = {
        "round": round_,
        "side": side,
        "side_label": Side(side).label,
        "organisation": round_.organisation_of(side),
        "criteria": criteria,
        "criterion": criterion,
        "number": number,
        "form": form,
        "editable": editable,
        "panels": _panels(round_, items),
        "is_last": number == len(criteria),
    }
    return render(request, "self_assessment/answer.html", context)


def _panels(round_, items):
    """Return the scoring panels the page needs, with the band of each text."""
    schemes = list(dict.fromkeys(item.scheme for item in items))
    return [
        {
            "scheme": scoring.Scheme(scheme).label,
            "bands": [
                (f"{low}–{high}", text)
                for (low, high), text in zip(
                    scoring.BANDS, scoring.panel(scheme, round_.method), strict=True
                )
            ],
        }
        for scheme in schemes
        if scheme != scoring.Scheme.ORDINAL
    ]


@login_required
@require_http_methods(["GET", "POST"])
def submit(request, pk, side):
    """Submit a side's answers after showing what is still missing."""
    round_ = access.get_round_or_404(request.user, pk)
    side = access.check_side(side)
    access.require_answerer(request.user, round_, side)
    response = round_.responses.get(side=side)
    if request.method == "POST":
        try:
            services.do_submit(request.user, round_, side)
        except services.SelfAssessmentError as error:
            messages.error(request, str(error))
            return redirect("self_assessment:submit", pk=round_.pk, side=side)
        messages.success(request, _("Your side's answers are submitted."))
        return redirect(round_)
    missing = [] if response.is_submitted else services.missing_items(round_, response)
    criterion_numbers = {
        criterion.pk: index
        for index, criterion in enumerate(
            round_.template_version.criteria.order_by("order"), start=1
        )
    }
    context = {
        "round": round_,
        "side": side,
        "side_label": Side(side).label,
        "response": response,
        "missing": [
            {"item": item, "number": criterion_numbers[item.criterion_id]}
            for item in missing
        ],
    }
    return render(request, "self_assessment/submit.html", context)


@login_required
def comparison(request, pk):
    """Compare both sides' answers: radar chart of criteria, table of items."""
    round_ = access.get_round_or_404(request.user, pk)
    if not round_.answers_visible_to_both:
        messages.info(
            request,
            _("The comparison opens once both sides have submitted their answers."),
        )
        return redirect(round_)
    ordinal = round_.template_version.is_ordinal
    threshold_form = ThresholdForm(
        request.GET if "threshold" in request.GET else None, ordinal=ordinal
    )
    threshold = None
    if threshold_form.is_bound and threshold_form.is_valid():
        threshold = threshold_form.cleaned_data["threshold"]
    elif not threshold_form.is_bound:
        threshold_form = ThresholdForm(
            initial={"threshold": round_.template_version.flag_threshold},
            ordinal=ordinal,
        )
    result = compare(round_, threshold)
    chart = radar_chart(
        [f"{row.criterion.code} {row.criterion.title}" for row in result.criteria],
        [
            RadarSeries(
                round_.funder.short_name,
                [row.funder for row in result.criteria],
                FUNDER_COLOUR,
                "",
                "circle",
            ),
            RadarSeries(
                round_.provider.short_name,
                [row.provider for row in result.criteria],
                PROVIDER_COLOUR,
                "6 4",
                "square",
            ),
        ],
        text=ChartText(
            id="self-assessment-radar",
            title=_("Criterion scores of both partners"),
            description=_(
                "Radar chart with one axis per criterion, scale 0 to 100 points: "
                "%(funder)s solid line with circles, %(provider)s dashed line with "
                "squares. The table below gives the same figures."
            )
            % {
                "funder": round_.funder.short_name,
                "provider": round_.provider.short_name,
            },
        ),
    )
    context = {
        "round": round_,
        "result": result,
        "chart": chart,
        "threshold_form": threshold_form,
        "may_propose": bool(access.answering_sides(request.user, round_)),
    }
    return render(request, "self_assessment/comparison.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def close(request, pk):
    """Close a round both sides have submitted."""
    round_ = access.get_round_or_404(request.user, pk)
    if not access.answering_sides(request.user, round_):
        raise PermissionDenied
    if request.method == "POST":
        try:
            services.do_close_round(request.user, round_)
        except services.SelfAssessmentError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The self-assessment is closed."))
        return redirect(round_)
    return render(request, "self_assessment/close.html", {"round": round_})


@login_required
@require_http_methods(["GET", "POST"])
def propose(request, pk, item_pk):
    """Propose an item for the agenda of the partners' next quality dialogue."""
    round_ = access.get_round_or_404(request.user, pk)
    item = get_object_or_404(
        Item.objects.select_related("criterion"),
        pk=item_pk,
        criterion__version=round_.template_version,
    )
    if not access.answering_sides(request.user, round_):
        raise PermissionDenied
    if not round_.answers_visible_to_both:
        messages.error(
            request, _("Items can be proposed once both sides have submitted.")
        )
        return redirect(round_)
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_propose_for_agenda(
                request.user, round_, item, form.cleaned_data["note"]
            )
        except services.SelfAssessmentError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, _("The item is proposed for the next quality dialogue.")
            )
        return redirect(reverse("self_assessment:comparison", args=[round_.pk]))
    return render(
        request,
        "self_assessment/propose.html",
        {"round": round_, "item": item, "form": form},
    )
