"""Sign-in limits of both doors (/agent/login, POST /api/admin/auth/token), counting failures.

LOGIN_RATE_LIMIT holds per address and per (account, address): a guesser is slowed at once,
but cannot lock a named agent out of their own address. LOGIN_ACCOUNT_RATE_LIMIT holds per
account from any address, with a higher threshold and longer windows after it (e.g. a minute,
then an hour, then a day), so guessing spread over many addresses waits longer and longer.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import request

from ..extensions import limiter
from ..services import ratelimit
from . import api


def failed(response) -> bool:
    """Only refused credentials count."""
    return response.status_code == 401


def account_limit() -> str:
    """LOGIN_ACCOUNT_RATE_LIMIT for Flask-Limiter (empty when off)."""
    return ratelimit.configured("LOGIN_ACCOUNT_RATE_LIMIT")


def guarded(account_key: Callable[[], str]):
    """Decorate a sign-in view with the three limits; ``account_key`` names the account
    tried (its trimmed, lower-cased email) and never raises."""

    def pair_key() -> str:
        return f"{account_key()}@{request.remote_addr}"

    def decorate(view):
        view = limiter.limit(account_limit, key_func=account_key, deduct_when=failed)(view)
        view = limiter.limit(api.login_limit, key_func=pair_key, deduct_when=failed)(view)
        return limiter.limit(api.login_limit, deduct_when=failed)(view)

    return decorate
