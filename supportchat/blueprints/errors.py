"""The HTTP door's one error handler: every failure becomes PROTOCOL.md §1's shape."""

from __future__ import annotations

import logging
import math
import time

from flask import Flask, jsonify, render_template, request
from flask_jwt_extended.exceptions import CSRFError as JWTCSRFError
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..errors import STATUS_BY_CODE, AppError
from ..extensions import jwt, limiter
from ..ops import logs
from ..stores.failures import unavailable_error

log = logging.getLogger(__name__)

_CODE_BY_STATUS = {status: code for code, status in reversed(STATUS_BY_CODE.items())}


def register(app: Flask) -> None:
    """Install the handlers on ``app``."""
    app.register_error_handler(AppError, respond)
    app.register_error_handler(CSRFError, _csrf)
    app.register_error_handler(RateLimitExceeded, _rate_limited)
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(Exception, _unexpected)
    # flask-jwt-extended's own failures, on the API routes (pages catch theirs): same shape.
    app.register_error_handler(JWTCSRFError, _jwt_csrf)
    jwt.unauthorized_loader(_signed_out)
    jwt.invalid_token_loader(_signed_out)
    jwt.expired_token_loader(lambda _header, _payload: _signed_out("expired"))
    jwt.revoked_token_loader(lambda _header, _payload: _signed_out("revoked"))


def _signed_out(_reason: str):
    return respond(
        AppError(
            "unauthorized", "Sign in again: the token is missing, invalid, expired or revoked."
        )
    )


def _jwt_csrf(exc: JWTCSRFError):
    return respond(
        AppError(
            "forbidden",
            "Send the csrf_access_token cookie's value (to "
            "refresh: csrf_refresh_token's) as the X-CSRF-TOKEN header with "
            "every change.",
            {"reason": "csrf"},
        )
    )


def respond(error: AppError, headers: dict | None = None):
    """JSON for API clients, a page for browsers on our pages."""
    if _wants_html():
        body = render_template("error.html", error=error), error.status
    else:
        body = jsonify({"error": error.to_dict()}), error.status
    return (*body, headers or {})


def _wants_html() -> bool:
    if request.path.startswith(("/api/", "/socket.io", "/uploads/")):
        return False
    return request.accept_mimetypes.accept_html


def _csrf(exc: CSRFError):
    return respond(
        AppError(
            "forbidden",
            "The form expired or did not come from this site; reload the page and try again.",
            {"reason": "csrf"},
        )
    )


def _rate_limited(exc: RateLimitExceeded):
    breached = limiter.current_limit  # the limit that was hit, with its window's end
    retry_ms = (
        max(1000, math.ceil((breached.reset_at - time.time()) * 1000)) if breached else 60_000
    )
    retry = math.ceil(retry_ms / 1000)
    error = AppError(
        "rate_limited",
        f"Too many attempts; try again in {retry} seconds.",
        {"retryAfterMs": retry_ms},
    )
    return respond(error, {"Retry-After": str(retry)})


def _http(exc: HTTPException):
    code = _CODE_BY_STATUS.get(
        exc.code or 500, "invalid" if (exc.code or 500) < 500 else "internal"
    )
    messages = {
        404: "Nothing lives at this address.",
        405: f"This address does not accept {request.method} requests.",
        413: "The request body is over the size limit.",
    }
    return respond(
        AppError(code, messages.get(exc.code, exc.description or exc.name)),
        {"Allow": ", ".join(exc.valid_methods)} if getattr(exc, "valid_methods", None) else None,
    )


def _unexpected(exc: Exception):
    known = unavailable_error(exc)
    if known is not None:
        log.warning(
            "backend unavailable on %s %s: %s", request.method, request.path, type(exc).__name__
        )
        return respond(known)
    request_id = logs.request_id()  # the same id as the request's log line
    log.exception(
        "unexpected error on %s %s (request id %s)", request.method, request.path, request_id
    )
    return respond(
        AppError(
            "internal",
            f"Something went wrong on our side (request id {request_id}); please try again.",
        )
    )
