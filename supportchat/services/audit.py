"""The audit trail: who changed what, when and from where, plus hooks for operators.

Hooks are plain callables registered at start-up (``audit.on_refresh(send_to_siem)``); each
gets the stored event as a dict. A failing hook is logged and never fails the request.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import or_, select

from ..clock import iso
from ..extensions import db
from ..models import AuditEvent

log = logging.getLogger(__name__)

Hook = Callable[[dict[str, Any]], None]
_hooks: dict[str, list[Hook]] = defaultdict(list)


def on(action: str, hook: Hook) -> Hook:
    """Call ``hook(event)`` after every audit event named ``action`` (e.g. ``agent.update``)."""
    _hooks[action].append(hook)
    return hook


def off(action: str, hook: Hook) -> None:
    """Stop calling a hook registered with ``on``."""
    if hook in _hooks[action]:
        _hooks[action].remove(hook)


def on_refresh(hook: Hook) -> Hook:
    """Call ``hook(event)`` whenever a refresh token is rotated."""
    return on("auth.refresh", hook)


def on_revoke(hook: Hook) -> Hook:
    """Call ``hook(event)`` whenever a token family is revoked (sign-out, reuse, API)."""
    return on("auth.revoke", hook)


def record(
    actor: str,
    action: str,
    target: str | None = None,
    address: str | None = None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Store one audit event, then run the hooks registered for its action."""
    event = AuditEvent(
        actor=actor[:64],
        action=action,
        target=target and target[:128],
        address=address and address[:64],
        details=details,
    )
    db.session.add(event)
    db.session.commit()
    stored = event_view(event)
    for hook in list(_hooks.get(action, ())):
        try:
            hook(stored)
        except Exception:  # an operator's hook must not break sign-in or admin work
            log.exception("audit hook %r for %s failed", hook, action)
    return stored


def event_view(event: AuditEvent) -> dict[str, Any]:
    """An audit event as plain JSON."""
    return {
        "id": event.id,
        "at": iso(event.at),
        "actor": event.actor,
        "action": event.action,
        "target": event.target,
        "address": event.address,
        "details": event.details,
    }


def page(
    cursor: int | None, action: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    """Events newest first, those before event id ``cursor``; ``action`` is a name
    (``agent.update``) or its first part (``agent``). Returns the next page's cursor."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit + 1)
    if cursor is not None:
        query = query.where(AuditEvent.id < cursor)
    if action:
        query = query.where(
            or_(
                AuditEvent.action == action,
                AuditEvent.action.startswith(action + ".", autoescape=True),
            )
        )
    events = list(db.session.scalars(query))
    more = len(events) > limit
    events = events[:limit]
    return [event_view(event) for event in events], str(events[-1].id) if more else None
