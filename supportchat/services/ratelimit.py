"""Rate limits for the socket door (the HTTP door uses Flask-Limiter with the same settings)."""

from __future__ import annotations

import math
import time

from flask import current_app
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from ..errors import AppError

SETTING_BY_KIND = {"message": "MESSAGE_RATE_LIMIT", "connect": "CONNECT_RATE_LIMIT"}


def check(kind: str, key: str) -> None:
    """Count one ``kind`` event for ``key``; AppError ``rate_limited`` when over the limit."""
    value = current_app.config[SETTING_BY_KIND[kind]]
    if value.lower() == "off":
        return
    limiter = _limiter()
    item = parse(value)
    if limiter.hit(item, kind, key):
        return
    reset_at, _remaining = limiter.get_window_stats(item, kind, key)
    retry_ms = max(1, math.ceil((reset_at - time.time()) * 1000))
    raise AppError("rate_limited", f"Too many {kind}s; wait {math.ceil(retry_ms / 1000)} s "
                   "and try again.", {"retryAfterMs": retry_ms})


def allowed(value: str, kind: str, key: str) -> bool:
    """Count one event against a fixed limit such as ``"1 per 2 seconds"``; False when over."""
    return _limiter().hit(parse(value), kind, key)


def _limiter() -> MovingWindowRateLimiter:
    extensions = current_app.extensions
    if "supportchat.ratelimit" not in extensions:
        uri = current_app.config["REDIS_URL"] or "memory://"
        extensions["supportchat.ratelimit"] = MovingWindowRateLimiter(storage_from_string(uri))
    return extensions["supportchat.ratelimit"]
