"""Secrets at rest (an integration's Twilio auth token, CallRail signing key):
encrypted so a database dump alone does not hand them out.

The key is derived from Django's ``SECRET_KEY`` (``LEADLINE_SECRET_KEY``) with
HKDF-SHA256 (info ``leadline.secrets.v1``) and used by Fernet (AES-128-CBC +
HMAC-SHA256, from the ``cryptography`` package). ``SECRET_KEY_FALLBACKS`` keep
decrypting values written under an older key, so a rotated secret key does not
lose the stored secrets; re-saving a secret writes it under the current key.
Whoever has both the database and the secret key can read the secrets: keep
the secret key out of the database's backups.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_INFO = b"leadline.secrets.v1"


def _fernet_for(secret_key: str) -> Fernet:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(raw))


def _fernet() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet_for(k) for k in keys])


def encrypt_secret(plain: str) -> str:
    """The stored form of ``plain`` (empty stays empty: no secret set)."""
    if not plain:
        return ""
    return _fernet().encrypt(plain.encode()).decode()


def decrypt_secret(stored: str) -> str:
    """The secret back; empty when none is set or when no known key opens it
    (the secret key changed without a fallback: the admin types it again)."""
    if not stored:
        return ""
    try:
        return _fernet().decrypt(stored.encode()).decode()
    except (InvalidToken, ValueError):
        return ""
