"""Inbox search (PROTOCOL.md §3.6 ``q``): the words asked for, and why each ticket matched.

The stores find the tickets through the database's own text index; this module checks the
query and shapes ``match: {seq, snippet}`` from the newest matching message.
"""

from __future__ import annotations

import re
from typing import Any

from ..context import Context
from ..errors import AppError
from ..stores import Ticket

MAX_QUERY_CHARS = 200
SNIPPET_CHARS = 160
WORD = re.compile(r"\w+")


def words(q: str | None) -> str | None:
    """The search text, or None for no search; AppError ``invalid`` for a bad one."""
    if q is None:
        return None
    q = q.strip()
    if not q or len(q) > MAX_QUERY_CHARS or not WORD.search(q):
        raise AppError(
            "invalid",
            f"q: type 1 to {MAX_QUERY_CHARS} characters with at least one letter or digit.",
            {"field": "q"},
        )
    return q


def matches(ctx: Context, found: list[Ticket], q: str | None) -> dict[str, dict[str, Any]]:
    """``match`` of each ticket found by ``q``: the newest matching message's seq (None when
    only the customer matched) and a plain-text snippet around the first word found."""
    if not q or not found:
        return {}
    why = ctx.store.search_matches([ticket.id for ticket in found], q)
    return {
        ticket_id: {"seq": match.seq, "snippet": snippet(match.text, q)}
        for ticket_id, match in why.items()
    }


def snippet(text: str, q: str) -> str:
    """At most SNIPPET_CHARS of ``text`` on one line, around the first of the words in it."""
    text = " ".join(text.split())
    if len(text) <= SNIPPET_CHARS:
        return text
    lowered = text.casefold()
    places = [lowered.find(word.casefold()) for word in WORD.findall(q)]
    first = min((place for place in places if place >= 0), default=0)
    start = max(0, min(first - SNIPPET_CHARS // 3, len(text) - SNIPPET_CHARS))
    cut = text[start : start + SNIPPET_CHARS]
    return ("…" if start else "") + cut + ("…" if start + SNIPPET_CHARS < len(text) else "")
