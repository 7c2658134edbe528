"""Socket.IO doors: ``/guest`` for customers, ``/agent`` for agents (PROTOCOL.md §4)."""

from flask_socketio import SocketIO


def register_namespaces(socketio: SocketIO) -> None:
    """Register both namespaces once per process, and bound WebSocket frames for this server."""
    from .agent import AgentNamespace
    from .guest import GuestNamespace

    if not any(handler.namespace == "/guest" for handler in socketio.namespace_handlers):
        socketio.on_namespace(GuestNamespace("/guest"))
        socketio.on_namespace(AgentNamespace("/agent"))
    _bound_websocket_frames(socketio)


def _bound_websocket_frames(socketio: SocketIO) -> None:
    """Stop reading a WebSocket frame as soon as it passes the event size limit.

    Engine.IO refuses an oversized frame only after simple-websocket has buffered all of it,
    so one client could make the server hold a frame of any size in memory; here the
    WebSocket layer closes the connection (code 1009) once the limit is crossed."""
    from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI

    engine = socketio.server.eio
    transport = engine._async["websocket"]
    if not (isinstance(transport, type) and issubclass(transport, SimpleWebSocketWSGI)):
        return  # gevent-websocket, when installed, offers no such hook
    limit = engine.max_http_buffer_size

    class BoundedWebSocket(transport):
        def __init__(self, handler, server):
            super().__init__(handler, server)
            self.server_args["max_message_size"] = limit

        def __call__(self, environ, start_response):
            # No permessage-deflate: chat frames are a few hundred bytes, and compressing
            # each one cost more CPU than anything else per frame (bench/RESULTS.md).
            environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
            return super().__call__(environ, start_response)

    # A copy: the driver's table is module-level and shared by every server in the process.
    engine._async = {**engine._async, "websocket": BoundedWebSocket}
