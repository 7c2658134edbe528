"""Prometheus metrics: what is counted, and the text served at ``GET /metrics``.

With ``PROMETHEUS_MULTIPROC_DIR`` set (gunicorn with several workers), every process writes
its values to files there and ``/metrics`` adds up all processes; without it, the values are
this process's own.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from ..errors import STATUS_BY_CODE

CONNECTED_SOCKETS = Gauge(
    "supportchat_connected_sockets",
    "Socket.IO connections open now, per namespace.",
    ["namespace"],
    multiprocess_mode="livesum",
)
LONG_POLLS_WAITING = Gauge(
    "supportchat_long_polls_waiting",
    "GET /api/chat?wait= requests waiting for a message now.",
    multiprocess_mode="livesum",
)
MESSAGES_STORED = Counter(
    "supportchat_messages_stored", "Messages stored (a repeated clientMsgId is not counted)."
)
MESSAGES_DELIVERED = Counter(
    "supportchat_messages_delivered",
    "chat:message events written to connected sockets (one per receiving socket).",
)
SOCKET_EVENT_SECONDS = Histogram(
    "supportchat_socket_event_duration_seconds",
    "Time to handle one Socket.IO event, connect and disconnect included.",
    ["namespace", "event"],
)
HTTP_REQUEST_SECONDS = Histogram(
    "supportchat_http_request_duration_seconds",
    "Time to answer one HTTP request, by route pattern (not the raw path).",
    ["method", "route", "status"],
)
RATE_LIMITED = Counter(
    "supportchat_rate_limited", "Requests and events refused as rate_limited.", ["door"]
)
AUTH_FAILURES = Counter(
    "supportchat_auth_failures", "Requests and connections refused as unauthorized.", ["door"]
)
STORE_ERRORS = Counter(
    "supportchat_store_errors",
    "Requests and events answered unavailable: a database did not answer.",
    ["door"],
)
QUEUE_RECONNECTS = Counter(
    "supportchat_queue_reconnects",
    "Times this process got the Redis message queue back after losing it.",
)
AI_REQUESTS = Counter(
    "supportchat_ai_requests",
    "AI provider calls by outcome: answered, handoff, failed, timeout, breaker_open, capped.",
    ["outcome"],
)
AI_SECONDS = Histogram(
    "supportchat_ai_request_duration_seconds",
    "Time an AI provider took to answer (retries included).",
    buckets=(0.25, 0.5, 1, 2, 4, 8, 15, 30, 60),
)
AI_TOKENS = Counter("supportchat_ai_tokens", "Tokens the AI provider reported as used.")

# Which error codes (PROTOCOL.md §1) count as which refusal, and the HTTP statuses they map to.
_BY_CODE = {
    "rate_limited": RATE_LIMITED,
    "unauthorized": AUTH_FAILURES,
    "unavailable": STORE_ERRORS,
}
_BY_STATUS = {STATUS_BY_CODE[code]: counter for code, counter in _BY_CODE.items()}


def count_refusal(door: str, code_or_status: str | int) -> None:
    """Count a refusal at ``door`` (http: by status, socket: by error code) when it is tracked."""
    counter = (_BY_STATUS if isinstance(code_or_status, int) else _BY_CODE).get(code_or_status)
    if counter is not None:
        counter.labels(door=door).inc()


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus text format, and its content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry), CONTENT_TYPE_LATEST
