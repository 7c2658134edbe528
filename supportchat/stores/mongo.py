"""The ticket store on MongoDB (pymongo): collections ``tickets``, ``messages`` and ``files``.

Numbering without gaps, on a standalone server too. Multi-document transactions need a
replica set, and many small installs run one standalone ``mongod``, so appends use none.
Instead the number and the message are written in ONE single-document update, which
MongoDB applies atomically everywhere:

1. Read the ticket (``lastSeq`` = L), then ``find_one_and_update`` it with the filter
   ``{_id, status: "open", lastSeq: L}`` and ``$inc: {lastSeq: 1}`` (and ``lastGuestSeq``
   for a message guests see: the guest sequence), ``$set: {pending: <the whole message
   with seq L+1>}``. If another append got there first the filter
   misses and we read again: the ``$inc`` is a compare-and-set, so two appends never share
   a number, and a number is never handed out without its message.
2. Insert the message into ``messages`` (``_id`` is the message id, so a second insert of
   the same message is a harmless duplicate), then ``$unset`` ``pending`` if it still holds
   this message.

A crash between 1 and 2 leaves the message in the ticket's ``pending`` slot: stored, but
not yet in the log. Whoever touches the ticket next moves it into the log before doing
anything else — the next append (before it claims L+2) and every reader. Readers also
stop at the ``lastSeq`` they read after that repair, so a message whose owner is still
between 1 and 2 is never skipped over: clients may see the log end early (the broadcast
follows), never a hole. Nothing is acknowledged before step 2, so a retry with the same
``clientMsgId`` finds the repaired message instead of storing a second one.

Timestamps are integer milliseconds since the Unix epoch (UTC): exact, so keyset cursors
compare equal to what they were built from, and unambiguous on servers that store dates
loosely (the nx-27017 test server turns a ``$set`` date into a string; see
docs/mongodb.md for the quirks met while testing).
"""

from __future__ import annotations

import random
import time
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from ..clock import utcnow
from ..errors import AppError, not_found
from ..models import new_id
from . import (
    Appended,
    Message,
    NewMessage,
    Ticket,
    TicketQuery,
    closed_error,
    from_bot,
    preview,
    rated_already,
    signature,
)
from .mongo_bot import MongoBot
from .mongo_connection import MongoConnection
from .mongo_documents import (
    bot_update,
    message_document,
    message_from_document,
    ms,
    ticket_document,
    ticket_from_document,
    wait_update,
)
from .mongo_files import MongoFiles
from .mongo_guest_seq import MongoGuestSeq, settle
from .mongo_indexes import NEWEST, WAITING
from .mongo_reads import MongoReads
from .mongo_reports import report as database_report
from .mongo_search import MongoSearch
from .reports import ReportData

# Appends to one ticket that lose the compare-and-set retry; each loss means another won.
APPEND_ATTEMPTS = 50


class MongoTicketStore(
    MongoConnection, MongoSearch, MongoGuestSeq, MongoBot, MongoReads, MongoFiles
):
    """TicketStore on one MongoDB database; the client is made on first use, per process."""

    def __init__(self, uri: str, database: str):
        super().__init__(uri, database)
        self.outbox = None  # services.outbox: events recorded right after the changes

    def create_ticket(
        self,
        client_key: str,
        session_id: str | None,
        customer: dict[str, Any],
        bot_active: bool = False,
    ) -> tuple[Ticket, bool]:
        if session_id and (existing := self._open_for_session(session_id)):
            return existing, False
        now = utcnow()
        ticket = Ticket(
            id=new_id(),
            client_key=client_key,
            session_id=session_id,
            status="open",
            created_at=now,
            updated_at=now,
            closed_at=None,
            closed_by=None,
            customer=customer,
            assignee=None,
            last_seq=0,
            last_public_seq=0,
            last_message_at=now,
            last_message_preview="",
            agent_read_seq=0,
            guest_read_seq=0,
            rating=None,
            last_guest_seq=0,
            bot_active=bot_active,
            rating_comment=None,
            rated_at=None,
        )
        try:
            self.tickets.insert_one(ticket_document(ticket))
        except DuplicateKeyError:
            # Another request opened this session's ticket first: answer with that one.
            if session_id and (existing := self._open_for_session(session_id)):
                return existing, False
            raise
        if self.outbox is not None:
            self.outbox.ticket(None, "ticket.created", ticket)
        return ticket, True

    def get_ticket(self, ticket_id: str) -> Ticket | None:
        doc = self.tickets.find_one({"_id": ticket_id}, {"pending": 0})
        return ticket_from_document(doc) if doc else None

    def get_tickets(self, ticket_ids: list[str]) -> list[Ticket]:
        if not ticket_ids:
            return []
        docs = self.tickets.find({"_id": {"$in": list(ticket_ids)}}, {"pending": 0})
        return [ticket_from_document(doc) for doc in docs]

    def latest_for_session(self, session_id: str) -> Ticket | None:
        docs = (
            self.tickets.find({"sessionId": session_id}, {"pending": 0})
            .sort("createdAt", DESCENDING)
            .limit(1)
        )
        return next((ticket_from_document(doc) for doc in docs), None)

    def list_tickets(self, query: TicketQuery) -> list[Ticket]:
        where: dict[str, Any] = {}
        if query.status != "all":
            where["status"] = query.status
        if query.assignee == "none":
            where["assignee"] = None
        elif query.assignee:
            where["assignee.id"] = query.assignee
        if query.label:
            where["labels"] = query.label
        if query.text:
            where["_id"] = {"$in": self.matching_ticket_ids(query.text)}
        field, after, order = "lastMessageAt", "$lt", NEWEST
        if query.sort == "waiting":  # index "waiting"
            field, after, order = "waitingSince", "$gt", WAITING
            where["waitingSince"] = {"$ne": None}
        if query.cursor:
            at, last_id = ms(query.cursor[0]), query.cursor[1]
            where["$or"] = [{field: {after: at}}, {field: at, "_id": {after: last_id}}]
        docs = self.tickets.find(where, {"pending": 0}).sort(order).limit(query.limit)
        return [ticket_from_document(doc) for doc in docs]

    def append_message(self, ticket_id: str, new: NewMessage) -> Appended:
        for attempt in range(APPEND_ATTEMPTS):
            ticket = self.tickets.find_one({"_id": ticket_id})
            if ticket is None or new.client_key not in (None, ticket["clientKey"]):
                raise not_found()
            if ticket.get("pending"):
                self._settle(ticket_id, ticket["pending"])
            if new.client_msg_id is not None and (stored := self._by_client_msg_id(ticket_id, new)):
                return Appended(stored, False)
            if ticket["status"] != "open":
                raise closed_error()
            now = utcnow()
            public = new.kind != "note"
            message = Message(
                id=new_id(),
                ticket_id=ticket_id,
                seq=ticket["lastSeq"] + 1,
                client_msg_id=new.client_msg_id,
                sender={**new.sender, "name": signature(new.sender, ticket["customer"]["label"])},
                text=new.text,
                attachments=new.attachments,
                kind=new.kind,
                created_at=now,
                guest_seq=ticket["lastGuestSeq"] + 1 if public else None,
            )
            doc = message_document(message)
            values: dict[str, Any] = {"pending": doc, "updatedAt": ms(now)}
            if public:
                values.update(lastPublicSeq=message.seq, lastMessageAt=ms(now))
                if not from_bot(new):
                    values.update(lastMessagePreview=preview(new), previewSeq=message.seq)
                values.update(wait_update(ticket, new, ms(now)))
            # Writers have read up to their own message; a bot's, only if agents had read all.
            reader = "guestReadSeq" if new.sender["role"] == "guest" else "agentReadSeq"
            if not from_bot(new) or ticket["agentReadSeq"] >= ticket["lastSeq"]:
                values[reader] = message.seq
            values.update(bot_update(ticket, new))
            claimed = self.tickets.find_one_and_update(
                {"_id": ticket_id, "status": "open", "lastSeq": ticket["lastSeq"]},
                {"$inc": {"lastSeq": 1, "lastGuestSeq": int(public)}, "$set": values},
                projection={"_id": 1},
            )
            if claimed is not None:
                self._settle(ticket_id, doc)
                if new.sender["role"] == "agent":  # a writer has read up to their own message
                    self.mark_agent_read(new.sender["id"], ticket_id, message.seq)
                return Appended(message, True, bool(ticket.get("botActive")))
            time.sleep(random.uniform(0, 0.002 * (attempt + 1)))  # let the winner finish
        raise AppError(
            "conflict",
            "This conversation is too busy to take the message right now; please send it again.",
        )

    def messages_after(
        self, ticket_id: str, seq: int, limit: int, include_notes: bool
    ) -> list[Message]:
        last = self._settled_last_seq(ticket_id)
        if last is None:
            return []
        where, number = self._messages(ticket_id, include_notes, last, {"$gt": seq})
        return [
            message_from_document(doc)
            for doc in self.messages.find(where).sort(number, ASCENDING).limit(limit)
        ]

    def messages_before(
        self, ticket_id: str, seq: int | None, limit: int, include_notes: bool
    ) -> list[Message]:
        last = self._settled_last_seq(ticket_id)
        if last is None:
            return []
        bounds = {} if seq is None else {"$lt": seq}
        where, number = self._messages(ticket_id, include_notes, last, bounds)
        docs = list(self.messages.find(where).sort(number, DESCENDING).limit(limit))
        return [message_from_document(doc) for doc in reversed(docs)]

    def close_ticket(self, ticket_id: str, closed_by: dict[str, str]) -> Ticket:
        now = ms(utcnow())
        doc = self.tickets.find_one_and_update(
            {"_id": ticket_id, "status": "open"},
            {
                "$set": {
                    "status": "closed",
                    "closedAt": now,
                    "closedBy": closed_by,
                    "updatedAt": now,
                },
                "$unset": {"openSessionId": ""},
            },
            projection={"pending": 0},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None and (ticket := self.get_ticket(ticket_id)):
            return ticket  # already closed: nothing changes
        ticket = self._found(doc)
        if self.outbox is not None:
            self.outbox.ticket(None, "ticket.closed", ticket)
        return ticket

    def update_customer(self, ticket_id: str, customer: dict[str, Any]) -> Ticket:
        return self._found(
            self.tickets.find_one_and_update(
                {"_id": ticket_id},
                {"$set": {"customer": customer, "updatedAt": ms(utcnow())}},
                projection={"pending": 0},
                return_document=ReturnDocument.AFTER,
            )
        )

    def assign_ticket(self, ticket_id: str, assignee: dict[str, str] | None) -> Ticket:
        ticket = self._found(
            self.tickets.find_one_and_update(
                {"_id": ticket_id},
                {"$set": {"assignee": assignee, "updatedAt": ms(utcnow())}},
                projection={"pending": 0},
                return_document=ReturnDocument.AFTER,
            )
        )
        if self.outbox is not None:
            self.outbox.ticket(None, "ticket.assigned", ticket)
        return ticket

    def mark_read(self, ticket_id: str, side: str, seq: int) -> Ticket:
        return self._found(
            self.tickets.find_one_and_update(
                {"_id": ticket_id},
                {"$max": {f"{side}ReadSeq": seq}},
                projection={"pending": 0},
                return_document=ReturnDocument.AFTER,
            )
        )

    def rate_ticket(self, ticket_id: str, score: int, comment: str | None) -> Ticket:
        doc = self.tickets.find_one_and_update(
            {"_id": ticket_id, "rating": None},
            {"$set": {"rating": score, "ratingComment": comment, "ratedAt": ms(utcnow())}},
            projection={"pending": 0},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            raise rated_already() if self.get_ticket(ticket_id) else not_found()
        ticket = ticket_from_document(doc)
        if self.outbox is not None:
            self.outbox.ticket(None, "ticket.rated", ticket)
        return ticket

    def ping(self) -> None:
        self.db.client.admin.command("ping")

    def report(self, start: datetime, end: datetime, bucket: str) -> ReportData:
        """The reports' figures, computed by the database (stores/reports.py)."""
        return database_report(self.db, start, end, bucket)

    def settle_all(self) -> int:
        """Move every pending message into the log (before a copy); returns how many."""
        stuck = list(self.tickets.find({"pending": {"$exists": True}}, {"pending": 1}))
        for doc in stuck:
            self._settle(doc["_id"], doc["pending"])
        return len(stuck)

    def _settle(self, ticket_id: str, doc: dict[str, Any]) -> None:
        """Put a pending message into the log and clear the ticket's slot (see module doc)."""
        settle(self.db, ticket_id, doc, self.outbox)

    def _settled_last_seq(self, ticket_id: str) -> int | None:
        """The ticket's lastSeq once its pending message (if any) is in the log."""
        doc = self.tickets.find_one({"_id": ticket_id}, {"lastSeq": 1, "pending": 1})
        if doc is None:
            return None
        if doc.get("pending"):
            self._settle(ticket_id, doc["pending"])
        return doc["lastSeq"]

    def _messages(
        self, ticket_id: str, include_notes: bool, last: int, bounds: dict[str, int]
    ) -> tuple[dict[str, Any], str]:
        """The filter of a read up to ``last`` and the field ``bounds`` apply to (and that
        orders it): ``seq`` for agents, ``guestSeq`` (notes have none) for guests."""
        if include_notes:
            return {"ticketId": ticket_id, "seq": {"$lte": last, **bounds}}, "seq"
        where = {"ticketId": ticket_id, "seq": {"$lte": last}}
        return {**where, "guestSeq": {"$exists": True, **bounds}}, "guestSeq"

    def _by_client_msg_id(self, ticket_id: str, new: NewMessage) -> Message | None:
        doc = self.messages.find_one(
            {"ticketId": ticket_id, "sender.id": new.sender["id"], "clientMsgId": new.client_msg_id}
        )
        return message_from_document(doc) if doc else None

    def _open_for_session(self, session_id: str) -> Ticket | None:
        doc = self.tickets.find_one({"openSessionId": session_id}, {"pending": 0})
        return ticket_from_document(doc) if doc else None

    def _found(self, doc: dict[str, Any] | None) -> Ticket:
        if doc is None:
            raise not_found()
        return ticket_from_document(doc)
