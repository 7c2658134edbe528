"""Settings an admin edits at run time: branding, behaviour and AI (PROTOCOL.md §3.7).

Each section is one row of ``settings``; its secret (the AI API key) lives in that row's
``secret`` column, sealed by ``secrets_box`` (unreadable without SECRET_KEY), and is never
read back out through the API: it is write-only.
"""

from __future__ import annotations

import time
from typing import Any

from flask import current_app

from ..extensions import db
from ..models import Setting
from . import secrets_box

DEFAULTS: dict[str, dict[str, Any]] = {
    "branding": {
        "title": "Support",
        "primaryColor": "#0f766e",
        "welcomeMessage": "Hi! How can we help?",
        "customCss": "",
    },
    "behavior": {
        "autoReply": "",
        "offlineMessage": "",
        "businessHours": None,  # always open
        "preChatForm": {"enabled": False, "fields": []},
        "csat": {"enabled": False},
    },
    "ai": {
        "enabled": False,
        "provider": "",
        "baseUrl": "",
        "model": "",
        "systemPrompt": (
            "You are the support assistant of this website. Answer briefly and politely. "
            "When you cannot help, or the customer asks for a person, hand the conversation "
            "over to the team."
        ),
    },
}
# The write-only field of a section, and the environment variable that provides its default.
SECRETS = {"ai": ("apiKey", "AI_API_KEY")}
# Environment variables that provide a section's defaults until an admin saves one.
ENVIRONMENT_DEFAULTS = {"ai": {"baseUrl": "AI_BASE_URL", "model": "AI_MODEL"}}
# Sections are read on hot paths (every new conversation's first message); a process keeps
# what it read this long, so an edit made through another process shows within that time.
CACHE_SECONDS = 2.0


def section(name: str) -> dict[str, Any]:
    """One section's readable values: stored ones over the defaults."""
    cache = current_app.extensions.setdefault("supportchat.settings", {})
    read_at, values = cache.get(name, (0.0, None))
    if values is None or time.monotonic() - read_at > CACHE_SECONDS:
        row = db.session.get(Setting, name)
        values = {**DEFAULTS[name], **_environment_defaults(name)}
        if row is not None:
            values.update({key: value for key, value in row.value.items() if key in values})
        cache[name] = (time.monotonic(), values)
    return dict(values)


def branding() -> dict[str, Any]:
    """Title, colour, welcome message and custom CSS of the widget and the chat page."""
    return section("branding")


def behavior() -> dict[str, Any]:
    """Automatic reply, offline message and business hours."""
    return section("behavior")


def secret(name: str) -> str | None:
    """A section's write-only secret (stored, else from the environment), for server use."""
    row = db.session.get(Setting, name)
    if row is not None and row.secret is not None:
        return secrets_box.unseal(row.secret, f"settings.{name}") if row.secret else None
    return current_app.config[SECRETS[name][1]] or None


def read_all() -> dict[str, Any]:
    """Every section, with ``<secret>Set`` flags in place of the secrets themselves."""
    values = {name: section(name) for name in DEFAULTS}
    for name, (field, _variable) in SECRETS.items():
        values[name][f"{field}Set"] = secret(name) is not None
    return values


def update(changes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Apply a partial update: a given field replaces the stored one, ``null`` restores its
    default; a secret given as a string is replaced, as ``null`` cleared, when absent kept."""
    for name, fields in changes.items():
        row = db.session.get(Setting, name) or Setting(key=name, value={})
        stored = dict(row.value)
        secret_field = SECRETS.get(name, (None,))[0]
        for key, value in fields.items():
            if key == secret_field:
                # "" marks "cleared", overriding the environment
                row.secret = secrets_box.seal(value, f"settings.{name}") if value else ""
            elif value is None:
                stored.pop(key, None)
            else:
                stored[key] = value
        row.value = stored
        db.session.add(row)
    db.session.commit()
    current_app.extensions.pop("supportchat.settings", None)
    return read_all()


def _environment_defaults(name: str) -> dict[str, Any]:
    config = current_app.config
    return {
        key: config[variable]
        for key, variable in ENVIRONMENT_DEFAULTS.get(name, {}).items()
        if config[variable]
    }
