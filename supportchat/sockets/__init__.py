"""Socket.IO doors: ``/guest`` for customers, ``/agent`` for agents (PROTOCOL.md §4)."""

from flask_socketio import SocketIO


def register_namespaces(socketio: SocketIO) -> None:
    """Register both namespaces once per process, and bound WebSocket frames for this server."""
    from .agent import AgentNamespace
    from .guest import GuestNamespace
    from .internals import (
        bound_websocket_frames,
        lean_websockets,
        log_greenlet_errors,
        ping_on_timers,
    )

    if not any(handler.namespace == "/guest" for handler in socketio.namespace_handlers):
        socketio.on_namespace(GuestNamespace("/guest"))
        socketio.on_namespace(AgentNamespace("/agent"))
    bound_websocket_frames(socketio)
    ping_on_timers()
    lean_websockets()
    log_greenlet_errors()
