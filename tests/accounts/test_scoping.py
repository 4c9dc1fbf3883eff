"""The scoping rules: who sees and changes which cases, and who sees aggregates."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.utils import timezone

from dialoq.accounts import scoping
from dialoq.accounts.models import Membership
from dialoq.accounts.roles import PERMISSIONS, Action, Decision, Role
from tests import factories


def _visible(user):
    return set(scoping.visible_cases(user).values_list("reference", flat=True))


def test_funder_sees_the_cases_it_funds(world):
    """The funder's case manager sees the cases at both providers."""
    assert _visible(world.people.funder) == {
        world.case_a.reference,
        world.case_b.reference,
    }


def test_provider_sees_only_its_own_cases(world):
    """A provider never sees another provider's case."""
    assert _visible(world.people.provider_a) == {world.case_a.reference}
    assert _visible(world.people.provider_b) == {world.case_b.reference}
    with pytest.raises(Http404):
        scoping.get_case_or_404(world.people.provider_b, world.case_a.pk)


def test_outsider_sees_nothing(world):
    """A member of an unrelated organisation sees no case and no beneficiary."""
    outsider = world.people.outsider
    assert _visible(outsider) == set()
    assert not scoping.visible_beneficiaries(outsider).exists()
    assert not scoping.changeable_cases(outsider).exists()


def test_user_without_membership_sees_nothing(world):
    """An account without any role sees nothing at all."""
    nobody = factories.make_user("nobody")
    assert _visible(nobody) == set()
    assert not scoping.aggregate_organisations(nobody).exists()


def test_auditor_reads_but_never_changes(world):
    """An auditor sees the organisation's cases read-only while the mandate runs."""
    auditor = world.people.auditor
    assert _visible(auditor) == {world.case_a.reference, world.case_b.reference}
    assert not scoping.changeable_cases(auditor).exists()
    assert not scoping.can_change_case(auditor, world.case_a)
    assert scoping.is_read_only(auditor)


def test_auditor_access_ends_at_expiry(world):
    """After the expiry date the auditor sees nothing."""
    membership = Membership.objects.get(user=world.people.auditor)
    membership.valid_from = timezone.now() - timedelta(days=40)
    membership.valid_until = timezone.now() - timedelta(seconds=1)
    membership.save()
    auditor = type(world.people.auditor).objects.get(pk=world.people.auditor.pk)
    assert _visible(auditor) == set()


def test_auditor_needs_expiry_and_reason(world):
    """An auditor membership without expiry or reason is refused, in forms and DB."""
    user = factories.make_user("auditor2")
    membership = Membership(user=user, organisation=world.funder, role=Role.AUDITOR)
    with pytest.raises(ValidationError) as error:
        membership.full_clean()
    assert {"valid_until", "reason"} <= set(error.value.message_dict)
    with pytest.raises(IntegrityError):
        membership.save()


def test_roles_only_in_fitting_organisations(world):
    """A caseworker cannot be a member of a funder, nor a case manager of a provider."""
    user = factories.make_user("misplaced")
    for organisation, role in [
        (world.funder, Role.CASEWORKER),
        (world.provider_a, Role.CASE_MANAGER),
        (world.network, Role.QM_OFFICER),
    ]:
        membership = Membership(user=user, organisation=organisation, role=role)
        with pytest.raises(ValidationError) as error:
            membership.full_clean()
        assert "role" in error.value.message_dict


def test_unit_membership_limits_cases_to_the_unit(world):
    """A caseworker tied to a team sees only that team's cases."""
    team_north = factories.make_unit(world.provider_a, "Nord")
    team_south = factories.make_unit(world.provider_a, "Süd")
    world.case_a.provider_unit = team_north
    world.case_a.save()
    other = factories.make_case(
        world.funder, world.provider_a, provider_unit=team_south
    )
    north = factories.make_user(
        "north", role=Role.CASEWORKER, organisation=world.provider_a, unit=team_north
    )
    assert _visible(north) == {world.case_a.reference}
    assert other.reference in _visible(world.people.provider_a)


def test_only_the_funders_case_manager_sees_identity(world):
    """Identifying data are for the funder's case manager, not the provider."""
    assert scoping.can_view_identity(world.people.funder, world.case_a)
    assert not scoping.can_view_identity(world.people.provider_a, world.case_a)
    assert not scoping.can_view_identity(world.people.auditor, world.case_a)
    assert not scoping.can_view_identity(world.people.outsider, world.case_a)


def test_network_member_sees_aggregates_only(world):
    """A network coordinator sees member organisations' aggregates, never a case."""
    coordinator = factories.make_user(
        "coordinator", role=Role.NETWORK_COORDINATOR, organisation=world.network
    )
    assert _visible(coordinator) == set()
    assert set(scoping.aggregate_organisations(coordinator)) == {world.funder}


def test_platform_admin_sees_no_social_data(world):
    """Administering the platform gives no access to cases."""
    admin = factories.make_user(
        "admin", role=Role.PLATFORM_ADMIN, organisation=world.funder
    )
    assert _visible(admin) == set()
    assert scoping.is_global(admin, Action.ADMINISTER)
    assert not scoping.is_global(world.people.funder, Action.ADMINISTER)


def test_deactivated_user_sees_nothing(world):
    """A deactivated account keeps its memberships but sees nothing."""
    user = world.people.funder
    user.is_active = False
    user.save()
    assert _visible(user) == set()


def test_matrix_covers_every_role():
    """Every role has a row in the permission matrix, with known decisions."""
    assert set(PERMISSIONS) == set(Role)
    for row in PERMISSIONS.values():
        assert set(row.values()) <= set(Decision)
