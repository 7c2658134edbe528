"""Configuration from the environment, in one place, validated at start-up (PROTOCOL.md §6)."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from .config_values import (
    choice,
    comma_list,
    flag,
    float_in,
    header_names,
    int_in,
    networks,
    rate,
    text,
)


class ConfigError(Exception):
    """A setting that stops start-up; the message names the variable and the reason."""


@dataclass(frozen=True)
class Setting:
    """One environment variable: its parser, its default and whether it is a secret."""

    name: str
    parse: Callable[[str], Any] = text
    default: Any = None
    secret: bool = False
    aliases: tuple[str, ...] = ()
    help: str = ""


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "SUPPORTCHAT_ENV",
        choice("development", "production"),
        "development",
        help="production makes unset secrets a start-up error",
    ),
    Setting("SECRET_KEY", secret=True, help="signs sessions, CSRF tokens and download links"),
    Setting(
        "SECRET_KEY_PREVIOUS",
        comma_list,
        [],
        secret=True,
        help="earlier SECRET_KEY values, comma-separated: secrets stored under them still "
        "open until `supportchat reseal-secrets` moves them to SECRET_KEY",
    ),
    Setting("JWT_SECRET", secret=True, aliases=("AUTH_JWT_SECRET",), help="signs access tokens"),
    Setting("AUTH_REFRESH_SECRET", secret=True, help="signs refresh tokens"),
    Setting("AUTH_BEARER_TOKEN", secret=True, help="static admin token for /api/admin/*"),
    Setting("AUTH_JWT_ISSUER", help="required iss claim when set"),
    Setting("AUTH_JWT_AUDIENCE", help="required aud claim when set"),
    Setting("ACCESS_TOKEN_MINUTES", int_in(1, 24 * 60), 15, help="access token lifetime"),
    Setting("REFRESH_TOKEN_HOURS", int_in(1, 24 * 90), 12, help="refresh token lifetime"),
    Setting("DATABASE_URL", help="SQLAlchemy URL; default SQLite in the instance folder"),
    Setting("MONGO_URI", secret=True, help="set: tickets and messages in MongoDB"),
    Setting("MONGO_DB", help="database name when MONGO_URI has none"),
    Setting("REDIS_URL", secret=True, help="set: Socket.IO message queue and shared limits"),
    Setting(
        "REDIS_PREFIX",
        default="supportchat",
        help="names this deployment's Redis channels and keys; deployments sharing one "
        "Redis need different ones",
    ),
    Setting(
        "ALLOWED_ORIGINS", comma_list, [], help="origins or host names allowed to embed the widget"
    ),
    Setting(
        "ALLOWED_HEADERS",
        header_names,
        [],
        help="request headers embedding sites may send besides the widget's own",
    ),
    Setting(
        "DEFAULT_LOCALE",
        choice("en", "de", "fr", "es", "pt"),
        "en",
        help="the widget's language when neither the page nor the site sets one",
    ),
    Setting(
        "TRUSTED_PROXIES", int_in(0, 10), 0, help="proxy hops whose X-Forwarded-For is believed"
    ),
    Setting("BLOCKLIST", networks, [], help="addresses or networks refused at the door"),
    Setting("UPLOAD_DIR", help="where uploads are kept; default instance/uploads"),
    Setting("MAX_UPLOAD_MB", int_in(1, 1024), 10),
    Setting("MAX_MESSAGE_CHARS", int_in(1, 16000), 4000),
    Setting("INBOX_DIGEST_ROWS", int_in(1, 500), 500, help="most rows in one inbox:updated frame"),
    Setting("IDENTITY_HMAC_SECRET", secret=True, help="verifies customer identities"),
    Setting("MESSAGE_RATE_LIMIT", rate, "10 per 10 seconds"),
    Setting("CONNECT_RATE_LIMIT", rate, "60 per minute"),
    Setting(
        "LOGIN_RATE_LIMIT",
        rate,
        "5 per minute",
        help="failed sign-ins per address and per account and address",
    ),
    Setting(
        "LOGIN_ACCOUNT_RATE_LIMIT",
        rate,
        "10 per minute; 30 per hour; 100 per day",
        help="failed sign-ins per account from any address; its longer windows make "
        "distributed guessing wait longer and longer",
    ),
    Setting(
        "NEW_CONVERSATION_RATE_LIMIT",
        rate,
        "30 per 10 minutes",
        help="conversations opened per client address (HTTP and sockets together)",
    ),
    Setting(
        "REQUIRE_2FA_FOR_ADMINS",
        flag,
        False,
        help="true: admins must set up two-factor sign-in before they can sign in",
    ),
    Setting(
        "TWO_FACTOR_REMEMBER_DAYS",
        int_in(0, 365),
        30,
        help="days a browser is spared two-factor codes after a sign-in; 0: never",
    ),
    Setting("PROFANITY_FILTER", choice("off", "mask", "reject"), "off"),
    Setting(
        "PROFANITY_WORDS", comma_list, [], help="comma-separated words for the profanity filter"
    ),
    Setting(
        "BASE_URL",
        help="public origin, e.g. https://support.example.com; required in "
        "production, and without it only loopback hosts are our own",
    ),
    Setting("AI_API_KEY", secret=True, aliases=("GROK_API_KEY",)),
    Setting("AI_BASE_URL"),
    Setting("AI_MODEL"),
    Setting(
        "AI_TIMEOUT_SECONDS",
        int_in(1, 300),
        20,
        help="longest wait for an AI answer, retries included; then the ticket is handed over",
    ),
    Setting(
        "AI_REPLY_WAIT_SECONDS",
        int_in(0, 60),
        0,
        help="POST /api/chat waits this long for the AI's answer to return it as reply",
    ),
    Setting("AI_RETRIES", int_in(0, 5), 2, help="retries of a 429/5xx AI answer, with backoff"),
    Setting("AI_TICKET_RATE_LIMIT", rate, "30 per day", help="AI model calls per ticket"),
    Setting("AI_RATE_LIMIT", rate, "600 per hour", help="AI model calls of the whole site"),
    Setting(
        "AI_CONTEXT_CHARS",
        int_in(500, 200_000),
        12000,
        help="characters of recent messages sent to the model with each question",
    ),
    Setting(
        "AI_HANDOFF_PHRASE",
        default="[HANDOFF]",
        help="an answer containing this hands the ticket over (models without tool calls)",
    ),
    Setting(
        "AI_TOOLS",
        flag,
        True,
        help="offer the model a handoff_to_human tool; false for servers without tool calls",
    ),
    Setting("HOST", default="127.0.0.1"),
    Setting("PORT", int_in(1, 65535), 5000),
    Setting(
        "WEB_CONCURRENCY",
        int_in(1, 64),
        1,
        help="gunicorn workers per process group; above 1 only WebSocket-only clients work",
    ),
    Setting(
        "GUNICORN_BIND", help="gunicorn listen address(es), comma-separated; default HOST:PORT"
    ),
    Setting(
        "SHUTDOWN_TIMEOUT",
        int_in(1, 600),
        20,
        help="seconds a stopping process gives in-flight requests to finish",
    ),
    Setting(
        "HEADER_TIMEOUT",
        int_in(1, 300),
        10,
        help="seconds a client has to send a request's line and headers (supportchat serve)",
    ),
    Setting(
        "MAX_CONNECTIONS_PER_ADDRESS",
        int_in(0, 100_000),
        100,
        help="open connections one client address may hold; 0: no cap; not applied "
        "behind TRUSTED_PROXIES, where every connection comes from the proxy",
    ),
    Setting("ADMIN_EMAIL", help="with ADMIN_PASSWORD: the first admin on an empty database"),
    Setting("ADMIN_PASSWORD", secret=True),
    Setting("LOG_LEVEL", choice("debug", "info", "warning", "error"), "info"),
    Setting(
        "LOG_FORMAT",
        choice("text", "json"),
        "",
        help="text: readable lines; json: one object a line (default: json in production)",
    ),
    Setting(
        "METRICS_TOKEN", secret=True, help="set: GET /metrics needs Authorization: Bearer <token>"
    ),
    Setting(
        "WEBHOOK_RETRY_HOURS",
        float_in(0.0001, 24 * 30),
        24.0,
        help="hours a failing webhook delivery is retried before it is given up",
    ),
    Setting(
        "WEBHOOK_ALLOW_PRIVATE",
        flag,
        False,
        help="true: webhooks may reach loopback, private and link-local addresses",
    ),
    Setting(
        "WEBHOOK_TIMEOUT_SECONDS",
        float_in(0.1, 60),
        10.0,
        help="seconds a webhook receiver has to answer",
    ),
    Setting(
        "WEBHOOK_RETRY_BASE_SECONDS",
        float_in(0.01, 3600),
        10.0,
        help="the first retry's delay; each further retry waits about twice as long",
    ),
    Setting(
        "OUTBOX_POLL_SECONDS",
        float_in(0.05, 60),
        1.0,
        help="how often each process looks for due webhook and email deliveries",
    ),
    Setting(
        "SMTP_URL",
        secret=True,
        help="smtp://user:password@host:port (smtps:// for TLS); unset: no email",
    ),
    Setting("MAIL_FROM", help="sender address of emails, e.g. support@example.com"),
    Setting(
        "TEAM_EMAIL",
        help="gets new conversations that start while the chat is offline",
    ),
    Setting(
        "MAIL_TRANSCRIPTS",
        flag,
        False,
        help="true: a closed conversation's transcript is emailed to the customer "
        "when their email is known",
    ),
)

# Secrets that must be set in production; in development they are generated once.
GENERATED_SECRETS = ("SECRET_KEY", "JWT_SECRET", "AUTH_REFRESH_SECRET")


def load(environ: Mapping[str, str], instance_path: str | os.PathLike) -> tuple[dict, dict]:
    """Read every setting; return (values, sources), raising ConfigError on a bad one."""
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for setting in SETTINGS:
        raw, source = _lookup(environ, setting)
        if raw is None or raw == "":
            values[setting.name] = setting.default
            sources[setting.name] = "default"
            continue
        try:
            values[setting.name] = setting.parse(raw)
        except ValueError as exc:
            raise ConfigError(f"{source}: invalid value ({exc})") from None
        sources[setting.name] = "environment"

    instance = Path(instance_path)
    production = values["SUPPORTCHAT_ENV"] == "production"
    missing = [name for name in GENERATED_SECRETS if not values[name]]
    if missing and production:
        raise ConfigError(f"{missing[0]}: must be set when SUPPORTCHAT_ENV=production")
    if production and not values["BASE_URL"]:
        # Without it the server's own origin would come from the Host header, which a
        # DNS-rebinding page chooses.
        raise ConfigError(
            "BASE_URL: must be set when SUPPORTCHAT_ENV=production, to the "
            "public origin such as https://support.example.com"
        )
    if missing:
        stored = _instance_secrets(instance)
        for name in missing:
            values[name] = stored[name]
            sources[name] = "instance file"
    if not values["DATABASE_URL"]:
        if production:
            raise ConfigError("DATABASE_URL: must be set when SUPPORTCHAT_ENV=production")
        instance.mkdir(parents=True, exist_ok=True)
        values["DATABASE_URL"] = f"sqlite:///{instance / 'supportchat.db'}"
    values["DATABASE_URL"] = _with_driver(values["DATABASE_URL"])
    if values["MONGO_URI"]:
        values["MONGO_DB"] = _mongo_database(values["MONGO_URI"]) or values["MONGO_DB"]
        if not values["MONGO_DB"]:
            raise ConfigError(
                "MONGO_DB: name the database in MONGO_URI "
                "(mongodb://host:27017/supportchat) or set MONGO_DB"
            )
    if not values["LOG_FORMAT"]:
        values["LOG_FORMAT"] = "json" if production else "text"
    if not values["UPLOAD_DIR"]:
        values["UPLOAD_DIR"] = str(instance / "uploads")
    if bool(values["ADMIN_EMAIL"]) != bool(values["ADMIN_PASSWORD"]):
        raise ConfigError("ADMIN_EMAIL: ADMIN_EMAIL and ADMIN_PASSWORD go together")
    return values, sources


def _with_driver(url: str) -> str:
    """PostgreSQL URLs use psycopg 3, the driver we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _mongo_database(uri: str) -> str | None:
    """The database a MongoDB URI names in its path (``mongodb://host/<db>?...``), if any."""
    return unquote(uri.partition("://")[2].partition("?")[0].partition("/")[2]) or None


def _lookup(environ: Mapping[str, str], setting: Setting) -> tuple[str | None, str]:
    for name in (setting.name, *setting.aliases):
        if name in environ:
            return environ[name], name
    return None, setting.name


def _instance_secrets(instance: Path) -> dict[str, str]:
    """Development secrets, generated on first start and kept in the instance folder."""
    path = instance / "secrets.json"
    stored: dict[str, str] = {}
    if path.exists():
        stored = json.loads(path.read_text())
    if all(stored.get(name) for name in GENERATED_SECRETS):
        return stored
    for name in GENERATED_SECRETS:
        stored.setdefault(name, secrets.token_urlsafe(48))
    instance.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(stored, handle)
    return stored
