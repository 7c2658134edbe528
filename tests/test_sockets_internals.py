"""The private Flask-SocketIO, python-socketio, python-engineio and gevent interfaces that
supportchat/sockets/internals.py (and realtime/fanout.py) rely on still exist and behave:
an upgrade that changes one fails here, by name, instead of somewhere in production."""

from __future__ import annotations

import inspect
import threading
import uuid

import pytest
from werkzeug.serving import make_server

from support.apps import base_config, make_app
from support.socket_clients import new_ticket, open_peer


def params(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_private_interfaces_keep_their_names_and_signatures():
    import engineio.async_drivers.gevent as gevent_driver
    import engineio.async_drivers.threading as threading_driver
    import engineio.socket
    import socketio
    from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI
    from gevent.hub import Hub

    assert params(SimpleWebSocketWSGI.__init__)[:3] == ["self", "handler", "server"]
    # Under threads (flask run), WebSockets go through simple-websocket, whose server takes
    # max_message_size; under gevent through gevent-websocket (ops/websocket.py).
    assert issubclass(threading_driver._async["websocket"], SimpleWebSocketWSGI)
    assert not issubclass(gevent_driver._async["websocket"], SimpleWebSocketWSGI)
    import simple_websocket
    from geventwebsocket.handler import WebSocketHandler
    from geventwebsocket.websocket import Header, Stream, WebSocket

    assert params(WebSocket.__init__) == ["self", "environ", "stream", "handler"]
    assert params(Stream.__init__) == ["self", "handler"]
    assert params(Header.decode_header) == ["stream"]
    for name in ("read_frame", "validate_utf8", "receive", "_decode_bytes", "close"):
        assert callable(getattr(WebSocket, name)), name
    assert {"upgrade_websocket", "upgrade_connection", "log_request"} <= set(vars(WebSocketHandler))

    assert "max_message_size" in params(simple_websocket.Server.__init__)
    assert {"wait", "abort"} <= set(params(engineio.socket.Socket.close))
    assert params(Hub.print_exception) == ["self", "context", "t", "v", "tb"]
    # realtime/fanout.RedisQueue overrides these hooks of python-socketio's Redis manager.
    for hook in ("_publish", "_redis_listen_with_retries", "_redis_connect"):
        assert callable(getattr(socketio.RedisManager, hook)), hook
    manager = socketio.RedisManager.__new__(socketio.RedisManager)
    socketio.RedisManager.__init__(manager, "redis://127.0.0.1:1/0", write_only=True)
    assert manager.connected is False and hasattr(manager, "pubsub")
    assert "manager_initialized" in vars(socketio.Server())
    # sockets/wire.Packet bounds attachments on what decode returns, and is installed
    # through the server's serializer option.
    assert socketio.packet.Packet().decode('51-/guest,["x",{"_placeholder":true,"num":0}]') == 1
    assert "serializer" in params(socketio.Server.__init__)


@pytest.fixture
def in_process(tmp_path):
    """An app served by werkzeug in this process, so its Socket.IO server can be inspected."""
    app = make_app(base_config(tmp_path, TESTING="true"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_the_shims_behave_against_a_live_socket(in_process):
    from supportchat.sockets import internals

    app, url = in_process
    sockets = app.extensions["socketio"]
    engine = sockets.server.eio
    assert engine._async["websocket"].__name__ == "BoundedWebSocket"
    bounded = engine._async["websocket"](lambda ws: None, engine)
    assert bounded.server_args["max_message_size"] == engine.max_http_buffer_size

    guest = open_peer(url, "/guest", auth={"clientId": str(uuid.uuid4())})
    try:
        assert new_ticket(guest)["ok"]
        connections = internals.open_connections(sockets.server)
        assert len(connections) == 1 and not connections[0].closed
        internals.drop(connections[0])
        guest.wait_for("disconnect")
        assert internals.open_connections(sockets.server) == []
    finally:
        guest.close()


def test_a_failed_background_task_is_one_log_line_without_its_arguments(caplog, capfd):
    import logging

    import gevent

    from supportchat.sockets import internals

    def fail(text: str) -> None:
        raise KeyError(text)

    internals.log_greenlet_errors()
    with caplog.at_level(logging.ERROR, logger="supportchat.sockets.internals"):
        gevent.spawn(fail, "private words").join()
    assert [record for record in caplog.records if "KeyError" in record.getMessage()]
    assert "private words" not in str([vars(record) for record in caplog.records])
    assert "private words" not in capfd.readouterr().err


def test_pings_wait_on_loop_timers_and_follow_each_pong():
    """ping_on_timers: each connection's next ping comes no sooner than ping_interval after
    the last pong, from a gevent timer (no greenlet per connection), and never to a closed
    connection."""
    import gc
    import time

    import engineio
    import gevent
    from engineio import packet
    from engineio.socket import Socket

    from supportchat.sockets.internals import ping_on_timers

    def greenlets() -> int:
        # type(), not isinstance(): a dead weak proxy among the objects raises on the latter.
        return len([g for g in gc.get_objects() if issubclass(type(g), gevent.Greenlet)])

    def next_packet(connection: Socket) -> packet.Packet:
        waited = time.monotonic()
        while not connection.queue.qsize():
            assert time.monotonic() - waited < 5, "no ping"
            gevent.sleep(0.01)
        return connection.queue.get_nowait()

    ping_on_timers()
    server = engineio.Server(async_mode="gevent", ping_interval=0.2)
    live, closed = Socket(server, "live"), Socket(server, "closed")
    closed.closed = True
    before = greenlets()
    time.sleep(0.3)  # work that does not yield: the loop's clock falls behind
    scheduled = time.monotonic()
    for connection in (live, closed):
        connection.schedule_ping()
    assert greenlets() == before
    assert next_packet(live).packet_type == packet.PING
    assert time.monotonic() - scheduled >= 0.2 and live.last_ping
    ponged = time.monotonic()
    live.receive(packet.Packet(packet.PONG))  # the pong schedules the next ping
    assert next_packet(live).packet_type == packet.PING
    assert time.monotonic() - ponged >= 0.2
    assert closed.queue.qsize() == 0


class DriverPeer:
    """The driver's side of one WebSocket as Engine.IO's gevent handler sees it (``wait``,
    ``send``, ``close``): what arrives is put in ``incoming``, what is written lands in
    ``sent``; each write yields, as a socket's may."""

    def __init__(self, fail_after: int | None = None):
        from gevent.queue import Queue

        self.incoming, self.sent, self.closed = Queue(), [], False
        self.fail_after = fail_after

    def wait(self):
        return self.incoming.get()

    def send(self, data: str) -> None:
        import gevent

        gevent.sleep(0)
        if self.fail_after is not None and len(self.sent) >= self.fail_after:
            raise OSError("connection reset by peer")
        self.sent.append(data)

    def close(self) -> None:
        self.closed = True


def websocket_connection(peer: DriverPeer):
    """A gevent Engine.IO connection on ``peer``, its handler running (lean_websockets on)."""
    import engineio
    import gevent
    from engineio.socket import Socket

    from supportchat.sockets.internals import lean_websockets

    lean_websockets()
    connection = Socket(engineio.Server(async_mode="gevent"), "sid")
    reader = gevent.spawn(connection._websocket_handler, peer)
    gevent.sleep(0.05)
    return connection, reader


def live_greenlets() -> int:
    import gc

    import gevent

    objects = gc.get_objects()  # type(), not isinstance(): dead weak proxies raise on the latter
    return len([g for g in objects if issubclass(type(g), gevent.Greenlet) and not g.dead])


def test_an_idle_websocket_holds_no_writer_and_packets_leave_in_order_before_the_close():
    """lean_websockets: no greenlet waits on an idle connection's queue; a burst leaves in the
    order it was queued from one short-lived writer; close() returns once everything queued
    before it is written, the close packet last."""
    import gevent
    from engineio import packet

    peer = DriverPeer()
    before = live_greenlets()
    connection, reader = websocket_connection(peer)
    assert live_greenlets() == before + 1  # the reader alone
    burst = [packet.Packet(packet.MESSAGE, data=f"m{n}") for n in range(50)]
    for pkt in burst:
        connection.send(pkt)
    gevent.sleep(0.05)
    assert peer.sent == [pkt.encode() for pkt in burst]
    assert live_greenlets() == before + 1  # the writer ended with the queue empty

    connection.send(packet.Packet(packet.MESSAGE, data="last"))
    with gevent.Timeout(5):
        connection.close()
    assert peer.sent[-2:] == ["4last", "1"] and peer.closed
    peer.incoming.put(None)  # the client goes
    assert reader.join(5) is None and reader.dead


def test_a_peer_that_fails_a_write_does_not_hang_the_close():
    """A write that fails closes the WebSocket, as Engine.IO's writer does; what was still
    queued is let go, so a server-side close (which waits for the queue) returns."""
    import gevent
    from engineio import packet

    peer = DriverPeer(fail_after=2)
    connection, reader = websocket_connection(peer)
    for n in range(10):
        connection.send(packet.Packet(packet.MESSAGE, data=f"m{n}"))
    gevent.sleep(0.05)
    assert peer.sent == ["4m0", "4m1"] and peer.closed
    with gevent.Timeout(5):
        connection.close()
    peer.incoming.put(None)
    reader.join(5)
    assert reader.dead
