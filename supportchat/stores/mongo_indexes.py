"""The MongoDB store's indexes: the inbox and file orders, one open ticket per session, and
the unique keys that make numbering and idempotent sends safe."""

from __future__ import annotations

from pymongo import ASCENDING, DESCENDING, TEXT, IndexModel
from pymongo.database import Database
from pymongo.errors import OperationFailure

NEWEST = [("lastMessageAt", DESCENDING), ("_id", DESCENDING)]
WAITING = [("waitingSince", ASCENDING), ("_id", ASCENDING)]  # "waiting longest" first
NEWEST_FILES = [("createdAt", DESCENDING), ("_id", DESCENDING)]

INDEXES: dict[str, list[IndexModel]] = {
    "tickets": [
        IndexModel([("status", ASCENDING), *NEWEST], name="inbox"),
        IndexModel(NEWEST, name="activity"),
        IndexModel([("status", ASCENDING), *WAITING], name="waiting"),
        IndexModel([("assignee.id", ASCENDING), *NEWEST], name="assignee"),
        IndexModel([("sessionId", ASCENDING), ("createdAt", DESCENDING)], name="session"),
        # One open ticket per session: the field exists only while the ticket is open.
        IndexModel(
            [("openSessionId", ASCENDING)],
            name="open_session",
            unique=True,
            partialFilterExpression={"openSessionId": {"$exists": True}},
        ),
        IndexModel([("labels", ASCENDING), *NEWEST], name="labels"),
        IndexModel([("createdAt", ASCENDING)], name="created"),  # the reports' window
    ],
    "messages": [
        IndexModel([("ticketId", ASCENDING), ("seq", ASCENDING)], name="seq", unique=True),
        # Sends without a clientMsgId store no such field and are never deduplicated.
        IndexModel(
            [("ticketId", ASCENDING), ("sender.id", ASCENDING), ("clientMsgId", ASCENDING)],
            name="client_msg",
            unique=True,
            partialFilterExpression={"clientMsgId": {"$exists": True}},
        ),
        # The guest sequence: notes have no guestSeq.
        IndexModel(
            [("ticketId", ASCENDING), ("guestSeq", ASCENDING)],
            name="guest_seq",
            unique=True,
            partialFilterExpression={"guestSeq": {"$exists": True}},
        ),
        IndexModel([("createdAt", ASCENDING)], name="created"),  # the reports' message counts
    ],
    "files": [
        IndexModel(NEWEST_FILES, name="newest"),
        IndexModel([("ticketId", ASCENDING), *NEWEST_FILES], name="ticket"),
    ],
    "canned": [IndexModel([("shortcut", ASCENDING)], name="shortcut", unique=True)],
}


# Search (mongo_search.py): words as written (language "none": no stemming, no stop words).
TEXT_INDEXES: dict[str, IndexModel] = {
    "tickets": IndexModel(
        [("customer.label", TEXT)]
        + [(f"customer.userIdentifier.{key}", TEXT) for key in ("email", "phone", "name", "id")],
        name="customer_text",
        default_language="none",
    ),
    "messages": IndexModel([("text", TEXT)], name="text", default_language="none"),
}


def create_indexes(db: Database) -> None:
    """Create the store's indexes; creating an index that exists is a no-op."""
    for collection, indexes in INDEXES.items():
        db[collection].create_indexes(indexes)
    for collection, index in TEXT_INDEXES.items():
        try:
            db[collection].create_indexes([index])
        except OperationFailure as error:
            # MongoDB's refusals carry a code; nx-27017 (tests) refuses to create an existing
            # text index again with none (docs/mongodb.md).
            if error.code:
                raise
