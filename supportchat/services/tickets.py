"""Tickets: opening, finding, listing, joining, closing, assigning and reading."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from typing import Any

from ..clock import iso
from ..errors import AppError, not_found
from ..realtime import publish
from ..realtime.waker import waiters
from ..stores import Message, Ticket, TicketQuery
from . import agents, ratelimit, setting, store
from .actors import Actor, require_agent

JOIN_LIMIT = 200
TYPING_INTERVAL = "1 per 2 seconds"


def open_ticket(actor: Actor, session_id: str | None = None,
                user_identifier: dict[str, str] | None = None,
                metadata: dict[str, Any] | None = None,
                identifier_hash: str | None = None) -> tuple[Ticket, bool]:
    """Open a ticket for a guest, or return their open ticket for ``session_id``."""
    if actor.is_agent:
        raise AppError("forbidden", "Tickets are opened by customers.")
    latest = store().latest_for_session(session_id) if session_id else None
    if latest and latest.client_key != actor.client_key:
        raise not_found("session")  # another customer's conversation, even a closed one
    if latest is None or latest.status == "closed":
        ratelimit.opening_conversation()
    customer = {
        "label": (user_identifier or {}).get("email") or actor.name,
        "verified": identity_verified(user_identifier, identifier_hash),
        "userIdentifier": user_identifier or {},
        "metadata": metadata or {},
    }
    ticket, created = store().create_ticket(actor.client_key, session_id, customer)
    if ticket.client_key != actor.client_key:
        raise not_found("session")
    if created:
        publish.to_agents("ticket:created", ticket_view(ticket, for_agent=True))
    return ticket, created


def identity_verified(user_identifier: dict[str, str] | None, identifier_hash: str | None) -> bool:
    """Whether ``identifier_hash`` is HMAC-SHA256(IDENTITY_HMAC_SECRET, email or id)."""
    secret = setting("IDENTITY_HMAC_SECRET")
    subject = (user_identifier or {}).get("email") or (user_identifier or {}).get("id")
    if not (secret and subject and identifier_hash):
        return False
    expected = hmac.new(secret.encode(), subject.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, identifier_hash.lower())


def accessible(actor: Actor, ticket_id: str) -> Ticket:
    """The ticket if the actor may see it: agents any, guests their own (others don't exist)."""
    ticket = store().get_ticket(ticket_id)
    if ticket is None or (not actor.is_agent and ticket.client_key != actor.client_key):
        raise not_found()
    return ticket


def list_tickets(actor: Actor, status: str = "open", assigned: str = "any",
                 cursor: str | None = None, limit: int = 25) -> tuple[list[Ticket], str | None]:
    """A page of the inbox, newest activity first, and the cursor of the next page."""
    require_agent(actor)
    assignee = {"me": actor.id, "none": "none", "any": None}[assigned]
    page = store().list_tickets(TicketQuery(status=status, assignee=assignee,
                                            cursor=decode_cursor(cursor), limit=limit + 1))
    next_cursor = encode_cursor(page[limit - 1]) if len(page) > limit else None
    return page[:limit], next_cursor


def join(actor: Actor, ticket_id: str, since_seq: int | None) -> tuple[Ticket, list[Message], bool]:
    """The ticket and what the actor missed: after ``since_seq``, or the latest page."""
    ticket = accessible(actor, ticket_id)
    notes = actor.is_agent
    if since_seq is None:
        found = store().messages_before(ticket_id, None, JOIN_LIMIT + 1, notes)
        return ticket, found[-JOIN_LIMIT:], len(found) > JOIN_LIMIT
    found = store().messages_after(ticket_id, since_seq, JOIN_LIMIT + 1, notes)
    return ticket, found[:JOIN_LIMIT], len(found) > JOIN_LIMIT


def for_session(actor: Actor, session_id: str) -> Ticket:
    """The guest's conversation named ``session_id``; unknown or someone else's: ``not_found``."""
    ticket = store().latest_for_session(session_id)
    if ticket is None or ticket.client_key != actor.client_key:
        raise not_found("conversation")
    return ticket


def continue_session(actor: Actor, session_id: str, user_identifier: dict[str, str] | None = None,
                     metadata: dict[str, Any] | None = None,
                     identifier_hash: str | None = None) -> tuple[Ticket, bool]:
    """The ticket a guest's ``session_id`` names, opened on its first use; once that ticket
    is closed the session is over (``ticket_closed``) and the widget starts a new one."""
    if store().latest_for_session(session_id) is None:
        return open_ticket(actor, session_id, user_identifier, metadata, identifier_hash)
    ticket = for_session(actor, session_id)
    if ticket.status == "closed":
        raise AppError("ticket_closed", "This conversation is closed; start a new one to write "
                       "again.")
    return ticket, False


def poll(actor: Actor, session_id: str, since: int, wait: float) -> tuple[Ticket, list[Message]]:
    """The guest's messages after ``since``; with ``wait`` seconds, first wait for one to
    arrive (long polling: only this greenlet sleeps, holding no database connection)."""
    ticket = for_session(actor, session_id)
    found: list[Message] = []

    def arrived() -> bool:
        found[:] = store().messages_after(ticket.id, since, JOIN_LIMIT, include_notes=False)
        # A closed ticket is news too: the widget shows it at once, not when the wait ends.
        return bool(found) or (store().get_ticket(ticket.id) or ticket).status != ticket.status

    waiters.wait(ticket.id, wait if ticket.status == "open" else 0, arrived)
    return store().get_ticket(ticket.id) or ticket, found


def history(actor: Actor, ticket_id: str, before: int | None,
            limit: int) -> tuple[list[Message], bool]:
    """Up to ``limit`` messages below seq ``before`` (None: the newest), oldest first, and
    whether older ones exist."""
    accessible(actor, ticket_id)
    found = store().messages_before(ticket_id, before, limit + 1, actor.is_agent)
    return found[-limit:], len(found) > limit


def close(actor: Actor, ticket_id: str) -> Ticket:
    """Close a ticket; the room hears ``ticket:closed`` and agents ``ticket:updated``."""
    require_agent(actor)
    ticket = accessible(actor, ticket_id)
    if ticket.status == "closed":
        return ticket
    closed_by = {"id": actor.id, "role": actor.side, "name": actor.name}
    ticket = store().close_ticket(ticket_id, closed_by)
    publish.ticket_changed(ticket_id)
    publish.to_ticket("ticket:closed", ticket_id, {"ticketId": ticket_id,
                                                   "closedAt": iso(ticket.closed_at),
                                                   "closedBy": closed_by})
    announce(ticket)
    return ticket


def assign(actor: Actor, ticket_id: str, agent_id: str | None) -> Ticket:
    """Assign a ticket: agents take it or let it go; admins give it to anyone."""
    require_agent(actor)
    accessible(actor, ticket_id)
    if agent_id is None:
        assignee = None
    elif agent_id == actor.id:
        assignee = {"id": actor.id, "name": actor.name}
    elif actor.role != "admin":
        raise AppError("forbidden", "Only admins may assign a ticket to someone else.")
    else:
        target = agents.active_agent(agent_id)
        assignee = {"id": target.id, "name": target.name}
    ticket = store().assign_ticket(ticket_id, assignee)
    announce(ticket)
    return ticket


def mark_read(actor: Actor, ticket_id: str, seq: int) -> Ticket:
    """Remember how far the actor's side has read; when that moved, tell the room (and, for
    agents, the inbox: the ticket's unread flag changed)."""
    ticket = accessible(actor, ticket_id)
    seq = min(seq, ticket.last_seq if actor.is_agent else ticket.last_public_seq)
    updated = store().mark_read(ticket_id, actor.side, seq)
    before, after = (_read_seq(item, actor.side) for item in (ticket, updated))
    if after > before:
        publish.to_ticket("read", ticket_id, {"ticketId": ticket_id, "role": actor.side,
                                              "seq": after})
        if actor.is_agent:
            publish.to_agents("ticket:updated", ticket_view(updated, for_agent=True))
    return updated


def _read_seq(ticket: Ticket, side: str) -> int:
    return ticket.agent_read_seq if side == "agent" else ticket.guest_read_seq


def typing(actor: Actor, ticket_id: str, is_typing: bool) -> None:
    """Relay a typing indicator to the other side of the ticket's room, at most one "typing"
    every TYPING_INTERVAL per person and ticket ("stopped" always goes through); nothing is
    stored."""
    ticket = accessible(actor, ticket_id)
    if ticket.status == "closed":
        raise AppError("ticket_closed", "This ticket is closed; start a new conversation to "
                       "write again.")
    if is_typing and not ratelimit.allowed(TYPING_INTERVAL, "typing", f"{actor.id}:{ticket_id}"):
        return
    name = actor.name if actor.is_agent else ticket.customer["label"]
    payload = {"ticketId": ticket_id, "sender": {"role": actor.side, "name": name},
               "typing": is_typing}
    publish.to_ticket("typing", ticket_id, payload, guests=actor.is_agent,
                      agents=not actor.is_agent)


def announce(ticket: Ticket) -> None:
    """Tell agents (agent view) and the ticket's guests (guest view) that a ticket changed."""
    publish.to_agents("ticket:updated", ticket_view(ticket, for_agent=True))
    publish.to_guests("ticket:updated", ticket.id, ticket_view(ticket, for_agent=False))


def ticket_view(ticket: Ticket, for_agent: bool) -> dict[str, Any]:
    """PROTOCOL.md §2 Ticket; guests see neither customer details nor notes' traces."""
    customer = dict(ticket.customer)
    if not for_agent:
        customer = {"label": customer["label"], "verified": customer["verified"]}
    last_seq = ticket.last_seq if for_agent else ticket.last_public_seq
    read_seq = ticket.agent_read_seq if for_agent else ticket.guest_read_seq
    return {
        "id": ticket.id, "status": ticket.status, "sessionId": ticket.session_id,
        "createdAt": iso(ticket.created_at), "updatedAt": iso(ticket.updated_at),
        "closedAt": iso(ticket.closed_at), "closedBy": ticket.closed_by,
        "customer": customer, "assignee": ticket.assignee, "lastSeq": last_seq,
        "lastMessageAt": iso(ticket.last_message_at),
        "lastMessagePreview": ticket.last_message_preview,
        "unread": last_seq > read_seq, "rating": ticket.rating,
    }


def encode_cursor(ticket: Ticket) -> str:
    """An opaque keyset cursor pointing just after ``ticket``."""
    return keyset_cursor(ticket.last_message_at, ticket.id)


def keyset_cursor(moment: datetime, row_id: str) -> str:
    """An opaque cursor just after the row (``moment``, ``row_id``) of a newest-first list."""
    raw = f"{moment.isoformat()}|{row_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    """The (last_message_at, id) inside a cursor, or AppError ``invalid``."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, ticket_id = raw.split("|", 1)
        return datetime.fromisoformat(moment), ticket_id
    except (ValueError, UnicodeDecodeError):
        raise AppError("invalid", "cursor is not one this server gave out; start from the "
                       "first page.", {"field": "cursor"}) from None
