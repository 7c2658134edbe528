"""Files attached to messages: ownership checks and signed, expiring download links."""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from typing import Any
from urllib.parse import quote

from ..context import Context
from ..errors import AppError
from ..stores import Ticket
from .actors import Actor

LINK_SECONDS = 24 * 3600
MAX_ATTACHMENTS = 10
# What a genuine link carries: a Unix time in ASCII digits and a hex SHA-256. Anything else
# (a superscript digit passes str.isdigit, thousands of digits overflow int()) is refused.
_EXPIRES = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")


def attachable(
    ctx: Context, actor: Actor, ticket: Ticket, file_ids: list[str]
) -> list[dict[str, Any]]:
    """The stored files named by ``file_ids``, each uploaded to ``ticket``; AppError otherwise."""
    if len(file_ids) > MAX_ATTACHMENTS:
        raise AppError(
            "too_large",
            f"At most {MAX_ATTACHMENTS} attachments per message.",
            {"field": "attachments"},
        )
    found = []
    for file_id in dict.fromkeys(file_ids):
        stored = ctx.store.get_file(file_id)
        if stored is None or stored.ticket_id != ticket.id:
            raise AppError(
                "invalid",
                "An attachment is not a file uploaded to this conversation; upload it again.",
                {"field": "attachments", "id": file_id},
            )
        found.append(
            {"id": stored.id, "name": stored.name, "size": stored.size, "type": stored.type}
        )
    return found


def file_view(ctx: Context, item: dict[str, Any]) -> dict[str, Any]:
    """PROTOCOL.md §2 File, with a fresh signed link."""
    return {**item, "url": signed_url(ctx, item["id"], item["name"])}


def signed_url(ctx: Context, file_id: str, name: str, now: float | None = None) -> str:
    """``/uploads/<id>/<name>?exp=…&sig=…``, valid for LINK_SECONDS; absolute with BASE_URL,
    so that a widget on another site can follow it."""
    expires = int((now or time.time()) + LINK_SECONDS)
    base = (ctx.config["BASE_URL"] or "").rstrip("/")
    return (
        f"{base}/uploads/{file_id}/{quote(name, safe='')}?exp={expires}"
        f"&sig={_signature(ctx, file_id, expires)}"
    )


def check_signature(ctx: Context, file_id: str, expires: str, signature: str) -> bool:
    """Whether a download link is genuine and not expired."""
    if (
        not (_EXPIRES.fullmatch(expires) and _SIGNATURE.fullmatch(signature))
        or int(expires) < time.time()
    ):
        return False
    return hmac.compare_digest(_signature(ctx, file_id, int(expires)), signature)


def _signature(ctx: Context, file_id: str, expires: int) -> str:
    key = ctx.config["SECRET_KEY"].encode()
    return hmac.new(key, f"file:{file_id}:{expires}".encode(), hashlib.sha256).hexdigest()
