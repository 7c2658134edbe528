"""Deployment tooling: ``check-config`` (every setting, its source, and what is unsafe for
production) and ``init-deploy`` (a Docker Compose deployment with fresh secrets).

init-deploy copies the checkout's own .env.example, docker-compose.yml and deploy/nginx.conf,
so a generated deployment and the reference stack cannot drift apart.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .. import config

ROOT = Path(__file__).resolve().parents[2]  # the checkout, as for migrations/ (app.py)
SIGNING_SECRETS = ("SECRET_KEY", "JWT_SECRET", "AUTH_REFRESH_SECRET")
# Shortest acceptable length of each secret that must not be guessable.
MIN_CHARS = {
    **{
        name: 32
        for name in (*SIGNING_SECRETS, "IDENTITY_HMAC_SECRET", "AUTH_BEARER_TOKEN", "METRICS_TOKEN")
    },
    "ADMIN_PASSWORD": 12,
}
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")


def check_config(environ: Mapping[str, str], instance_path: str) -> tuple[str, int]:
    """The report ``supportchat check-config`` prints, and how many errors it found."""
    try:
        values, sources = config.load(environ, instance_path)
    except config.ConfigError as error:
        return f"error: {error}", 1
    width = max(len(setting.name) for setting in config.SETTINGS)
    lines = [f"{'SETTING':<{width}}  {'SOURCE':<13}  VALUE"]
    for setting in config.SETTINGS:
        value = _shown(setting, values[setting.name])
        lines.append(f"{setting.name:<{width}}  {sources[setting.name]:<13}  {value}")
    problems = audit(values)
    level = "error" if values["SUPPORTCHAT_ENV"] == "production" else "warning"
    if problems and level == "warning":
        lines.append("\nSUPPORTCHAT_ENV=development: these would be errors in production.")
    lines.extend(f"{level}: {problem}" for problem in problems)
    if not problems:
        lines.append("\nNo problems found.")
    return "\n".join(lines), len(problems) if level == "error" else 0


def audit(values: Mapping[str, Any]) -> list[str]:
    """What makes these settings unsafe for production, one sentence each."""
    problems = []
    for name, shortest in MIN_CHARS.items():
        value = values[name]
        if value and ("change-me" in value.lower() or len(value) < shortest):
            problems.append(
                f"{name}: looks like a placeholder or is shorter than {shortest} "
                "characters; generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
    signing = [values[name] for name in SIGNING_SECRETS]
    if len(set(signing)) < len(signing):
        problems.append(
            f"{', '.join(SIGNING_SECRETS)}: must all differ, so one leaked secret "
            "does not forge the others' tokens."
        )
    if "*" in values["ALLOWED_ORIGINS"]:
        problems.append(
            "ALLOWED_ORIGINS: '*' lets any website embed the widget and open "
            "sockets; list your sites' host names instead."
        )
    if not str(values["BASE_URL"] or "").startswith("https://"):
        problems.append(
            "BASE_URL: set it to the public https:// origin; otherwise session "
            "and token cookies are sent without the Secure flag."
        )
    several = values["WEB_CONCURRENCY"] > 1 or values["REDIS_URL"]
    if values["DATABASE_URL"].startswith("sqlite") and several:
        problems.append(
            "DATABASE_URL: SQLite cannot be shared by several processes "
            "(WEB_CONCURRENCY > 1 or REDIS_URL set); use PostgreSQL."
        )
    return problems


def _shown(setting: config.Setting, value: Any) -> str:
    """A value as check-config prints it: secrets masked, URL passwords hidden."""
    if value in (None, "", []):
        return "(unset)"
    if setting.secret:
        return f"******** ({len(str(value))} characters)"
    if isinstance(value, list):
        return ", ".join(value)
    text = str(value)
    parts = urlsplit(text) if "://" in text else None
    if parts and parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return text


def init_deploy(
    directory: Path, name: str, *, redis: bool = True, force: bool = False
) -> list[Path]:
    """Write .env, docker-compose.yml, nginx.conf and README.md into ``directory``; refuse
    to overwrite any of them unless ``force``. Returns the paths written."""
    if not _NAME.fullmatch(name):
        raise ValueError(
            "--name: use lowercase letters, digits, '-' and '_' (a Compose "
            "project name), starting with a letter or digit."
        )
    sources = {
        ".env": ROOT / ".env.example",
        "docker-compose.yml": ROOT / "docker-compose.yml",
        "nginx.conf": ROOT / "deploy" / "nginx.conf",
    }
    missing = [str(path) for path in sources.values() if not path.exists()]
    if missing:
        raise FileExistsError(
            f"run init-deploy from a supportchat checkout: {missing[0]} is missing"
        )
    targets = {file: directory / file for file in (*sources, "README.md")}
    existing = [str(path) for path in targets.values() if path.exists()]
    if existing and not force:
        raise FileExistsError(
            f"{', '.join(existing)} already exist; pass --force to overwrite them."
        )
    directory.mkdir(parents=True, exist_ok=True)
    targets[".env"].write_text(_env(sources[".env"].read_text(), name, redis))
    targets[".env"].chmod(0o600)
    # No source tree next to a deployment: it runs the image built from the checkout.
    compose = sources["docker-compose.yml"].read_text().replace("    build: .\n", "")
    targets["docker-compose.yml"].write_text(compose)
    targets["nginx.conf"].write_text(sources["nginx.conf"].read_text())
    targets["README.md"].write_text(README.format(name=name, redis_note=REDIS_NOTE[redis]))
    return list(targets.values())


def _env(template: str, name: str, redis: bool) -> str:
    """.env.example with this deployment's name and fresh secrets filled in."""
    password = secrets.token_urlsafe(24)
    values = {
        key: secrets.token_urlsafe(48)
        for key in (*SIGNING_SECRETS, "IDENTITY_HMAC_SECRET", "METRICS_TOKEN")
    }
    values.update(
        COMPOSE_PROJECT_NAME=name,
        REDIS_PREFIX=name,
        POSTGRES_PASSWORD=password,
        DATABASE_URL=f"postgresql://supportchat:{password}@postgres:5432/supportchat",
        ADMIN_PASSWORD=secrets.token_urlsafe(18),
    )
    if redis:
        values.update(COMPOSE_PROFILES="redis", REDIS_URL="redis://redis:6379/0")
    lines = []
    for line in template.splitlines():
        # "NAME=…" and "# NAME=…" both take the value; the latter is thereby switched on.
        key = re.match(r"#?\s*([A-Z][A-Z0-9_]*)=", line)
        lines.append(f"{key[1]}={values[key[1]]}" if key and key[1] in values else line)
    return "\n".join(lines) + "\n"


REDIS_NOTE = {
    True: "Redis is on (`COMPOSE_PROFILES=redis`, `REDIS_URL`): you can run more app "
    "processes behind nginx.conf's sticky upstream, and rate limits are shared.",
    False: "Redis is off: run exactly one app process. To add Redis later, set "
    "`COMPOSE_PROFILES=redis` and `REDIS_URL=redis://redis:6379/0` in `.env`.",
}

README = """# supportchat deployment: {name}

Generated by `supportchat init-deploy`. `.env` holds this deployment's secrets (mode 600):
keep it out of version control and back it up with the volumes.

1. Build the image from a supportchat checkout: `docker build -t supportchat:latest .`
   (or set `SUPPORTCHAT_IMAGE` in `.env` to an image you pushed).
2. Edit `.env`: `BASE_URL` (your public https:// origin), `ALLOWED_ORIGINS` (sites that
   embed the widget), `ADMIN_EMAIL`. Then check it: `supportchat check-config` with the
   file's variables exported must report no errors.
3. Start: `docker compose up -d`; watch `docker compose ps` until `app` is healthy
   (its healthcheck calls `/readyz`). The first admin signs in with `ADMIN_EMAIL` and
   `ADMIN_PASSWORD` from `.env` at `/agent/login`.
4. Put `nginx.conf` in front (TLS, WebSockets, sticky sessions) and keep
   `TRUSTED_PROXIES=1` so client addresses come from its `X-Forwarded-For`.

{redis_note}

Logs: `docker compose logs -f app` (one JSON object per line). Metrics: `GET /metrics`
with `Authorization: Bearer $METRICS_TOKEN`. Operations guide: docs/operations.md in the
supportchat checkout.
"""
