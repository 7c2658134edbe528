"""Migration 0012 computes the reports' ticket columns from what was stored before it (SQLite,
PostgreSQL): first response and resolution in milliseconds from ``first_reply_at`` and
``closed_at``, and whether the bot alone answered from the messages, as the stores keep them
from then on; the report of the upgraded tickets has the figures their times and messages give."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_migrate import upgrade
from sqlalchemy import MetaData, insert

from support.apps import base_config
from supportchat import create_app
from supportchat.extensions import db
from supportchat.stores import NewMessage

START = datetime(2026, 11, 2, 9, 0)
AGENT = {"id": "agent-1", "role": "agent", "name": "Ana"}
# Each ticket: its messages as (seconds after its opening, sender role, kind, client id), when
# it was first answered and closed (seconds; None: not), and its bot_only after the upgrade.
TICKETS = {
    "answered": (
        [(0, "guest", "message", None), (100.25, "agent", "message", None)],
        100.25,
        3600,
        False,
    ),
    "bot-alone": (
        [
            (0, "guest", "message", None),
            (0, "bot", "message", "auto-reply"),
            (5, "bot", "message", None),
        ],
        None,
        600,
        True,
    ),
    "handed-over": (
        [(0, "guest", "message", None), (5, "bot", "message", None), (9, "system", "event", None)],
        None,
        7200,
        False,
    ),
    "bot-then-note": (
        [(0, "guest", "message", None), (5, "bot", "message", None), (9, "agent", "note", None)],
        None,
        None,
        False,
    ),
    "auto-reply-only": (
        [(0, "guest", "message", None), (0, "bot", "message", "auto-reply")],
        None,
        60,
        None,
    ),
    "bot-still-open": (
        [(0, "guest", "message", None), (5, "bot", "message", None)],
        None,
        None,
        True,
    ),
}


def opened(ticket_id: str) -> datetime:
    return START + timedelta(hours=list(TICKETS).index(ticket_id))


def after(ticket_id: str, seconds: float | None) -> datetime | None:
    return None if seconds is None else opened(ticket_id) + timedelta(seconds=seconds)


def ticket_row(ticket_id: str) -> dict:
    stored, first_reply, closed, _ = TICKETS[ticket_id]
    return {
        "id": ticket_id,
        "client_key": "client-a",
        "status": "open" if closed is None else "closed",
        "created_at": opened(ticket_id),
        "updated_at": opened(ticket_id),
        "closed_at": after(ticket_id, closed),
        "customer": {"label": "jane@example.com", "verified": False},
        "last_seq": len(stored),
        "last_public_seq": len(stored),
        "last_message_at": opened(ticket_id),
        "last_message_preview": "",
        "agent_read_seq": 0,
        "guest_read_seq": 0,
        "first_reply_at": after(ticket_id, first_reply),
    }


def message_rows(ticket_id: str) -> list[dict]:
    return [
        {
            "id": f"{ticket_id}-{seq}",
            "ticket_id": ticket_id,
            "seq": seq,
            "client_msg_id": client_msg_id,
            "sender_id": role,
            "sender_role": role,
            "sender_name": role,
            "text": "…",
            "attachments": [],
            "kind": kind,
            "created_at": after(ticket_id, seconds),
        }
        for seq, (seconds, role, kind, client_msg_id) in enumerate(TICKETS[ticket_id][0], 1)
    ]


def test_migration_0012_backfills_the_reports_columns(tmp_path, database_url):
    app = create_app(base_config(tmp_path / "instance", database_url))
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision="0011")
        old = MetaData()
        old.reflect(db.engine, only=["tickets", "messages"])
        with db.engine.begin() as conn:
            for ticket_id in TICKETS:
                conn.execute(insert(old.tables["tickets"]), [ticket_row(ticket_id)])
                conn.execute(insert(old.tables["messages"]), message_rows(ticket_id))
        upgrade(directory=directory)

        store = app.extensions["supportchat.store"]
        for ticket_id, (*_, bot_only) in TICKETS.items():
            assert store.get_ticket(ticket_id).bot_only is bot_only, ticket_id
        totals = store.report(START, START + timedelta(days=1), "day").totals
        assert totals.conversations == len(TICKETS)
        assert totals.first_response == {50: 100.25, 90: 100.25}
        assert totals.resolution == {50: 600.0, 90: 7200.0}  # of 60, 600, 3600, 7200
        assert totals.bot_resolved == 1  # bot-alone; bot-still-open is not closed

        # New messages and closes carry on from the backfilled values.
        store.append_message("bot-still-open", NewMessage(sender=AGENT, text="Let me help"))
        assert store.get_ticket("bot-still-open").bot_only is False
        store.close_ticket("bot-still-open", AGENT)
        totals = store.report(START, START + timedelta(days=1), "day").totals
        assert totals.first_response[90] > 100.25  # answered now, days after it opened
        assert totals.bot_resolved == 1
        db.engine.dispose()
