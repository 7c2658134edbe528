"""Structured logs: one JSON object per line on standard output, with the request id.

Only the standard library is imported here, so gunicorn's master process can use the
formatter for its own lines without loading the application before gevent patches it.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import traceback
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

# The id of the HTTP request or socket event being handled (one per greenlet or thread).
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
# engine.io logs whole packets (message text) at INFO; these stay at WARNING whatever LOG_LEVEL says.
_QUIET = ("socketio", "engineio", "socketio.server", "engineio.server")
# LogRecord attributes that are plumbing, not fields of the line.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}

access = logging.getLogger("supportchat.access")


def begin_request(incoming: str | None = None) -> str:
    """Start a request id for what this greenlet handles now: a proxy's well-formed
    ``X-Request-Id`` is kept so lines join up across hops, anything else is replaced."""
    value = incoming if incoming and _ACCEPTED_ID.fullmatch(incoming) else uuid.uuid4().hex[:16]
    _request_id.set(value)
    return value


def end_request() -> None:
    """Forget the request id once the request or event is answered."""
    _request_id.set(None)


def request_id() -> str:
    """The current request id, started on first use outside a request (background work)."""
    return _request_id.get() or begin_request()


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "msg", "request_id"?, ...extra fields, "exc"?}``."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        current = _request_id.get()
        if current:
            line["request_id"] = current
        line.update(
            (key, value)
            for key, value in vars(record).items()
            if key not in _STANDARD and not key.startswith("_")
        )
        if record.exc_info:
            line["exc"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(JsonFormatter):
    """``10:00:00.123 info supportchat.x: message key=value ...``: the JSON line's fields,
    for a person reading a terminal (LOG_FORMAT=text, the default in development)."""

    def format(self, record: logging.LogRecord) -> str:
        line = json.loads(super().format(record))
        head = f"{line.pop('ts')[11:23]} {line.pop('level'):<7} {line.pop('logger')}: "
        text = head + str(line.pop("msg"))
        exc = line.pop("exc", None)
        text += "".join(f" {key}={value}" for key, value in line.items())
        return text + (f"\n{exc}" if exc else "")


class StdoutHandler(logging.Handler):
    """Writes to whatever ``sys.stdout`` is at the time (test runners swap it), one line a record."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stdout.write(self.format(record) + "\n")
            sys.stdout.flush()
        except Exception:  # a log line must never break the request that wrote it
            self.handleError(record)


def configure(level: str, form: str = "json") -> None:
    """Send every log record to standard output at ``level``, as JSON lines or as readable
    text (``form``); safe to call again."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, StdoutHandler)]:
        root.removeHandler(handler)
    handler = StdoutHandler()
    handler.setFormatter(TextFormatter() if form == "text" else JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in _QUIET:
        # A level of their own also keeps python-socketio from adding a plain-text handler.
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    # What would otherwise reach stderr as plain text: warnings, and threads that died.
    logging.captureWarnings(True)
    threading.excepthook = _thread_failed


def _thread_failed(args: threading.ExceptHookArgs) -> None:
    # Type and frames only: an exception's message may quote what a client sent.
    logging.getLogger(__name__).error(
        "a thread failed: %s",
        args.exc_type.__name__,
        extra={"trace": "".join(traceback.format_tb(args.exc_traceback)).rstrip()},
    )
