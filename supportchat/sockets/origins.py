"""Which browser origins may open a socket (cross-site WebSocket hijacking must fail)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from ..services import hosts


def own_origin(config: Mapping, environ: Mapping) -> str | None:
    """The server's own origin: BASE_URL, or (development) a loopback Host; else None."""
    return hosts.own_origin(config, environ)


def origin_allowed(config: Mapping, origin: str | None, environ: Mapping) -> bool:
    """Engine-level check: no Origin (not a browser), our own, or one in ALLOWED_ORIGINS."""
    if origin is None or origin == own_origin(config, environ):
        return True
    return listed(config.get("ALLOWED_ORIGINS") or [], origin)


def listed(allowed: list[str], origin: str) -> bool:
    """Whether ``origin`` matches an entry: ``*``, a full origin, or a bare host name."""
    host = urlsplit(origin).hostname
    for entry in allowed:
        if entry == "*" or entry.rstrip("/") == origin:
            return True
        if "://" not in entry and host == entry.lower():
            return True
    return False
