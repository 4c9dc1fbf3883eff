"""Encrypt small JSON documents at rest with Fernet (AES-128-CBC + HMAC-SHA256).

Keys come from settings.IDENTITY_ENCRYPTION_KEYS; the first encrypts, all
decrypt, so keys can be rotated by putting a new key first.
"""

import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class DecryptionError(Exception):
    """The stored value cannot be decrypted with any configured key."""


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.IDENTITY_ENCRYPTION_KEYS])


def encrypt_json(document: dict) -> bytes:
    """Return the encrypted token of a JSON-serialisable dict."""
    return _fernet().encrypt(json.dumps(document, sort_keys=True).encode())


def decrypt_json(token: bytes) -> dict:
    """Return the dict stored in a token."""
    try:
        return json.loads(_fernet().decrypt(bytes(token)))
    except InvalidToken:
        raise DecryptionError("no configured key decrypts this value") from None


def rotate(token: bytes) -> bytes:
    """Return the token re-encrypted with the current (first) key."""
    return _fernet().rotate(bytes(token))
