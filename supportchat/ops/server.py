"""The gevent WSGI server (http.py) as ``supportchat serve`` and gunicorn's workers
(gunicorn.conf.py) make it, and the graceful stop they share: stop accepting, ask Socket.IO clients to
reconnect elsewhere, answer long polls now, and let in-flight requests finish."""

from __future__ import annotations

import gc
import logging
import signal

import gevent
from flask import Flask
from gevent.event import Event

from ..realtime import fanout
from ..realtime.waker import waiters
from ..services import ai_replies
from .http import Server

log = logging.getLogger(__name__)
GC_THRESHOLD = 20_000  # allocations between collections of the youngest generation


def make_server(app: Flask, listener, **options) -> Server:
    """A gevent server for ``app`` on ``listener`` (a socket, or ``(host, port)``), with the
    header deadline and the per-address cap of its configuration; ``options`` go to
    WSGIServer."""
    # Behind a proxy every connection comes from the proxy: the cap would cap everyone.
    cap = 0 if app.config["TRUSTED_PROXIES"] else app.config["MAX_CONNECTIONS_PER_ADDRESS"]
    return Server(listener, app, app.config["HEADER_TIMEOUT"], cap, **options)


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
    server = make_server(app, (host, port))
    server.start()
    start(app)
    stop = Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        gevent.signal_handler(signum, stop.set)
    stop.wait()
    server.close()  # stop accepting first, so reconnecting clients land elsewhere
    moved = drain(app)
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
