"""Network controls: the blocklist of addresses and networks (PROTOCOL.md §3.7, §4)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from ..errors import AppError
from . import setting

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def normalize(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address with IPv6-mapped IPv4 unwrapped (``::ffff:10.0.0.9`` → ``10.0.0.9``)."""
    try:
        parsed = ipaddress.ip_address(address.strip().split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped:
        return parsed.ipv4_mapped
    return parsed


def parse_network(entry: str) -> Network:
    """A blocklist entry as a network; a bare address is a one-address network."""
    text = entry.strip()
    address, _, prefix = text.partition("/")
    base = normalize(address)
    if base is None:
        raise ValueError(f"{entry!r} is not an IPv4 or IPv6 address or network")
    if prefix and isinstance(base, ipaddress.IPv4Address) and ":" in address:
        prefix = str(max(0, int(prefix) - 96))  # a mapped network's prefix counts 96 bits more
    return ipaddress.ip_network(f"{base}/{prefix}" if prefix else str(base), strict=False)


def check_address(address: str | None) -> None:
    """AppError ``blocked`` when the caller's address is on the blocklist."""
    if address and is_blocked(address, tuple(setting("BLOCKLIST"))):
        raise AppError("blocked", "Requests from your network are blocked by this service.")


def is_blocked(address: str, entries: tuple[str, ...]) -> bool:
    """Whether ``address`` falls in any of ``entries``."""
    parsed = normalize(address)
    return parsed is not None and any(parsed in network for network in _networks(entries))


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(parse_network(entry) for entry in entries)
