"""What both namespaces share: event dispatch, lifecycle, the actor in the socket session,
error acks."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from flask import current_app, g, request
from flask_socketio import ConnectionRefusedError, Namespace  # noqa: A004 (not the builtin)

from ..errors import AppError
from ..ops import logs, observe
from ..services.actors import Actor
from ..stores.failures import unavailable_error
from . import blocked, wire

log = logging.getLogger(__name__)

Handler = Callable[[Actor, Any], dict[str, Any]]
# Every event some namespace allows: one allowed only elsewhere is "forbidden", not "unknown".
KNOWN: set[str] = set()


class ChatNamespace(Namespace):
    """A namespace whose allowed ``events`` all go through ``dispatch``; subclasses
    authenticate at connect."""

    events: ClassVar[Mapping[str, Handler]] = {}
    refusal: ClassVar[str] = "Not allowed here."  # the answer to another namespace's event

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        KNOWN.update(cls.events)

    def __init__(self, namespace: str):
        super().__init__(namespace)
        self._live: set[str] = set()  # sockets whose connect ran here and succeeded

    def trigger_event(self, event: Any, *args):
        sid = args[0]
        environ = self.socketio.server.get_environ(sid, self.namespace)
        lifecycle = self._lifecycle(event, sid, args, environ)
        # Metric labels stay few: client-chosen event names all count as "unknown".
        name = event if lifecycle or (isinstance(event, str) and event in KNOWN) else "unknown"
        return observe.socket_event(
            self.namespace,
            name,
            environ,
            lambda: self._actor_id(sid),
            lambda: self._trigger(lifecycle, environ, event, *args),
        )

    def _lifecycle(self, event: Any, sid: str, args: tuple, environ: dict | None) -> bool:
        """Whether the server itself runs ``connect``/``disconnect``; a client may emit events
        of those names, which are then ordinary (unknown) events. The server connects with the
        socket's own environ and disconnects a socket counted here that is leaving."""
        if event == "connect":
            return len(args) > 1 and environ is not None and args[1] is environ
        if (
            event == "disconnect"
            and sid in self._live
            and not self.socketio.server.manager.is_connected(sid, self.namespace)
        ):
            self._live.discard(sid)
            return True
        return False

    def _trigger(self, lifecycle: bool, environ: dict | None, event: Any, *args):
        if lifecycle:  # in the Flask request context Flask-SocketIO builds (headers, cookies)
            result = super().trigger_event(event, *args)
            if event == "connect" and result is not False:
                self._live.add(args[0])
                blocked.watch(self, args[1].get("flask.app"))
            return result
        if environ is None:  # a socket this process does not know (any more): as Flask-SocketIO
            return "", 400
        # Every other event runs in an application context alone: the services need the app
        # (its database session, its settings) but nothing of a request, whose context (a
        # Request, the cookie session, the request teardown) was 6 % of the server's time under
        # load (bench/RESULTS.md). The event's socket is in g (sid, join, leave below).
        sid, *payload = args
        with environ["flask.app"].app_context():
            g.sid, g.namespace, g.client_address = sid, self.namespace, environ.get("REMOTE_ADDR")
            return self.dispatch(event, payload[0] if payload else None)

    def dispatch(self, event: Any, data: Any) -> dict[str, Any]:
        """Run one event's handler and shape its ack; never lets an error drop the socket."""
        try:
            if not isinstance(event, str):
                raise AppError(
                    "invalid", "An event name must be a string.", {"event": type(event).__name__}
                )
            handler = self.events.get(event)
            if handler is None:
                if event in KNOWN:
                    raise AppError("forbidden", self.refusal)
                # Echoed safely: the ack is encoded by orjson, which refuses broken characters.
                name = event[:64].encode("utf-8", "backslashreplace").decode()
                raise AppError("invalid", f"Unknown event {name!r}.", {"event": name})
            if data is wire.TOO_DEEP:
                raise AppError(
                    "invalid",
                    f"The payload is nested more than {wire.MAX_DEPTH} levels deep.",
                    {"limit": wire.MAX_DEPTH},
                )
            return {"ok": True, **handler(self.actor(), data)}
        except AppError as error:
            return {"ok": False, "error": error.to_dict()}
        except Exception as exc:  # the one place unexpected failures become an ack
            return {"ok": False, "error": failure(exc, str(event)).to_dict()}

    def actor(self) -> Actor:
        """The actor saved at connect time, for the running event."""
        return self.socketio.server.get_session(g.sid, namespace=self.namespace)["actor"]

    def remember(self, actor: Actor) -> None:
        """At connect: keep the verified actor on the server side of this socket."""
        self.socketio.server.save_session(request.sid, {"actor": actor}, namespace=self.namespace)

    def _actor_id(self, sid: str) -> str | None:
        try:
            return self.socketio.server.get_session(sid, namespace=self.namespace)["actor"].id
        except KeyError:  # not authenticated yet, or already gone
            return None


def join(room: str) -> None:
    """Put the socket of the running event in ``room``."""
    current_app.extensions["socketio"].server.enter_room(g.sid, room, namespace=g.namespace)


def leave(room: str) -> None:
    """Take the socket of the running event out of ``room``."""
    current_app.extensions["socketio"].server.leave_room(g.sid, room, namespace=g.namespace)


def tell(event: str, payload: Any) -> None:
    """Send ``event`` to the socket of the running event alone, before its acknowledgement (it
    is connected to this process: no other process need hear of it)."""
    current_app.extensions["socketio"].server.emit(
        event, payload, to=g.sid, namespace=g.namespace, ignore_queue=True
    )


def failure(exc: Exception, where: str) -> AppError:
    """``unavailable`` for a backend that is down, else a logged ``internal`` with a request id."""
    known = unavailable_error(exc)
    if known is not None:
        log.warning("backend unavailable during %s: %s", where, type(exc).__name__)
        return known
    request_id = logs.request_id()
    # Type and frames only: an exception's message may quote the event's payload.
    log.error(
        "unexpected error during %s (request id %s): %s",
        where,
        request_id,
        type(exc).__name__,
        extra={"trace": "".join(traceback.format_tb(exc.__traceback__))},
    )
    return AppError(
        "internal", f"Something went wrong on our side (request id {request_id}); please try again."
    )


def refuse(error: AppError) -> ConnectionRefusedError:
    """The exception that refuses a connection with the documented error object (Socket.IO's
    own ConnectionRefusedError: the builtin one would reach clients without the object)."""
    return ConnectionRefusedError(error.message, error.to_dict())
