"""The baseline: a bare Flask-SocketIO relay (gevent, one namespace, no auth, no storage).

It runs on the same server stack as supportchat (gevent's WSGIServer, gevent-websocket,
``TCP_NODELAY``, the same collector settings) and answers the generator's events with the
same shapes as supportchat, so the same load can be sent to both: ``ticket:create`` makes up
an id and joins its room, ``ticket:join`` joins a room, ``chat:message`` broadcasts to the
room and acknowledges. Every benchmark result is a ratio against this process measured in
the same run.

Run: ``python bench/baseline/relay.py PORT``
"""

from gevent import monkey

monkey.patch_all()

import gc  # noqa: E402
import itertools  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
import uuid  # noqa: E402

from flask import Flask  # noqa: E402
from flask_socketio import SocketIO, emit, join_room  # noqa: E402
from gevent.pywsgi import WSGIServer  # noqa: E402

app = Flask(__name__)
socketio = SocketIO(app, async_mode="gevent", manage_session=False)
counter = itertools.count(1)


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@socketio.on("ticket:create")
def ticket_create(data):
    ticket_id = uuid.uuid4().hex
    join_room(f"ticket:{ticket_id}")
    return {"ok": True, "ticket": {"id": ticket_id}}


@socketio.on("ticket:join")
def ticket_join(data):
    join_room(f"ticket:{data['ticketId']}")
    return {"ok": True, "messages": [], "hasMore": False}


@socketio.on("chat:message")
def chat_message(data):
    message = {
        "ticketId": data["ticketId"],
        "seq": next(counter),
        "text": data["text"],
        "clientMsgId": data.get("clientMsgId"),
        "sender": {"role": data.get("role")},
    }
    emit("chat:message", message, to=f"ticket:{data['ticketId']}")
    return {"ok": True, "message": message}


class Server(WSGIServer):
    def handle(self, sock, address):
        # As supportchat's own server does (ops/http.py): with Nagle's algorithm a socket's
        # next small frame waits for the client's delayed ACK of the one before (40 ms).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().handle(sock, address)


if __name__ == "__main__":
    # The collector set as supportchat's server sets it (ops/server.py), so that neither
    # its pauses nor Nagle's delays above count as supportchat's overhead or gain.
    gc.freeze()
    gc.set_threshold(20_000, *gc.get_threshold()[1:])
    port = int(sys.argv[1])
    try:  # the WebSocket driver the product runs on (engine.io uses it when installed)
        from geventwebsocket.handler import WebSocketHandler as handler
    except ImportError:
        from gevent.pywsgi import WSGIHandler as handler
    Server(("127.0.0.1", port), app, log=None, handler_class=handler).serve_forever()
