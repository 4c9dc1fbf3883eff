"""My notifications: list only my own, mark one or all read, unread badge."""

import pytest
from django.urls import reverse
from django.utils.translation import ngettext

from dialoq.notifications.models import Notification
from dialoq.notifications.services import notify

LIST = reverse("notifications:list")


def unread(count):
    """Return the badge's text in the active language; without a count, its word."""
    text = ngettext("%(counter)s unread", "%(counter)s unread", count or 1)
    return (text % {"counter": count or ""}).strip()


@pytest.fixture
def messages(world):
    notify(
        [world.people.funder, world.people.provider_a],
        key="deviation:1:assigned",
        subject="Abweichung A-1 ist Ihnen zugewiesen",
        url="/deviations/1/",
    )
    notify([world.people.funder], key="other", subject="Zweite Nachricht")
    return {n.recipient.username + ":" + n.key: n for n in Notification.objects.all()}


def test_list_shows_only_my_notifications(world, messages, client_for):
    response = client_for(world.people.funder).get(LIST)
    assert response.status_code == 200
    assert {n.key for n in response.context["page"].object_list} == {
        "deviation:1:assigned",
        "other",
    }
    assert response.context["unread"] == 2
    provider = client_for(world.people.provider_a).get(LIST)
    assert [n.key for n in provider.context["page"].object_list] == [
        "deviation:1:assigned"
    ]
    outsider = client_for(world.people.outsider).get(LIST)
    assert list(outsider.context["page"].object_list) == []
    assert "Zweite Nachricht" not in outsider.content.decode()


def test_unread_marked_in_text_and_badge_in_navigation(world, messages, client_for):
    html = client_for(world.people.funder).get(reverse("start")).content.decode()
    assert f'href="{LIST}"' in html
    assert f"({unread(2)})" in html
    html = client_for(world.people.outsider).get(reverse("start")).content.decode()
    assert f'href="{LIST}"' in html
    assert f"{unread(None)})" not in html


def test_mark_one_read_and_open_its_link(world, messages, client_for):
    notification = messages["funder:deviation:1:assigned"]
    client = client_for(world.people.funder)
    url = reverse("notifications:mark_read", args=[notification.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/deviations/1/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert client.get(LIST).context["unread"] == 1
    other = messages["funder:other"]
    response = client.post(reverse("notifications:mark_read", args=[other.pk]))
    assert response["Location"] == LIST


def test_foreign_links_are_not_followed(world, client_for):
    notification = Notification.objects.create(
        recipient=world.people.funder, key="x", subject="x", url="https://evil.test/"
    )
    response = client_for(world.people.funder).post(
        reverse("notifications:mark_read", args=[notification.pk]), {"open": "1"}
    )
    assert response["Location"] == LIST


def test_others_notifications_are_404(world, messages, client_for):
    notification = messages["provider_a:deviation:1:assigned"]
    url = reverse("notifications:mark_read", args=[notification.pk])
    for persona in ("funder", "outsider"):
        client = client_for(getattr(world.people, persona))
        assert client.post(url).status_code == 404
        assert client.get(url).status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_touches_only_mine(world, messages, client_for):
    client = client_for(world.people.funder)
    assert client.get(reverse("notifications:mark_all_read")).status_code == 405
    response = client.post(reverse("notifications:mark_all_read"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=world.people.funder).unread()
    assert Notification.objects.filter(recipient=world.people.provider_a).unread()


def test_anonymous_visitor_signs_in(db, client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))
