"""Messages: validation, the profanity filter, storing, then publishing."""

from __future__ import annotations

import re
import threading
import unicodedata
import zlib
from typing import Any, NamedTuple

from ..clock import iso
from ..errors import AppError
from ..realtime import publish
from ..stores import Message, NewMessage
from . import files, inbox, setting, settings, store, tickets
from .actors import Actor

# A ticket's messages are stored and published under one of these locks, so this process
# broadcasts them in seq order; across processes, clients close gaps with ticket:join
# (PROTOCOL.md §4.1). A fixed set of stripes: no per-ticket lock to forget.
_IN_ORDER = tuple(threading.RLock() for _ in range(64))

# Control characters other than tab and newline; carriage returns become newlines first.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str, *, allow_empty: bool = False) -> str:
    """Text as it will be stored: NFC, newlines unified, control characters gone, trimmed,
    within MAX_MESSAGE_CHARS; AppError otherwise."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", text).strip()
    if not text and not allow_empty:
        raise AppError("invalid", "The message is empty; type something to send.",
                       {"field": "text"})
    limit = setting("MAX_MESSAGE_CHARS")
    if len(text) > limit:
        raise AppError("too_large", f"The message is {len(text)} characters long; the limit "
                       f"is {limit}.", {"field": "text", "limit": limit})
    return filter_profanity(text)


def filter_profanity(text: str) -> str:
    """Apply PROFANITY_FILTER (off | mask | reject) with PROFANITY_WORDS."""
    mode, words = setting("PROFANITY_FILTER"), setting("PROFANITY_WORDS")
    if mode == "off" or not words:
        return text
    pattern = _word_pattern(tuple(words))
    if mode == "reject" and pattern.search(text):
        raise AppError("invalid", "The message contains words that are not allowed here; "
                       "please rephrase it.", {"field": "text"})
    return pattern.sub(lambda match: "*" * len(match.group()), text)


_patterns: dict[tuple[str, ...], re.Pattern] = {}


def _word_pattern(words: tuple[str, ...]) -> re.Pattern:
    if words not in _patterns:
        alternatives = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
        _patterns[words] = re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE)
    return _patterns[words]


class Posted(NamedTuple):
    """A stored message, whether it is new, and the automatic replies it got."""

    message: Message
    created: bool
    replies: list[Message]


def post(actor: Actor, ticket_id: str, text: str, client_msg_id: str | None = None,
         attachments: list[str] | None = None, kind: str = "message") -> Posted:
    """Store a message, then publish it; a repeated ``client_msg_id`` returns the stored one
    and publishes nothing. A customer's first message gets the configured automatic reply."""
    ticket = tickets.accessible(actor, ticket_id)
    if kind == "note" and not actor.is_agent:
        raise AppError("forbidden", "Only agents may write private notes.", {"field": "kind"})
    stored_files = files.attachable(actor, ticket, attachments or [])
    text = clean_text(text, allow_empty=bool(stored_files))
    name = actor.name if actor.is_agent else ticket.customer["label"]
    new = NewMessage(sender=actor.sender(name), text=text, kind=kind,
                     client_msg_id=client_msg_id, attachments=stored_files)
    message, created = _store_and_publish(ticket_id, new)
    replies = []
    if created and not actor.is_agent and ticket.last_public_seq == 0:
        replies = _auto_reply(ticket_id)
    return Posted(message, created, replies)


def _auto_reply(ticket_id: str) -> list[Message]:
    """The behavior.autoReply text as a bot message, at most once per ticket."""
    text = settings.behavior()["autoReply"].strip()
    if not text:
        return []
    bot = {"id": "bot", "role": "bot", "name": settings.branding()["title"] or "Support"}
    message, _created = _store_and_publish(
        ticket_id, NewMessage(sender=bot, text=text, client_msg_id="auto-reply"))
    return [message]


def _store_and_publish(ticket_id: str, new: NewMessage) -> tuple[Message, bool]:
    with _IN_ORDER[zlib.crc32(ticket_id.encode()) % len(_IN_ORDER)]:
        message, created = store().append_message(ticket_id, new)
        if created:
            publish.to_ticket("chat:message", ticket_id, message_view(message),
                              guests=new.kind != "note")
            publish.message_stored(ticket_id, message.seq)
            inbox.message_stored(ticket_id)  # the inbox row: latest message, unread flag
    return message, created


def message_view(message: Message) -> dict[str, Any]:
    """PROTOCOL.md §2 Message."""
    return {
        "id": message.id, "ticketId": message.ticket_id, "seq": message.seq,
        "clientMsgId": message.client_msg_id, "sender": message.sender, "text": message.text,
        "attachments": [files.file_view(item) for item in message.attachments],
        "kind": message.kind, "createdAt": iso(message.created_at),
    }
