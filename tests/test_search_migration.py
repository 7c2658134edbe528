"""Migration 0009 indexes what was stored before it: tickets and messages written at
revision 0003 are found by search, and tagged tickets start with no labels (SQLite,
PostgreSQL); downgrading removes the search structures again."""

from __future__ import annotations

from datetime import datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from support.apps import base_config
from supportchat import create_app
from supportchat.extensions import db
from supportchat.stores import TicketQuery

NOW = datetime(2026, 11, 1, 12, 0, 0)


def test_existing_messages_and_customers_are_searchable_after_the_upgrade(tmp_path, database_url):
    app = create_app(base_config(tmp_path / "instance", database_url))
    with app.app_context():
        folder = app.extensions["migrate"].directory
        upgrade(directory=folder, revision="0003")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO tickets (id, client_key, status, created_at, updated_at, "
                    "customer, last_seq, last_public_seq, last_message_at, last_message_preview, "
                    "agent_read_seq, guest_read_seq) VALUES ('t1', 'k', 'open', :now, :now, "
                    """'{"label": "old@example.com", "verified": false, """
                    """"userIdentifier": {"email": "old@example.com"}, "metadata": {}}', """
                    "1, 1, :now, 'Older words', 0, 1)"
                ),
                {"now": NOW},
            )
            conn.execute(
                text(
                    "INSERT INTO messages (id, ticket_id, seq, sender_id, sender_role, "
                    "sender_name, text, attachments, kind, created_at) VALUES ('m1', 't1', 1, "
                    "'g', 'guest', 'old@example.com', 'An archived complaint', '[]', 'message', "
                    ":now)"
                ),
                {"now": NOW},
            )
        upgrade(directory=folder)
        store = app.extensions["supportchat.store"]
        assert [t.id for t in store.list_tickets(TicketQuery(text="archived complaint"))] == ["t1"]
        assert [t.id for t in store.list_tickets(TicketQuery(text="old@example.com"))] == ["t1"]
        assert store.get_ticket("t1").labels == ()
        assert store.search_matches(["t1"], "complaint")["t1"].seq == 1

        downgrade(directory=folder, revision="0003")
        with db.engine.connect() as conn:
            names = {
                "sqlite": "SELECT name FROM sqlite_master WHERE name LIKE 'search%'",
                "postgresql": "SELECT indexname FROM pg_indexes WHERE indexname LIKE '%search'",
            }[db.engine.dialect.name]
            assert conn.execute(text(names)).all() == []
        db.engine.dispose()


def test_on_sqlite_the_upgraded_schema_keeps_every_search_trigger(tmp_path):
    """A later migration that copies `tickets` (Alembic's batch mode) would drop them."""
    app = create_app(base_config(tmp_path / "instance", f"sqlite:///{tmp_path / 'db.sqlite'}"))
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        with db.engine.connect() as conn:
            names = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
            triggers = {name for (name,) in names}
    assert {
        "search_message_added",
        "search_message_removed",
        "search_ticket_added",
        "search_customer_changed",
        "search_ticket_removed",
    } <= triggers
