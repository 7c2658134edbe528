"""What both namespaces share: event dispatch, the actor in the socket session, error acks."""

from __future__ import annotations

import logging
from typing import Any, Callable

from flask import request
from flask_socketio import ConnectionRefusedError, Namespace  # noqa: A004 (not the builtin)

from ..ops import logs, observe
from ..errors import AppError
from ..services.actors import Actor, require_agent
from ..stores.failures import unavailable_error
from . import events

log = logging.getLogger(__name__)

Handler = Callable[[Actor, Any], dict[str, Any]]
LIFECYCLE = ("connect", "disconnect")


class ChatNamespace(Namespace):
    """A namespace whose events all go through ``dispatch``; subclasses authenticate."""

    def trigger_event(self, event: str, *args):
        sid = args[0]
        # Metric labels stay few: client-chosen event names all count as "unknown".
        name = event if event in events.HANDLERS or event in LIFECYCLE else "unknown"
        environ = args[1] if event == "connect" else self.socketio.server.get_environ(
            sid, self.namespace)
        return observe.socket_event(self.namespace, name, environ, lambda: self._actor_id(sid),
                                    lambda: self._trigger(event, *args))

    def _trigger(self, event: str, *args):
        if event in LIFECYCLE:
            return super().trigger_event(event, *args)
        sid, *payload = args
        return self.socketio._handle_event(self.dispatch, event, self.namespace, sid,
                                           event, payload[0] if payload else None)

    def dispatch(self, event: str, data: Any) -> dict[str, Any]:
        """Run one event's handler and shape its ack; never lets an error drop the socket."""
        try:
            handler = events.HANDLERS.get(event)
            if handler is None:
                # Echoed safely: the ack is encoded by orjson, which refuses broken characters.
                name = event[:64].encode("utf-8", "backslashreplace").decode()
                raise AppError("invalid", f"Unknown event {name!r}.", {"event": name})
            actor = self.actor()
            if event in events.AGENT_ONLY:
                require_agent(actor)
            return {"ok": True, **handler(actor, data)}
        except AppError as error:
            return {"ok": False, "error": error.to_dict()}
        except Exception as exc:  # the one place unexpected failures become an ack
            return {"ok": False, "error": failure(exc, event).to_dict()}

    def actor(self) -> Actor:
        """The actor saved at connect time."""
        return self.socketio.server.get_session(request.sid, namespace=self.namespace)["actor"]

    def remember(self, actor: Actor) -> None:
        """Keep the verified actor on the server side of this socket."""
        self.socketio.server.save_session(request.sid, {"actor": actor}, namespace=self.namespace)

    def _actor_id(self, sid: str) -> str | None:
        try:
            return self.socketio.server.get_session(sid, namespace=self.namespace)["actor"].id
        except KeyError:  # not authenticated yet, or already gone
            return None


def failure(exc: Exception, where: str) -> AppError:
    """``unavailable`` for a backend that is down, else a logged ``internal`` with a request id."""
    known = unavailable_error(exc)
    if known is not None:
        log.warning("backend unavailable during %s: %s", where, type(exc).__name__)
        return known
    request_id = logs.request_id()
    log.exception("unexpected error during %s (request id %s)", where, request_id)
    return AppError("internal", f"Something went wrong on our side (request id {request_id}); "
                    "please try again.")


def refuse(error: AppError) -> ConnectionRefusedError:
    """The exception that refuses a connection with the documented error object (Socket.IO's
    own ConnectionRefusedError: the builtin one would reach clients without the object)."""
    return ConnectionRefusedError(error.message, error.to_dict())
