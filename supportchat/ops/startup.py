"""Start-up checks: a configured backend that does not answer stops the server in one line."""

from __future__ import annotations

from flask import Flask


class StartupError(Exception):
    """A backend that stops start-up; the message names the variable and the reason."""


BACKEND_VARIABLES = {"database": "DATABASE_URL", "mongo": "MONGO_URI", "redis": "REDIS_URL"}


def check_backends(app: Flask) -> None:
    """Fail fast, in one line, when a configured backend is unreachable."""
    with app.app_context():
        for name, ping in app.extensions["supportchat.backends"].items():
            try:
                ping()
            except Exception as exc:
                reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
                variable = BACKEND_VARIABLES.get(name, name)
                raise StartupError(f"{variable}: cannot connect ({reason})") from None
