"""Screens of the quality dialogue: list, calendar, planning, evidence pack,
statements and the PDF. The meeting and its approval are in ``meeting_views``.

Every view loads its dialogue through ``access.get_dialogue_or_404`` (404 for
anybody who may not see it); the writes are ``services.do_*``; a step sent by
GET only shows where it belongs, so links stay harmless.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import access, pdf, schedule, services
from .forms import (
    CreateDialogueForm,
    RequestStatementsForm,
    RescheduleForm,
    StatementForm,
)
from .models import STATEMENT_STATUSES, DialogueStatus, Side


def _require_member(user):
    if not access.reading_organisations(user):
        raise PermissionDenied


@login_required
def dialogue_list(request):
    """List the dialogues of the user's organisations, newest first, and what is due."""
    _require_member(request.user)
    dialogues = access.visible_dialogues(request.user).select_related(
        "funder", "provider"
    )
    context = {
        "dialogues": dialogues,
        "entries": schedule.calendar_entries(request.user)[:10],
        "may_create": bool(access.working_organisations(request.user)),
    }
    return render(request, "dialogues/list.html", context)


@login_required
def calendar(request):
    """Show the dates due: dialogues, statements, agreed actions, self-assessments."""
    _require_member(request.user)
    context = {
        "entries": schedule.calendar_entries(request.user),
        "today": timezone.localdate(),
    }
    return render(request, "dialogues/calendar.html", context)


@login_required
def calendar_ics(request):
    """Return the same dates as an iCalendar file."""
    _require_member(request.user)
    body = schedule.icalendar(
        schedule.calendar_entries(request.user),
        base_url=settings.DIALOQ_BASE_URL,
        now=timezone.now(),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="qualitaetsdialoge.ics"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def create(request):
    """Plan a quality dialogue with a partner: period and date."""
    if not access.working_organisations(request.user):
        raise PermissionDenied
    form = CreateDialogueForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dialogue = services.do_create_dialogue(
                request.user,
                own=data["own"],
                partner=data["partner"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                planned_date=data["planned_date"],
                location=data["location"],
            )
        except services.DialogueError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The quality dialogue is planned."))
            return redirect(dialogue)
    return render(request, "dialogues/create.html", {"form": form})


@login_required
def detail(request, pk):
    """Show a dialogue: partners, period, status and the next steps."""
    dialogue = access.get_dialogue_or_404(request.user, pk)
    sides = access.working_sides(request.user, dialogue)
    context = {
        "dialogue": dialogue,
        "pack": getattr(dialogue, "pack", None),
        "works": bool(sides),
        "reschedule_form": RescheduleForm(
            initial={
                "planned_date": dialogue.planned_date,
                "location": dialogue.location,
            }
        ),
        "approvals": dialogue.approvals.select_related("user"),
    }
    return render(request, "dialogues/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def reschedule(request, pk):
    dialogue = access.get_dialogue_or_404(request.user, pk)
    access.require_worker(request.user, dialogue)
    if request.method != "POST":
        return redirect(dialogue)
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a valid date."))
        return redirect(dialogue)
    try:
        services.do_reschedule(request.user, dialogue, **form.cleaned_data)
    except services.DialogueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The date is changed."))
    return redirect(dialogue)


@login_required
@require_http_methods(["GET", "POST"])
def freeze(request, pk):
    """Freeze the evidence pack: gathered now, never changed afterwards."""
    dialogue = access.get_dialogue_or_404(request.user, pk)
    access.require_worker(request.user, dialogue)
    if request.method != "POST":
        return render(request, "dialogues/freeze.html", {"dialogue": dialogue})
    started = time.monotonic()
    try:
        services.do_freeze_pack(request.user, dialogue)
    except services.DialogueError as error:
        messages.error(request, str(error))
        return redirect(dialogue)
    seconds = time.monotonic() - started
    messages.success(
        request,
        _("The evidence pack is frozen (%(seconds)s s).")
        % {"seconds": f"{seconds:.1f}".replace(".", ",")},
    )
    return redirect("dialogues:pack", pk=dialogue.pk)


def _pack_or_404(dialogue):
    from django.http import Http404

    pack = getattr(dialogue, "pack", None)
    if pack is None:
        raise Http404
    return pack


@login_required
def pack(request, pk):
    """Show the frozen evidence pack, with the check of its hash."""
    dialogue = access.get_dialogue_or_404(request.user, pk)
    evidence_pack = _pack_or_404(dialogue)
    context = {
        "dialogue": dialogue,
        "pack": evidence_pack,
        "content": evidence_pack.content,
        "intact": evidence_pack.intact,
    }
    return render(request, "dialogues/pack.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def statements(request, pk):
    """Show the conspicuous results with the statements and the funder's notes."""
    dialogue = access.get_dialogue_or_404(request.user, pk)
    evidence_pack = _pack_or_404(dialogue)
    sides = access.working_sides(request.user, dialogue)
    open_for_writing = dialogue.status in STATEMENT_STATUSES
    if request.method == "POST":
        form = StatementForm(request.POST)
        side = request.POST.get("side")
        if side not in sides:
            raise PermissionDenied
        if not form.is_valid():
            messages.error(request, _("The text is too long or the result is missing."))
            return redirect("dialogues:statements", pk=pk)
        write = (
            services.do_write_statement
            if side == Side.PROVIDER
            else services.do_write_notes
        )
        try:
            write(
                request.user,
                dialogue,
                form.cleaned_data["result_key"],
                form.cleaned_data["text"],
            )
        except services.DialogueError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Saved."))
        return redirect(reverse("dialogues:statements", args=[pk]))
    by_key = {
        s.result_key: s
        for s in dialogue.statements.select_related("provider_author", "funder_author")
    }
    rows = [
        {"line": line, "statement": by_key.get(line["key"])}
        for line in evidence_pack.conspicuous_lines()
    ]
    context = {
        "dialogue": dialogue,
        "rows": rows,
        "writes_statement": Side.PROVIDER in sides and open_for_writing,
        "writes_notes": Side.FUNDER in sides and open_for_writing,
        "may_request": Side.FUNDER in sides
        and dialogue.status == DialogueStatus.PACK_FROZEN
        and bool(rows),
        "request_form": RequestStatementsForm(
            initial={"due_on": dialogue.planned_date}
        ),
    }
    return render(request, "dialogues/statements.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def request_statements(request, pk):
    dialogue = access.get_dialogue_or_404(request.user, pk)
    access.require_worker(request.user, dialogue, Side.FUNDER)
    if request.method != "POST":
        return redirect("dialogues:statements", pk=pk)
    form = RequestStatementsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a valid date."))
    else:
        try:
            services.do_request_statements(
                request.user, dialogue, due_on=form.cleaned_data["due_on"]
            )
        except services.DialogueError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The provider is asked for statements."))
    return redirect("dialogues:statements", pk=pk)


@login_required
def pdf_download(request, pk):
    """Return evidence pack and minutes as a PDF (a draft until approved)."""
    dialogue = access.get_dialogue_or_404(request.user, pk)
    _pack_or_404(dialogue)
    content = pdf.render_pdf(dialogue)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="qualitaetsdialog-{dialogue.pk}.pdf"'
    )
    return response
