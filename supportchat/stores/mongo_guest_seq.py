"""The MongoDB store's guest sequence for data stored before it existed (the SQL store's
migration 0004 does the same): every message but notes numbered per ticket in ``seq`` order
(``guestSeq``), and the ticket's counter (``lastGuestSeq``). Runs when a process first uses
the store; a ticket that has its counter is done, so later runs find nothing to do and two
processes doing it at once write the same numbers."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING, UpdateOne
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from .mongo_documents import message_from_document

BATCH = 500


def settle(db: Database, ticket_id: str, doc: dict[str, Any], outbox: Any = None) -> None:
    """Put a ticket's pending message into the log and clear the slot (see mongo.py); with an
    outbox, record its events before the slot is cleared (a crash here is repaired too)."""
    try:
        db.messages.insert_one(dict(doc))
    except DuplicateKeyError:
        if db.messages.find_one({"_id": doc["_id"]}, {"_id": 1}) is None:
            raise  # another message holds this seq or clientMsgId: refuse to hide it
    if outbox is not None:
        outbox.messages(None, [message_from_document(doc)])
    db.tickets.update_one(
        {"_id": ticket_id, "pending._id": doc["_id"]}, {"$unset": {"pending": ""}}
    )


def number_guest_seq(db: Database) -> int:
    """Number the messages of every ticket without ``lastGuestSeq``; returns how many tickets."""
    todo = [doc["_id"] for doc in db.tickets.find({"lastGuestSeq": {"$exists": False}}, {"_id": 1})]
    for ticket_id in todo:
        while not _numbered(db, ticket_id):
            pass  # a message arrived meanwhile: count again
    return len(todo)


def _numbered(db: Database, ticket_id: str) -> bool:
    """Number one ticket's messages as of its ``lastSeq``; False if that moved meanwhile."""
    ticket = db.tickets.find_one({"_id": ticket_id})
    if ticket is None or "lastGuestSeq" in ticket:
        return True
    if ticket.get("pending"):
        settle(db, ticket_id, ticket["pending"])
    found = db.messages.find(
        {"ticketId": ticket_id, "seq": {"$lte": ticket["lastSeq"]}}, {"kind": 1}
    ).sort("seq", ASCENDING)
    count, updates = 0, []
    for message in found:
        if message["kind"] != "note":
            count += 1
            updates.append(UpdateOne({"_id": message["_id"]}, {"$set": {"guestSeq": count}}))
    for start in range(0, len(updates), BATCH):
        db.messages.bulk_write(updates[start : start + BATCH], ordered=False)
    done = db.tickets.update_one(
        {"_id": ticket_id, "lastSeq": ticket["lastSeq"], "lastGuestSeq": {"$exists": False}},
        {"$set": {"lastGuestSeq": count}},
    )
    if done.matched_count:
        return True
    again = db.tickets.find_one({"_id": ticket_id}, {"lastGuestSeq": 1})
    return again is None or "lastGuestSeq" in again


class MongoGuestSeq:
    """Mixed into MongoTicketStore: translation between the two sequences of a ticket."""

    def guest_position(self, ticket_id: str, seq: int) -> int:
        self._settled_last_seq(ticket_id)
        doc = self.messages.find_one(
            {"ticketId": ticket_id, "seq": {"$lte": seq}, "guestSeq": {"$exists": True}},
            {"guestSeq": 1},
            sort=[("seq", DESCENDING)],
        )
        return doc["guestSeq"] if doc else 0

    def agent_position(self, ticket_id: str, guest_seq: int) -> int:
        self._settled_last_seq(ticket_id)
        doc = self.messages.find_one({"ticketId": ticket_id, "guestSeq": guest_seq}, {"seq": 1})
        return doc["seq"] if doc else 0
