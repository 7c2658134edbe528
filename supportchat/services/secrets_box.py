"""Secrets kept encrypted at rest (the AI key, webhook and TOTP secrets): Fernet under a key
derived from SECRET_KEY with HKDF, one key per purpose, so a database dump alone reveals none.

Rotation (docs/operations.md, "Rotating SECRET_KEY"): values sealed under an earlier key open
while that key is listed in SECRET_KEY_PREVIOUS; ``reseal`` moves a value to SECRET_KEY, and
``supportchat reseal-secrets`` (services/secrets_rotation.py) does so for every stored one.
"""

from __future__ import annotations

import base64
import contextlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from ..errors import AppError


def seal(plain: str, purpose: str) -> str:
    """``plain`` encrypted and authenticated for ``purpose`` (e.g. ``"totp"``) under
    SECRET_KEY."""
    return _box(current_app.config["SECRET_KEY"], purpose).encrypt(plain.encode()).decode()


def unseal(sealed: str, purpose: str) -> str:
    """What ``seal`` encrypted under SECRET_KEY or one of SECRET_KEY_PREVIOUS; AppError
    ``internal`` saying what to set when none of them opens it."""
    try:
        return _boxes(purpose).decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise unreadable(purpose) from None


def reseal(sealed: str, purpose: str) -> str | None:
    """``sealed`` sealed again under SECRET_KEY, or None when it already is (so running the
    rotation twice changes nothing); AppError as ``unseal`` when no configured key opens it."""
    with contextlib.suppress(InvalidToken):
        _box(current_app.config["SECRET_KEY"], purpose).decrypt(sealed.encode())
        return None  # already under the current key
    try:
        return _boxes(purpose).rotate(sealed.encode()).decode()
    except InvalidToken:
        raise unreadable(purpose) from None


def unreadable(purpose: str) -> AppError:
    """The error of a sealed value no configured key opens: which keys were tried, what to do."""
    previous = len(current_app.config.get("SECRET_KEY_PREVIOUS") or [])
    tried = (
        f"SECRET_KEY and the {previous} key(s) in SECRET_KEY_PREVIOUS"
        if previous
        else "SECRET_KEY (SECRET_KEY_PREVIOUS is empty)"
    )
    return AppError(
        "internal",
        f"A stored secret ({purpose}) cannot be opened with {tried}: it was sealed under "
        "another SECRET_KEY. Add that key to SECRET_KEY_PREVIOUS (comma-separated), restart, "
        "then run `supportchat reseal-secrets`; or enter the secret again.",
        {"purpose": purpose},
    )


def _boxes(purpose: str) -> MultiFernet:
    """The current key first (it seals), then the previous ones (they only open)."""
    keys = [
        current_app.config["SECRET_KEY"],
        *(current_app.config.get("SECRET_KEY_PREVIOUS") or []),
    ]
    return MultiFernet([_box(key, purpose) for key in keys])


@lru_cache(maxsize=32)
def _box(secret_key: str, purpose: str) -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=f"supportchat secrets-box {purpose}".encode(),
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))
