"""How the MongoDB store writes tickets, messages and files as documents, and reads them back.

Timestamps are integer milliseconds since the Unix epoch (UTC); see mongo.py for why.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from . import Message, NewMessage, StoredFile, Ticket, bot_answer, from_bot

EPOCH = datetime(1970, 1, 1)


def ms(moment: datetime | None) -> int | None:
    return None if moment is None else (moment - EPOCH) // timedelta(milliseconds=1)


def at(ms: int | None) -> datetime | None:
    return None if ms is None else EPOCH + timedelta(milliseconds=ms)


def ticket_document(ticket: Ticket) -> dict[str, Any]:
    """The ``tickets`` document of a ticket (read state included)."""
    doc = {
        "_id": ticket.id,
        "clientKey": ticket.client_key,
        "sessionId": ticket.session_id,
        "status": ticket.status,
        "createdAt": ms(ticket.created_at),
        "updatedAt": ms(ticket.updated_at),
        "closedAt": ms(ticket.closed_at),
        "closedBy": ticket.closed_by,
        "customer": ticket.customer,
        "assignee": ticket.assignee,
        "lastSeq": ticket.last_seq,
        "lastPublicSeq": ticket.last_public_seq,
        "lastMessageAt": ms(ticket.last_message_at),
        "lastMessagePreview": ticket.last_message_preview,
        "previewSeq": ticket.preview_seq,
        "agentReadSeq": ticket.agent_read_seq,
        "guestReadSeq": ticket.guest_read_seq,
        "rating": ticket.rating,
        "lastGuestSeq": ticket.last_guest_seq,
        "botActive": ticket.bot_active,
        "aiSeq": ticket.ai_seq,
        "labels": list(ticket.labels),
        "ratingComment": ticket.rating_comment,
        "ratedAt": ms(ticket.rated_at),
        "waitingSince": ms(ticket.waiting_since),
        "firstReplyAt": ms(ticket.first_reply_at),
        "botOnly": ticket.bot_only,
    }
    if ticket.status == "open" and ticket.session_id:
        doc["openSessionId"] = ticket.session_id
    return doc


def ticket_from_document(doc: dict[str, Any]) -> Ticket:
    """A ticket from its document."""
    return Ticket(
        id=doc["_id"],
        client_key=doc["clientKey"],
        session_id=doc["sessionId"],
        status=doc["status"],
        created_at=at(doc["createdAt"]),
        updated_at=at(doc["updatedAt"]),
        closed_at=at(doc["closedAt"]),
        closed_by=doc["closedBy"],
        customer=doc["customer"],
        assignee=doc["assignee"],
        last_seq=doc["lastSeq"],
        last_public_seq=doc["lastPublicSeq"],
        last_message_at=at(doc["lastMessageAt"]),
        last_message_preview=doc["lastMessagePreview"],
        # Stored before previews kept their seq: the latest public message is the nearest.
        preview_seq=doc.get("previewSeq", doc["lastPublicSeq"]),
        agent_read_seq=doc["agentReadSeq"],
        guest_read_seq=doc["guestReadSeq"],
        rating=doc["rating"],
        last_guest_seq=doc["lastGuestSeq"],
        bot_active=bool(doc.get("botActive")),  # tickets stored before AI replies: off
        ai_seq=doc.get("aiSeq", 0),
        labels=tuple(doc.get("labels") or ()),
        rating_comment=doc.get("ratingComment"),  # tickets stored before ratings had comments
        rated_at=at(doc.get("ratedAt")),
        waiting_since=at(doc.get("waitingSince")),  # tickets stored before: not waiting
        first_reply_at=at(doc.get("firstReplyAt")),
        bot_only=doc.get("botOnly"),  # tickets stored before: the reports read their messages
    )


def message_document(message: Message) -> dict[str, Any]:
    """The ``messages`` document of a message; no ``clientMsgId`` field when there is none,
    no ``guestSeq`` for a note."""
    doc = {
        "_id": message.id,
        "ticketId": message.ticket_id,
        "seq": message.seq,
        "sender": message.sender,
        "text": message.text,
        "attachments": message.attachments,
        "kind": message.kind,
        "createdAt": ms(message.created_at),
    }
    if message.client_msg_id is not None:
        doc["clientMsgId"] = message.client_msg_id
    if message.guest_seq is not None:
        doc["guestSeq"] = message.guest_seq
    return doc


def message_from_document(doc: dict[str, Any]) -> Message:
    """A message from its document."""
    return Message(
        id=doc["_id"],
        ticket_id=doc["ticketId"],
        seq=doc["seq"],
        client_msg_id=doc.get("clientMsgId"),
        sender=doc["sender"],
        text=doc["text"],
        attachments=doc["attachments"] or [],
        kind=doc["kind"],
        created_at=at(doc["createdAt"]),
        guest_seq=doc.get("guestSeq"),
    )


def file_document(stored: StoredFile) -> dict[str, Any]:
    """The ``files`` document of an uploaded file's metadata."""
    return {
        "_id": stored.id,
        "ticketId": stored.ticket_id,
        "name": stored.name,
        "size": stored.size,
        "type": stored.type,
        "uploaderId": stored.uploader_id,
        "createdAt": ms(stored.created_at),
    }


def file_from_document(doc: dict[str, Any]) -> StoredFile:
    """An uploaded file's metadata from its document."""
    return StoredFile(
        id=doc["_id"],
        ticket_id=doc["ticketId"],
        name=doc["name"],
        size=doc["size"],
        type=doc["type"],
        uploader_id=doc["uploaderId"],
        created_at=at(doc["createdAt"]),
    )


def wait_update(ticket: dict[str, Any], new: NewMessage, now: int) -> dict[str, Any]:
    """What a public message changes of who waits (as sql.py's numbering): the
    customer waits from their oldest unanswered message; an agent's answer ends the wait."""
    if from_bot(new):
        return {}
    if new.sender["role"] == "guest":
        return {} if ticket.get("waitingSince") is not None else {"waitingSince": now}
    first = ticket.get("firstReplyAt")
    return {"waitingSince": None, "firstReplyAt": now if first is None else first}


def bot_update(ticket: dict[str, Any], new: NewMessage) -> dict[str, Any]:
    """What a message changes of ``botOnly`` (stores.bot_answer, as sql.py's numbering): the
    bot's answer sets it unless it is set; a person or a hand-off clears it for good."""
    answer = bot_answer(new)
    if answer is None or (answer and ticket.get("botOnly") is not None):
        return {}
    return {"botOnly": answer}
