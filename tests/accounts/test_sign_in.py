"""Sign-in: password, lock-out after failures, two-factor codes for some roles."""

import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from dialoq.accounts.roles import Role
from tests import factories

SIGN_IN = "accounts:sign_in"


def _sign_in(client, username, password=factories.PASSWORD):
    return client.post(reverse(SIGN_IN), {"username": username, "password": password})


def _code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=6):06d}"


def test_sign_in_page_is_german_by_default(client, db):
    """The sign-in page speaks German unless the user chose English."""
    response = client.get(reverse(SIGN_IN))
    assert response.status_code == 200
    assert 'lang="de"' in response.text


def test_caseworker_signs_in_with_password(world, client):
    """A caseworker needs only the password and lands on the start page."""
    response = _sign_in(client, "provider_a")
    assert response.status_code == 302
    assert response["Location"] == reverse("start")
    assert client.get(reverse("start")).status_code == 200


def test_wrong_password_gives_a_clear_message(world, client):
    """A wrong password is refused with a specific message, and nobody is signed in."""
    response = _sign_in(client, "provider_a", "wrong password")
    assert response.status_code == 200
    assert "Passwort" in response.text or "password" in response.text
    assert "_auth_user_id" not in client.session


def test_passwords_are_hashed_with_argon2(settings):
    """Dialoq's settings hash passwords with Argon2."""
    from django.contrib.auth.hashers import make_password

    from dialoq import settings as dialoq_settings

    settings.PASSWORD_HASHERS = dialoq_settings.PASSWORD_HASHERS
    assert make_password("a long passphrase").startswith("argon2$")


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failures_lock_the_account(world, client):
    """After too many failures even the right password is refused for a while."""
    for _attempt in range(3):
        _sign_in(client, "provider_a", "wrong password")
    response = _sign_in(client, "provider_a")
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    other = _sign_in(client, "provider_b")
    assert other.status_code == 302, "other accounts stay usable"


@pytest.fixture
def qm_officer(world):
    return factories.make_user(
        "qm_officer", role=Role.QM_OFFICER, organisation=world.funder
    )


def test_qm_officer_must_enrol_a_second_factor(qm_officer, client):
    """A QM officer without an authenticator is asked to set one up first."""
    _sign_in(client, "qm_officer")
    response = client.get(reverse("start"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor"))
    enrolment = client.get(response["Location"])
    assert enrolment.status_code == 200
    assert "<svg" in enrolment.text
    device = TOTPDevice.objects.get(user=qm_officer)
    assert not device.confirmed

    wrong = client.post(reverse("accounts:two_factor"), {"code": "000000"})
    assert wrong.status_code == 200
    assert client.get(reverse("start")).status_code == 302

    device.refresh_from_db()
    device.throttle_reset()  # as if the user waited after the wrong code
    right = client.post(reverse("accounts:two_factor"), {"code": _code(device)})
    assert right.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("start")).status_code == 200


def test_enrolled_qm_officer_confirms_each_sign_in(qm_officer, client):
    """With a confirmed device the code is asked at every sign-in."""
    device = TOTPDevice.objects.create(user=qm_officer, name="app", confirmed=True)
    _sign_in(client, "qm_officer")
    prompt = client.get(reverse("accounts:two_factor"))
    assert "<svg" not in prompt.text, "no new enrolment for a confirmed device"
    assert client.get(reverse("cases:list")).status_code == 302
    client.post(reverse("accounts:two_factor"), {"code": _code(device)})
    assert client.get(reverse("cases:list")).status_code == 200


def test_malformed_code_gets_a_specific_message(qm_officer, client):
    """Letters instead of digits are refused with a message saying what to enter."""
    TOTPDevice.objects.create(user=qm_officer, name="app", confirmed=True)
    _sign_in(client, "qm_officer")
    response = client.post(reverse("accounts:two_factor"), {"code": "abc"})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]


@override_settings(DEMO_MODE=True, DEMO_WAIVE_TWO_FACTOR=True)
def test_demo_mode_waives_the_second_factor_visibly(qm_officer, client):
    """In demo mode the code is waived, and every page says so."""
    _sign_in(client, "qm_officer")
    response = client.get(reverse("start"))
    assert response.status_code == 200
    assert "demo-banner" in response.text
    assert response.context["two_factor_waived"] is True


def test_sign_out_ends_the_session(world, client):
    """Signing out removes the session."""
    _sign_in(client, "provider_a")
    response = client.post(reverse("accounts:sign_out"))
    assert response.status_code == 302
    assert client.get(reverse("start")).status_code == 302


def test_next_parameter_cannot_leave_the_site(world, client):
    """A sign-in link cannot redirect to another site after signing in."""
    response = client.post(
        reverse(SIGN_IN) + "?next=https://evil.example/",
        {"username": "provider_a", "password": factories.PASSWORD},
    )
    assert response["Location"] == reverse("start")
