"""Every private Flask-SocketIO, python-socketio, python-engineio and gevent interface we rely
on, in one place; tests/test_sockets_internals.py fails loudly when an upgrade changes one.

(fanout.RedisQueue also overrides python-socketio's Redis manager hooks; the same test covers
them.)
"""

from __future__ import annotations

import contextlib
import logging
import traceback
from collections.abc import Callable
from typing import Any

from flask_socketio import SocketIO

log = logging.getLogger(__name__)


def open_connections(server: Any) -> list:
    """This process's open Engine.IO connections (``eio.sockets``)."""
    return [connection for connection in list(server.eio.sockets.values()) if not connection.closed]


def drop(connection: Any) -> None:
    """Close a connection as a network failure would: no close packet, so the client retries."""
    connection.close(wait=False, abort=True)


def bound_websocket_frames(socketio: SocketIO) -> None:
    """Under ``flask run`` (threads), stop reading a WebSocket frame as soon as it passes the
    event size limit.

    There WebSockets go through simple-websocket, and Engine.IO refuses an oversized frame only
    after it has buffered all of it, so one client could make the server hold a frame of any
    size in memory; here the WebSocket layer closes the connection (code 1009) once the limit
    is crossed. Under gevent, gevent-websocket carries the same limit (ops/websocket.py)."""
    from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI

    engine = socketio.server.eio
    transport = engine._async["websocket"]
    if not (isinstance(transport, type) and issubclass(transport, SimpleWebSocketWSGI)):
        return  # gevent: ops/websocket.py
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


def ping_on_timers() -> None:
    """Under gevent, wait for each connection's next Engine.IO ping on a loop timer instead of
    a greenlet that sleeps ``ping_interval`` (``Socket.schedule_ping``): one parked greenlet
    per idle connection was ~4.5 KB, and every pong spawned another one."""
    import time

    from engineio import packet
    from engineio.socket import Socket
    from gevent import get_hub

    if getattr(Socket.schedule_ping, "on_timers", False):
        return
    spawn_a_task = Socket.schedule_ping

    def ping(connection: Socket, timer: Any) -> None:  # in the hub: nothing here may block
        timer.close()
        if not connection.closing and not connection.closed:
            connection.last_ping = time.time()
            connection.send(packet.Packet(packet.PING))  # a put on an unbounded queue

    def schedule_ping(connection: Socket) -> None:
        if connection.server.async_mode != "gevent":
            spawn_a_task(connection)
        elif connection.last_ping:  # as Engine.IO: one ping at a time, after the last pong
            connection.last_ping = None
            timer = get_hub().loop.timer(connection.server.ping_interval)
            # From now: the loop's clock is stale after a long stretch of work.
            timer.start(ping, connection, timer, update=True)

    schedule_ping.on_timers = True
    Socket.schedule_ping = schedule_ping


def lean_websockets() -> None:
    """Under gevent, hold less for each open WebSocket (bench/RESULTS.md, "Idle sockets"):

    - Packets are written from a greenlet that lives only while packets wait, instead of
      Engine.IO's writer greenlet parked on every connection's queue for the connection's
      whole life (``Socket._websocket_handler``). That greenlet's saved C stack, its own Python
      frame stack (a 16 KB mapping per greenlet) and its poll timer were 8.7 KB of the 41.5 KB
      an idle connection held. Packets still leave in the order they were queued, one writer
      at a time, and a close waits for what was queued before it.
    - The WebSocket handler is entered as a method, not by calling the driver object
      (``Socket._upgrade_websocket``): calling an object starts a C-level interpreter frame,
      which stays in the saved stack of the connection's reader greenlet.

    ``connection.websocket``: absent while polling, then the WebSocket, then None once it is
    closed."""
    import gevent
    from engineio import exceptions, packet
    from engineio.socket import Socket
    from gevent.queue import Empty

    if getattr(Socket._websocket_handler, "lean", False):
        return
    engine_handler, engine_send, engine_close, engine_upgrade = (
        Socket._websocket_handler,
        Socket.send,
        Socket.close,
        Socket._upgrade_websocket,
    )

    def write(connection: Socket, ws: Any) -> None:
        """Send what is queued, then end. ``None`` in the queue closes the WebSocket, and so
        does a failed write (the peer is gone), as in Engine.IO's writer."""
        queue = connection.queue
        try:
            with contextlib.suppress(Exception):
                while True:
                    try:
                        item = queue.get(block=False)
                    except Empty:
                        return
                    queue.task_done()
                    if item is None:
                        break
                    ws.send(item.encode())
        finally:
            connection.writer = None
        connection.websocket = None
        ws.close()
        while not queue.empty():  # nobody writes these now; a close(wait=True) must not hang
            queue.get(block=False)
            queue.task_done()

    def wake(connection: Socket) -> None:
        if getattr(connection, "websocket", None) and not getattr(connection, "writer", None):
            connection.writer = gevent.spawn(write, connection, connection.websocket)

    def send(connection: Socket, pkt: packet.Packet) -> None:
        engine_send(connection, pkt)
        wake(connection)

    def close(connection: Socket, wait: bool = True, abort: bool = False, reason=None) -> None:
        closing = not connection.closed and not connection.closing
        engine_close(connection, wait=False, abort=abort, reason=reason)
        wake(connection)
        # Wait for the queue unless its WebSocket is gone (then nobody will take the rest).
        if wait and closing and getattr(connection, "websocket", "polling") is not None:
            connection.queue.join()

    def handle_websocket(connection: Socket, ws: Any) -> list:
        if connection.server.async_mode != "gevent":
            return engine_handler(connection, ws)
        server = connection.server

        def receive() -> Any:
            data = ws.wait()
            if data and len(data) > server.max_http_buffer_size:
                raise ValueError("packet is too large")
            return data

        if connection.connected:  # an upgrade from long polling: Engine.IO's probe
            connection.upgrading = True  # packets wait in the queue meanwhile
            probe = packet.Packet(encoded_packet=receive())
            if probe.packet_type != packet.PING or probe.data != "probe":
                connection.upgrading = False
                return []
            ws.send(packet.Packet(packet.PONG, data="probe").encode())
            connection.queue.put(packet.Packet(packet.NOOP))  # ends the pending poll
            if packet.Packet(encoded_packet=receive()).packet_type != packet.UPGRADE:
                connection.upgrading = False
                return []
            connection.upgrading = False
        connection.connected = connection.upgraded = True
        connection.websocket = ws
        wake(connection)  # what was queued before the upgrade
        while True:
            try:
                data = receive()
            except Exception:
                break
            if data is None:  # the client closed
                break
            try:
                connection.receive(packet.Packet(encoded_packet=data))
            except exceptions.UnknownPacketError:
                continue  # ignored, as Engine.IO does
            except exceptions.SocketIsClosedError:
                break
            except Exception:
                server.logger.exception("Unknown receive error")
                break
        connection.queue.put(None)
        wake(connection)
        writer = getattr(connection, "writer", None)
        if writer:
            writer.join()
        connection.close(wait=False, abort=True, reason=server.reason.TRANSPORT_CLOSE)
        return []

    def upgrade(connection: Socket, environ: dict, start_response: Callable) -> Any:
        if connection.upgraded or connection.server.async_mode != "gevent":
            return engine_upgrade(connection, environ, start_response)
        driver = connection.server._async["websocket"]
        return driver(connection._websocket_handler, connection.server).__call__(
            environ, start_response
        )

    handle_websocket.lean = True
    Socket._websocket_handler, Socket.send, Socket.close = handle_websocket, send, close
    Socket._upgrade_websocket = upgrade


def log_greenlet_errors() -> None:
    """Report a greenlet that died of an error as one JSON log line, without the greenlet's
    arguments: gevent's own report prints them (a socket event's payload, a request's
    environ) as plain text on stderr."""
    from gevent.hub import Hub

    # gevent's own signature; the context (arguments, an environ) and the value are left out.
    def print_exception(self, context, t, v, tb) -> None:
        # Type and frames only: an exception's message may quote what the client sent.
        log.error(
            "a background task failed: %s",
            getattr(t, "__name__", t),
            extra={"trace": "".join(traceback.format_tb(tb)).rstrip()},
        )

    Hub.print_exception = print_exception
