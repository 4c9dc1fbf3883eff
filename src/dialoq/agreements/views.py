"""Screens of agreements: list, agreement, proposal, version, changes, decisions.

Every screen loads the agreement through ``services.access_agreement`` (404
for anyone who may not read it); the writes are the ``do_*`` functions of
``dialoq.agreements.services``, which check the authority again.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dialoq.accounts.models import Organisation
from dialoq.accounts.roles import Action, OrganisationKind
from dialoq.agreements import services
from dialoq.agreements.diff import catalogue_title, diff_versions
from dialoq.agreements.formatting import format_date, indicator_figures
from dialoq.agreements.forms import (
    ApproveForm,
    DayForm,
    ProposalForm,
    RejectForm,
    part_formsets,
    rows_of,
)
from dialoq.agreements.in_force import agreed_indicators
from dialoq.agreements.models import AgreementVersion, Approval, Side, VersionStatus


def _is_htmx(request):
    return bool(
        request.headers.get("HX-Request")
        and not request.headers.get("HX-History-Restore-Request")
    )


def _require_reader(user):
    if not services.may_read_agreements(user):
        raise PermissionDenied


def _versions(agreement):
    return list(
        agreement.versions.select_related("proposed_by", "decided_by").prefetch_related(
            Prefetch("approvals", queryset=Approval.objects.select_related("user"))
        )
    )


def _get_version(agreement, number) -> AgreementVersion:
    try:
        return agreement.versions.select_related("proposed_by", "base").get(
            number=number
        )
    except AgreementVersion.DoesNotExist:
        raise Http404 from None


def _in_force(versions, day):
    matches = [v for v in versions if v.is_approved and v.covers(day)]
    return matches[0] if matches else None


def _indicator_rows(version):
    """Return the version's indicators with the values that apply, for display."""
    rows = []
    for terms in agreed_indicators(version):
        figures = indicator_figures(terms.version.spec if terms.version else {})
        rows.append(
            {
                "key": terms.indicator.key,
                "title": terms.version.display_title
                if terms.version
                else terms.indicator.key,
                "target": figures.value(terms.target),
                "range": figures.range(terms.reference_lower, terms.reference_upper),
                "minimum_standard": figures.value(terms.minimum_standard),
                "agreed": terms.agreed,
            }
        )
    return rows


def _version_context(version):
    """Return the parts of a version's content that need more than its rows."""
    if version is None:
        return {}
    return {
        "indicators": _indicator_rows(version),
        "process_standards": [
            catalogue_title(item) for item in version.process_standards.order_by("key")
        ],
        "key_processes": [
            catalogue_title(item) for item in version.key_processes.order_by("key")
        ],
    }


def _approval_state(user, version):
    """Return which sides approved the version and what the user may do with it."""
    approved = {approval.side: approval for approval in version.approvals.all()}
    may_approve = set()
    if version.is_open and not any(a.user_id == user.pk for a in approved.values()):
        may_approve = services.sides(user, version.agreement, Action.APPROVE) - set(
            approved
        )
    return {
        "sides": [
            {"side": side, "label": label, "approval": approved.get(side)}
            for side, label in Side.choices
        ],
        "waiting_for": [side for side in Side.values if side not in approved],
        "may_approve": bool(may_approve),
        "may_reject": version.is_open
        and bool(services.sides(user, version.agreement, Action.APPROVE)),
        "may_withdraw": version.is_open and services.may_withdraw(user, version),
    }


@login_required
def agreement_list(request):
    """List the user's agreements with the version in force on a chosen day."""
    _require_reader(request.user)
    day_form = DayForm(request.GET or None)
    day = day_form.day()
    agreements = (
        services.readable_agreements(request.user)
        .select_related("funder", "provider")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=AgreementVersion.objects.prefetch_related("approvals"),
            )
        )
    )
    rows = []
    for agreement in agreements:
        versions = list(agreement.versions.all())
        proposal = next((v for v in versions if v.is_open), None)
        state = _approval_state(request.user, proposal) if proposal else None
        rows.append(
            {
                "agreement": agreement,
                "in_force": _in_force(versions, day),
                "proposal": proposal,
                "state": state,
            }
        )
    context = {
        "rows": rows,
        "day": day,
        "day_form": day_form,
        "may_create": services.may_propose_somewhere(request.user),
    }
    return render(request, "agreements/list.html", context)


@login_required
def agreement_create(request):
    """Start the agreement with a partner; its first version is proposed next."""
    own = services.proposing_organisations(request.user)
    if not own.exists():
        raise PermissionDenied
    other = {
        OrganisationKind.FUNDER: OrganisationKind.PROVIDER,
        OrganisationKind.PROVIDER: OrganisationKind.FUNDER,
    }
    partners = Organisation.objects.filter(
        kind__in={other[kind] for kind in own.values_list("kind", flat=True)}
    ).order_by("kind", "name")
    problem = ""
    if request.method == "POST":
        chosen_own = _chosen(own, request.POST.get("own", ""))
        chosen_partner = _chosen(partners, request.POST.get("partner", ""))
        if chosen_own is None or chosen_partner is None:
            problem = _("Choose your organisation and the partner.")
        elif chosen_partner.kind != other[chosen_own.kind]:
            problem = _(
                "An agreement is made between a funder and a provider: choose a "
                "partner of the other kind."
            )
        else:
            funder, provider = (
                (chosen_own, chosen_partner)
                if chosen_own.kind == OrganisationKind.FUNDER
                else (chosen_partner, chosen_own)
            )
            agreement = services.do_create_agreement(
                request.user, funder=funder, provider=provider
            )
            return redirect("agreements:propose", pk=agreement.pk)
    context = {"own": own, "partners": partners, "problem": problem}
    status = 400 if problem else 200
    return render(request, "agreements/create.html", context, status=status)


def _chosen(organisations, value):
    """Return the organisation chosen by its id among the allowed ones, or None."""
    return organisations.filter(pk=value).first() if value.isdigit() else None


@login_required
def agreement_detail(request, pk):
    """Show the version in force on a day, the open proposal and all versions."""
    agreement = services.access_agreement(request.user, pk)
    day_form = DayForm(request.GET or None)
    day = day_form.day()
    versions = _versions(agreement)
    in_force = _in_force(versions, day)
    proposal = next((v for v in versions if v.is_open), None)
    context = {
        "agreement": agreement,
        "day": day,
        "day_form": day_form,
        "in_force": in_force,
        **_version_context(in_force),
        "versions": versions,
        "proposal": proposal,
        "state": _approval_state(request.user, proposal) if proposal else None,
        "may_propose": proposal is None
        and bool(services.sides(request.user, agreement, Action.PROPOSE_AGREEMENT)),
    }
    if _is_htmx(request):
        return render(request, "agreements/detail.html#in_force", context)
    return render(request, "agreements/detail.html", context)


@login_required
def propose(request, pk):
    """Propose a new version, starting from the latest approved one."""
    agreement = services.access_agreement(request.user, pk)
    sides = services.sides(request.user, agreement, Action.PROPOSE_AGREEMENT)
    if not sides:
        raise PermissionDenied
    if services.open_proposal(agreement) is not None:
        messages.error(
            request,
            _(
                "There is an open proposal already: it must be approved, rejected "
                "or withdrawn first."
            ),
        )
        return redirect("agreements:detail", pk=agreement.pk)
    base = services.head_version(agreement)
    terms = services.terms_of(base) if base else None
    initial = {"dialogue_cadence_months": 12}
    if terms:
        initial |= {
            "quality_principles": terms.quality_principles,
            "dialogue_cadence_months": terms.dialogue_cadence_months,
            "process_standards": terms.process_standards,
            "key_processes": terms.key_processes,
        }
    data = request.POST if request.method == "POST" else None
    more = request.POST.get("action") == "more_rows"
    form = ProposalForm(data, initial=initial, agreement=agreement, sides=sides)
    formsets = part_formsets(data, terms, agreement=agreement, more=more)
    context = {
        "agreement": agreement,
        "base": base,
        "form": form,
        "formsets": formsets,
        "show_errors": request.method == "POST" and not more,
    }
    if request.method != "POST" or more:
        return render(request, "agreements/propose.html", context)
    valid = form.is_valid() & all(f.is_valid() for f in formsets.values())
    if valid:
        terms = services.Terms(
            valid_from=form.cleaned_data["valid_from"],
            valid_until=form.cleaned_data["valid_until"],
            change_note=form.cleaned_data["change_note"],
            quality_principles=form.cleaned_data["quality_principles"],
            dialogue_cadence_months=form.cleaned_data["dialogue_cadence_months"],
            process_standards=list(form.cleaned_data["process_standards"]),
            key_processes=list(form.cleaned_data["key_processes"]),
            **{part: rows_of(formset) for part, formset in formsets.items()},
        )
        try:
            version = services.do_propose(
                request.user, agreement, terms, side=form.cleaned_data.get("side")
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _(
                    "Version %(number)s is proposed. It comes into force when a "
                    "manager of each side has approved it."
                )
                % {"number": version.number},
            )
            return redirect(
                "agreements:version", pk=agreement.pk, number=version.number
            )
    return render(request, "agreements/propose.html", context, status=400)


@login_required
def version_detail(request, pk, number):
    """Show one version with its content, approvals and decision."""
    agreement = services.access_agreement(request.user, pk)
    version = _get_version(agreement, number)
    context = {
        "agreement": agreement,
        "version": version,
        **_version_context(version),
        "approvals": version.approvals.select_related("user"),
        "state": _approval_state(request.user, version),
        "compare": version.base
        or agreement.versions.filter(number__lt=number).order_by("-number").first(),
    }
    return render(request, "agreements/version.html", context)


@login_required
def version_diff(request, pk, number):
    """Show what a version changes against its base or a chosen version."""
    agreement = services.access_agreement(request.user, pk)
    version = _get_version(agreement, number)
    others = list(agreement.versions.exclude(pk=version.pk).order_by("-number"))
    against = request.GET.get("against", "")
    if against.isdigit():
        compare = next((v for v in others if v.number == int(against)), None)
        if compare is None:
            raise Http404
    else:
        compare = version.base or next(
            (v for v in others if v.number < version.number), None
        )
    context = {
        "agreement": agreement,
        "version": version,
        "compare": compare,
        "others": others,
        "sections": diff_versions(compare, version) if compare else [],
    }
    return render(request, "agreements/diff.html", context)


def _decision(request, pk, number):
    agreement = services.access_agreement(request.user, pk)
    version = _get_version(agreement, number)
    if not version.is_open:
        messages.error(request, _("This version is no longer an open proposal."))
        return agreement, version, redirect("agreements:version", pk=pk, number=number)
    return agreement, version, None


@login_required
def approve(request, pk, number):
    """Approve an open proposal for the user's side, after confirmation."""
    agreement, version, done = _decision(request, pk, number)
    if done:
        return done
    sides = services.sides(request.user, agreement, Action.APPROVE)
    if not sides:
        raise PermissionDenied
    form = ApproveForm(_posted(request), sides=sides)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.do_approve(
                request.user, version, side=request.POST.get("side") or None
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            if version.status == VersionStatus.APPROVED:
                messages.success(
                    request,
                    _(
                        "Both sides have approved version %(number)s: it is in "
                        "force from %(date)s."
                    )
                    % {
                        "number": version.number,
                        "date": format_date(version.valid_from),
                    },
                )
            else:
                messages.success(
                    request,
                    _("Your approval is recorded; the other side must approve too."),
                )
            return redirect("agreements:detail", pk=agreement.pk)
    return _confirm(request, "approve", agreement, version, form)


@login_required
def reject(request, pk, number):
    """Reject an open proposal with a reason, after confirmation."""
    agreement, version, done = _decision(request, pk, number)
    if done:
        return done
    sides = services.sides(request.user, agreement, Action.APPROVE)
    if not sides:
        raise PermissionDenied
    form = RejectForm(_posted(request), sides=sides)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_reject(
                request.user,
                version,
                reason=form.cleaned_data["reason"],
                side=request.POST.get("side") or None,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request, _("Version %(number)s is rejected.") % {"number": number}
            )
            return redirect("agreements:detail", pk=agreement.pk)
    return _confirm(request, "reject", agreement, version, form)


@login_required
def withdraw(request, pk, number):
    """Withdraw an open proposal of the user's side, after confirmation."""
    agreement, version, done = _decision(request, pk, number)
    if done:
        return done
    if not services.may_withdraw(request.user, version):
        raise PermissionDenied
    form = ApproveForm(_posted(request))
    if request.method == "POST":
        try:
            services.do_withdraw(request.user, version)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request, _("Version %(number)s is withdrawn.") % {"number": number}
            )
            return redirect("agreements:detail", pk=agreement.pk)
    return _confirm(request, "withdraw", agreement, version, form)


def _posted(request):
    """Return the submitted data of a POST (even an empty one), else None."""
    return request.POST if request.method == "POST" else None


def _confirm(request, decision, agreement, version, form):
    compare = version.base
    context = {
        "decision": decision,
        "agreement": agreement,
        "version": version,
        "form": form,
        "compare": compare,
        "sections": diff_versions(compare, version) if compare else [],
        "state": _approval_state(request.user, version),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "agreements/confirm.html", context, status=status)
