"""Liveness, readiness and metrics (PROTOCOL.md §3.8)."""

import hmac

from flask import Blueprint, current_app, jsonify, request

from ..errors import AppError
from ..ops import metrics as prometheus
from ..stores.failures import unavailable_error

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 while the process serves."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    """200 when every configured backend answers, else 503 naming the failing one."""
    backends = current_app.extensions["supportchat.backends"]
    checks = {name: _check(ping) for name, ping in backends.items()}
    ready = all(value == "ok" for value in checks.values())
    body = {"status": "ready" if ready else "unavailable", "checks": checks}
    return jsonify(body), 200 if ready else 503


@bp.get("/metrics")
def metrics():
    """Prometheus text format; with METRICS_TOKEN set, only for ``Authorization: Bearer`` it."""
    token = current_app.config["METRICS_TOKEN"]
    sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if token and not hmac.compare_digest(sent.encode(), token.encode()):
        raise AppError("unauthorized", "Send the metrics token as 'Authorization: Bearer <token>'.")
    body, content_type = prometheus.exposition()
    return body, 200, {"Content-Type": content_type}


def _check(ping) -> str:
    try:
        ping()
    except Exception as exc:  # any failure means not ready; the reason is reported, not raised
        known = unavailable_error(exc)
        return f"failing: {type(exc).__name__}" if known is None else "failing: not answering"
    return "ok"
