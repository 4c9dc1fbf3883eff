"""The admin site is for platform administrators only, and holds no social data."""

import pytest
from django.urls import reverse

from dialoq.accounts.admin import admin_site
from dialoq.accounts.roles import Role
from dialoq.cases.models import Beneficiary, Case, GoalRating
from tests import factories


def _admin_urls(world):
    urls = [reverse("admin:index")]
    for model in admin_site._registry:
        info = model._meta.app_label, model._meta.model_name
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        instance = model.objects.first()
        if instance is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[instance.pk]))
    return urls


@pytest.fixture
def platform_admin(world):
    return factories.make_user(
        "platform_admin", role=Role.PLATFORM_ADMIN, organisation=world.funder
    )


def test_social_data_are_not_in_the_admin():
    """Cases, beneficiaries and ratings are never registered in the admin site."""
    for model in (Case, Beneficiary, GoalRating):
        assert model not in admin_site._registry


def test_catalogue_is_in_the_admin():
    """Service types are kept by platform administrators in the admin site."""
    from dialoq.catalog.models import ServiceType

    assert ServiceType in admin_site._registry


@pytest.mark.parametrize("persona", ["anonymous", "funder", "provider_a", "outsider"])
def test_admin_pages_refuse_everyone_but_platform_admins(persona, world, client):
    """Anyone but a platform administrator is sent to the admin sign-in page."""
    if persona != "anonymous":
        client.force_login(getattr(world.people, persona))
    for url in _admin_urls(world):
        response = client.get(url)
        assert response.status_code == 302, url
        assert reverse("admin:login") in response["Location"]


def test_platform_admin_needs_second_factor(world, platform_admin, client):
    """Without a confirmed one-time code the platform admin cannot administer."""
    client.force_login(platform_admin)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert reverse("accounts:two_factor") in response["Location"]


def test_verified_platform_admin_sees_the_admin(
    world, platform_admin, verified_client_for
):
    """A verified platform administrator can open every admin page."""
    client = verified_client_for(platform_admin)
    for url in _admin_urls(world):
        assert client.get(url).status_code == 200, url
