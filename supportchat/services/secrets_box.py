"""Secrets kept encrypted at rest (TOTP secrets now, the AI key later): Fernet under a key
derived from SECRET_KEY with HKDF, one key per purpose, so a database dump alone reveals none."""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from ..errors import AppError


def seal(plain: str, purpose: str) -> str:
    """``plain`` encrypted and authenticated for ``purpose`` (e.g. ``"totp"``)."""
    return _box(current_app.config["SECRET_KEY"], purpose).encrypt(plain.encode()).decode()


def unseal(sealed: str, purpose: str) -> str:
    """What ``seal`` encrypted; AppError ``internal`` when SECRET_KEY has changed since."""
    try:
        return _box(current_app.config["SECRET_KEY"], purpose).decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise AppError(
            "internal",
            "A stored secret cannot be read with this SECRET_KEY; it was sealed under another one.",
        ) from None


@lru_cache(maxsize=8)
def _box(secret_key: str, purpose: str) -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=f"supportchat secrets-box {purpose}".encode(),
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))
