"""Help plans: versions that copy goals, freeze old versions, move the case on."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dialoq.cases.models import (
    AccessAction,
    AccessLogEntry,
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    HelpPlan,
)
from tests import factories


def _create_url(case):
    return reverse("cases:help_plan_create", args=[case.pk])


def _detail_url(case):
    return reverse("cases:help_plan_detail", args=[case.pk])


def _data(**overrides):
    data = {
        "agreed_on": "2026-11-02",
        "participants": "Mother\nCase manager\nCaseworker",
        "beneficiary_participated": "on",
        "beneficiary_agreed": "on",
        "agreed_hours_per_month": "12.5",
        "next_review_due": "2027-03-01",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.parametrize("persona", ["funder", "provider_a"])
def test_both_sides_of_the_case_document_a_help_plan(persona, world, en_client_for):
    """Funder and provider A agree the first version; the case and history follow."""
    user = getattr(world.people, persona)
    client = en_client_for(user)
    assert client.get(_create_url(world.case_a)).status_code == 200
    response = client.post(_create_url(world.case_a), _data())
    assert response.status_code == 302
    plan = HelpPlan.objects.get(case=world.case_a)
    assert plan.version == 1
    assert plan.agreed_on == date(2026, 11, 2)
    assert str(plan.agreed_hours_per_month) == "12.5"
    assert plan.created_by == user
    world.case_a.refresh_from_db()
    assert world.case_a.next_review_due == date(2027, 3, 1)
    event = CaseEvent.objects.get(
        case=world.case_a, kind=CaseEventKind.HELP_PLAN_AGREED
    )
    assert event.actor == user
    assert event.changes["version"] == [None, 1]
    assert event.changes["next_review_due"] == [None, "2027-03-01"]
    assert "participants" not in event.changes  # free text stays out of the history
    assert AccessLogEntry.objects.filter(
        case=world.case_a, action=AccessAction.CHANGE_CASE, user=user
    ).exists()


@pytest.mark.parametrize("persona", ["provider_b", "outsider"])
def test_others_get_not_found(persona, world, en_client_for):
    """Provider B and the outsider get 404 on help plan pages and change nothing."""
    client = en_client_for(getattr(world.people, persona))
    factories.make_help_plan(world.case_a)
    for url in (_create_url(world.case_a), _detail_url(world.case_a)):
        assert client.get(url).status_code == 404
        assert client.post(url, _data()).status_code == 404
    assert world.case_a.help_plans.count() == 1


def test_auditor_reads_but_cannot_change(world, plan_a, en_client_for):
    """The auditor sees the help plan without edit links, and gets 403 on writes."""
    client = en_client_for(world.people.auditor)
    response = client.get(_detail_url(world.case_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Goal 1" in html
    assert reverse("cases:help_plan_create", args=[world.case_a.pk]) not in html
    assert "/edit/" not in html
    assert client.get(_create_url(world.case_a)).status_code == 403
    assert client.post(_create_url(world.case_a), _data()).status_code == 403
    assert world.case_a.help_plans.count() == 1


def test_new_version_copies_goals_and_freezes_the_old_one(world, plan_a, en_client_for):
    """Version 2 copies the goals; version 1 stays as it was and becomes read-only."""
    client = en_client_for(world.people.funder)
    response = client.post(_create_url(world.case_a), _data())
    assert response.status_code == 302
    new = world.case_a.help_plans.get(version=2)
    old_goals = list(plan_a.goals.values_list("title", "weight", "level_plus_2"))
    new_goals = list(new.goals.values_list("title", "weight", "level_plus_2"))
    assert new_goals == old_goals
    assert set(new.goals.values_list("pk", flat=True)).isdisjoint(
        plan_a.goals.values_list("pk", flat=True)
    )
    old_goal = plan_a.goals.first()
    edit = reverse("cases:goal_edit", args=[world.case_a.pk, old_goal.pk])
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"title": "Changed"}).status_code == 403
    old_goal.refresh_from_db()
    assert old_goal.title == "Goal 1"
    history = client.get(
        reverse("cases:help_plan_version", args=[world.case_a.pk, 1])
    ).content.decode()
    assert "This is an older version and cannot be changed." in history
    assert edit not in history
    current = client.get(_detail_url(world.case_a)).content.decode()
    new_edit = reverse("cases:goal_edit", args=[world.case_a.pk, new.goals.first().pk])
    assert new_edit in current
    assert "Version 1" in current and "Version 2" in current


def test_unknown_version_is_not_found(world, plan_a, en_client_for):
    """A version number the case does not have gives 404."""
    client = en_client_for(world.people.funder)
    url = reverse("cases:help_plan_version", args=[world.case_a.pk, 9])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("agreed", "status", "started_on"),
    [
        ("on", CaseStatus.RUNNING, date(2026, 11, 2)),
        (None, CaseStatus.PLANNING, None),
    ],
)
def test_case_in_intake_moves_on(agreed, status, started_on, world, en_client_for):
    """Agreed by the beneficiary → running (help starts); not agreed → planning."""
    case = factories.make_case(
        world.funder,
        world.provider_a,
        status=CaseStatus.INTAKE,
        started_on=None,
        referred_on=date(2026, 10, 1),
    )
    client = en_client_for(world.people.provider_a)
    response = client.post(_create_url(case), _data(beneficiary_agreed=agreed))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == status
    assert case.started_on == started_on
    event = CaseEvent.objects.get(case=case, kind=CaseEventKind.STATUS_CHANGED)
    assert event.changes["status"] == ["intake", str(status)]


def test_running_case_keeps_its_status_and_start(world, en_client_for):
    """A running case stays running; only the next review date changes."""
    client = en_client_for(world.people.funder)
    client.post(_create_url(world.case_a), _data(beneficiary_agreed=None))
    world.case_a.refresh_from_db()
    assert world.case_a.status == CaseStatus.RUNNING
    assert world.case_a.started_on == date(2026, 1, 19)
    assert not CaseEvent.objects.filter(
        case=world.case_a, kind=CaseEventKind.STATUS_CHANGED
    ).exists()


def test_long_review_interval_needs_confirmation(world, en_client_for):
    """Over six months to the next review: warning, then confirmed and logged."""
    client = en_client_for(world.people.funder)
    data = _data(agreed_on="2026-11-02", next_review_due="2027-06-01")
    response = client.post(_create_url(world.case_a), data)
    assert response.status_code == 200
    assert "The next review is due more than six months later." in (
        response.content.decode()
    )
    assert 'name="confirm_long_interval"' in response.content.decode()
    assert not world.case_a.help_plans.exists()
    response = client.post(
        _create_url(world.case_a), {**data, "confirm_long_interval": "on"}
    )
    assert response.status_code == 302
    event = CaseEvent.objects.get(
        case=world.case_a, kind=CaseEventKind.HELP_PLAN_AGREED
    )
    assert event.changes["long_review_interval_confirmed"] is True


def test_six_months_exactly_needs_no_confirmation(world, en_client_for):
    """A review six calendar months after the agreement is within the usual interval."""
    client = en_client_for(world.people.funder)
    data = _data(agreed_on="2026-08-31", next_review_due="2027-02-28")
    assert client.post(_create_url(world.case_a), data).status_code == 302


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"agreed_on": (timezone.localdate() + timedelta(days=1)).isoformat()},
            "The agreement date lies in the future.",
        ),
        ({"agreed_on": "2025-12-01"}, "cannot be agreed before the referral on"),
        ({"agreed_on": ""}, "Enter the date on which the help plan was agreed."),
        ({"agreed_on": "31.02.2026"}, "Enter a valid date"),
        ({"next_review_due": ""}, "Enter the date by which the next review is due."),
        (
            {"next_review_due": "2026-10-01"},
            "The next review cannot be due before the help plan was agreed",
        ),
        ({"agreed_hours_per_month": "0"}, "Enter more than 0 hours per month"),
        ({"agreed_hours_per_month": "800"}, "Enter at most 744 hours per month."),
        ({"agreed_hours_per_month": "viel"}, "Enter the hours as a number"),
    ],
)
def test_bad_input_changes_nothing(overrides, message, world, en_client_for):
    """Each mistake gives its own message; no plan, no history, no changed case."""
    client = en_client_for(world.people.funder)
    before = world.case_a.next_review_due
    response = client.post(_create_url(world.case_a), _data(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not world.case_a.help_plans.exists()
    assert not world.case_a.events.exists()
    world.case_a.refresh_from_db()
    assert world.case_a.next_review_due == before


def test_new_version_cannot_be_older_than_the_current(world, plan_a, en_client_for):
    """Version 2 cannot be agreed before version 1."""
    client = en_client_for(world.people.funder)
    response = client.post(_create_url(world.case_a), _data(agreed_on="2026-02-01"))
    assert "a new version cannot be agreed earlier" in response.content.decode()
    assert world.case_a.help_plans.count() == 1


def test_closed_case_plan_is_read_only(world, plan_a, en_client_for):
    """A closed case's help plan can be read but not changed."""
    world.case_a.status = CaseStatus.CLOSED
    world.case_a.ended_on = date(2026, 11, 1)
    world.case_a.save()
    client = en_client_for(world.people.funder)
    assert client.post(_create_url(world.case_a), _data()).status_code == 403
    page = client.get(_detail_url(world.case_a)).content.decode()
    assert "The case is closed" in page
    assert "/edit/" not in page


def test_reading_the_help_plan_is_logged(world, plan_a, en_client_for):
    """Opening the help plan page writes a view entry in the access log."""
    en_client_for(world.people.provider_a).get(_detail_url(world.case_a))
    assert AccessLogEntry.objects.filter(
        case=world.case_a, action=AccessAction.VIEW_CASE, detail="help plan"
    ).exists()


def test_german_form_takes_a_decimal_comma(world, client_for):
    """In German (the default) hours are entered and shown with a decimal comma."""
    client = client_for(world.people.funder)
    response = client.post(
        _create_url(world.case_a), _data(agreed_hours_per_month="7,5")
    )
    assert response.status_code == 302
    plan = world.case_a.help_plans.get()
    assert str(plan.agreed_hours_per_month) == "7.5"
    page = client.get(_detail_url(world.case_a)).content.decode()
    assert "7,5" in page
    assert "02.11.2026" in page
