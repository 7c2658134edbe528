"""The server's own origin, which the Host header alone never decides (DNS rebinding)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from urllib.parse import urlsplit


def own_origin(config: Mapping, environ: Mapping) -> str | None:
    """BASE_URL's origin; without it (development only: production requires it) the request's
    scheme and Host when that host is a loopback name or address, else None. A page on
    ``evil.example`` resolved to this server sends ``Host: evil.example``: not our origin."""
    if config.get("BASE_URL"):
        parts = urlsplit(config["BASE_URL"])
        return f"{parts.scheme}://{parts.netloc}"
    host = environ.get("HTTP_HOST", "")
    if not is_loopback(host):
        return None
    return f"{environ.get('wsgi.url_scheme', 'http')}://{host}"


def is_loopback(host: str) -> bool:
    """Whether a Host header (``name[:port]``, ``[v6][:port]``) names this machine's loopback."""
    try:
        name = urlsplit(f"//{host}").hostname or ""
    except ValueError:  # a malformed port or bracket
        return False
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
