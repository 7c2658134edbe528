"""HTTP blueprints: thin doors onto the services."""

import re

from flask import Flask, request
from flask_cors import CORS

# The widget's routes, open to the sites in ALLOWED_ORIGINS; every other route is same-origin.
WIDGET_ROUTES = (r"^/api/chat(/upload|/config|/typing|/read)?$", r"^/api/upload$", r"^/uploads/")
WIDGET_HEADERS = ["Content-Type", "X-Client-Id", "Authorization"]


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint to ``app``."""
    from ..extensions import csrf
    from .admin import bp as admin
    from .admin_api import bp as admin_api
    from .admin_console import bp as admin_console
    from .admin_tools import bp as admin_tools
    from .agent import bp as agent
    from .canned_api import bp as canned_api
    from .chat_api import bp as chat_api
    from .customer import bp as customer
    from .health import bp as health
    from .openapi import bp as openapi
    from .preferences_api import bp as preferences_api
    from .two_factor import bp as two_factor
    from .uploads import bp as uploads
    from .webhooks_api import bp as webhooks_api
    from .webhooks_api import page as webhooks_page

    for blueprint in (
        health,
        agent,
        two_factor,
        admin,
        customer,
        chat_api,
        uploads,
        admin_api,
        openapi,
        webhooks_api,
        webhooks_page,
        canned_api,
        admin_tools,
        admin_console,
        preferences_api,
    ):
        app.register_blueprint(blueprint)
    # JSON APIs carry no Flask-WTF form token: the widget's routes hold no cookie authority,
    # and cookie-authenticated admin changes need flask-jwt-extended's X-CSRF-TOKEN instead.
    for blueprint in (
        chat_api,
        uploads,
        admin_api,
        webhooks_api,
        canned_api,
        admin_tools,
        preferences_api,
    ):
        csrf.exempt(blueprint)
    # First of all: a blocked address gets nothing else, not even a rate-limit count.
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_blocked)
    _allow_widget_origins(app)


def _refuse_blocked() -> None:
    from ..services import network

    network.check_address(request.remote_addr)


def _allow_widget_origins(app: Flask) -> None:
    allowed = app.config["ALLOWED_ORIGINS"]
    everyone = "*" in allowed
    CORS(
        app,
        resources={route: {} for route in WIDGET_ROUTES},
        origins="*" if everyone else [origin_pattern(entry) for entry in allowed],
        supports_credentials=not everyone,
        send_wildcard=everyone,  # "*" never with credentials
        allow_headers=WIDGET_HEADERS + app.config["ALLOWED_HEADERS"],
        expose_headers=["Retry-After"],
        methods=["GET", "POST", "OPTIONS"],
        max_age=600,
    )


def origin_pattern(entry: str) -> re.Pattern:
    """An ALLOWED_ORIGINS entry as a pattern for flask-cors, matching what
    ``sockets.origins.listed`` does: a full origin exactly, a host name on any scheme or port."""
    if "://" in entry:
        return re.compile(re.escape(entry.rstrip("/")) + r"\Z", re.IGNORECASE)
    return re.compile(
        r"[a-z][a-z0-9+.-]*://" + re.escape(entry.lower()) + r"(:\d+)?\Z", re.IGNORECASE
    )
