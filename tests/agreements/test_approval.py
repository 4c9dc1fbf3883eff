"""Two-sided approval: a version comes into force only with both sides' approval."""

import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext

from dialoq.agreements import services
from dialoq.agreements.formatting import format_date
from dialoq.agreements.in_force import agreement_in_force
from dialoq.agreements.models import Approval, VersionStatus
from tests.agreements.factories import TODAY, make_dual_member, make_terms


@pytest.fixture
def proposal(agreement, people):
    """Return version 2, proposed by the funder's QM officer from 1 July 2025."""
    return services.do_propose(
        people.funder_qm,
        agreement,
        make_terms(date(2025, 7, 1), amount="61.20"),
        today=TODAY,
    )


def _refused(message, **params):
    """Return pytest.raises for the ValidationError with the translated message."""
    text = gettext(message) % params if params else gettext(message)
    return pytest.raises(ValidationError, match=re.escape(text))


ALREADY_APPROVED_BY_YOU = (
    "You have approved this proposal already. The other side must approve it "
    "through another person."
)


def _status(version):
    version.refresh_from_db()
    return version.status


def test_first_version_is_in_force_after_both_approvals(agreement):
    """The fixture's version went through both approvals and is in force."""
    version = agreement.versions.get()
    assert version.status == VersionStatus.APPROVED
    assert {a.side for a in version.approvals.all()} == {"funder", "provider"}
    assert agreement_in_force(agreement.funder, agreement.provider, TODAY) == version


def test_one_approval_leaves_the_proposal_open(proposal, people):
    """After the funder's approval the proposal waits; nothing changes in force."""
    services.do_approve(people.funder_manager, proposal, today=TODAY)
    assert _status(proposal) == VersionStatus.PROPOSED
    in_force = agreement_in_force(
        proposal.agreement.funder_id, proposal.agreement.provider_id, date(2025, 8, 1)
    )
    assert in_force.number == 1


def test_second_side_puts_in_force_and_ends_the_previous_version(proposal, people):
    """The provider's approval puts v2 in force; v1 ends the day before v2 starts."""
    services.do_approve(people.funder_manager, proposal, today=TODAY)
    services.do_approve(people.provider_manager, proposal, today=TODAY)
    assert _status(proposal) == VersionStatus.APPROVED
    previous = proposal.agreement.versions.get(number=1)
    assert previous.status == VersionStatus.SUPERSEDED
    assert previous.valid_until == date(2025, 6, 30)
    funder, provider = proposal.agreement.funder, proposal.agreement.provider
    assert agreement_in_force(funder, provider, date(2025, 6, 30)).number == 1
    assert agreement_in_force(funder, provider, date(2025, 7, 1)).number == 2


def test_one_side_cannot_approve_twice(proposal, people):
    """A second manager of the same side cannot stand in for the other side."""
    services.do_approve(people.funder_manager, proposal, today=TODAY)
    with _refused(
        "The %(side)s has approved this proposal already.",
        side=gettext("funder"),
    ):
        services.do_approve(people.funder_manager_2, proposal, today=TODAY)
    assert _status(proposal) == VersionStatus.PROPOSED
    assert proposal.approvals.count() == 1


def test_same_person_cannot_approve_twice(proposal, people):
    services.do_approve(people.funder_manager, proposal, today=TODAY)
    with _refused(ALREADY_APPROVED_BY_YOU):
        services.do_approve(people.funder_manager, proposal, today=TODAY)
    assert proposal.approvals.count() == 1


def test_member_of_both_sides_counts_for_one_side_only(world, proposal, people):
    """A manager of funder and provider approves once; the other side stays open."""
    dual = make_dual_member(world.funder, world.provider_a)
    with _refused(
        "You belong to both sides of this agreement: choose for which you act."
    ):
        services.do_approve(dual, proposal, today=TODAY)
    services.do_approve(dual, proposal, side="funder", today=TODAY)
    with _refused(ALREADY_APPROVED_BY_YOU):
        services.do_approve(dual, proposal, side="provider", today=TODAY)
    assert _status(proposal) == VersionStatus.PROPOSED
    services.do_approve(people.provider_manager, proposal, today=TODAY)
    assert _status(proposal) == VersionStatus.APPROVED


def test_approval_for_a_side_one_does_not_hold_is_refused(proposal, people):
    """Naming the other side's organisation does not let a manager approve for it."""
    with pytest.raises(PermissionDenied):
        services.do_approve(people.funder_manager, proposal, side="provider")
    assert not Approval.objects.filter(version=proposal).exists()


@pytest.mark.parametrize(
    "persona", ["funder_qm", "provider_qm", "caseworker", "outsider", "outside_manager"]
)
def test_only_managers_of_the_two_sides_approve(persona, proposal, people):
    with pytest.raises(PermissionDenied):
        services.do_approve(getattr(people, persona), proposal, today=TODAY)
    assert not proposal.approvals.exists()


@pytest.mark.parametrize("persona", ["caseworker", "outsider", "committee"])
def test_only_qm_officers_and_managers_propose(persona, agreement, people):
    with pytest.raises(PermissionDenied):
        services.do_propose(
            getattr(people, persona), agreement, make_terms(date(2025, 7, 1))
        )
    assert agreement.versions.count() == 1


def test_only_one_open_proposal(proposal, people):
    with _refused(
        "There is an open proposal already: it must be approved, rejected or "
        "withdrawn first."
    ):
        services.do_propose(
            people.provider_qm,
            proposal.agreement,
            make_terms(date(2025, 9, 1)),
            today=TODAY,
        )


def test_change_must_start_after_the_version_it_amends(agreement, people):
    with _refused(
        "A change must start after the version it amends, which starts on %(date)s.",
        date=format_date(date(2025, 1, 1)),
    ):
        services.do_propose(
            people.provider_qm,
            agreement,
            make_terms(date(2025, 1, 1)),
            today=TODAY,
        )


def test_change_cannot_take_effect_retroactively(agreement, people):
    with _refused(
        "A change cannot take effect retroactively (§ 78d para. 2 SGB VIII): let it "
        "start on %(date)s or later.",
        date=format_date(date(2025, 4, 1)),
    ):
        services.do_propose(
            people.provider_qm,
            agreement,
            make_terms(date(2025, 3, 1)),
            today=date(2025, 4, 1),
        )


def test_approval_refused_once_the_start_has_passed(proposal, people):
    """A proposal approved too late would rewrite the past: refused."""
    services.do_approve(people.funder_manager, proposal, today=TODAY)
    with _refused(
        "This proposal would take effect on %(date)s, which has passed, and "
        "agreements do not take effect retroactively. Withdraw or reject it and "
        "propose again with a later start.",
        date=format_date(date(2025, 7, 1)),
    ):
        services.do_approve(people.provider_manager, proposal, today=date(2025, 7, 2))
    assert _status(proposal) == VersionStatus.PROPOSED


def test_rejected_proposal_cannot_be_approved(proposal, people):
    with _refused("Give a reason for the rejection."):
        services.do_reject(people.provider_manager, proposal, reason="  ")
    services.do_reject(people.provider_manager, proposal, reason="Zu hoch")
    assert _status(proposal) == VersionStatus.REJECTED
    proposal.refresh_from_db()
    assert proposal.decision_note == "Zu hoch"
    with _refused("Only an open proposal can be approved."):
        services.do_approve(people.funder_manager, proposal, today=TODAY)
    assert (
        agreement_in_force(
            proposal.agreement.funder, proposal.agreement.provider, date(2025, 8, 1)
        ).number
        == 1
    )


def test_only_the_proposing_side_withdraws(proposal, people):
    with pytest.raises(PermissionDenied):
        services.do_withdraw(people.provider_qm, proposal)
    services.do_withdraw(people.funder_manager, proposal)
    assert _status(proposal) == VersionStatus.WITHDRAWN


def test_after_withdrawal_a_new_proposal_can_be_made(proposal, people):
    services.do_withdraw(people.funder_qm, proposal)
    version = services.do_propose(
        people.provider_qm,
        proposal.agreement,
        make_terms(date(2025, 8, 1)),
        today=TODAY,
    )
    assert version.number == 3
    assert version.base.number == 1
    assert version.proposed_for == "provider"


def test_future_start_keeps_the_current_version_until_then(agreement, people):
    """A version approved today for next month leaves today's version in force."""
    today = date(2025, 5, 10)
    start = today + timedelta(days=30)
    version = services.do_propose(
        people.funder_qm, agreement, make_terms(start), today=today
    )
    services.do_approve(people.funder_manager, version, today=today)
    services.do_approve(people.provider_manager, version, today=today)
    funder, provider = agreement.funder, agreement.provider
    assert agreement_in_force(funder, provider, today).number == 1
    assert agreement_in_force(funder, provider, start - timedelta(days=1)).number == 1
    assert agreement_in_force(funder, provider, start).number == 2
