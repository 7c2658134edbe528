"""What both namespaces share: event dispatch, the actor in the socket session, error acks."""

from __future__ import annotations

import logging
import uuid
from typing import Any, Callable

from flask import request
from flask_socketio import Namespace

from ..errors import AppError
from ..services.actors import Actor
from ..stores.failures import unavailable_error
from . import events

log = logging.getLogger(__name__)

Handler = Callable[[Actor, Any], dict[str, Any]]


class ChatNamespace(Namespace):
    """A namespace whose events all go through ``dispatch``; subclasses authenticate."""

    def trigger_event(self, event: str, *args):
        if event in ("connect", "disconnect"):
            return super().trigger_event(event, *args)
        sid, *payload = args
        return self.socketio._handle_event(self.dispatch, event, self.namespace, sid,
                                           event, payload[0] if payload else None)

    def dispatch(self, event: str, data: Any) -> dict[str, Any]:
        """Run one event's handler and shape its ack; never lets an error drop the socket."""
        try:
            handler = events.HANDLERS.get(event)
            if handler is None:
                raise AppError("invalid", f"Unknown event {event!r}.", {"event": event})
            return {"ok": True, **handler(self.actor(), data)}
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


def failure(exc: Exception, where: str) -> AppError:
    """``unavailable`` for a backend that is down, else a logged ``internal`` with a request id."""
    known = unavailable_error(exc)
    if known is not None:
        log.warning("backend unavailable during %s: %s", where, type(exc).__name__)
        return known
    request_id = uuid.uuid4().hex[:12]
    log.exception("unexpected error during %s (request id %s)", where, request_id)
    return AppError("internal", f"Something went wrong on our side (request id {request_id}); "
                    "please try again.")


def refuse(error: AppError) -> ConnectionRefusedError:
    """The exception that refuses a connection with the documented error object."""
    return ConnectionRefusedError(error.message, error.to_dict())
