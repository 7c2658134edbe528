"""Tickets: opening, finding, listing, joining, closing, assigning and reading."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, replace
from typing import Any

from ..clock import iso
from ..context import Context
from ..errors import AppError, not_found
from ..stores import Message, Ticket, TicketQuery
from . import agents, ratelimit
from .actors import Actor, require_agent, visitor_label
from .cursors import decode_cursor, encode_cursor

JOIN_LIMIT = 200
TYPING_INTERVAL = "1 per 2 seconds"


@dataclass(frozen=True)
class Session:
    """A customer's conversation as the widget names it, and what the widget says about them."""

    id: str | None
    user_identifier: dict[str, str] | None = None
    metadata: dict[str, Any] | None = None
    identifier_hash: str | None = None


def open(ctx: Context, actor: Actor, session: Session) -> tuple[Ticket, bool]:  # noqa: A001
    """Open a ticket for a guest, or return their open ticket for ``session``; a closed
    session's id opens a new ticket (``ticket:create``)."""
    latest = ctx.store.latest_for_session(session.id) if session.id else None
    return _opened(ctx, actor, session, latest)


def continue_session(ctx: Context, actor: Actor, session: Session) -> tuple[Ticket, bool]:
    """The ticket a guest's session names, opened on its first use; once that ticket is closed
    the session is over (``ticket_closed``) and the widget starts a new one (POST /api/chat)."""
    latest = ctx.store.latest_for_session(session.id)
    if latest is None:
        return _opened(ctx, actor, session, None)
    if latest.client_key != actor.client_key:
        raise not_found("conversation")
    if latest.status == "closed":
        raise AppError(
            "ticket_closed", "This conversation is closed; start a new one to write again."
        )
    return _known_as(ctx, latest, session), False


def _opened(
    ctx: Context, actor: Actor, session: Session, latest: Ticket | None
) -> tuple[Ticket, bool]:
    """The open ticket of ``session`` (``latest``: its newest ticket), created when none is."""
    if actor.is_agent:
        raise AppError("forbidden", "Tickets are opened by customers.")
    if latest is not None and latest.client_key != actor.client_key:
        raise not_found("session")  # another customer's conversation, even a closed one
    if latest is not None and latest.status == "open":
        return _known_as(ctx, latest, session), False
    ctx.limit_opening()
    customer = _customer(ctx, session, actor.name)
    bot_active = bool(ctx.section("ai")["enabled"])  # PROTOCOL.md §3.9
    ticket, created = ctx.store.create_ticket(actor.client_key, session.id, customer, bot_active)
    if ticket.client_key != actor.client_key:
        raise not_found("session")
    if created:
        ctx.publish.to_agents("ticket:created", ticket_view(ticket, for_agent=True))
    return ticket, created


def _customer(ctx: Context, session: Session, visitor: str) -> dict[str, Any]:
    """Who the customer of ``session`` says they are; verified only with a valid hash."""
    return {
        "label": (session.user_identifier or {}).get("email") or visitor,
        "verified": identity_verified(ctx, session.user_identifier, session.identifier_hash),
        "userIdentifier": session.user_identifier or {},
        "metadata": session.metadata or {},
    }


def _known_as(ctx: Context, ticket: Ticket, session: Session) -> Ticket:
    """The open ticket, its customer updated when the session names someone new or brings other
    metadata (the widget's ``setUser`` and ``setCustomAttributes`` during a conversation);
    agents hear of the change at once."""
    customer = dict(ticket.customer)
    if session.user_identifier:
        customer = _customer(ctx, session, visitor_label(ticket.client_key))
    customer["metadata"] = session.metadata or ticket.customer.get("metadata", {})
    watched = ("userIdentifier", "verified", "metadata")
    if all(customer.get(key) == ticket.customer.get(key) for key in watched):
        return ticket
    updated = ctx.store.update_customer(ticket.id, customer)
    announce(ctx, updated)
    return updated


def identity_verified(
    ctx: Context, user_identifier: dict[str, str] | None, identifier_hash: str | None
) -> bool:
    """Whether ``identifier_hash`` is HMAC-SHA256(IDENTITY_HMAC_SECRET, email or id)."""
    secret = ctx.config["IDENTITY_HMAC_SECRET"]
    subject = (user_identifier or {}).get("email") or (user_identifier or {}).get("id")
    if not (secret and subject and identifier_hash):
        return False
    expected = hmac.new(secret.encode(), subject.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, identifier_hash.lower())


def accessible(ctx: Context, actor: Actor, ticket_id: str) -> Ticket:
    """The ticket if the actor may see it: agents any, guests their own (others don't exist)."""
    ticket = ctx.store.get_ticket(ticket_id)
    if ticket is None or (not actor.is_agent and ticket.client_key != actor.client_key):
        raise not_found()
    return ticket


def page(
    ctx: Context,
    actor: Actor,
    status: str = "open",
    assigned: str = "any",
    cursor: str | None = None,
    limit: int = 25,
    text: str | None = None,
    label: str | None = None,
    sort: str = "newest",
) -> tuple[list[Ticket], str | None]:
    """A page of the inbox and the cursor of the next page: newest activity first, or by
    ``sort="waiting"`` only the waiting tickets, the longest wait first; ``text`` (checked by
    services.search) and ``label`` narrow it."""
    require_agent(actor)
    assignee = {"me": actor.id, "none": "none", "any": None}[assigned]
    found = ctx.store.list_tickets(
        TicketQuery(
            status=status,
            assignee=assignee,
            sort=sort,
            cursor=decode_cursor(cursor, sort),
            limit=limit + 1,
            text=text,
            label=label and label.lower(),
        )
    )
    next_cursor = encode_cursor(found[limit - 1], sort) if len(found) > limit else None
    return seen_by(ctx, actor, found[:limit]), next_cursor


def seen_by(ctx: Context, actor: Actor, found: list[Ticket]) -> list[Ticket]:
    """The tickets as one agent sees them: read as far as this agent has read, so that
    ``unread`` in their inbox is their own (others reading a ticket leave it unread for them).
    Frames sent to every agent (digests, ``ticket:updated``) carry the team's position and
    ``previewSeq``, against which each dashboard compares its own."""
    if not actor.is_agent or not found:
        return found
    own = ctx.store.agent_reads(actor.id, [ticket.id for ticket in found])
    return [replace(ticket, agent_read_seq=own.get(ticket.id, 0)) for ticket in found]


def join(
    ctx: Context, actor: Actor, ticket_id: str, since_seq: int | None
) -> tuple[Ticket, list[Message], bool]:
    """The ticket and what the actor missed: after ``since_seq``, or the latest page."""
    ticket = seen_by(ctx, actor, [accessible(ctx, actor, ticket_id)])[0]
    notes = actor.is_agent
    if since_seq is None:
        found = ctx.store.messages_before(ticket_id, None, JOIN_LIMIT + 1, notes)
        return ticket, found[-JOIN_LIMIT:], len(found) > JOIN_LIMIT
    found = ctx.store.messages_after(ticket_id, since_seq, JOIN_LIMIT + 1, notes)
    return ticket, found[:JOIN_LIMIT], len(found) > JOIN_LIMIT


def for_session(ctx: Context, actor: Actor, session_id: str) -> Ticket:
    """The guest's conversation named ``session_id``; unknown or someone else's: ``not_found``."""
    ticket = ctx.store.latest_for_session(session_id)
    if ticket is None or ticket.client_key != actor.client_key:
        raise not_found("conversation")
    return ticket


def poll(
    ctx: Context, actor: Actor, session_id: str, since: int, wait: float
) -> tuple[Ticket, list[Message]]:
    """The guest's messages after ``since``; with ``wait`` seconds, first wait for one to
    arrive, the ticket to close, an agent to read or to start or stop typing (long polling:
    only this greenlet sleeps, holding no database connection)."""
    ticket = for_session(ctx, actor, session_id)
    found: list[Message] = []
    # News of the agents is news against what this customer's previous poll was told.
    poller = f"{ticket.id} {actor.client_key}"
    told = ctx.publish.waiters.told(poller) or _agents(ctx, ticket)

    def arrived() -> bool:
        found[:] = ctx.store.messages_after(ticket.id, since, JOIN_LIMIT, include_notes=False)
        now = ctx.store.get_ticket(ticket.id) or ticket
        return bool(found) or now.status != ticket.status or _agents(ctx, now) != told

    ctx.publish.waiters.wait(ticket.id, wait if ticket.status == "open" else 0, arrived)
    now = ctx.store.get_ticket(ticket.id) or ticket
    ctx.publish.waiters.tell(poller, _agents(ctx, now))
    return now, found


def _agents(ctx: Context, ticket: Ticket) -> tuple[bool, int]:
    """What a polling customer hears of the agents: whether one types, how far they read."""
    return ctx.publish.waiters.agent_typing(ticket.id), ticket.agent_read_seq


def history(
    ctx: Context, actor: Actor, ticket_id: str, before: int | None, limit: int
) -> tuple[list[Message], bool]:
    """Up to ``limit`` messages below seq ``before`` (None: the newest), oldest first, and
    whether older ones exist."""
    accessible(ctx, actor, ticket_id)
    found = ctx.store.messages_before(ticket_id, before, limit + 1, actor.is_agent)
    return found[-limit:], len(found) > limit


def close(ctx: Context, actor: Actor, ticket_id: str) -> Ticket:
    """Close a ticket; the room hears ``ticket:closed`` and agents ``ticket:updated``."""
    require_agent(actor)
    ticket = accessible(ctx, actor, ticket_id)
    if ticket.status == "closed":
        return ticket
    closed_by = {"id": actor.id, "role": actor.side, "name": actor.name}
    ticket = ctx.store.close_ticket(ticket_id, closed_by)
    ctx.publish.ticket_changed(ticket_id)
    ctx.publish.to_ticket(
        "ticket:closed",
        ticket_id,
        {"ticketId": ticket_id, "closedAt": iso(ticket.closed_at), "closedBy": closed_by},
    )
    announce(ctx, ticket)
    return ticket


def assign(ctx: Context, actor: Actor, ticket_id: str, agent_id: str | None) -> Ticket:
    """Assign a ticket: agents take it or let it go; admins give it to anyone."""
    require_agent(actor)
    accessible(ctx, actor, ticket_id)
    if agent_id is None:
        assignee = None
    elif agent_id == actor.id:
        assignee = {"id": actor.id, "name": actor.name}
    elif actor.role != "admin":
        raise AppError("forbidden", "Only admins may assign a ticket to someone else.")
    else:
        target = agents.active_agent(agent_id)
        assignee = {"id": target.id, "name": target.name}
    ticket = ctx.store.assign_ticket(ticket_id, assignee)
    announce(ctx, ticket)
    return ticket


def mark_read(ctx: Context, actor: Actor, ticket_id: str, seq: int) -> Ticket:
    """Remember how far the actor's side has read (``seq`` in the actor's own sequence; both
    sides' positions are stored in the agents' one), and for an agent how far they have read
    themselves (their own unread); when the side's position moved, tell the room, each
    namespace in its own sequence (and, for agents, the inbox: the team's flag changed)."""
    ticket = accessible(ctx, actor, ticket_id)
    if actor.is_agent:
        seq = min(seq, ticket.last_seq)
    else:
        seq = ctx.store.agent_position(ticket_id, min(seq, ticket.last_guest_seq))
    updated = ctx.store.mark_read(ticket_id, actor.side, seq)
    if actor.is_agent:
        ctx.store.mark_agent_read(actor.id, ticket_id, seq)
    before, after = (
        read_position(ctx, item, actor.side, for_agent=True) for item in (ticket, updated)
    )
    if after <= before:
        return updated
    event = {"ticketId": ticket_id, "role": actor.side}
    ctx.publish.to_ticket("read", ticket_id, {**event, "seq": after}, guests=False)
    seen_before, seen = (
        read_position(ctx, item, actor.side, for_agent=False) for item in (ticket, updated)
    )
    if seen > seen_before:  # guests hear only of a move in their own sequence
        ctx.publish.to_guests("read", ticket_id, {**event, "seq": seen})
    if actor.is_agent:
        ctx.publish.to_agents("ticket:updated", ticket_view(updated, for_agent=True))
        ctx.publish.ticket_changed(ticket_id)  # long polls report agentReadSeq
    return updated


def read_position(ctx: Context, ticket: Ticket, side: str, *, for_agent: bool) -> int:
    """How far ``side`` (guest | agent) has read ``ticket``, in the audience's sequence: the
    one place a stored read position becomes a guest seq (``read``, ``agentReadSeq``)."""
    seq = _stored_read(ticket, side)
    return seq if for_agent else ctx.store.guest_position(ticket.id, seq)


def read_by_the_other_side(ctx: Context, ticket: Ticket, actor: Actor) -> tuple[str, int] | None:
    """How far the side facing ``actor`` has read ``ticket``, in ``actor``'s sequence, as (that
    side, seq); None while it has read nothing (then nothing is looked up). A join is told it,
    so "Seen" survives a reload on either side."""
    other = "guest" if actor.is_agent else "agent"
    if not _stored_read(ticket, other):
        return None
    return other, read_position(ctx, ticket, other, for_agent=actor.is_agent)


def _stored_read(ticket: Ticket, side: str) -> int:
    """``side``'s read position as stored: in the agents' sequence."""
    return ticket.agent_read_seq if side == "agent" else ticket.guest_read_seq


def typing(ctx: Context, actor: Actor, ticket_id: str, is_typing: bool) -> None:
    """Relay a typing indicator to the other side of the ticket's room, at most one "typing"
    every TYPING_INTERVAL per person and ticket ("stopped" always goes through); nothing is
    stored."""
    ticket = accessible(ctx, actor, ticket_id)
    if ticket.status == "closed":
        raise AppError(
            "ticket_closed", "This ticket is closed; start a new conversation to write again."
        )
    if is_typing and not ratelimit.allowed(TYPING_INTERVAL, "typing", f"{actor.id}:{ticket_id}"):
        return
    name = actor.name if actor.is_agent else ticket.customer["label"]
    payload = {
        "ticketId": ticket_id,
        "sender": {"role": actor.side, "name": name},
        "typing": is_typing,
    }
    ctx.publish.to_ticket(
        "typing", ticket_id, payload, guests=actor.is_agent, agents=not actor.is_agent
    )
    if actor.is_agent:
        ctx.publish.agent_typing(ticket_id, is_typing)


def rate(ctx: Context, actor: Actor, ticket_id: str, score: int, comment: str | None) -> Ticket:
    """The customer's rating of their conversation, once (PROTOCOL.md §4 ``ticket:rate``)."""
    accessible(ctx, actor, ticket_id)
    ticket = ctx.store.rate_ticket(ticket_id, score, (comment or "").strip() or None)
    announce(ctx, ticket)
    return ticket


def announce(ctx: Context, ticket: Ticket) -> None:
    """Tell agents (agent view) and the ticket's guests (guest view) that a ticket changed."""
    ctx.publish.to_agents("ticket:updated", ticket_view(ticket, for_agent=True))
    ctx.publish.to_guests("ticket:updated", ticket.id, ticket_view(ticket, for_agent=False))


def ticket_view(ticket: Ticket, for_agent: bool) -> dict[str, Any]:
    """PROTOCOL.md §2 Ticket; guests see neither customer details nor notes' traces."""
    customer = dict(ticket.customer)
    if not for_agent:
        customer = {"label": customer["label"], "verified": customer["verified"]}
    last_seq = ticket.last_seq if for_agent else ticket.last_guest_seq
    # Read positions are stored in the agents' sequence: compare them there. Agents have
    # news when the message the preview shows is past their position (never a bot's).
    read_seq = ticket.agent_read_seq if for_agent else ticket.guest_read_seq
    news_seq = ticket.preview_seq if for_agent else ticket.last_public_seq
    return {
        "id": ticket.id,
        "status": ticket.status,
        "sessionId": ticket.session_id,
        "createdAt": iso(ticket.created_at),
        "updatedAt": iso(ticket.updated_at),
        "closedAt": iso(ticket.closed_at),
        "closedBy": ticket.closed_by,
        "customer": customer,
        "assignee": ticket.assignee,
        "lastSeq": last_seq,
        "lastMessageAt": iso(ticket.last_message_at),
        "lastMessagePreview": ticket.last_message_preview,
        "unread": news_seq > read_seq,
        "rating": (
            {
                "score": ticket.rating,
                "comment": ticket.rating_comment,
                "createdAt": iso(ticket.rated_at),
            }
            if ticket.rating
            else None
        ),
        "waitingSince": iso(ticket.waiting_since),
        "botActive": ticket.bot_active,
        "labels": list(ticket.labels) if for_agent else [],
        **({"previewSeq": ticket.preview_seq} if for_agent else {}),
    }
