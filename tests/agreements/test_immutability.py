"""What is proposed or approved cannot be changed through the model layer."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from dialoq.agreements import services
from dialoq.agreements.models import (
    AgreedRate,
    AgreedStaffing,
    AgreementLocked,
    AgreementVersion,
    Approval,
    VersionStatus,
)
from dialoq.catalog.models import ProcessStandard
from tests.agreements.factories import TODAY, make_terms


@pytest.fixture
def version(agreement):
    return agreement.versions.get(number=1)


def test_approved_version_cannot_be_saved_or_deleted(version):
    version.status = VersionStatus.PROPOSED
    version.valid_from = date(2024, 1, 1)
    with pytest.raises(AgreementLocked):
        version.save()
    with pytest.raises(AgreementLocked):
        version.delete()
    version.refresh_from_db()
    assert version.status == VersionStatus.APPROVED
    assert version.valid_from == date(2025, 1, 1)


def test_versions_cannot_be_changed_in_bulk(version):
    versions = AgreementVersion.objects.filter(pk=version.pk)
    with pytest.raises(AgreementLocked):
        versions.update(status=VersionStatus.PROPOSED)
    with pytest.raises(AgreementLocked):
        versions.delete()
    with pytest.raises(AgreementLocked):
        AgreementVersion.objects.bulk_update([version], ["status"])
    assert AgreementVersion.objects.get(pk=version.pk).status == "approved"


def test_new_version_cannot_start_as_approved(agreement, people):
    """Creating a version that is approved from the start is refused."""
    with pytest.raises(AgreementLocked):
        AgreementVersion.objects.create(
            agreement=agreement,
            number=9,
            status=VersionStatus.APPROVED,
            valid_from=date(2026, 1, 1),
            change_note="Direkt in Kraft",
            proposed_by=people.funder_manager,
            proposed_for="funder",
        )
    assert not agreement.versions.filter(number=9).exists()


def test_content_of_an_approved_version_is_locked(version):
    rate = version.rates.get()
    rate.amount = Decimal("99.00")
    with pytest.raises(AgreementLocked):
        rate.save()
    with pytest.raises(AgreementLocked):
        rate.delete()
    with pytest.raises(AgreementLocked):
        version.rates.update(amount=Decimal("99.00"))
    with pytest.raises(AgreementLocked):
        version.rates.all().delete()
    with pytest.raises(AgreementLocked):
        AgreedRate.objects.create(
            version=version,
            service_type=rate.service_type,
            unit="day",
            amount=Decimal("10.00"),
        )
    with pytest.raises(AgreementLocked):
        AgreedStaffing.objects.bulk_create(
            [
                AgreedStaffing(
                    version=version,
                    qualification="vocational",
                    full_time_equivalents=Decimal("1"),
                )
            ]
        )
    assert [r.amount for r in version.rates.all()] == [Decimal("58.40")]
    assert version.staffing.count() == 1


def test_content_is_locked_once_one_side_approved(agreement, people):
    """After the first approval the approved text cannot be swapped underneath."""
    proposal = services.do_propose(
        people.funder_qm, agreement, make_terms(date(2025, 7, 1)), today=TODAY
    )
    services.do_approve(people.funder_manager, proposal, today=TODAY)
    with pytest.raises(AgreementLocked):
        AgreedStaffing.objects.create(
            version=proposal,
            qualification="vocational",
            full_time_equivalents=Decimal("1"),
        )


def test_approvals_cannot_be_forged_changed_or_removed(agreement, people):
    proposal = services.do_propose(
        people.funder_qm, agreement, make_terms(date(2025, 7, 1)), today=TODAY
    )
    for side, user in (
        ("funder", people.funder_manager),
        ("provider", people.provider_manager),
    ):
        with pytest.raises(AgreementLocked):
            Approval.objects.create(
                version=proposal,
                side=side,
                organisation_id=agreement.organisation_id_of(side),
                user=user,
            )
    assert not proposal.approvals.exists()
    approved = agreement.versions.get(number=1)
    approval = approved.approvals.first()
    approval.side = "provider"
    with pytest.raises(AgreementLocked):
        approval.save()
    with pytest.raises(AgreementLocked):
        approval.delete()
    with pytest.raises(AgreementLocked):
        approved.approvals.all().delete()
    with pytest.raises(AgreementLocked):
        approved.approvals.update(user=people.funder_manager_2)
    assert approved.approvals.count() == 2


def test_agreement_cannot_be_deleted(agreement):
    with pytest.raises(AgreementLocked):
        agreement.delete()


def test_database_allows_one_latest_approved_version(agreement, people):
    """Even a write past the model guards cannot make two versions the latest."""
    proposal = services.do_propose(
        people.funder_qm, agreement, make_terms(date(2025, 7, 1)), today=TODAY
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        AgreementVersion.objects.filter(pk=proposal.pk)._transition(
            status=VersionStatus.APPROVED, decided_at=proposal.proposed_at
        )


def test_database_allows_one_open_proposal(agreement, people):
    services.do_propose(
        people.funder_qm, agreement, make_terms(date(2025, 7, 1)), today=TODAY
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        AgreementVersion.objects.create(
            agreement=agreement,
            number=3,
            valid_from=date(2025, 9, 1),
            change_note="Zweiter Vorschlag",
            proposed_by=people.provider_qm,
            proposed_for="provider",
        )


def test_database_refuses_a_version_ending_before_it_starts(agreement, people):
    with pytest.raises(IntegrityError), transaction.atomic():
        AgreementVersion.objects.create(
            agreement=agreement,
            number=3,
            valid_from=date(2025, 9, 1),
            valid_until=date(2025, 8, 1),
            change_note="Falsch",
            proposed_by=people.provider_qm,
            proposed_for="provider",
        )


def test_database_refuses_a_second_approval_of_one_side(agreement, people):
    version = agreement.versions.get(number=1)
    approval = Approval(
        version=version,
        side="funder",
        organisation=agreement.funder,
        user=people.funder_manager_2,
    )
    approval._given_through_service = True
    with pytest.raises(IntegrityError), transaction.atomic():
        approval.save()


def test_process_standards_of_an_approved_version_are_locked(version):
    standard = ProcessStandard.objects.create(key="test-agreement-standard-a")
    with pytest.raises(AgreementLocked), transaction.atomic():
        version.process_standards.add(standard)
    with pytest.raises(AgreementLocked), transaction.atomic():
        version.process_standards.clear()
    assert not version.process_standards.exists()
