"""Liveness and readiness (PROTOCOL.md §3.8)."""

from flask import Blueprint, jsonify

from ..services import store
from ..stores.failures import unavailable_error

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 while the process serves."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    """200 when every configured backend answers, else 503 naming the failing one."""
    checks = {"database": _check(store().ping)}
    ready = all(value == "ok" for value in checks.values())
    body = {"status": "ready" if ready else "unavailable", "checks": checks}
    return jsonify(body), 200 if ready else 503


def _check(ping) -> str:
    try:
        ping()
    except Exception as exc:  # any failure means not ready; the reason is reported, not raised
        known = unavailable_error(exc)
        return f"failing: {type(exc).__name__}" if known is None else "failing: not answering"
    return "ok"
