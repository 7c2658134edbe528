"""Sockets already connected from an address an admin then blocks are disconnected: each
process looks over its sockets every SWEEP_SECONDS (the blocklist is re-read at most every
``network.CACHE_SECONDS``: such a socket ends within about seven seconds of the change)."""

from __future__ import annotations

import logging

from flask import Flask

from ..services import network

log = logging.getLogger(__name__)

SWEEP_SECONDS = 2.0


def watch(namespace, app: Flask | None) -> None:
    """Start the sweep of ``namespace``'s sockets, once per namespace and process."""
    if app is None or getattr(namespace, "_blocked_sweep", False):
        return
    namespace._blocked_sweep = True
    namespace.socketio.start_background_task(_sweep, namespace, app)


def _sweep(namespace, app: Flask) -> None:
    server = namespace.socketio.server
    while True:
        namespace.socketio.sleep(SWEEP_SECONDS)
        try:
            with app.app_context():
                entries = network.blocklist()
            if not entries:
                continue
            for sid in list(namespace._live):
                environ = server.get_environ(sid, namespace.namespace) or {}
                address = environ.get("REMOTE_ADDR")
                if address and network.is_blocked(address, entries):
                    server.disconnect(sid, namespace=namespace.namespace)
        except Exception:  # the sweep must outlive any one failure
            log.exception("blocked-socket sweep failed")
