"""Both doors instrumented in one place each: every HTTP request and every socket event gets
one access log line and its latency and outcome in the metrics.

Lines carry the route pattern or event name, status, duration, client address (after
TRUSTED_PROXIES) and a public actor id — never bodies, message text, tokens or clientIds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flask import Flask, g, request
from flask_socketio import ConnectionRefusedError  # noqa: A004 (what sockets/base.py raises)

from . import logs, metrics


def init_app(app: Flask) -> None:
    """Time and log every HTTP request (register before other hooks, so refusals count too)."""
    app.before_request_funcs.setdefault(None, []).insert(0, _started)
    app.after_request(_finished)
    app.teardown_request(lambda _error: logs.end_request())


def _started() -> None:
    g.started = time.perf_counter()
    logs.begin_request(request.headers.get("X-Request-Id"))


def _finished(response):
    route = request.url_rule.rule if request.url_rule else "unmatched"
    status = response.status_code
    seconds = time.perf_counter() - g.get("started", time.perf_counter())
    metrics.HTTP_REQUEST_SECONDS.labels(request.method, route, str(status)).observe(seconds)
    metrics.count_refusal("http", status)
    response.headers["X-Request-Id"] = logs.request_id()
    logs.access.info(
        "http request",
        extra={
            "door": "http",
            "method": request.method,
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
            "client": request.remote_addr,
        },
    )
    return response


def socket_event(
    namespace: str,
    event: str,
    environ: dict | None,
    actor: Callable[[], str | None],
    handle: Callable[[], Any],
) -> Any:
    """Run ``handle`` for one socket event (``event`` already reduced to a known name) and
    record it; the status is ``ok`` or the error code of the ack or the refusal."""
    started = time.perf_counter()
    # Explicit in the line: connect and disconnect run in Flask-SocketIO's request context, whose
    # teardown forgets the id before the line is written.
    request_id = logs.begin_request()
    status = "ok"
    try:
        result = handle()
        if isinstance(result, dict) and result.get("ok") is False:
            status = result["error"]["code"]
        return result
    except ConnectionRefusedError as refused:
        error = refused.error_args.get("data")  # the error object sockets/base.refuse sends
        status = error.get("code", "refused") if isinstance(error, dict) else "refused"
        raise
    except Exception:
        status = "internal"
        raise
    finally:
        seconds = time.perf_counter() - started
        metrics.SOCKET_EVENT_SECONDS.labels(namespace, event).observe(seconds)
        metrics.count_refusal("socket", status)
        if event == "connect" and status == "ok":
            metrics.CONNECTED_SOCKETS.labels(namespace).inc()
        elif event == "disconnect":
            metrics.CONNECTED_SOCKETS.labels(namespace).dec()
        logs.access.info(
            "socket event",
            extra={
                "request_id": request_id,
                "door": "socket",
                "namespace": namespace,
                "event": event,
                "status": status,
                "duration_ms": round(seconds * 1000, 1),
                "client": (environ or {}).get("REMOTE_ADDR"),
                "actor": actor(),
            },
        )
        logs.end_request()
