"""No platform administrator can force an approval: not in the admin, not elsewhere."""

from datetime import timedelta

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from dialoq.accounts.admin import admin_site
from dialoq.accounts.models import Membership
from dialoq.accounts.roles import Role
from dialoq.agreements import services
from dialoq.agreements.models import (
    Agreement,
    AgreementVersion,
    Approval,
    VersionStatus,
)
from tests import factories
from tests.agreements.factories import make_terms


@pytest.fixture
def platform_admin(world):
    return factories.make_user(
        "platform_admin", role=Role.PLATFORM_ADMIN, organisation=world.funder
    )


@pytest.fixture
def proposal(agreement, people):
    """Return version 2 from next month, approved by the funder's manager."""
    start = timezone.localdate() + timedelta(days=30)
    version = services.do_propose(people.funder_qm, agreement, make_terms(start))
    services.do_approve(people.funder_manager, version)
    return version


@pytest.mark.parametrize("model", [Agreement, AgreementVersion, Approval])
def test_agreements_are_not_in_the_admin(model):
    """The admin site offers no page that could change a version or an approval."""
    assert model not in admin_site._registry
    name = model._meta.model_name
    for page in ("changelist", "add"):
        with pytest.raises(NoReverseMatch):
            reverse(f"admin:agreements_{name}_{page}")


def test_admin_site_has_no_agreement_urls(
    proposal, platform_admin, verified_client_for
):
    client = verified_client_for(platform_admin)
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert "agreement" not in index.text.lower()
    for path in (
        f"/admin/agreements/agreementversion/{proposal.pk}/change/",
        "/admin/agreements/approval/add/",
    ):
        assert client.post(path, {"status": "approved"}).status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == VersionStatus.PROPOSED
    assert proposal.approvals.count() == 1


def test_admin_cannot_approve_through_the_pages(
    proposal, platform_admin, verified_client_for
):
    """Administering the platform gives no access to agreements at all."""
    client = verified_client_for(platform_admin)
    agreement = proposal.agreement
    for side in ("", "provider", "funder"):
        response = client.post(
            reverse("agreements:approve", args=[agreement.pk, proposal.number]),
            {"side": side},
        )
        assert response.status_code == 404
    assert client.get(reverse("agreements:list")).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == VersionStatus.PROPOSED


def test_funder_admin_who_makes_himself_provider_manager_counts_once(
    world, proposal, platform_admin, people, verified_client_for
):
    """An administrator who gives himself a role on the other side still counts once.

    He administers accounts, so he could add a membership; as a member of both
    sides his approval counts for one side, and the funder's is given already.
    """
    Membership.objects.create(
        user=platform_admin, organisation=world.funder, role=Role.MANAGER
    )
    Membership.objects.create(
        user=platform_admin, organisation=world.provider_a, role=Role.MANAGER
    )
    client = verified_client_for(platform_admin)
    url = reverse("agreements:approve", args=[proposal.agreement.pk, proposal.number])
    response = client.post(url, {"side": "funder"})
    assert response.status_code == 400
    assert proposal.approvals.count() == 1
    # He can approve for the provider: that is a real membership of the provider,
    # visible in the approval record with his name and organisation.
    client.post(url, {"side": "provider"})
    approval = proposal.approvals.get(side="provider")
    assert approval.user == platform_admin
    assert approval.organisation == world.provider_a
    assert AgreementVersion.objects.get(pk=proposal.pk).status == "approved"
