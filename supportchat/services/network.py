"""Network controls: the blocklist of addresses and networks (PROTOCOL.md §3.7, §4)."""

from __future__ import annotations

import ipaddress
import logging
import time
from functools import lru_cache

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError

from ..errors import AppError
from ..extensions import db
from ..models import BlockEntry

log = logging.getLogger(__name__)

# How long a process trusts its copy of the stored entries; other processes see an admin's
# change within this time, the process that made it at once.
CACHE_SECONDS = 5.0

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
    if address and is_blocked(address, blocklist()):
        raise AppError("blocked", "Requests from your network are blocked by this service.")


def is_blocked(address: str, entries: tuple[str, ...]) -> bool:
    """Whether ``address`` falls in any of ``entries``."""
    parsed = normalize(address)
    return parsed is not None and any(parsed in network for network in _networks(entries))


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(parse_network(entry) for entry in entries)


def blocklist() -> tuple[str, ...]:
    """BLOCKLIST plus the entries admins stored, re-read at most every CACHE_SECONDS."""
    cache = current_app.extensions.setdefault(
        "supportchat.blocklist", {"until": 0.0, "entries": ()}
    )
    now = time.monotonic()
    if now >= cache["until"]:
        try:
            # Its own short connection: a long poll must not hold one while it waits.
            with db.engine.connect() as conn:
                cache["entries"] = tuple(conn.scalars(select(BlockEntry.network)))
        except SQLAlchemyError as exc:  # keep the last known entries rather than fail every request
            log.warning("stored blocklist not refreshed: %s", type(exc).__name__)
        cache["until"] = now + CACHE_SECONDS
    return (*current_app.config["BLOCKLIST"], *cache["entries"])


def stored_entries() -> list[BlockEntry]:
    """The entries admins stored, oldest first."""
    return list(db.session.scalars(select(BlockEntry).order_by(BlockEntry.id)))


def replace_entries(entries: list[tuple[str, str | None]], caller: str | None) -> list[BlockEntry]:
    """Replace the stored entries with ``(address or network, note)`` pairs, in canonical
    form; AppError ``invalid`` names the first one that is neither, or that covers the
    ``caller``'s own address (the admin would lock themselves out, with no way back in)."""
    canonical: dict[str, str | None] = {}
    own = normalize(caller or "")
    for index, (entry, note) in enumerate(entries):
        field = {"field": f"entries.{index}"}
        try:
            network = parse_network(entry)
        except ValueError:
            raise AppError(
                "invalid",
                f"entries.{index}: {entry!r} is not an IPv4 or IPv6 address or network.",
                field,
            ) from None
        if own is not None and own in network:
            raise AppError(
                "invalid",
                f"entries.{index}: {entry!r} includes your own address ({own}), so saving it "
                "would lock you out. Leave it out, or make this change from another network.",
                field,
            )
        single = network.prefixlen == network.max_prefixlen
        canonical.setdefault(str(network.network_address) if single else str(network), note)
    db.session.execute(delete(BlockEntry))
    db.session.add_all(
        BlockEntry(network=network, note=note) for network, note in canonical.items()
    )
    db.session.commit()
    current_app.extensions.pop("supportchat.blocklist", None)
    return stored_entries()
