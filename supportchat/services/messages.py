"""Messages: validation, the profanity filter, storing, then publishing."""

from __future__ import annotations

import re
import threading
import unicodedata
import zlib
from collections.abc import Callable
from typing import Any, NamedTuple

from ..clock import iso
from ..context import Context
from ..errors import AppError
from ..stores import AUTO_REPLY, Appended, Message, NewMessage, Ticket
from . import files, tickets
from .actors import Actor

# A ticket's messages are stored and published under one of these locks, so this process
# broadcasts them in seq order; across processes, clients close gaps with ticket:join
# (PROTOCOL.md §4.1). A fixed set of stripes: no per-ticket lock to forget.
_IN_ORDER = tuple(threading.RLock() for _ in range(64))

# Control characters other than tab and newline (carriage returns become newlines first), the
# zero-width space, and the bidirectional embeddings, overrides and isolates that can make text
# read otherwise than it is stored. Kept: the joiners (U+200C, U+200D) that emoji sequences and
# Persian or Indic words are made of, and the left-to-right and right-to-left marks (U+200E,
# U+200F) that mixed Hebrew or Arabic text needs.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u202a-\u202e\u2066-\u2069]")


def clean_text(ctx: Context, text: str, *, allow_empty: bool = False) -> str:
    """Text as it will be stored: NFC, newlines unified, control characters gone, trimmed,
    within MAX_MESSAGE_CHARS; AppError otherwise."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", text).strip()
    if not text and not allow_empty:
        raise AppError(
            "invalid", "The message is empty; type something to send.", {"field": "text"}
        )
    limit = ctx.config["MAX_MESSAGE_CHARS"]
    if len(text) > limit:
        raise AppError(
            "too_large",
            f"The message is {len(text)} characters long; the limit is {limit}.",
            {"field": "text", "limit": limit},
        )
    return filter_profanity(ctx, text)


def filter_profanity(ctx: Context, text: str) -> str:
    """Apply PROFANITY_FILTER (off | mask | reject) with PROFANITY_WORDS."""
    mode, words = ctx.config["PROFANITY_FILTER"], ctx.config["PROFANITY_WORDS"]
    if mode == "off" or not words:
        return text
    pattern = _word_pattern(tuple(words))
    if mode == "reject" and pattern.search(text):
        raise AppError(
            "invalid",
            "The message contains words that are not allowed here; please rephrase it.",
            {"field": "text"},
        )
    return pattern.sub(lambda match: "*" * len(match.group()), text)


_patterns: dict[tuple[str, ...], re.Pattern] = {}


def _word_pattern(words: tuple[str, ...]) -> re.Pattern:
    if words not in _patterns:
        alternatives = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
        _patterns[words] = re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE)
    return _patterns[words]


class Written(NamedTuple):
    """The ticket written to, whether AI replies answered it when the message was stored, the
    stored message, and the automatic replies it got."""

    ticket_id: str
    bot_active: bool
    message: Message
    replies: list[Message]


def write(
    ctx: Context,
    actor: Actor,
    text: str,
    *,
    ticket_id: str | None = None,
    session: tickets.Session | None = None,
    reopen: bool = False,
    client_msg_id: str | None = None,
    attachments: list[str] | None = None,
    kind: str = "message",
    on_ticket: Callable[[Ticket], None] | None = None,
) -> Written:
    """Someone writes in a conversation: in ticket ``ticket_id`` (``chat:message``), or, for a
    customer, in ``session`` (POST /api/chat; ``ticket:create`` with a text), whose ticket
    opens on its first use and, with ``reopen``, again after it was closed. The text is
    cleaned once, before anything is stored. In a ticket named by id, the append itself checks
    that the customer may write there: the ticket is read first only to check attachments
    (that read was a quarter of the message path: bench/RESULTS.md). A repeated
    ``client_msg_id`` returns the stored message and publishes nothing. A customer's first
    message gets the configured automatic reply, unless AI replies answer it. ``on_ticket``
    hears the ticket before the message is stored (a socket joins its room, to hear its
    message and the reply)."""
    attachments = attachments or []
    if kind == "note" and not actor.is_agent:
        raise AppError("forbidden", "Only agents may write private notes.", {"field": "kind"})
    text = clean_text(ctx, text, allow_empty=bool(attachments))  # refused before a ticket opens
    stored_files: list[dict[str, Any]] = []
    if session is not None:
        ticket = (
            tickets.open(ctx, actor, session)[0]
            if reopen
            else tickets.continue_session(ctx, actor, session)[0]
        )
        ticket_id = ticket.id
        if on_ticket is not None:
            on_ticket(ticket)
        stored_files = files.attachable(ctx, actor, ticket, attachments)
    elif attachments:
        stored_files = files.attachable(
            ctx, actor, tickets.accessible(ctx, actor, ticket_id), attachments
        )
    new = NewMessage(
        sender=actor.sender(),
        text=text,
        kind=kind,
        client_msg_id=client_msg_id,
        attachments=stored_files,
        client_key=actor.client_key,
    )
    message, created, bot_active = _store_and_publish(ctx, ticket_id, new)
    replies = []
    if created and not actor.is_agent and message.guest_seq == 1 and not bot_active:
        replies = _auto_reply(ctx, ticket_id)  # with AI replies on, the model answers instead
    if created and kind == "message" and bot_active:
        ctx.after_bot_message(ctx, actor, ticket_id, message.seq)  # services.ai_replies
    return Written(ticket_id, bot_active, message, replies)


def _auto_reply(ctx: Context, ticket_id: str) -> list[Message]:
    """The behavior.autoReply text as a bot message, at most once per ticket."""
    text = ctx.section("behavior")["autoReply"].strip()
    if not text:
        return []
    bot = {"id": "bot", "role": "bot", "name": ctx.section("branding")["title"] or "Support"}
    new = NewMessage(sender=bot, text=text, client_msg_id=AUTO_REPLY)
    return [_store_and_publish(ctx, ticket_id, new).message]


def _store_and_publish(
    ctx: Context, ticket_id: str, new: NewMessage, inbox: bool = True
) -> Appended:
    with _IN_ORDER[zlib.crc32(ticket_id.encode()) % len(_IN_ORDER)]:
        appended = ctx.store.append_message(ticket_id, new)
        message = appended.message
        if appended.created:
            ctx.publish.to_ticket(
                "chat:message", ticket_id, message_view(ctx, message, for_agent=True), guests=False
            )
            if message.guest_seq is not None:  # not a note
                ctx.publish.to_guests(
                    "chat:message", ticket_id, message_view(ctx, message, for_agent=False)
                )
            ctx.publish.message_stored(ticket_id)
            if inbox:
                ctx.update_inbox(ticket_id)  # the inbox row: latest message, unread flag
    return appended


def append(ctx: Context, ticket_id: str, new: NewMessage) -> Appended:
    """Store and publish a message the server writes itself (a bot's answer, an event): the
    same path, order and idempotency as every other message."""
    return _store_and_publish(ctx, ticket_id, new)


def message_view(ctx: Context, message: Message, *, for_agent: bool) -> dict[str, Any]:
    """PROTOCOL.md §2 Message, numbered in its audience's sequence: agents number every
    message, guests only those they see (v1.1)."""
    return {
        "id": message.id,
        "ticketId": message.ticket_id,
        "seq": message.seq if for_agent else message.guest_seq,
        "clientMsgId": message.client_msg_id,
        "sender": message.sender,
        "text": message.text,
        "attachments": [files.file_view(ctx, item) for item in message.attachments],
        "kind": message.kind,
        "createdAt": iso(message.created_at),
    }


SYSTEM = {"id": "system", "role": "system", "name": "System"}


def write_event(ctx: Context, ticket_id: str, text: str) -> Message:
    """A ``kind: event`` line in an open ticket ("Assigned to Ana by Bo"), stored and
    published like any message; it leaves the inbox preview and unread flag alone, so it
    costs the inbox no digest row (the change itself was announced as ``ticket:updated``)."""
    new = NewMessage(sender=SYSTEM, text=text, kind="event")
    return _store_and_publish(ctx, ticket_id, new, inbox=False).message
