"""The application factory: configuration, extensions, blueprints and namespaces, wired."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import load as load_config
from .extensions import csrf, db, jwt, limiter, migrate, socketio

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")
# Socket.IO frames above this are refused by the transport (PROTOCOL.md §4.2).
MAX_EVENT_BYTES = 64 * 1024


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application from ``config`` (tests) or the environment; wiring only."""
    source = dict(os.environ if config is None else config)
    instance = source.get("INSTANCE_PATH") or os.path.join(os.getcwd(), "instance")
    app = Flask(__name__, instance_path=os.path.abspath(instance), instance_relative_config=False)
    values, sources = load_config(source, app.instance_path)
    app.config.update(values)
    app.config.update(
        {
            key: value
            for key, value in source.items()
            if config is not None and key.isupper() and key not in values
        }
    )
    app.config["SETTING_SOURCES"] = sources
    _configure_extensions(app)

    from . import commands
    from .blueprints import errors as errors_http
    from .blueprints import register_blueprints
    from .context import Context
    from .realtime import publish
    from .services import ai_replies, inbox, ratelimit, settings
    from .sockets import register_namespaces
    from .stores.files import LocalFileStore
    from .stores.sql import SqlTicketStore

    with app.app_context():
        sql_store = SqlTicketStore(db.engine)
    # Named readiness checks (PROTOCOL.md §3.8); agents and settings always stay in SQL.
    backends = {"database": sql_store.ping}
    store = sql_store
    if app.config["MONGO_URI"]:
        from .stores.mongo import MongoTicketStore

        store = MongoTicketStore(app.config["MONGO_URI"], app.config["MONGO_DB"])
        backends["mongo"] = store.ping
    if app.config["REDIS_URL"]:
        backends["redis"] = socketio.server.manager.ping
    app.extensions["supportchat.store"] = store
    inbox_updates = inbox.InboxUpdates(
        store, publish, app.app_context, app.config["INBOX_DIGEST_ROWS"]
    )
    app.extensions["supportchat.context"] = Context(
        store=store,
        files=LocalFileStore(app.config["UPLOAD_DIR"]),
        config=app.config,
        publish=publish,
        update_inbox=inbox_updates.update_soon,
        section=settings.section,
        limit_opening=ratelimit.opening_conversation,
        after_bot_message=ai_replies.after_message,
    )
    app.extensions["supportchat.backends"] = backends
    from .services import outbox_worker

    outbox_worker.install(app, app.extensions["supportchat.context"], [sql_store, store])
    register_blueprints(app)
    register_namespaces(socketio)
    errors_http.register(app)
    commands.register(app)
    return app


def _configure_extensions(app: Flask) -> None:
    from .ops import logs, observe
    from .realtime import fanout, presence, waker
    from .sockets import wire

    cfg = app.config
    logs.configure(cfg["LOG_LEVEL"], cfg["LOG_FORMAT"])
    observe.init_app(app)
    secure_cookies = str(cfg["BASE_URL"] or "").startswith("https://")
    cfg.update(
        SQLALCHEMY_DATABASE_URI=cfg["DATABASE_URL"],
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(cfg["DATABASE_URL"]),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies,
        JWT_SECRET_KEY=cfg["JWT_SECRET"],
        JWT_ALGORITHM="HS256",
        JWT_DECODE_ALGORITHMS=["HS256"],
        JWT_TOKEN_LOCATION=["cookies", "headers"],
        JWT_ACCESS_COOKIE_NAME="token",
        JWT_REFRESH_COOKIE_NAME="refresh_token",
        JWT_COOKIE_SECURE=secure_cookies,
        JWT_COOKIE_SAMESITE="Lax",
        JWT_COOKIE_CSRF_PROTECT=True,
        JWT_CSRF_CHECK_FORM=True,
        # Not "csrf_token": that form field is Flask-WTF's, a different token.
        JWT_ACCESS_CSRF_FIELD_NAME="jwt_csrf",
        JWT_REFRESH_CSRF_FIELD_NAME="jwt_csrf",
        JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=cfg["ACCESS_TOKEN_MINUTES"]),
        JWT_REFRESH_TOKEN_EXPIRES=timedelta(hours=cfg["REFRESH_TOKEN_HOURS"]),
        JWT_ENCODE_ISSUER=cfg["AUTH_JWT_ISSUER"],
        JWT_DECODE_ISSUER=cfg["AUTH_JWT_ISSUER"],
        JWT_ENCODE_AUDIENCE=cfg["AUTH_JWT_AUDIENCE"],
        JWT_DECODE_AUDIENCE=cfg["AUTH_JWT_AUDIENCE"],
        RATELIMIT_STORAGE_URI=cfg["REDIS_URL"] or "memory://",
        # Short timeouts: a limiter waiting on a vanished Redis would hold every request.
        RATELIMIT_STORAGE_OPTIONS={
            "socket_connect_timeout": 1,
            "socket_timeout": 1,
            "key_prefix": f"{cfg['REDIS_PREFIX']}:limits",
        }
        if cfg["REDIS_URL"]
        else {},
        # While Redis is away, count in this process's memory instead of failing requests.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_SWALLOW_ERRORS=True,
        RATELIMIT_HEADERS_ENABLED=True,
        MAX_CONTENT_LENGTH=(cfg["MAX_UPLOAD_MB"] + 1) * 1024 * 1024,
    )
    db.init_app(app)
    if cfg["DATABASE_URL"].startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _sqlite_pragmas)
    migrate.init_app(app, db, directory=MIGRATIONS)
    jwt.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    import gevent
    from gevent import monkey

    # Every socket event runs in a new greenlet; recording the stack that spawned each one
    # (gevent's default, for debugging) cost more than the rest of the spawn.
    gevent.config.track_greenlet_tree = False
    socketio.init_app(
        app,
        # gevent under `supportchat serve` and gunicorn; threads under `flask run`.
        async_mode="gevent" if monkey.is_module_patched("socket") else "threading",
        client_manager=fanout.client_manager(cfg),
        max_http_buffer_size=MAX_EVENT_BYTES,
        json=wire,  # orjson: every event and ack is encoded here
        serializer=wire.Packet,
        cors_allowed_origins=_origin_check(app),
        manage_session=False,
        ping_interval=20,
        ping_timeout=20,
    )
    app.extensions["supportchat.waker"] = waker.make_waker(cfg, fanout.connection_options())
    app.extensions["supportchat.presence"] = presence.make_presence(app)
    if cfg["TRUSTED_PROXIES"]:
        # Wrapped after socketio.init_app, so Socket.IO's middleware (and with it every
        # connect's blocklist check) sees the corrected REMOTE_ADDR too. ProxyFix believes
        # only the last TRUSTED_PROXIES entries of X-Forwarded-For, those our own proxies
        # appended; whatever a client wrote itself stands to their left and is ignored. With
        # one load balancer, TRUSTED_PROXIES=1 is the seed's "first hop": the address that
        # load balancer saw. With 0 (the default) the header changes nothing.
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=cfg["TRUSTED_PROXIES"], x_proto=cfg["TRUSTED_PROXIES"]
        )


def _engine_options(url: str) -> dict[str, Any]:
    # Errors (and so logs) never show statement parameters: they carry message text.
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}, "hide_parameters": True}
    return {
        "pool_size": 10,
        "max_overflow": 20,
        "pool_pre_ping": True,
        "pool_recycle": 1800,
        "hide_parameters": True,
    }


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers run beside the single writer; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _origin_check(app: Flask):
    from .sockets.origins import origin_allowed

    def check(origin: str | None, environ: dict) -> bool:
        return origin_allowed(app.config, origin, environ)

    return check
