"""Opaque keyset cursors for paged lists (the inbox in either order, the files listing): the
last row's (moment, id), base64url, so a page holds still while new rows arrive."""

from __future__ import annotations

import base64
from datetime import datetime

from ..errors import AppError
from ..stores import Ticket

# A "waiting" cursor starts with this, so that neither order takes the other's cursors.
WAITING_CURSOR = "waiting|"


def encode_cursor(ticket: Ticket, sort: str = "newest") -> str:
    """An opaque keyset cursor pointing just after ``ticket`` in the inbox's ``sort`` order."""
    if sort == "waiting":
        return keyset_cursor(ticket.waiting_since, ticket.id, WAITING_CURSOR)
    return keyset_cursor(ticket.last_message_at, ticket.id)


def keyset_cursor(moment: datetime, row_id: str, prefix: str = "") -> str:
    """An opaque cursor just after the row (``moment``, ``row_id``) of a keyset-ordered list."""
    raw = f"{prefix}{moment.isoformat()}|{row_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, sort: str = "newest") -> tuple[datetime, str] | None:
    """The (moment, id) inside a cursor of the ``sort`` order, or AppError ``invalid``."""
    if not cursor:
        return None
    prefix = WAITING_CURSOR if sort == "waiting" else ""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith(prefix):
            raise ValueError(cursor)
        moment, ticket_id = raw.removeprefix(prefix).split("|", 1)
        return datetime.fromisoformat(moment), ticket_id
    except (ValueError, UnicodeDecodeError):
        raise AppError(
            "invalid",
            "cursor is not one this server gave out for this list; start from the first page.",
            {"field": "cursor"},
        ) from None
