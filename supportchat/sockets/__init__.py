"""Socket.IO doors: ``/guest`` for customers, ``/agent`` for agents (PROTOCOL.md §4)."""

from flask_socketio import SocketIO


def register_namespaces(socketio: SocketIO) -> None:
    """Register both namespaces once per process."""
    from .agent import AgentNamespace
    from .guest import GuestNamespace

    if "/guest" not in socketio.server_options.get("namespaces_registered", ()):
        socketio.on_namespace(GuestNamespace("/guest"))
        socketio.on_namespace(AgentNamespace("/agent"))
        socketio.server_options.setdefault("namespaces_registered", ("/guest", "/agent"))
