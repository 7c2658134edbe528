"""Canned responses (PROTOCOL.md §3.7): agents read them, admins keep them."""

from __future__ import annotations

from typing import Any

from ..context import Context
from ..errors import AppError
from ..stores import Canned


def listing(ctx: Context) -> list[Canned]:
    """Every canned response, by shortcut."""
    return ctx.store.list_canned()


def add(ctx: Context, shortcut: str, title: str, text: str) -> Canned:
    """A new canned response; a taken shortcut is a ``conflict``."""
    return ctx.store.add_canned(shortcut, _filled("title", title), _filled("text", text))


def change(ctx: Context, canned_id: str, changes: dict[str, Any]) -> Canned:
    """Change some fields of a canned response."""
    for field in ("title", "text"):
        if field in changes:
            changes[field] = _filled(field, changes[field])
    return ctx.store.update_canned(canned_id, changes)


def remove(ctx: Context, canned_id: str) -> None:
    """Delete a canned response."""
    ctx.store.delete_canned(canned_id)


def view(canned: Canned) -> dict[str, str]:
    """``{id, shortcut, title, text}``."""
    return {
        "id": canned.id,
        "shortcut": canned.shortcut,
        "title": canned.title,
        "text": canned.text,
    }


def _filled(field: str, value: str) -> str:
    value = value.strip()
    if not value:
        raise AppError("invalid", f"{field}: must not be blank.", {"field": field})
    return value
