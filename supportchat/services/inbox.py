"""The agents' inbox kept current after messages: at most one ``inbox:updated`` digest a
second per process, carrying every ticket with a message since the last one, as it is when
sent (PROTOCOL.md §4).

Every agent socket is in the room ``agents``, so one update per message (or per ticket) meant
frames to every agent growing with the traffic: with hundreds of agents connected, nearly all
the server sent (bench/RESULTS.md). A digest is one emit a second, encoded once for the whole
room, whatever the number of messages. Agents watching a ticket get its ``chat:message`` at
once; the inbox row follows within INTERVAL. Closing, assigning and reading still announce
``ticket:updated`` at once (tickets.py).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Flask, current_app

from ..extensions import socketio
from ..stores import Ticket
from . import publish, setting, store
from .tickets import ticket_view

INTERVAL = 1.0

log = logging.getLogger(__name__)


def row(ticket: Ticket) -> dict[str, Any]:
    """A ticket as a row of the inbox (PROTOCOL.md §3.6)."""
    view = ticket_view(ticket, for_agent=True)
    customer = view["customer"]
    known = [str(value) for key, value in (customer.get("userIdentifier") or {}).items()
             if key in ("name", "email", "phone")]
    return {"id": view["id"], "title": customer["label"],
            "participantLabel": " · ".join(known) or customer["label"],
            "lastMessageAt": view["lastMessageAt"],
            "lastMessagePreview": view["lastMessagePreview"],
            "unread": view["unread"], "status": view["status"], "assignee": view["assignee"]}


class _Pending:
    """Tickets of one app with a message since the last digest."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.tickets: set[str] = set()
        self.scheduled = False


def message_stored(ticket_id: str) -> None:
    """Put the ticket in the next digest, scheduling one unless it is already due."""
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
        due, pending.tickets, pending.scheduled = list(pending.tickets), set(), False
    with app.app_context():
        size = setting("INBOX_DIGEST_ROWS")
        for start in range(0, len(due), size):
            try:
                found = store().get_tickets(due[start:start + size])
            except Exception:  # the store is down: the next message brings the rows up to date
                log.warning("inbox digest skipped: the ticket store is unavailable", exc_info=True)
                return
            rows = [{**row(ticket), "lastSeq": ticket.last_seq} for ticket in found]
            publish.to_agents("inbox:updated", {"conversations": rows})
            socketio.sleep(0)  # let messages waiting meanwhile go before the next frame
