"""Migration 0010 reads who waits from what was stored before it (SQLite, PostgreSQL): a
ticket waits from its customer's oldest message after the last public agent answer, and was
first answered by its oldest public agent message; bot messages, event lines and notes answer
nobody. The "waiting longest" inbox lists the upgraded tickets in that order."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_migrate import upgrade
from sqlalchemy import MetaData, insert

from support.apps import base_config
from supportchat import create_app
from supportchat.extensions import db
from supportchat.stores import NewMessage, TicketQuery

START = datetime(2026, 11, 1, 12, 0)
SENDERS = {
    "guest": {"id": "guest-1", "role": "guest", "name": "Visitor 1A2B"},
    "agent": {"id": "agent-1", "role": "agent", "name": "Ana"},
    "bot": {"id": "bot", "role": "bot", "name": "Assistant"},
    "system": {"id": "system", "role": "system", "name": "System"},
}
# Each ticket's messages as (sender role, kind), one a minute from START + the ticket's hour,
# and the minutes of its (waiting_since, first_reply_at) after the upgrade.
TICKETS = {
    "unanswered": ([("guest", "message"), ("guest", "message")], (1, None)),
    "answered": ([("guest", "message"), ("agent", "message")], (None, 2)),
    "asked-again": (
        [
            ("guest", "message"),
            ("agent", "message"),
            ("guest", "message"),
            ("bot", "message"),
            ("guest", "message"),
            ("agent", "note"),
            ("system", "event"),
        ],
        (3, 2),
    ),
    "only-bots-and-notes": (
        [("guest", "message"), ("bot", "message"), ("agent", "note"), ("system", "event")],
        (1, None),
    ),
    "agent-first": ([("agent", "message")], (None, 1)),
    "empty": ([], (None, None)),
}


def moment(ticket_id: str, minute: int) -> datetime:
    hour = list(TICKETS).index(ticket_id)
    return START + timedelta(hours=-hour, minutes=minute)  # later tickets waited longer


def ticket_row(ticket_id: str, count: int) -> dict:
    return {
        "id": ticket_id,
        "client_key": "client-a",
        "status": "open",
        "created_at": moment(ticket_id, 0),
        "updated_at": moment(ticket_id, count),
        "customer": {"label": "jane@example.com", "verified": False},
        "last_seq": count,
        "last_public_seq": count,
        "last_message_at": moment(ticket_id, count),
        "last_message_preview": "",
        "agent_read_seq": 0,
        "guest_read_seq": 0,
    }


def message_row(ticket_id: str, seq: int, role: str, kind: str) -> dict:
    sender = SENDERS[role]
    return {
        "id": f"{ticket_id}-{seq}",
        "ticket_id": ticket_id,
        "seq": seq,
        "sender_id": sender["id"],
        "sender_role": role,
        "sender_name": sender["name"],
        "text": f"{role} {kind} {seq}",
        "attachments": [],
        "kind": kind,
        "created_at": moment(ticket_id, seq),
    }


def test_migration_0010_backfills_who_waits_and_the_first_answer(tmp_path, database_url):
    app = create_app(base_config(tmp_path / "instance", database_url))
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision="0009")
        old = MetaData()
        old.reflect(db.engine, only=["tickets", "messages"])
        with db.engine.begin() as conn:
            for ticket_id, (stored, _) in TICKETS.items():
                conn.execute(insert(old.tables["tickets"]), [ticket_row(ticket_id, len(stored))])
                if stored:
                    conn.execute(
                        insert(old.tables["messages"]),
                        [
                            message_row(ticket_id, seq, role, kind)
                            for seq, (role, kind) in enumerate(stored, 1)
                        ],
                    )
        upgrade(directory=directory)

        store = app.extensions["supportchat.store"]
        for ticket_id, (_, (waiting, first_reply)) in TICKETS.items():
            ticket = store.get_ticket(ticket_id)
            expected = [
                None if at is None else moment(ticket_id, at) for at in (waiting, first_reply)
            ]
            assert [ticket.waiting_since, ticket.first_reply_at] == expected, ticket_id
        # The longest wait first: "only-bots-and-notes" is the oldest ticket still waiting.
        listed = store.list_tickets(TicketQuery(sort="waiting"))
        assert [t.id for t in listed] == ["only-bots-and-notes", "asked-again", "unanswered"]

        # New messages carry on from the backfilled values.
        store.append_message("asked-again", NewMessage(sender=SENDERS["agent"], text="Done"))
        answered = store.get_ticket("asked-again")
        assert answered.waiting_since is None
        assert answered.first_reply_at == moment("asked-again", 2)
        store.append_message("answered", NewMessage(sender=SENDERS["guest"], text="One more"))
        assert store.get_ticket("answered").waiting_since is not None
        listed = store.list_tickets(TicketQuery(sort="waiting"))
        assert [t.id for t in listed] == ["only-bots-and-notes", "unanswered", "answered"]
        db.engine.dispose()
