"""``/agent``: agents and admins, authenticated once at connect (PROTOCOL.md §4)."""

from __future__ import annotations

import time

from flask import current_app, request
from flask_socketio import join_room

from ..errors import AppError
from ..realtime import presence
from ..realtime.publish import AGENTS_ROOM
from ..services import auth, network, ratelimit
from . import events as handlers
from .base import ChatNamespace, refuse
from .origins import own_origin

# How often a connected agent's token is checked for revocation.
WATCH_SECONDS = 10


class AgentNamespace(ChatNamespace):
    """Agents: a verified JWT from the token cookie or ``auth.token``; own origin only."""

    events = {
        "ticket:list": handlers.ticket_list,
        "ticket:join": handlers.ticket_join,
        "chat:message": handlers.chat_message,
        "ticket:close": handlers.ticket_close,
        "ticket:assign": handlers.ticket_assign,
        "room:leave": handlers.room_leave,
        "typing": handlers.typing,
        "read": handlers.read,
        "ticket:bot": handlers.ticket_bot,
        "ticket:label": handlers.ticket_label,
    }
    refusal = "Only customers may do this."

    def on_connect(self, auth_data=None):
        try:
            network.check_address(request.remote_addr)
            origin = request.headers.get("Origin")
            if origin and origin != own_origin(current_app.config, request.environ):
                raise AppError("forbidden", "Agents connect from this server's own pages only.")
            ratelimit.check("connect", request.remote_addr or "unknown")
            token = (
                auth_data.get("token") if isinstance(auth_data, dict) else None
            ) or request.cookies.get(current_app.config["JWT_ACCESS_COOKIE_NAME"])
            claims = auth.verify_access_token(token or "")
        except AppError as error:
            raise refuse(error) from None
        actor = auth.actor_from_claims(claims)
        self.remember(actor)
        join_room(AGENTS_ROOM)
        presence.current().arrived(actor.id)
        self.socketio.start_background_task(
            self._watch, current_app._get_current_object(), request.sid, claims
        )

    def on_disconnect(self, reason=None):
        actor_id = self._actor_id(request.sid)
        if actor_id is not None:
            presence.current().left(actor_id)

    def _watch(self, app, sid: str, claims: dict) -> None:
        """Disconnect the socket when its token expires, or within WATCH_SECONDS of its being
        revoked (sign-out, deactivation, demotion); the client refreshes and reconnects. Ends
        as soon as the socket is gone."""
        manager = self.socketio.server.manager
        while True:
            remaining = claims["exp"] - time.time()
            # Sleep first: while on_connect runs, the socket is not counted as connected yet.
            self.socketio.sleep(max(0.0, min(WATCH_SECONDS, remaining)))
            if not manager.is_connected(sid, self.namespace):
                return
            with app.app_context():
                ended = remaining <= WATCH_SECONDS or auth.is_revoked(claims)
            if ended:
                self.socketio.server.disconnect(sid, namespace=self.namespace)
                return
