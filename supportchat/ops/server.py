"""The gevent WSGI server behind ``supportchat serve``, and the graceful stop that it and
gunicorn's workers (gunicorn.conf.py) share: stop accepting, ask Socket.IO clients to
reconnect elsewhere, answer long polls now, and let in-flight requests finish."""

from __future__ import annotations

import gc
import logging
import signal
import socket
from collections import Counter

import gevent
from flask import Flask
from gevent.event import Event
from gevent.pool import Pool
from gevent.pywsgi import WSGIHandler, WSGIServer

from ..realtime import fanout
from ..realtime.waker import waiters
from ..services import ai_replies

log = logging.getLogger(__name__)
GC_THRESHOLD = 20_000  # allocations between collections of the youngest generation


class HeaderTimeout(socket.timeout, ValueError):
    """The request line and headers took longer than HEADER_TIMEOUT: pywsgi closes the
    connection (a socket error), or answers 400 and logs one line (invalid input)."""


class Handler(WSGIHandler):
    """pywsgi's handler, made to end connections cleanly and promptly."""

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

    def __init__(self, listener, application, header_timeout: float = 10, per_address: int = 0):
        super().__init__(
            listener,
            application,
            handler_class=Handler,
            spawn=Pool(),
            log=None,  # access lines come from the app: no clientIds in URLs
            error_log=log,
        )  # as JSON lines, like every other line
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
        try:
            super().handle(sock, address)
        finally:
            self.open[host] -= 1
            if not self.open[host]:
                del self.open[host]

    def close_idle(self) -> None:
        """End kept-alive connections that wait for a next request."""
        for handler in list(self.idle):
            try:
                handler.socket.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already gone


def make_server(app: Flask, host: str, port: int) -> Server:
    """A gevent server for ``app`` on ``host:port``."""
    # Behind a proxy every connection comes from the proxy: the cap would cap everyone.
    cap = 0 if app.config["TRUSTED_PROXIES"] else app.config["MAX_CONNECTIONS_PER_ADDRESS"]
    return Server((host, port), app, app.config["HEADER_TIMEOUT"], cap)


def start(app: Flask) -> None:
    """Background work a serving process needs from the start (the queue and wake-up
    listeners), and the garbage collector set for a long-lived server."""
    # What is loaded by now (Flask, SQLAlchemy, the app) lives as long as the process: frozen,
    # the collector stops walking it. Each socket event leaves thousands of short-lived
    # objects; collecting the youngest generation every 700 allocations (the default) was
    # 15 % of the server's time under load (bench/RESULTS.md).
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    fanout.listen(app.extensions["socketio"].server)
    app.extensions["supportchat.waker"].start()
    app.extensions["supportchat.presence"].start()  # heartbeats of this process's agents
    ai_replies.recover_soon(app)  # customer messages a previous process left unanswered
    app.extensions["supportchat.outbox_worker"].start()


def drain(app: Flask) -> int:
    """Ask this process's Socket.IO clients to reconnect (the load balancer sends them to a
    live process, where they resync by seq) and answer its long polls now; returns how
    many connections were asked."""
    sockets = app.extensions["socketio"].server
    fanout.refuse_new_clients(sockets)  # gunicorn's worker still accepts for a moment
    moved = fanout.reconnect_clients(sockets)
    waiters.release_all()
    return moved


def run(app: Flask, host: str, port: int) -> None:
    """Serve until SIGTERM or SIGINT, then stop gracefully within SHUTDOWN_TIMEOUT."""
    server = make_server(app, host, port)
    server.start()
    start(app)
    stop = Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        gevent.signal_handler(signum, stop.set)
    stop.wait()
    server.close()  # stop accepting first, so reconnecting clients land elsewhere
    server.stopping = True
    moved = drain(app)
    server.close_idle()
    busy = len(server.pool)
    timeout = app.config["SHUTDOWN_TIMEOUT"]
    log.info(
        "stopping: asked %d clients to reconnect elsewhere; waiting up to %d s for "
        "%d open connections",
        moved,
        timeout,
        busy,
    )
    server.stop(timeout=timeout)
    log.info("stopped")
