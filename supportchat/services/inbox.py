"""The agents' inbox kept current after messages: at most one ``ticket:updated`` per ticket
every INTERVAL seconds, carrying the ticket as it is when sent.

Every agent socket is in the room ``agents``, so one update per message meant one frame per
message to every agent: with hundreds of agents connected, nearly all the server sent
(bench/RESULTS.md). Agents watching a ticket get its ``chat:message`` at once; the inbox row
follows within INTERVAL. Closing, assigning and reading still announce at once (tickets.py).
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app

from ..extensions import socketio
from . import tickets

INTERVAL = 1.0
READ_BATCH = 500  # tickets per read

log = logging.getLogger(__name__)


class _Pending:
    """Tickets of one app with a message since their last inbox update."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.tickets: set[str] = set()
        self.scheduled = False


def update_soon(ticket_id: str) -> None:
    """Schedule the ticket's inbox update (a message was stored), unless one is already due."""
    pending = current_app.extensions.setdefault("supportchat.inbox", _Pending())
    with pending.lock:
        pending.tickets.add(ticket_id)
        if pending.scheduled:
            return
        pending.scheduled = True
    socketio.start_background_task(_send_later, current_app._get_current_object(), pending)


def _send_later(app: Flask, pending: _Pending) -> None:
    socketio.sleep(INTERVAL)
    with pending.lock:
        due, pending.tickets, pending.scheduled = pending.tickets, set(), False
    ctx = app.extensions["supportchat.context"]
    with app.app_context():
        due_ids = list(due)
        for start in range(0, len(due_ids), READ_BATCH):
            try:
                found = ctx.store.get_tickets(due_ids[start:start + READ_BATCH])
            except Exception:  # the store is down: the next message brings the rows up to date
                log.warning("inbox update skipped: the ticket store is unavailable", exc_info=True)
                return
            for ticket in found:
                ctx.publish.to_agents("ticket:updated", tickets.ticket_view(ticket, for_agent=True))
                # Each update is a frame per agent: let the messages waiting meanwhile go
                # first, rather than hold them for the whole second's worth of frames.
                socketio.sleep(0)
