"""Migration 0011 (SQLite, PostgreSQL): each ticket learns which message its preview shows
(the latest public customer or agent message: never a bot's, a note or an event line), and
every agent starts from the team's read position, so the upgrade marks nothing unread that
was read before."""

from __future__ import annotations

from datetime import datetime

from flask_migrate import upgrade
from sqlalchemy import MetaData, insert
from test_waiting_migration import TICKETS, message_row, ticket_row

from support.apps import base_config
from supportchat import create_app
from supportchat.extensions import db

PREVIEW_SEQ = {
    "unanswered": 2,
    "answered": 2,
    "asked-again": 5,
    "only-bots-and-notes": 1,
    "agent-first": 1,
    "empty": 0,
}
READ = {"answered": 2, "asked-again": 4}  # the team's position before the upgrade
AGENTS = ["agent-1", "agent-2"]


def old_message(ticket_id: str, seq: int, role: str, kind: str, guest_seq: int | None) -> dict:
    return {**message_row(ticket_id, seq, role, kind), "guest_seq": guest_seq}


def stored_messages(ticket_id: str) -> list[dict]:
    rows, guest_seq = [], 0
    for seq, (role, kind) in enumerate(TICKETS[ticket_id][0], 1):
        guest_seq += kind != "note"
        rows.append(old_message(ticket_id, seq, role, kind, None if kind == "note" else guest_seq))
    return rows


def test_migration_0011_backfills_previews_and_each_agents_read_position(tmp_path, database_url):
    app = create_app(base_config(tmp_path / "instance", database_url))
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision="0010")
        old = MetaData()
        old.reflect(db.engine, only=["tickets", "messages", "agents"])
        with db.engine.begin() as conn:
            conn.execute(
                insert(old.tables["agents"]),
                [
                    {
                        "id": agent_id,
                        "email": f"{agent_id}@example.com",
                        "name": agent_id,
                        "password_hash": "x",
                        "role": "agent",
                        "active": True,
                        "created_at": datetime(2026, 11, 1),
                    }
                    for agent_id in AGENTS
                ],
            )
            for ticket_id, (stored, _) in TICKETS.items():
                row = {
                    **ticket_row(ticket_id, len(stored)),
                    "agent_read_seq": READ.get(ticket_id, 0),
                }
                conn.execute(insert(old.tables["tickets"]), [row])
                if stored:
                    conn.execute(insert(old.tables["messages"]), stored_messages(ticket_id))
        upgrade(directory=directory)

        store = app.extensions["supportchat.store"]
        assert {t: store.get_ticket(t).preview_seq for t in TICKETS} == PREVIEW_SEQ
        for agent_id in AGENTS:
            assert store.agent_reads(agent_id, list(TICKETS)) == READ
        db.engine.dispose()
