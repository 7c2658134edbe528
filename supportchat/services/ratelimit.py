"""Rate limits for the socket door (the HTTP door uses Flask-Limiter with the same settings)."""

from __future__ import annotations

import logging
import math
import time

from flask import current_app, g, has_request_context, request
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from ..errors import AppError

log = logging.getLogger(__name__)

SETTING_BY_KIND = {
    "message": "MESSAGE_RATE_LIMIT",
    "connect": "CONNECT_RATE_LIMIT",
    "conversation": "NEW_CONVERSATION_RATE_LIMIT",
    "two-factor code": "LOGIN_RATE_LIMIT",
}


def configured(name: str) -> str:
    """A limit setting for Flask-Limiter: ``off`` is no limit at all (an empty string), not a
    limit string it fails to parse and logs about on every request."""
    value = current_app.config[name]
    return "" if value.lower() == "off" else value


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
    raise AppError(
        "rate_limited",
        f"Too many {kind}s; wait {math.ceil(retry_ms / 1000)} s and try again.",
        {"retryAfterMs": retry_ms},
    )


def opening_conversation() -> None:
    """Count one conversation opened from the caller's address (after TRUSTED_PROXIES), for
    both doors alike: clientIds cost nothing to mint, addresses do."""
    # A socket event runs without a request: sockets/base.py keeps its client's address in g.
    address = request.remote_addr if has_request_context() else g.get("client_address")
    check("conversation", address or "unknown")


def allowed(value: str, kind: str, key: str) -> bool:
    """Count one event against a fixed limit such as ``"1 per 2 seconds"``; False when over."""
    return _limiter().hit(parse(value), kind, key)


def _limiter() -> _Limiter:
    extensions = current_app.extensions
    if "supportchat.ratelimit" not in extensions:
        config = current_app.config
        extensions["supportchat.ratelimit"] = _Limiter(
            config["RATELIMIT_STORAGE_URI"], config["RATELIMIT_STORAGE_OPTIONS"]
        )
    return extensions["supportchat.ratelimit"]


class _Limiter:
    """A moving-window limiter on Flask-Limiter's storage (Redis when configured, so limits
    hold across processes) that counts in this process's memory while that storage does not
    answer, as Flask-Limiter's in-memory fallback does for the HTTP door."""

    RETRY_SECONDS = 5.0

    def __init__(self, uri: str, options: dict) -> None:
        self.shared = MovingWindowRateLimiter(storage_from_string(uri, **options))
        self.local = MovingWindowRateLimiter(MemoryStorage())
        self.failed_at: float | None = None

    def hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        return self._call("hit", item, *identifiers)

    def get_window_stats(self, item: RateLimitItem, *identifiers: str):
        return self._call("get_window_stats", item, *identifiers)

    def _call(self, method: str, *args):
        if self.failed_at is None or time.monotonic() - self.failed_at >= self.RETRY_SECONDS:
            try:
                result = getattr(self.shared, method)(*args)
            except self.shared.storage.base_exceptions as exc:
                if self.failed_at is None:
                    log.warning(
                        "rate-limit storage unreachable (%s); counting in this "
                        "process's memory until it is back",
                        type(exc).__name__,
                    )
                self.failed_at = time.monotonic()
            else:
                if self.failed_at is not None:
                    log.warning("rate-limit storage back; socket limits are shared again")
                    self.failed_at = None
                return result
        return getattr(self.local, method)(*args)
