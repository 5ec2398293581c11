"""Sealing small secrets at rest (the assessors' test accounts of service links).

The text is encrypted with a key derived from the application's secret key (Fernet: AES-128-CBC
with an HMAC). Rotating the secret key makes sealed texts unreadable; they are then shown as such and
can be entered again.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

PREFIX = "sealed:v1:"


class UnsealError(ValueError):
    """A sealed text that the current secret key cannot open."""


def _fernet() -> Fernet:
    secret = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    key = hashlib.sha256(b"mandiri/access-note/" + secret).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(text: str | None) -> str | None:
    """The stored form of ``text`` (``None`` or empty stays ``None``)."""
    if not text:
        return None
    return PREFIX + _fernet().encrypt(text.encode("utf-8")).decode("ascii")


def unseal(stored: str | None) -> str | None:
    """The plain text of a stored value (a value stored before sealing existed is returned as it is)."""
    if not stored:
        return None
    if not stored.startswith(PREFIX):
        return stored
    try:
        return _fernet().decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise UnsealError("kunci rahasia aplikasi telah berubah") from None
