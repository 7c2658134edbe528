"""``/guest``: customers, known by their clientId (PROTOCOL.md §4)."""

from __future__ import annotations

import uuid

from flask import request

from ..errors import AppError
from ..services import actors, network, ratelimit
from . import events as handlers
from .base import ChatNamespace, refuse


class GuestNamespace(ChatNamespace):
    """Customers: identity from auth, header, cookie or query; one is minted when absent."""

    events = {
        "ticket:create": handlers.ticket_create,
        "ticket:join": handlers.ticket_join,
        "chat:message": handlers.chat_message,
        "room:leave": handlers.room_leave,
        "typing": handlers.typing,
        "read": handlers.read,
        "ticket:handoff": handlers.ticket_handoff,
        "ticket:rate": handlers.ticket_rate,
    }
    refusal = "Only agents may do this."

    def on_connect(self, auth=None):
        try:
            network.check_address(request.remote_addr)
            ratelimit.check("connect", request.remote_addr or "unknown")
            sent = _sent_client_id(auth)
            client_id = actors.parse_client_id(sent) if sent is not None else str(uuid.uuid4())
        except AppError as error:
            raise refuse(error) from None
        self.remember(actors.guest(client_id))
        if sent is None:
            sid = request.sid
            # After the CONNECT packet has gone out, tell the widget which id to keep.
            self.socketio.start_background_task(
                self.socketio.emit,
                "session",
                {"clientId": client_id},
                to=sid,
                namespace=self.namespace,
            )


def _sent_client_id(auth) -> object | None:
    if isinstance(auth, dict) and auth.get("clientId") is not None:
        return auth["clientId"]
    return (
        request.headers.get("X-Client-Id")
        or request.cookies.get("cs_client_id")
        or request.args.get("clientId")
    )
