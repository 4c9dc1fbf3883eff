"""Security headers, sessions, and the production settings' deploy check."""

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from dialoq import settings as dialoq_settings

PROJECT_DIR = Path(__file__).resolve().parents[2]


def test_pages_carry_a_content_security_policy_with_nonce(world, client_for):
    """Every page sends a CSP whose nonce matches the page's script tags."""
    response = client_for(world.people.provider_a).get(reverse("start"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "object-src 'none'" in policy
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    scripts = re.findall(r"<script[^>]*>", response.text)
    assert scripts
    assert all(f'nonce="{nonce}"' in tag for tag in scripts)


def test_security_headers(world, client):
    """Frames, sniffing and referrers are locked down."""
    response = client.get(reverse("accounts:sign_in"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_sessions_expire():
    """Sessions end after idle time and when the browser closes."""
    assert settings.SESSION_COOKIE_AGE <= 60 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def _production_env(**extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DIALOQ_", "DATABASE_URL"))
    }
    env.update(
        DIALOQ_SECRET_KEY="p" * 20 + "R4nd0m-pr0duct10n-k3y-f0r-the-deploy-check!",
        DIALOQ_ALLOWED_HOSTS="dialoq.example.org",
        DIALOQ_IDENTITY_KEYS="cHJvZHVjdGlvbi1saWtlLWtleS1mb3ItdGhlLXRlc3Q=",
        DJANGO_SETTINGS_MODULE="dialoq.settings",
        DIALOQ_DATA_DIR=tempfile.mkdtemp(prefix="dialoq-deploy-check-"),
    )
    env.update(extra)
    return env


def test_production_settings_pass_the_deploy_check():
    """`manage.py check --deploy` reports nothing with the production settings."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_DIR,
        env=_production_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    """Without DIALOQ_SECRET_KEY outside demo and development, settings fail loudly."""
    env = _production_env()
    del env["DIALOQ_SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "-c", "import dialoq.settings"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "DIALOQ_SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(
    ("helper", "value"),
    [
        (dialoq_settings.env_bool, "maybe"),
        (dialoq_settings.env_int, "ten"),
    ],
)
def test_typed_helpers_fail_loudly(helper, value, monkeypatch):
    """An unreadable value stops the start with a message naming the variable."""
    monkeypatch.setenv("DIALOQ_PROBE", value)
    with pytest.raises(ImproperlyConfigured, match="DIALOQ_PROBE"):
        helper("DIALOQ_PROBE", 1)


def test_typed_helpers_read_values(monkeypatch):
    """Readable values are converted; unset ones take the default."""
    monkeypatch.setenv("DIALOQ_PROBE_BOOL", "yes")
    monkeypatch.setenv("DIALOQ_PROBE_LIST", "a, b,,c")
    monkeypatch.delenv("DIALOQ_PROBE_UNSET", raising=False)
    assert dialoq_settings.env_bool("DIALOQ_PROBE_BOOL", False) is True
    assert dialoq_settings.env_list("DIALOQ_PROBE_LIST", []) == ["a", "b", "c"]
    assert dialoq_settings.env_int("DIALOQ_PROBE_UNSET", 7) == 7
    with pytest.raises(ImproperlyConfigured):
        dialoq_settings.env_str("DIALOQ_PROBE_UNSET")
