"""Event handlers, one per client event: parse, call a service, shape the ack."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_socketio import join_room, leave_room

from .. import schemas
from ..realtime.publish import ticket_room
from ..services import messages, ratelimit, tickets
from ..services.actors import Actor
from ..services.messages import message_view
from ..services.tickets import ticket_view


def ticket_create(actor: Actor, data: Any) -> dict[str, Any]:
    ratelimit.check("message", request.sid)  # opening a ticket alerts every agent: same budget
    payload = schemas.parse(schemas.TicketCreate, data)
    if payload.text is not None:
        messages.clean_text(payload.text)  # refuse bad text before anything is stored
    ticket, _created = tickets.open_ticket(actor, payload.sessionId, payload.userIdentifier,
                                           payload.metadata, payload.identifierHash)
    join_room(ticket_room(ticket.id))
    ack: dict[str, Any] = {}
    if payload.text is not None:
        message = messages.post(actor, ticket.id, payload.text, payload.clientMsgId).message
        ack["message"] = message_view(message)
        ticket = tickets.accessible(actor, ticket.id)
    return {"ticket": ticket_view(ticket, for_agent=False), **ack}


def ticket_list(actor: Actor, data: Any) -> dict[str, Any]:
    payload = schemas.parse(schemas.TicketList, data)
    found, next_cursor = tickets.list_tickets(actor, payload.status, payload.assigned,
                                              payload.cursor, payload.limit)
    return {"tickets": [ticket_view(ticket, for_agent=True) for ticket in found],
            "nextCursor": next_cursor}


def ticket_join(actor: Actor, data: Any) -> dict[str, Any]:
    payload = schemas.parse(schemas.TicketJoin, data)
    ticket, found, has_more = tickets.join(actor, payload.ticketId, payload.sinceSeq)
    join_room(ticket_room(ticket.id))
    return {"ticket": ticket_view(ticket, for_agent=actor.is_agent),
            "messages": [message_view(message) for message in found], "hasMore": has_more}


def chat_message(actor: Actor, data: Any) -> dict[str, Any]:
    ratelimit.check("message", request.sid)
    payload = schemas.parse(schemas.ChatMessage, data)
    posted = messages.post(actor, payload.ticketId, payload.text, payload.clientMsgId,
                           payload.attachments, payload.kind)
    return {"message": message_view(posted.message)}


def ticket_close(actor: Actor, data: Any) -> dict[str, Any]:
    payload = schemas.parse(schemas.TicketRef, data)
    return {"ticket": ticket_view(tickets.close(actor, payload.ticketId), for_agent=True)}


def ticket_assign(actor: Actor, data: Any) -> dict[str, Any]:
    payload = schemas.parse(schemas.TicketAssign, data)
    ticket = tickets.assign(actor, payload.ticketId, payload.agentId)
    return {"ticket": ticket_view(ticket, for_agent=True)}


def room_leave(actor: Actor, data: Any) -> dict[str, Any]:
    payload = schemas.parse(schemas.TicketRef, data)
    leave_room(ticket_room(payload.ticketId))
    return {}


def typing(actor: Actor, data: Any) -> dict[str, Any]:
    payload = schemas.parse(schemas.Typing, data)
    tickets.typing(actor, payload.ticketId, payload.typing)
    return {}


def read(actor: Actor, data: Any) -> dict[str, Any]:
    payload = schemas.parse(schemas.Read, data)
    tickets.mark_read(actor, payload.ticketId, payload.seq)
    return {}
