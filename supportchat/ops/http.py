"""The gevent WSGI server that ``supportchat serve`` and gunicorn's workers (gunicorn.conf.py)
both run: a deadline for each request's headers, a cap on connections per client address,
WebSocket upgrades through gevent-websocket (websocket.py), and kept-alive connections that a
stop can close."""

from __future__ import annotations

import logging
import socket
from collections import Counter

import gevent
from gevent.pool import Pool
from gevent.pywsgi import WSGIServer

from .websocket import WebSocketRequestHandler

log = logging.getLogger(__name__)
# Bytes read ahead from a connection. pywsgi's default (8 KiB) is held for the connection's
# whole life: 80 MB for 10,000 idle WebSockets. Chat frames fit in 512 bytes, the largest block
# Python's small-object allocator serves (tighter than malloc); longer request lines and
# headers take a few reads more, and a larger read (an upload's body) goes around the buffer.
READ_BUFFER = 512


class HeaderTimeout(socket.timeout, ValueError):
    """The request line and headers took longer than HEADER_TIMEOUT: pywsgi closes the
    connection (a socket error), or answers 400 and logs one line (invalid input)."""


class Handler(WebSocketRequestHandler):
    """pywsgi's handler, made to end connections cleanly and promptly."""

    def __init__(self, sock, address, server):
        super().__init__(sock, address, server)
        self.rfile = sock.makefile("rb", READ_BUFFER)

    def handle_one_request(self):
        if self.server.stopping:
            return None  # no new request on a kept-alive connection once stopping
        # A client that trickles its headers (slowloris) is cut off at the deadline; the
        # timer stops once the headers are in (handle_one_response), before the application.
        self.header_deadline = gevent.Timeout.start_new(self.server.header_timeout, HeaderTimeout)
        try:
            return super().handle_one_request()
        finally:
            self.header_deadline.close()

    def handle_one_response(self):
        self.header_deadline.close()
        return super().handle_one_response()

    def run_application(self):
        super().run_application()
        # After a WebSocket session, leftover frames are not the next HTTP request; after a
        # 413 the rest of an oversized body is not worth reading; and a stopping server sends
        # clients elsewhere for their next one.
        if (
            self.server.stopping
            or (self.status or b"").startswith(b"413")  # pywsgi: bytes
            or self.environ.get("HTTP_UPGRADE", "").lower() == "websocket"
        ):
            self.close_connection = True

    def read_requestline(self):
        # Waiting here is the idle time of a kept-alive connection; a stop closes those.
        self.server.idle.add(self)
        try:
            return super().read_requestline()
        finally:
            self.server.idle.discard(self)


class Server(WSGIServer):
    """A pywsgi server whose handlers run in a pool, so a stop can wait for them, with a
    deadline for headers and a cap on connections per client address."""

    def __init__(
        self, listener, application, header_timeout: float = 10, per_address: int = 0, **options
    ):
        """``options``: more of WSGIServer's (gunicorn's worker passes its pool, its base
        environ and TLS settings)."""
        super().__init__(
            listener,
            application,
            **{"spawn": Pool(), **options},
            handler_class=Handler,
            log=None,  # access lines come from the app: no clientIds in URLs
            error_log=log,  # as JSON lines, like every other line
        )
        self.stopping = False
        self.idle: set[Handler] = set()
        self.header_timeout = header_timeout
        self.per_address = per_address
        self.open: Counter[str] = Counter()

    def handle(self, sock, address):
        host = address[0] if isinstance(address, tuple) else str(address)
        if self.per_address and self.open[host] >= self.per_address:
            sock.close()  # over the cap: refused before a byte is read
            return
        self.open[host] += 1
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            # pywsgi sends a response's headers and body in two writes; with Nagle's algorithm
            # the body waited for the client's delayed ACK: 40 ms on every kept-alive request.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            super().handle(sock, address)
        finally:
            self.open[host] -= 1
            if not self.open[host]:
                del self.open[host]

    def close(self) -> None:
        """Stop accepting (``supportchat serve``'s stop, gunicorn's worker on SIGTERM); kept-alive
        connections get no further request."""
        super().close()
        self.stopping = True
        self.close_idle()

    def close_idle(self) -> None:
        """End kept-alive connections that wait for a next request."""
        for handler in list(self.idle):
            try:
                handler.socket.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already gone
