"""gunicorn settings for supportchat: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Why one worker per process (WEB_CONCURRENCY=1, the default): Socket.IO's long-polling
transport sends many HTTP requests per session, and each must reach the worker that holds the
session. A load balancer can keep a client on one *process* (sticky sessions, e.g. nginx
ip_hash in deploy/nginx.conf), but gunicorn hands every new connection to whichever of its
workers accepts it first. So WEB_CONCURRENCY > 1 only suits clients that use the WebSocket
transport alone (a session is then one connection); to scale otherwise, run more
single-worker processes behind the balancer, joined by REDIS_URL.

Only the standard library, supportchat.ops.logs, gunicorn's own gevent worker (which the master
loads anyway) and, with PROMETHEUS_MULTIPROC_DIR, prometheus_client are imported in the master:
it must not load the application before each gevent worker has monkey-patched itself.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

_env = os.environ.get
_multiprocess = None  # prometheus_client.multiprocess, once on_starting has loaded it

bind = (_env("GUNICORN_BIND") or f"{_env('HOST', '127.0.0.1')}:{_env('PORT', '5000')}").split(",")
workers = int(_env("WEB_CONCURRENCY", "1"))
worker_connections = 1000
timeout = 30  # heartbeat only: gevent workers report from their own loop, not per request
graceful_timeout = int(_env("SHUTDOWN_TIMEOUT", "20"))


def _worker_class():
    """gunicorn's gevent worker, serving with supportchat's own gevent server
    (supportchat/ops/http.py, the one ``supportchat serve`` runs): WebSocket upgrades through
    gevent-websocket, HEADER_TIMEOUT for each request's headers and MAX_CONNECTIONS_PER_ADDRESS
    open connections per client address in each worker."""
    from gunicorn.workers.ggevent import GeventPyWSGIWorker

    class Worker(GeventPyWSGIWorker):
        @staticmethod
        def server_class(listener, application, log, handler_class, **options):
            # Called in the worker, once the app is loaded: gunicorn's access log and
            # handler give way to the app's own; its pool, base environ and TLS are kept.
            from supportchat.ops.server import make_server

            return make_server(application, listener, **options)

    return Worker


worker_class = _worker_class  # gunicorn calls it once, in the master, for the class
accesslog = None  # the app logs one JSON line per request itself, without query strings
loglevel = _env("LOG_LEVEL", "info")
# gunicorn's own lines in the app's JSON format; the app adds its handler to the root logger.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": loglevel.upper(), "handlers": []},
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": ["json"], "propagate": False},
        "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
    },
    "handlers": {"json": {"class": "supportchat.ops.logs.StdoutHandler", "formatter": "json"}},
    "formatters": {"json": {"()": "supportchat.ops.logs.JsonFormatter"}},
}


def on_starting(server):
    """Before any worker: start metrics afresh, then migrations and the first admin, once
    (in a child process, so the master stays free of the application)."""
    metrics_dir = _env("PROMETHEUS_MULTIPROC_DIR")
    if metrics_dir:
        # Imported now, not in child_exit: that runs in gunicorn's SIGCHLD handler, which a
        # second worker's exit re-enters; an import it interrupts is then half-done.
        global _multiprocess
        from prometheus_client import multiprocess as _multiprocess

        Path(metrics_dir).mkdir(parents=True, exist_ok=True)
        for stale in Path(metrics_dir).glob("*.db"):
            stale.unlink()
    status = subprocess.run([sys.executable, "-m", "supportchat", "prepare"]).returncode
    if status:
        raise SystemExit(status)


def post_worker_init(worker):
    """Start the queue listener; on SIGTERM, send this worker's clients elsewhere before
    gunicorn stops accepting and waits for in-flight requests."""
    import gevent

    from supportchat.ops import server

    server.start(worker.wsgi)
    stop_gracefully = worker.handle_exit

    def handle_exit(signum, frame):
        gevent.spawn(server.drain, worker.wsgi)
        stop_gracefully(signum, frame)

    signal.signal(signal.SIGTERM, handle_exit)
    signal.siginterrupt(signal.SIGTERM, False)  # as gunicorn sets it: no interrupted syscalls


def child_exit(server, worker):
    """Forget a dead worker's live gauges (connected sockets) in the metrics."""
    if _multiprocess:
        _multiprocess.mark_process_dead(worker.pid)
