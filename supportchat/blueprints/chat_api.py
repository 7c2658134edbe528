"""The widget's HTTP contract: POST and GET /api/chat (PROTOCOL.md §3.4).

Both call the same services as the socket door, so a message posted here is stored, numbered
and broadcast to agents exactly like one sent over /guest.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from .. import schemas
from ..context import current
from ..errors import AppError
from ..extensions import limiter
from ..services import ai_replies, chat_config, messages, tickets
from ..services.messages import message_view
from . import api

bp = Blueprint("chat_api", __name__, url_prefix="/api")


def _client_key() -> str:
    # Counted per clientId as sent (body, header, cookie); a request without one, per address.
    sent = api.body_field("clientId")
    return f"client:{sent or api.sent_client_id() or request.remote_addr}"


@bp.post("/chat")
@limiter.limit(api.message_limit, key_func=_client_key, exempt_when=api.message_limit_off)
def post_message():
    """Store a customer's message; the first use of a sessionId opens its ticket. ``reply``
    is the text of the automatic acknowledgement, stored once, after the opening message."""
    payload = api.json_payload(schemas.ChatPost)
    actor, minted = api.guest(payload.clientId)
    session = tickets.Session(
        payload.sessionId, payload.userIdentifier, payload.metadata, payload.identifierHash
    )
    ctx = current()
    written = messages.write(
        ctx,
        actor,
        payload.message,
        session=session,
        client_msg_id=payload.clientMsgId,
        attachments=payload.attachments,
    )
    replies = written.replies + ai_replies.wait_for_answer(ctx, written)
    body = {
        "reply": replies[-1].text if replies else "",
        "ticketId": written.ticket_id,
        "status": "open",  # it took the message: a closed session's ticket is ticket_closed
        "message": message_view(ctx, written.message, for_agent=False),
        "replies": [message_view(ctx, reply, for_agent=False) for reply in replies],
    }
    return api.remember_client(jsonify(body), minted)


@bp.get("/chat")
def read_messages():
    """The messages after ``since``; with ``wait`` > 0, a long poll that returns as soon as
    one is stored. ``lastSeq`` is the value to send as ``since`` next time."""
    params = api.query(schemas.ChatPoll)
    actor = _known_guest(None)
    ctx = current()
    ticket, found = tickets.poll(ctx, actor, params.sessionId, params.since, params.wait)
    views = [message_view(ctx, message, for_agent=False) for message in found]
    last = views[-1]["seq"] if views else min(params.since, ticket.last_guest_seq)
    return jsonify(
        {
            "ticketId": ticket.id,
            "status": ticket.status,
            "messages": views,
            "lastSeq": last,
            "agentTyping": ctx.publish.waiters.agent_typing(ticket.id),
            "agentReadSeq": tickets.read_position(ctx, ticket, "agent", for_agent=False),
        }
    )


@bp.post("/chat/typing")
def typing():
    """The customer started or stopped typing (the polling transport's ``typing``)."""
    payload = api.json_payload(schemas.ChatTyping)
    ctx = current()
    actor = _known_guest(payload.clientId)
    ticket = tickets.for_session(ctx, actor, payload.sessionId)
    tickets.typing(ctx, actor, ticket.id, payload.typing)
    return jsonify({"ok": True})


@bp.post("/chat/read")
def read():
    """The customer has read up to ``seq`` (the polling transport's ``read``)."""
    payload = api.json_payload(schemas.ChatRead)
    ctx = current()
    actor = _known_guest(payload.clientId)
    ticket = tickets.for_session(ctx, actor, payload.sessionId)
    tickets.mark_read(ctx, actor, ticket.id, payload.seq)
    return jsonify({"ok": True})


def _known_guest(sent_in_body: str | None):
    """The customer who wrote to a conversation: a request without a clientId has none."""
    sent = sent_in_body or api.sent_client_id()
    if sent is None:  # nobody to mint one for: a new customer has no conversation to read
        raise AppError(
            "invalid",
            "Send the clientId that wrote to this conversation (X-Client-Id "
            "header, cs_client_id cookie or clientId parameter).",
            {"field": "clientId"},
        )
    return api.guest(sent)[0]


@bp.get("/chat/config")
def widget_config():
    """Branding, business hours, forms and upload limits the widget needs before it opens."""
    return jsonify(chat_config.view(current()))
