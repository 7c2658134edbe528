"""The MongoDB store's indexes: the inbox and file orders, one open ticket per session, and
the unique keys that make numbering and idempotent sends safe."""

from __future__ import annotations

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.database import Database

NEWEST = [("lastMessageAt", DESCENDING), ("_id", DESCENDING)]
NEWEST_FILES = [("createdAt", DESCENDING), ("_id", DESCENDING)]

INDEXES: dict[str, list[IndexModel]] = {
    "tickets": [
        IndexModel([("status", ASCENDING), *NEWEST], name="inbox"),
        IndexModel(NEWEST, name="activity"),
        IndexModel([("assignee.id", ASCENDING), *NEWEST], name="assignee"),
        IndexModel([("sessionId", ASCENDING), ("createdAt", DESCENDING)], name="session"),
        # One open ticket per session: the field exists only while the ticket is open.
        IndexModel(
            [("openSessionId", ASCENDING)],
            name="open_session",
            unique=True,
            partialFilterExpression={"openSessionId": {"$exists": True}},
        ),
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
        IndexModel([("createdAt", ASCENDING)], name="created"),  # the reports' message counts
    ],
    "files": [
        IndexModel(NEWEST_FILES, name="newest"),
        IndexModel([("ticketId", ASCENDING), *NEWEST_FILES], name="ticket"),
    ],
}


def create_indexes(db: Database) -> None:
    """Create the store's indexes; creating an index that exists is a no-op."""
    for collection, indexes in INDEXES.items():
        db[collection].create_indexes(indexes)
