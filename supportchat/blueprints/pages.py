"""Server-rendered pages for agents: who is signed in, and the redirects around it."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import g, redirect, request, url_for
from flask_jwt_extended import (
    get_jwt,
    set_access_cookies,
    set_refresh_cookies,
    verify_jwt_in_request,
)
from flask_jwt_extended.exceptions import CSRFError, JWTExtendedException
from jwt import ExpiredSignatureError, PyJWTError

from ..errors import AppError
from ..services import auth


def agent_page(view=None, *, admin: bool = False):
    """Require a signed-in agent (admins with ``admin=True``); browsers without a valid
    token go to the login page and come back afterwards."""
    if view is None:
        return lambda inner: agent_page(inner, admin=admin)

    @wraps(view)
    def wrapper(*args, **kwargs):
        refreshed = None
        try:
            verify_jwt_in_request(locations=["cookies"])
            claims = get_jwt()
        except CSRFError:
            raise AppError(
                "forbidden",
                "The form did not come from this site; reload the page and try again.",
                {"reason": "csrf"},
            ) from None
        except ExpiredSignatureError:
            refreshed = _refresh()
            if refreshed is None:
                return _to_login()
            claims = auth.verify_access_token(refreshed[0])
        except (JWTExtendedException, PyJWTError):
            return _to_login()
        try:
            g.actor = auth.actor_from_claims(claims)
        except AppError:  # signed, but not for an agent or admin: sign in as one
            return _to_login()
        g.jwt_csrf = claims.get("csrf")
        if admin and g.actor.role != "admin":
            raise AppError("forbidden", "This page is for admins only.")
        response = view(*args, **kwargs)
        if refreshed:
            response = _with_cookies(response, *refreshed)
        return response

    return wrapper


def _refresh() -> tuple[str, str] | None:
    """New tokens from a valid refresh cookie, or None."""
    try:
        verify_jwt_in_request(locations=["cookies"], refresh=True)
        _agent, access, refresh = auth.rotate(get_jwt(), request.remote_addr)
    except (JWTExtendedException, PyJWTError, AppError):
        return None
    return access, refresh


def _with_cookies(response, access: str, refresh: str):
    from flask import make_response

    response = make_response(response)
    set_access_cookies(response, access)
    set_refresh_cookies(response, refresh)
    return response


def _to_login():
    return redirect(url_for("agent.login", next=request.full_path.rstrip("?")))


def safe_next(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site, else ``default`` (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return default
    return target
