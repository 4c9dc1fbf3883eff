"""Pytest plugin, loaded first (see pyproject.toml): the settings tests run with.

Tests run over plain HTTP with a fixed key; tests of the production settings
start their own process with their own environment.
"""

import os

os.environ.setdefault("DIALOQ_SECRET_KEY", "test-only-secret-key-" + "x" * 40)
os.environ.setdefault("DIALOQ_HTTPS", "false")
os.environ.setdefault(
    "DIALOQ_IDENTITY_KEYS", "dGVzdC1vbmx5LWlkZW50aXR5LWtleS0zMi1ieXRlcyE="
)
os.environ.setdefault("DIALOQ_DATA_DIR", os.path.join(os.getcwd(), "var", "test"))
