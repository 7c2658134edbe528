"""Tickets stored before the guest sequence existed get one: migration 0004 (SQLite,
PostgreSQL) and the MongoDB store's upgrade at first use number every message but notes per
ticket, set each ticket's counter, and new messages continue from there."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask_migrate import upgrade
from sqlalchemy import MetaData, insert

from support.apps import base_config
from supportchat import create_app
from supportchat.extensions import db
from supportchat.stores import NewMessage
from supportchat.stores.mongo import MongoTicketStore
from supportchat.stores.mongo_guest_seq import number_guest_seq

GUEST = {"id": "guest-1", "role": "guest", "name": "Visitor 1A2B"}
AGENT = {"id": "agent-1", "role": "agent", "name": "Ana"}
# Each ticket's messages by kind, in seq order, and the guest seqs they must get.
KINDS = {
    "mixed": (
        ["message", "note", "message", "note", "note", "message"],
        [1, None, 2, None, None, 3],
    ),
    "notes-only": (["note", "note"], [None, None]),
    "empty": ([], []),
    "plain": (["message"] * 3, [1, 2, 3]),
}
NOW = datetime(2026, 11, 1, 12, 0)


def ticket_row(ticket_id: str, count: int) -> dict:
    return {
        "id": ticket_id,
        "client_key": "client-a",
        "session_id": None,
        "status": "open",
        "created_at": NOW,
        "updated_at": NOW,
        "closed_at": None,
        "closed_by": None,
        "customer": {"label": "jane@example.com", "verified": False},
        "assignee_id": None,
        "assignee_name": None,
        "last_seq": count,
        "last_public_seq": count,
        "last_message_at": NOW,
        "last_message_preview": "",
        "agent_read_seq": 0,
        "guest_read_seq": 0,
        "rating": None,
    }


def message_row(ticket_id: str, seq: int, kind: str) -> dict:
    sender = AGENT if kind == "note" else GUEST
    return {
        "id": f"{ticket_id}-{seq}",
        "ticket_id": ticket_id,
        "seq": seq,
        "client_msg_id": None,
        "sender_id": sender["id"],
        "sender_role": sender["role"],
        "sender_name": sender["name"],
        "text": f"{kind} {seq}",
        "attachments": [],
        "kind": kind,
        "created_at": NOW,
    }


def assert_numbered_and_continuing(store) -> None:
    """Every ticket numbered as KINDS says, and the next message takes the next number."""
    for ticket_id, (kinds, guest_seqs) in KINDS.items():
        stored = store.messages_after(ticket_id, 0, 100, include_notes=True)
        assert [m.kind for m in stored] == kinds
        assert [m.guest_seq for m in stored] == guest_seqs, ticket_id
        expected_last = max([g for g in guest_seqs if g] or [0])
        assert store.get_ticket(ticket_id).last_guest_seq == expected_last
        seen = store.messages_after(ticket_id, 0, 100, include_notes=False)
        assert [m.guest_seq for m in seen] == list(range(1, expected_last + 1))
        new, *_ = store.append_message(ticket_id, NewMessage(sender=GUEST, text="after"))
        assert (new.seq, new.guest_seq) == (len(kinds) + 1, expected_last + 1)


def test_migration_0004_numbers_existing_messages_without_notes(tmp_path, database_url):
    app = create_app(base_config(tmp_path / "instance", database_url))
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision="0003")
        old = MetaData()
        old.reflect(db.engine, only=["tickets", "messages"])
        with db.engine.begin() as conn:
            for ticket_id, (kinds, _) in KINDS.items():
                conn.execute(insert(old.tables["tickets"]), [ticket_row(ticket_id, len(kinds))])
                if kinds:
                    conn.execute(
                        insert(old.tables["messages"]),
                        [message_row(ticket_id, seq, kind) for seq, kind in enumerate(kinds, 1)],
                    )
        upgrade(directory=directory)
        assert_numbered_and_continuing(app.extensions["supportchat.store"])
        db.engine.dispose()


@pytest.mark.mongo
def test_mongodb_numbers_existing_messages_when_a_process_first_uses_it(tmp_path, mongo_uri):
    app = create_app(base_config(tmp_path / "instance", MONGO_URI=mongo_uri))
    store = app.extensions["supportchat.store"]
    with app.app_context():
        for ticket_id, (kinds, _) in KINDS.items():
            doc = ticket_row(ticket_id, len(kinds))
            store.tickets.insert_one(
                {
                    "_id": ticket_id,
                    "clientKey": doc["client_key"],
                    "sessionId": None,
                    "status": "open",
                    "createdAt": 0,
                    "updatedAt": 0,
                    "closedAt": None,
                    "closedBy": None,
                    "customer": doc["customer"],
                    "assignee": None,
                    "lastSeq": len(kinds),
                    "lastPublicSeq": len(kinds),
                    "lastMessageAt": 0,
                    "lastMessagePreview": "",
                    "agentReadSeq": 0,
                    "guestReadSeq": 0,
                    "rating": None,
                }
            )
            for seq, kind in enumerate(kinds, 1):
                sender = AGENT if kind == "note" else GUEST
                message = {
                    "_id": f"{ticket_id}-{seq}",
                    "ticketId": ticket_id,
                    "seq": seq,
                    "sender": sender,
                    "text": f"{kind} {seq}",
                    "attachments": [],
                    "kind": kind,
                    "createdAt": 0,
                }
                if (ticket_id, seq) == ("mixed", 6):
                    # Stored by an older server that stopped before moving it into the log.
                    store.tickets.update_one({"_id": ticket_id}, {"$set": {"pending": message}})
                else:
                    store.messages.insert_one(message)
        store.close()

        upgraded = MongoTicketStore(store.uri, store.database)  # a process starting anew
        assert_numbered_and_continuing(upgraded)
        assert upgraded.tickets.count_documents({"pending": {"$exists": True}}) == 0
        # Starting again finds nothing left to number.
        assert number_guest_seq(upgraded.db) == 0
        upgraded.close()
        db.engine.dispose()
