"""What the JSON API doors share: reading a body, and knowing who is calling."""

from __future__ import annotations

import hmac
import uuid
from typing import Any

from flask import Response, current_app, request
from flask_jwt_extended import get_jwt, verify_jwt_in_request
from werkzeug.exceptions import HTTPException

from .. import schemas
from ..errors import AppError
from ..services import actors, auth, ratelimit, tokens
from ..services.actors import Actor

CLIENT_COOKIE = "cs_client_id"
CLIENT_COOKIE_SECONDS = 180 * 24 * 3600
# JSON bodies are small; they are read at most this far (the socket door's limit too).
MAX_JSON_BYTES = 64 * 1024
# AUTH_BEARER_TOKEN acts as this admin, on /api/admin/* only.
STATIC_ADMIN = actors.agent("api-token", "admin", "API token")


def message_limit() -> str:
    """MESSAGE_RATE_LIMIT, for Flask-Limiter (messages and uploads, per clientId)."""
    return ratelimit.configured("MESSAGE_RATE_LIMIT")


def message_limit_off() -> bool:
    """Whether MESSAGE_RATE_LIMIT is ``off``."""
    return not message_limit()


def login_limit() -> str:
    """LOGIN_RATE_LIMIT, for Flask-Limiter (failed sign-ins and token refreshes)."""
    return ratelimit.configured("LOGIN_RATE_LIMIT")


def login_limit_off() -> bool:
    """Whether LOGIN_RATE_LIMIT is ``off``."""
    return not login_limit()


def json_body() -> Any:
    """The JSON body read at most MAX_JSON_BYTES far (``too_large`` beyond), or None."""
    request.max_content_length = MAX_JSON_BYTES
    return request.get_json(silent=True)


def body_field(name: str) -> Any:
    """One field of the JSON body, for a rate-limit key; never raises (Flask-Limiter would
    take an error for a failing storage), the view reports a bad body."""
    try:
        body = json_body()
    except HTTPException:
        return None
    return body.get(name) if isinstance(body, dict) else None


def json_payload(schema: type[schemas.P]) -> schemas.P:
    """The JSON body as ``schema``; AppError ``invalid`` for anything else."""
    body = json_body()
    if not request.is_json or body is None:
        raise AppError("invalid", "Send a JSON object with Content-Type: application/json.")
    return schemas.parse(schema, body)


def query(schema: type[schemas.P]) -> schemas.P:
    """The query string as ``schema``; AppError ``invalid`` names the bad parameter."""
    return schemas.parse(schema, request.args.to_dict())


def sent_client_id() -> str | None:
    """The clientId from the X-Client-Id header, the cookie or the query, unparsed."""
    return (
        request.headers.get("X-Client-Id")
        or request.cookies.get(CLIENT_COOKIE)
        or request.args.get("clientId")
    )


def guest(sent: object | None = None) -> tuple[Actor, str | None]:
    """The guest calling, by ``sent`` (a body or form field) or the request's clientId; when
    there is none one is minted and returned as the second value, for the cookie."""
    sent = sent if sent is not None else sent_client_id()
    if sent is None:
        minted = str(uuid.uuid4())
        return actors.guest(minted), minted
    return actors.guest(actors.parse_client_id(sent)), None


def remember_client(response: Response, minted: str | None) -> Response:
    """Set the ``cs_client_id`` cookie (PROTOCOL.md §3.1) for a clientId the server minted."""
    if minted:
        response.set_cookie(
            CLIENT_COOKIE,
            minted,
            max_age=CLIENT_COOKIE_SECONDS,
            path="/",
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


def agent(admin: bool = False) -> Actor:
    """The agent (or, with ``admin``, the admin) calling: AUTH_BEARER_TOKEN on /api/admin/*,
    else a personal API token (services/tokens.py), else a verified access token from the
    cookie (changes need the X-CSRF-TOKEN double submit) or the Authorization header. JWT failures become 401/403 in blueprints/errors.py."""
    static = current_app.config["AUTH_BEARER_TOKEN"]
    header = request.headers.get("Authorization", "")
    if (
        static
        and request.path.startswith("/api/admin/")
        and header[:7].lower() == "bearer "
        and hmac.compare_digest(header[7:].strip().encode(), static.encode())
    ):
        return STATIC_ADMIN
    if header[:7].lower() == "bearer " and tokens.is_api_token(header[7:].strip()):
        actor = tokens.actor_for(header[7:].strip())  # a personal API token
    else:
        verify_jwt_in_request()
        actor = auth.actor_from_claims(get_jwt())
    if admin and actor.role != "admin":
        raise AppError("forbidden", "Only admins may do this.")
    return actor
