"""Event handlers, one per client event: parse, call a service, shape the ack."""

from __future__ import annotations

from typing import Any

from flask import g

from .. import schemas
from ..context import current
from ..realtime.publish import ticket_room
from ..services import ai_replies, assignment, labels, messages, ratelimit, search, tickets
from ..services.actors import Actor
from ..services.messages import message_view
from ..services.tickets import ticket_view
from .base import join, leave, tell


def ticket_create(actor: Actor, data: Any) -> dict[str, Any]:
    ratelimit.check("message", g.sid)  # opening a ticket alerts every agent: same budget
    payload = schemas.parse(schemas.TicketCreate, data)
    ctx = current()
    session = tickets.Session(
        payload.sessionId, payload.userIdentifier, payload.metadata, payload.identifierHash
    )
    if payload.text is None:
        ticket, _created = tickets.open(ctx, actor, session)
        join(ticket_room(ticket.id))
        return {"ticket": ticket_view(ticket, for_agent=False)}
    written = messages.write(
        ctx,
        actor,
        payload.text,
        session=session,
        reopen=True,
        client_msg_id=payload.clientMsgId,
        on_ticket=lambda ticket: join(ticket_room(ticket.id)),
    )
    ticket = tickets.accessible(ctx, actor, written.ticket_id)  # as it is now, with the reply
    return {
        "ticket": ticket_view(ticket, for_agent=False),
        "message": message_view(ctx, written.message, for_agent=False),
    }


def ticket_list(actor: Actor, data: Any) -> dict[str, Any]:
    payload = schemas.parse(schemas.TicketList, data)
    ctx, q = current(), search.words(payload.q)
    found, next_cursor = tickets.page(
        ctx,
        actor,
        payload.status,
        payload.assigned,
        payload.cursor,
        payload.limit,
        q,
        payload.label,
        payload.sort,
    )
    views = [ticket_view(ticket, for_agent=True) for ticket in found]
    if q:
        why = search.matches(ctx, found, q)
        views = [{**view, "match": why.get(view["id"])} for view in views]
    return {"tickets": views, "nextCursor": next_cursor}


def ticket_join(actor: Actor, data: Any) -> dict[str, Any]:
    payload = schemas.parse(schemas.TicketJoin, data)
    ctx = current()
    ticket, found, has_more = tickets.join(ctx, actor, payload.ticketId, payload.sinceSeq)
    join(ticket_room(ticket.id))
    seen = tickets.read_by_the_other_side(ctx, ticket, actor)
    if seen:
        tell("read", {"ticketId": ticket.id, "role": seen[0], "seq": seen[1]})
    return {
        "ticket": ticket_view(ticket, for_agent=actor.is_agent),
        "messages": [message_view(ctx, message, for_agent=actor.is_agent) for message in found],
        "hasMore": has_more,
    }


def chat_message(actor: Actor, data: Any) -> dict[str, Any]:
    ratelimit.check("message", g.sid)
    payload = schemas.parse(schemas.ChatMessage, data)
    ctx = current()
    written = messages.write(
        ctx,
        actor,
        payload.text,
        ticket_id=payload.ticketId,
        client_msg_id=payload.clientMsgId,
        attachments=payload.attachments,
        kind=payload.kind,
    )
    return {"message": message_view(ctx, written.message, for_agent=actor.is_agent)}


def ticket_close(actor: Actor, data: Any) -> dict[str, Any]:
    payload = schemas.parse(schemas.TicketRef, data)
    ticket = tickets.close(current(), actor, payload.ticketId)
    return {"ticket": ticket_view(ticket, for_agent=True)}


def ticket_assign(actor: Actor, data: Any) -> dict[str, Any]:
    payload = schemas.parse(schemas.TicketAssign, data)
    ticket = assignment.assign(current(), actor, payload.ticketId, payload.agentId)
    return {"ticket": ticket_view(ticket, for_agent=True)}


def room_leave(actor: Actor, data: Any) -> dict[str, Any]:
    payload = schemas.parse(schemas.TicketRef, data)
    leave(ticket_room(payload.ticketId))
    return {}


def typing(actor: Actor, data: Any) -> dict[str, Any]:
    payload = schemas.parse(schemas.Typing, data)
    tickets.typing(current(), actor, payload.ticketId, payload.typing)
    return {}


def ticket_rate(actor: Actor, data: Any) -> dict[str, Any]:
    payload = schemas.parse(schemas.TicketRate, data)
    ticket = tickets.rate(current(), actor, payload.ticketId, payload.score, payload.comment)
    return {"ticket": ticket_view(ticket, for_agent=False)}


def read(actor: Actor, data: Any) -> dict[str, Any]:
    payload = schemas.parse(schemas.Read, data)
    tickets.mark_read(current(), actor, payload.ticketId, payload.seq)
    return {}


def ticket_handoff(actor: Actor, data: Any) -> dict[str, Any]:
    payload = schemas.parse(schemas.TicketRef, data)
    ticket = ai_replies.customer_handoff(current(), actor, payload.ticketId)
    return {"ticket": ticket_view(ticket, for_agent=False)}


def ticket_bot(actor: Actor, data: Any) -> dict[str, Any]:
    payload = schemas.parse(schemas.TicketBot, data)
    ticket = ai_replies.set_active(current(), actor, payload.ticketId, payload.active)
    return {"ticket": ticket_view(ticket, for_agent=True)}


def ticket_label(actor: Actor, data: Any) -> dict[str, Any]:
    payload = schemas.parse(schemas.TicketLabel, data)
    ticket = labels.set_labels(current(), actor, payload.ticketId, payload.labels)
    return {"ticket": ticket_view(ticket, for_agent=True)}
