"""The meeting of a quality dialogue: agenda, participants, minutes, assessments,
agreed actions, last time's actions, and the approval of the minutes.

One page (``meeting``) shows it all; each form posts to its own small view,
which calls one ``services.do_*`` and returns to the page. A GET of such a
step shows the page instead.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import access, evidence, services
from .forms import (
    AgendaItemForm,
    AgreedActionForm,
    ApproveForm,
    AssessmentForm,
    HoldMeetingForm,
    ParticipantForm,
    ReviewForm,
    TextForm,
    TrackForm,
)
from .models import (
    PREPARATION_STATUSES,
    AgendaItem,
    AgreedAction,
    DialogueStatus,
    Participant,
)


def _back(dialogue, anchor=""):
    return redirect(reverse("dialogues:meeting", args=[dialogue.pk]) + anchor)


def _run(request, dialogue, write, *args, success, anchor="", **kwargs):
    """Call a write; show its refusal or the success message; back to the page."""
    try:
        write(request.user, *args, **kwargs)
    except services.DialogueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return _back(dialogue, anchor)


def _dialogue_for_step(request, pk):
    """Return the dialogue of a step the user works; None for a GET (show the page)."""
    dialogue = access.get_dialogue_or_404(request.user, pk)
    access.require_worker(request.user, dialogue)
    return dialogue


def _result_choices(pack):
    return [
        (line["key"], " – ".join(filter(None, [line["title"], line["stratum_label"]])))
        for line in pack.conspicuous_lines()
    ]


@login_required
def meeting(request, pk):
    """Show the meeting: what was prepared, what was minuted and agreed."""
    dialogue = access.get_dialogue_or_404(request.user, pk)
    pack = getattr(dialogue, "pack", None)
    works = access.may_work(request.user, dialogue)
    pending = dialogue.approvals.exists()
    preparing = works and dialogue.status in PREPARATION_STATUSES and not pending
    minuting = works and dialogue.status == DialogueStatus.MEETING_HELD and not pending
    statements = {s.result_key: s for s in dialogue.statements.all()}
    assessments = {a.result_key: a for a in dialogue.assessments.all()}
    results = [
        {
            "line": line,
            "statement": statements.get(line["key"]),
            "assessment": assessments.get(line["key"]),
            "form": AssessmentForm(
                initial={
                    "result_key": line["key"],
                    "category": getattr(assessments.get(line["key"]), "category", ""),
                    "reasoning": getattr(assessments.get(line["key"]), "reasoning", ""),
                }
            ),
        }
        for line in (pack.conspicuous_lines() if pack else [])
    ]
    approving = access.approving_sides(request.user, dialogue)
    context = {
        "dialogue": dialogue,
        "pack": pack,
        "works": works,
        "preparing": preparing,
        "minuting": minuting,
        "results": results,
        "agenda": [
            (item, TextForm(initial={"text": item.minutes}))
            for item in dialogue.agenda_items.all()
        ],
        "participants": dialogue.participants.select_related("user"),
        "actions": dialogue.agreed_actions.select_related(
            "owner", "owner_organisation"
        ),
        "to_review": list(
            evidence.actions_to_review(dialogue).select_related("reviewed_by")
        )
        if pack
        else [],
        "reviewed": dialogue.reviewed_actions.select_related("owner", "dialogue"),
        "agenda_form": AgendaItemForm(),
        "participant_form": ParticipantForm(dialogue=dialogue) if preparing else None,
        "hold_form": HoldMeetingForm(
            initial={"held_on": dialogue.planned_date, "location": dialogue.location}
        ),
        "action_form": AgreedActionForm(
            dialogue=dialogue, results=_result_choices(pack)
        )
        if minuting
        else None,
        "review_form": ReviewForm(),
        "track_form": TrackForm(),
        "approvals": dialogue.approvals.select_related("user", "organisation"),
        "may_approve": bool(approving)
        and dialogue.status == DialogueStatus.MEETING_HELD,
        "approve_form": ApproveForm() if len(approving) > 1 else None,
        "own_approval": dialogue.approvals.filter(user=request.user).exists(),
        "missing": services.missing_assessments(dialogue) if pack else [],
        "minutes_intact": services.minutes_intact(dialogue) if pack else True,
        "tracks": set(access.working_organisations(request.user)),
    }
    return render(request, "dialogues/meeting.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def hold(request, pk):
    dialogue = _dialogue_for_step(request, pk)
    form = HoldMeetingForm(request.POST or None)
    if request.method != "POST":
        return _back(dialogue)
    if not form.is_valid():
        messages.error(request, _("Give the day the meeting was held."))
        return _back(dialogue)
    return _run(
        request,
        dialogue,
        services.do_hold_meeting,
        dialogue,
        held_on=form.cleaned_data["held_on"],
        location=form.cleaned_data["location"],
        success=_("The meeting is recorded; write the minutes now."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def add_agenda_item(request, pk):
    dialogue = _dialogue_for_step(request, pk)
    form = AgendaItemForm(request.POST or None)
    if request.method != "POST":
        return _back(dialogue, "#agenda")
    if not form.is_valid():
        messages.error(request, _("Give the agenda item a title."))
        return _back(dialogue, "#agenda")
    return _run(
        request,
        dialogue,
        services.do_add_agenda_item,
        dialogue,
        form.cleaned_data["title"],
        success=_("The item is on the agenda."),
        anchor="#agenda",
    )


def _item(dialogue, item_pk):
    return get_object_or_404(AgendaItem, dialogue=dialogue, pk=item_pk)


@login_required
@require_http_methods(["GET", "POST"])
def remove_agenda_item(request, pk, item_pk):
    dialogue = _dialogue_for_step(request, pk)
    item = _item(dialogue, item_pk)
    if request.method != "POST":
        return _back(dialogue, "#agenda")
    return _run(
        request,
        dialogue,
        services.do_remove_agenda_item,
        item,
        success=_("The item is removed from the agenda."),
        anchor="#agenda",
    )


@login_required
@require_http_methods(["GET", "POST"])
def write_minutes(request, pk, item_pk):
    dialogue = _dialogue_for_step(request, pk)
    item = _item(dialogue, item_pk)
    form = TextForm(request.POST or None)
    anchor = f"#item-{item.pk}"
    if request.method != "POST":
        return _back(dialogue, anchor)
    if not form.is_valid():
        messages.error(request, _("The minutes are too long."))
        return _back(dialogue, anchor)
    return _run(
        request,
        dialogue,
        services.do_write_minutes,
        item,
        form.cleaned_data["text"],
        success=_("The minutes are saved."),
        anchor=anchor,
    )


@login_required
@require_http_methods(["GET", "POST"])
def add_participant(request, pk):
    dialogue = _dialogue_for_step(request, pk)
    form = ParticipantForm(request.POST or None, dialogue=dialogue)
    if request.method != "POST":
        return _back(dialogue, "#participants")
    if not form.is_valid():
        for error in form.non_field_errors() or [_("Check the participant's details.")]:
            messages.error(request, error)
        return _back(dialogue, "#participants")
    data = form.cleaned_data
    return _run(
        request,
        dialogue,
        services.do_add_participant,
        dialogue,
        person=data["person"],
        name=data["name"],
        organisation=data["organisation"],
        function=data["function"],
        success=_("The participant is listed."),
        anchor="#participants",
    )


@login_required
@require_http_methods(["GET", "POST"])
def remove_participant(request, pk, participant_pk):
    dialogue = _dialogue_for_step(request, pk)
    participant = get_object_or_404(Participant, dialogue=dialogue, pk=participant_pk)
    if request.method != "POST":
        return _back(dialogue, "#participants")
    return _run(
        request,
        dialogue,
        services.do_remove_participant,
        participant,
        success=_("The participant is removed."),
        anchor="#participants",
    )


@login_required
@require_http_methods(["GET", "POST"])
def assess(request, pk):
    dialogue = _dialogue_for_step(request, pk)
    form = AssessmentForm(request.POST or None)
    if request.method != "POST":
        return _back(dialogue, "#results")
    if not form.is_valid():
        messages.error(request, _("Choose an assessment and give the reasoning."))
        return _back(dialogue, "#results")
    data = form.cleaned_data
    return _run(
        request,
        dialogue,
        services.do_assess,
        dialogue,
        data["result_key"],
        data["category"],
        data["reasoning"],
        success=_("The assessment is recorded."),
        anchor="#results",
    )


@login_required
@require_http_methods(["GET", "POST"])
def add_action(request, pk):
    dialogue = _dialogue_for_step(request, pk)
    pack = getattr(dialogue, "pack", None)
    if pack is None or request.method != "POST":
        return _back(dialogue, "#actions")
    form = AgreedActionForm(
        request.POST, dialogue=dialogue, results=_result_choices(pack)
    )
    if not form.is_valid():
        messages.error(
            request,
            _("Say what is to be done, by whom, by when and how it is checked."),
        )
        return _back(dialogue, "#actions")
    data = form.cleaned_data
    return _run(
        request,
        dialogue,
        services.do_agree_action,
        dialogue,
        description=data["description"],
        owner=data["owner"],
        owner_organisation=data["owner_organisation"],
        due_on=data["due_on"],
        effectiveness_check=data["effectiveness_check"],
        result_key=data["result_key"],
        success=_("The action is agreed."),
        anchor="#actions",
    )


@login_required
@require_http_methods(["GET", "POST"])
def remove_action(request, pk, action_pk):
    dialogue = _dialogue_for_step(request, pk)
    action = get_object_or_404(AgreedAction, dialogue=dialogue, pk=action_pk)
    if request.method != "POST":
        return _back(dialogue, "#actions")
    return _run(
        request,
        dialogue,
        services.do_remove_agreed_action,
        action,
        success=_("The action is removed."),
        anchor="#actions",
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_action(request, pk, action_pk):
    """Record at this dialogue whether an action of the last one worked."""
    dialogue = _dialogue_for_step(request, pk)
    action = get_object_or_404(evidence.actions_to_review(dialogue), pk=action_pk)
    form = ReviewForm(request.POST or None)
    if request.method != "POST":
        return _back(dialogue, "#review")
    if not form.is_valid():
        messages.error(request, _("Choose whether the action worked and say why."))
        return _back(dialogue, "#review")
    return _run(
        request,
        dialogue,
        services.do_review_action,
        dialogue,
        action,
        form.cleaned_data["verdict"],
        form.cleaned_data["note"],
        success=_("The effectiveness is recorded."),
        anchor="#review",
    )


@login_required
@require_http_methods(["GET", "POST"])
def track_action(request, pk, action_pk):
    """Mark an agreed action done, cancelled or open, by its organisation."""
    dialogue = access.get_dialogue_or_404(request.user, pk)
    action = get_object_or_404(AgreedAction, dialogue=dialogue, pk=action_pk)
    if (
        action.owner_organisation_id not in access.working_organisations(request.user)
        and action.owner_id != request.user.pk
    ):
        raise PermissionDenied
    form = TrackForm(request.POST or None)
    if request.method != "POST":
        return _back(dialogue, "#actions")
    if not form.is_valid():
        messages.error(request, _("Choose a status and, if done, a valid date."))
        return _back(dialogue, "#actions")
    return _run(
        request,
        dialogue,
        services.do_track_action,
        action,
        status=form.cleaned_data["status"],
        done_on=form.cleaned_data["done_on"],
        success=_("The action's status is saved."),
        anchor="#actions",
    )


@login_required
@require_http_methods(["GET", "POST"])
def approve(request, pk):
    """Approve the minutes for the user's side (managers); the second locks them."""
    dialogue = access.get_dialogue_or_404(request.user, pk)
    if not access.approving_sides(request.user, dialogue):
        raise PermissionDenied
    if request.method != "POST":
        return _back(dialogue, "#approval")
    form = ApproveForm(request.POST)
    side = form.cleaned_data["side"] if form.is_valid() else ""
    try:
        services.do_approve_minutes(request.user, dialogue, side=side or None)
    except services.DialogueError as error:
        messages.error(request, str(error))
    else:
        if dialogue.status == DialogueStatus.MINUTES_APPROVED:
            messages.success(
                request, _("Both sides have approved: the minutes are final.")
            )
        else:
            messages.success(request, _("Your approval is recorded."))
    return _back(dialogue, "#approval")


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request, pk):
    dialogue = access.get_dialogue_or_404(request.user, pk)
    if not access.approving_sides(request.user, dialogue):
        raise PermissionDenied
    if request.method != "POST":
        return _back(dialogue, "#approval")
    return _run(
        request,
        dialogue,
        services.do_withdraw_approval,
        dialogue,
        success=_("Your approval is withdrawn."),
        anchor="#approval",
    )
