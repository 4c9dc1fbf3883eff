"""The start page: for each of the user's roles, what needs their attention."""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from dialoq.accounts import scoping
from dialoq.accounts.models import Membership
from dialoq.accounts.roles import Role
from dialoq.cases.models import CaseStatus

ATTENTION_LIMIT = 10


@login_required
def start(request):
    """Show one section per role of the user, each with what needs attention."""
    user = request.user
    today = timezone.localdate()
    memberships = user.active_memberships().order_by("organisation__name", "role")
    sections = [_section(user, membership, today) for membership in memberships]
    return render(
        request,
        "start.html",
        {"sections": sections, "today": today},
    )


def _section(user, membership: Membership, today):
    builders = {
        Role.CASE_MANAGER: _own_cases_section,
        Role.CASEWORKER: _own_cases_section,
        Role.QM_OFFICER: _organisation_section,
        Role.MANAGER: _organisation_section,
        Role.AUDITOR: _audit_section,
        Role.COMMITTEE_VIEWER: _committee_section,
        Role.NETWORK_COORDINATOR: _network_section,
        Role.PLATFORM_ADMIN: _admin_section,
    }
    section = {"membership": membership, "template": f"start/{membership.role}.html"}
    section.update(builders[Role(membership.role)](user, membership, today))
    return section


def _cases_of(user, membership):
    field = "funder" if membership.organisation.kind == "funder" else "provider"
    return scoping.visible_cases(user).filter(**{field: membership.organisation})


def _own_cases_section(user, membership, today):
    responsible = (
        "case_manager" if membership.role == Role.CASE_MANAGER else "caseworker"
    )
    mine = _cases_of(user, membership).filter(**{responsible: user}).open()
    overdue = mine.filter(next_review_due__lt=today).select_related("service_type")
    due_soon = mine.filter(
        next_review_due__gte=today, next_review_due__lte=today + timedelta(days=14)
    ).select_related("service_type")
    new_referrals = mine.filter(status=CaseStatus.REFERRAL).select_related(
        "service_type"
    )
    return {
        "open_count": mine.count(),
        "overdue": list(overdue.order_by("next_review_due")[:ATTENTION_LIMIT]),
        "overdue_count": overdue.count(),
        "due_soon": list(due_soon.order_by("next_review_due")[:ATTENTION_LIMIT]),
        "new_referrals": list(new_referrals.order_by("referred_on")[:ATTENTION_LIMIT]),
    }


def _organisation_section(user, membership, today):
    cases = _cases_of(user, membership)
    open_cases = cases.open()
    year_ago = today - timedelta(days=365)
    closed_last_year = cases.filter(status=CaseStatus.CLOSED, ended_on__gte=year_ago)
    return {
        "open_count": open_cases.count(),
        "overdue_count": open_cases.filter(next_review_due__lt=today).count(),
        "closed_last_year": closed_last_year.count(),
        "closed_planned_last_year": closed_last_year.filter(
            closure_reason="planned"
        ).count(),
    }


def _audit_section(user, membership, today):
    return {"case_count": _cases_of(user, membership).count()}


def _committee_section(user, membership, today):
    return {}


def _network_section(user, membership, today):
    members = membership.organisation.members.order_by("kind", "name")
    return {"members": list(members)}


def _admin_section(user, membership, today):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from dialoq.accounts.models import User
    from dialoq.accounts.roles import TWO_FACTOR_ROLES

    now = timezone.now()
    needs_device = (
        User.objects.filter(
            is_active=True,
            memberships__role__in=TWO_FACTOR_ROLES,
        )
        .exclude(
            pk__in=TOTPDevice.objects.filter(confirmed=True).values("user"),
        )
        .distinct()
    )
    expiring = Membership.objects.filter(
        valid_until__gt=now, valid_until__lte=now + timedelta(days=30)
    ).select_related("user", "organisation")
    return {
        "without_device": list(needs_device.order_by("username")[:ATTENTION_LIMIT]),
        "without_device_count": needs_device.count(),
        "expiring": list(expiring.order_by("valid_until")[:ATTENTION_LIMIT]),
    }
