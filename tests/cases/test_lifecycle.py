"""Opening, moving on and closing a case: who may, what is checked, what is kept."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dialoq.accounts.models import Membership
from dialoq.accounts.roles import Role
from dialoq.cases.models import (
    AccessAction,
    AccessLogEntry,
    Beneficiary,
    Case,
    CaseEvent,
    CaseEventKind,
    CaseStatus,
)
from tests import factories

CREATE = reverse("cases:create")


def _membership(user, role):
    return Membership.objects.get(user=user, role=role).pk


@pytest.fixture
def new_case(world):
    """Return valid form data for a new case of the funder at provider A."""
    return {
        "funder": world.funder.pk,
        "case_manager": _membership(world.people.funder, Role.CASE_MANAGER),
        "service_type": factories.make_service_type().pk,
        "provider": world.provider_a.pk,
        "caseworker": _membership(world.people.provider_a, Role.CASEWORKER),
        "referred_on": "2026-11-20",
        "age_band": "6-11",
        "sex": "female",
        "household_type": "single_parent",
        "prior_help": "on",
    }


# --- Opening a case ------------------------------------------------------------


def test_case_manager_opens_a_case(world, client_for, new_case):
    """A new case gets a pseudonymous beneficiary, a number, history and a log entry."""
    client = client_for(world.people.funder)
    assert client.get(CREATE).status_code == 200
    response = client.post(CREATE, new_case)
    case = Case.objects.latest("pk")
    assert response.status_code == 302
    assert response["Location"] == case.get_absolute_url()
    assert case.status == CaseStatus.REFERRAL
    assert case.reference == f"DQ-{timezone.localdate().year}-000001"
    assert case.beneficiary.pseudonym.startswith("LB-")
    assert case.beneficiary.sex == case.sex == "female"
    assert (case.case_manager, case.caseworker) == (
        world.people.funder,
        world.people.provider_a,
    )
    assert case.prior_help and not case.transfer_benefits
    event = CaseEvent.objects.get(case=case)
    assert (event.kind, event.actor) == (CaseEventKind.CREATED, world.people.funder)
    assert event.changes["provider"] == [None, world.provider_a.pk]
    log = AccessLogEntry.objects.get(case=case)
    assert log.action == AccessAction.CHANGE_CASE
    page = client.get(response["Location"])
    assert "Next steps" in page.text  # identity entry comes next


def test_next_number_follows_the_last_one(world, client_for, new_case):
    """Assigned case numbers count up; an own file number is kept in capitals."""
    client = client_for(world.people.funder)
    client.post(CREATE, new_case)
    client.post(CREATE, new_case)
    client.post(CREATE, {**new_case, "reference": "ja-2026/17"})
    year = timezone.localdate().year
    assert list(
        Case.objects.filter(beneficiary__cases__isnull=False)
        .order_by("pk")
        .values_list("reference", flat=True)
    )[-3:] == [f"DQ-{year}-000001", f"DQ-{year}-000002", "JA-2026/17"]


@pytest.mark.parametrize("person", ["provider_a", "provider_b", "outsider", "auditor"])
def test_only_case_managers_of_a_funder_open_cases(person, world, client_for, new_case):
    """Caseworkers, outsiders and the read-only auditor may not open cases."""
    client = client_for(getattr(world.people, person))
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, new_case).status_code == 403
    assert Case.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"referred_on": ""}, "referred_on", "Enter a date."),
        ({"referred_on": "31.02.2026"}, "referred_on", "Enter a real date"),
        ({"referred_on": "2099-01-01"}, "referred_on", "cannot be in the future"),
        ({"service_type": ""}, "service_type", "Choose the service type."),
        ({"provider": "999999"}, "provider", "Choose a provider from the list."),
        ({"age_band": ""}, "age_band", "Choose the age band."),
        ({"reference": "A B"}, "reference", "Use only capital letters"),
        ({"case_manager": ""}, "case_manager", "Choose the responsible case manager."),
        ({"provider": "PROVIDER_B"}, "caseworker", "works for another organisation"),
    ],
)
def test_bad_input_opens_nothing(changes, field, message, world, client_for, new_case):
    """Each mistake is named at its field, and no case or beneficiary is created."""
    if changes.get("provider") == "PROVIDER_B":
        changes = {"provider": world.provider_b.pk}
    response = client_for(world.people.funder).post(CREATE, {**new_case, **changes})
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert message in response.text
    assert Case.objects.count() == 2
    assert Beneficiary.objects.count() == 2
    assert not CaseEvent.objects.exists()


def test_case_number_in_use_is_refused(world, client_for, new_case):
    """A case number that exists already is refused with a clear message."""
    response = client_for(world.people.funder).post(
        CREATE, {**new_case, "reference": world.case_a.reference}
    )
    assert "This case number is already in use." in response.text
    assert Case.objects.count() == 2


def test_team_limited_case_manager_opens_cases_for_own_team(world, client_for):
    """A case manager limited to a team must keep new cases in that team."""
    team = factories.make_unit(world.funder, "ASD Nord")
    other_team = factories.make_unit(world.funder, "ASD Süd")
    manager = factories.make_user(
        "team_manager", role=Role.CASE_MANAGER, organisation=world.funder, unit=team
    )
    data = {
        "funder": world.funder.pk,
        "funder_unit": other_team.pk,
        "case_manager": _membership(world.people.funder, Role.CASE_MANAGER),
        "service_type": factories.make_service_type().pk,
        "provider": world.provider_a.pk,
        "referred_on": "2026-11-20",
        "age_band": "6-11",
        "sex": "unknown",
        "household_type": "single_parent",
    }
    client = client_for(manager)
    refused = client.post(CREATE, data)
    assert "only for your own team" in refused.text
    assert Case.objects.count() == 2
    client.post(CREATE, {**data, "funder_unit": team.pk})
    case = Case.objects.latest("pk")
    assert case.funder_unit == team
    assert client.get(case.get_absolute_url()).status_code == 200


# --- Status -------------------------------------------------------------------


def _status(case):
    return reverse("cases:status", args=[case.pk])


def _close(case):
    return reverse("cases:close", args=[case.pk])


@pytest.fixture
def referral(world):
    """Return a new referral of provider A that has not started yet."""
    return factories.make_case(
        world.funder,
        world.provider_a,
        status=CaseStatus.REFERRAL,
        referred_on=date(2026, 10, 1),
        started_on=None,
        next_review_due=None,
        case_manager=world.people.funder,
    )


def test_status_moves_forward_with_history(world, client_for, referral):
    """Intake follows referral; the change is kept in history and the access log."""
    client = client_for(world.people.provider_a)
    page = client.get(_status(referral))
    choices = page.context["form"].fields["status"].choices
    assert [value for value, _label in choices] == ["intake", "planning", "running"]
    response = client.post(_status(referral), {"status": "intake"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == CaseStatus.INTAKE
    event = CaseEvent.objects.get(case=referral)
    assert event.kind == CaseEventKind.STATUS_CHANGED
    assert event.changes == {"status": ["referral", "intake"]}
    assert AccessLogEntry.objects.filter(
        case=referral, action=AccessAction.CHANGE_CASE
    ).exists()


def test_running_needs_a_start_date(world, client_for, referral):
    """A case runs only with a start date, not before the referral nor in the future."""
    client = client_for(world.people.funder)
    url = _status(referral)
    missing = client.post(url, {"status": "running"})
    assert "a running help needs it" in missing.text
    early = client.post(url, {"status": "running", "started_on": "2026-09-30"})
    assert "cannot start before the referral" in early.text
    future = client.post(url, {"status": "running", "started_on": "2099-01-01"})
    assert "cannot be in the future" in future.text
    referral.refresh_from_db()
    assert (referral.status, referral.started_on) == (CaseStatus.REFERRAL, None)
    client.post(url, {"status": "running", "started_on": "2026-10-12"})
    referral.refresh_from_db()
    assert (referral.status, referral.started_on) == ("running", date(2026, 10, 12))
    event = CaseEvent.objects.get(case=referral)
    assert event.changes["started_on"] == [None, "2026-10-12"]


@pytest.mark.parametrize("status", ["referral", "closed", "paused"])
def test_no_way_back_and_no_invented_status(status, world, client_for):
    """A running case cannot go back, be closed here, or get a made-up status."""
    response = client_for(world.people.provider_a).post(
        _status(world.case_a), {"status": status}
    )
    assert response.status_code == 200
    assert "cannot move to this status" in response.text
    world.case_a.refresh_from_db()
    assert world.case_a.status == CaseStatus.RUNNING
    assert not CaseEvent.objects.exists()


def test_running_case_is_told_to_close(world, client_for):
    """The status page of a running case points to closing it."""
    response = client_for(world.people.provider_a).get(_status(world.case_a))
    assert "moves on only by being closed" in response.text


# --- Closure ------------------------------------------------------------------


def test_closing_ends_the_help(world, client_for):
    """Closing sets status, end date, reason, no next review, and keeps history."""
    client = client_for(world.people.provider_a)
    assert client.get(_close(world.case_a)).status_code == 200
    response = client.post(
        _close(world.case_a), {"ended_on": "2026-11-20", "closure_reason": "planned"}
    )
    assert response.status_code == 302
    case = Case.objects.get(pk=world.case_a.pk)
    assert case.status == CaseStatus.CLOSED
    assert case.ended_on == date(2026, 11, 20)
    assert case.closure_reason == "planned"
    assert case.next_review_due is None
    event = CaseEvent.objects.get(case=case)
    assert event.kind == CaseEventKind.CLOSED
    assert event.changes["status"] == ["running", "closed"]
    assert event.changes["next_review_due"][1] is None
    assert AccessLogEntry.objects.filter(
        case=case, action=AccessAction.CHANGE_CASE
    ).exists()
    again = client.get(_close(case), follow=True)
    assert "already closed" in again.text


@pytest.fixture
def sgb_ii_case(world):
    """Return a running SGB II case of the funder at provider A."""
    coaching = factories.make_service_type(
        "coaching",
        name="Ganzheitliche Betreuung",
        legal_basis="§ 16a SGB II",
        code_book="SGB II",
        category="labour_market_service",
    )
    return factories.make_case(world.funder, world.provider_a, service_type=coaching)


def test_sgb_ii_closure_needs_the_integration_outcome(world, client_for, sgb_ii_case):
    """An SGB II case closes only with its integration outcome."""
    client = client_for(world.people.funder)
    assert "Integration outcome" in client.get(_close(sgb_ii_case)).text
    data = {"ended_on": "2026-11-20", "closure_reason": "planned"}
    missing = client.post(_close(sgb_ii_case), data)
    assert "state the integration outcome" in missing.text
    sgb_ii_case.refresh_from_db()
    assert sgb_ii_case.status == CaseStatus.RUNNING
    client.post(_close(sgb_ii_case), {**data, "integration_outcome": "employment"})
    sgb_ii_case.refresh_from_db()
    assert (sgb_ii_case.status, sgb_ii_case.integration_outcome) == (
        "closed",
        "employment",
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"ended_on": "2026-01-18"}, "cannot end before it started"),
        ({"ended_on": "2099-01-01"}, "cannot be in the future"),
        ({"ended_on": "tomorrow"}, "Enter a real date"),
        ({"closure_reason": ""}, "Choose the reason the help ended."),
        ({"closure_reason": "moved_away"}, "Choose a reason from the list."),
        ({"integration_outcome": "employment"}, "Only SGB II help records"),
    ],
)
def test_bad_closure_changes_nothing(data, message, world, client_for):
    """Each mistake in the closure form is named and the case stays open."""
    valid = {"ended_on": "2026-11-20", "closure_reason": "planned"}
    response = client_for(world.people.funder).post(
        _close(world.case_a), {**valid, **data}
    )
    assert response.status_code == 200
    assert message in response.text
    world.case_a.refresh_from_db()
    assert world.case_a.status == CaseStatus.RUNNING
    assert world.case_a.ended_on is None
    assert not CaseEvent.objects.exists()


def test_never_started_referral_can_be_closed(world, client_for, referral):
    """A referral withdrawn before it started closes, not before the referral date."""
    client = client_for(world.people.funder)
    early = client.post(
        _close(referral), {"ended_on": "2026-09-01", "closure_reason": "other"}
    )
    assert "cannot end before the referral" in early.text
    client.post(_close(referral), {"ended_on": "2026-10-02", "closure_reason": "other"})
    referral.refresh_from_db()
    assert referral.status == CaseStatus.CLOSED


# --- Permissions on status and closure ---------------------------------------


@pytest.mark.parametrize("url", [_status, _close])
@pytest.mark.parametrize(
    ("person", "expected"),
    [("provider_b", 404), ("outsider", 404), ("auditor", 403)],
)
def test_others_cannot_move_or_close_the_case(url, person, expected, world, client_for):
    """Invisible cases are not found; the read-only auditor is refused."""
    client = client_for(getattr(world.people, person))
    data = {"status": "closed", "ended_on": "2026-11-20", "closure_reason": "planned"}
    assert client.get(url(world.case_a)).status_code == expected
    assert client.post(url(world.case_a), data).status_code == expected
    world.case_a.refresh_from_db()
    assert world.case_a.status == CaseStatus.RUNNING


def test_status_dates_use_today_as_the_limit(world, client_for, referral):
    """Today itself is a valid start date."""
    today = timezone.localdate()
    client_for(world.people.funder).post(
        _status(referral), {"status": "running", "started_on": today.isoformat()}
    )
    referral.refresh_from_db()
    assert referral.started_on == today
    assert today - timedelta(days=1) < referral.started_on
