"""The case page: facts, timeline, service hours; every view is logged."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dialoq.cases.audit import record_event
from dialoq.cases.models import (
    AccessAction,
    AccessLogEntry,
    CaseEventKind,
    CaseStatus,
    Contact,
    ContactKind,
)
from tests import factories


def _page(case):
    return reverse("cases:detail", args=[case.pk])


def _contact(case, day, minutes, staff=None, kind=ContactKind.FACE_TO_FACE):
    return Contact.objects.create(
        case=case, occurred_on=day, duration_minutes=minutes, kind=kind, staff=staff
    )


@pytest.mark.parametrize("person", ["funder", "provider_a", "auditor"])
def test_people_of_the_case_see_it(person, world, client_for):
    """Funder, provider A and the auditor see case A with its facts."""
    response = client_for(getattr(world.people, person)).get(_page(world.case_a))
    assert response.status_code == 200
    assert world.case_a.beneficiary.pseudonym in response.text
    assert "Träger A" in response.text
    assert "Single parent" in response.text  # a case-mix attribute


@pytest.mark.parametrize("person", ["provider_b", "outsider"])
def test_others_get_not_found(person, world, client_for):
    """Provider B and the outsider get 404 and leave no access-log entry."""
    response = client_for(getattr(world.people, person)).get(_page(world.case_a))
    assert response.status_code == 404
    assert not AccessLogEntry.objects.exists()


def test_every_view_is_logged(world, client_for):
    """Each view of the page writes one access-log entry naming user and case."""
    client = client_for(world.people.provider_a)
    client.get(_page(world.case_a))
    client.get(_page(world.case_a))
    entries = AccessLogEntry.objects.filter(action=AccessAction.VIEW_CASE)
    assert entries.count() == 2
    entry = entries.first()
    assert entry.user == world.people.provider_a
    assert entry.case_reference == world.case_a.reference
    assert entry.provider == world.provider_a


def test_edit_controls_only_for_those_who_may_change(world, client_for):
    """The auditor sees no status, closure or contact controls; the caseworker does."""
    status_url = reverse("cases:close", args=[world.case_a.pk])
    contact_url = reverse("cases:contact_create", args=[world.case_a.pk])
    auditor_page = client_for(world.people.auditor).get(_page(world.case_a))
    assert status_url not in auditor_page.text
    assert contact_url not in auditor_page.text
    worker_page = client_for(world.people.provider_a).get(_page(world.case_a))
    assert status_url in worker_page.text
    assert contact_url in worker_page.text


def test_sections_of_other_parts_are_included(world, client_for):
    """The identity, planning and feedback sections are part of the page."""
    response = client_for(world.people.funder).get(_page(world.case_a))
    names = {template.name for template in response.templates}
    assert {
        "cases/_identity_section.html",
        "cases/_planning_section.html",
        "feedback/_case_feedback_section.html",
    } <= names


def test_timeline_shows_everything_newest_first(world, client_for):
    """Referral, start, plan, contact, review, closure, history: newest first."""
    case = world.case_a
    plan = factories.make_help_plan(case, agreed_on=date(2026, 2, 2))
    factories.make_review(plan, held_on=date(2026, 5, 4))
    _contact(case, date(2026, 3, 10), 90, staff=world.people.provider_a)
    case.status, case.ended_on = CaseStatus.CLOSED, date(2026, 6, 30)
    case.closure_reason = "planned"
    case.save()
    record_event(
        case,
        CaseEventKind.STATUS_CHANGED,
        world.people.funder,
        {"status": ["running", "closed"]},
    )
    response = client_for(world.people.funder).get(_page(case))
    kinds = [entry.kind for entry in response.context["timeline"]]
    assert kinds == [
        "history",
        "closure",
        "review",
        "contact",
        "help_plan",
        "start",
        "referral",
    ]
    days = [entry.day for entry in response.context["timeline"]]
    assert days == sorted(days, reverse=True)
    assert "Status: from Running to Closed" in response.text
    assert "Ended according to the help plan" in response.text


def test_timeline_dates_are_german_by_default(world, db):
    """Without a language choice the page is German, with German dates."""
    client = Client()
    client.force_login(world.people.funder)
    response = client.get(_page(world.case_a))
    assert '<html lang="de">' in response.text
    assert '<time datetime="2026-01-05">05.01.2026</time>' in response.text


def test_service_hours_per_month_against_the_agreed_volume(world, client_for):
    """Hours are summed per month and compared with the plan in force."""
    case = world.case_a
    case.started_on = date(2026, 9, 1)
    case.save()
    factories.make_help_plan(
        case, agreed_on=date(2026, 9, 1), agreed_hours_per_month=Decimal("10.0")
    )
    _contact(case, date(2026, 9, 3), 90)
    _contact(case, date(2026, 9, 17), 120)
    _contact(case, date(2026, 11, 2), 45)
    response = client_for(world.people.provider_a).get(_page(case))
    months = {row.month: row for row in response.context["hours_by_month"]}
    today = timezone.localdate()
    assert next(iter(months)) == today.replace(day=1)  # newest first
    september = months[date(2026, 9, 1)]
    assert (september.hours, september.agreed) == (Decimal("3.5"), Decimal("10.0"))
    assert september.difference == Decimal("-6.5")
    assert september.share == 35
    assert months[date(2026, 10, 1)].hours == 0  # a month without contacts
    assert "-6.5 (less)" in response.text
    assert "35 %" in response.text
    assert "<meter" in response.text


def test_page_without_help_plan_says_there_is_no_agreed_volume(world, client_for):
    """Before a help plan, hours are shown without an agreed volume."""
    _contact(world.case_a, date(2026, 11, 2), 60)
    response = client_for(world.people.provider_a).get(_page(world.case_a))
    assert "No help plan has been agreed yet" in response.text
    assert all(row.agreed is None for row in response.context["hours_by_month"])


def test_query_count_does_not_grow_with_history(world, client_for):
    """The page needs as many queries for 1 contact as for 30 with their events."""
    client = client_for(world.people.provider_a)
    _contact(world.case_a, date(2026, 2, 1), 30, staff=world.people.provider_a)
    client.get(_page(world.case_a))
    with CaptureQueriesContext(connection) as few:
        client.get(_page(world.case_a))
    day = date(2026, 2, 1)
    for number in range(30):
        staff = factories.make_user(f"staff{number}")
        _contact(world.case_a, day + timedelta(days=number), 30, staff=staff)
        record_event(world.case_a, CaseEventKind.CONTACT_RECORDED, staff, {})
    with CaptureQueriesContext(connection) as many:
        response = client.get(_page(world.case_a))
    assert len(response.context["contacts"]) == 31
    assert len(many) == len(few)
    assert len(many) <= 45  # incl. the identity, planning and feedback sections
