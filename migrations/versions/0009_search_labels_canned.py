"""search, labels and canned responses: the text indexes of messages and customers
(SQLite FTS5 kept by triggers; PostgreSQL GIN on tsvector expressions), ticket tags and
canned responses. A later migration that rebuilds `tickets` or `messages` on SQLite (Alembic's
batch mode copies the table) drops these triggers and must create them again.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 08:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# The customer's label and identifier values as one text (SQLite); the PostgreSQL
# expression is the same words. Both must match supportchat/stores/sql_search.py.
SQLITE_CUSTOMER = (
    "coalesce(json_extract({row}.customer, '$.label'), '') || ' ' || coalesce(("
    "SELECT group_concat(value, ' ') FROM json_each({row}.customer, '$.userIdentifier')), '')"
)
SQLITE_DDL = [
    "CREATE VIRTUAL TABLE search_index USING fts5("
    "body, ticket_id, seq UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')",
    # A message's row has the message's rowid; a customer's row the ticket's, negated.
    "CREATE TRIGGER search_message_added AFTER INSERT ON messages BEGIN "
    "INSERT INTO search_index(rowid, body, ticket_id, seq) "
    "VALUES (new.rowid, new.text, new.ticket_id, new.seq); END",
    "CREATE TRIGGER search_message_removed AFTER DELETE ON messages BEGIN "
    "DELETE FROM search_index WHERE rowid = old.rowid; END",
    "CREATE TRIGGER search_ticket_added AFTER INSERT ON tickets BEGIN "
    "INSERT INTO search_index(rowid, body, ticket_id, seq) "
    f"VALUES (-new.rowid, {SQLITE_CUSTOMER.format(row='new')}, new.id, 0); END",
    "CREATE TRIGGER search_customer_changed AFTER UPDATE OF customer ON tickets BEGIN "
    "DELETE FROM search_index WHERE rowid = -old.rowid; "
    "INSERT INTO search_index(rowid, body, ticket_id, seq) "
    f"VALUES (-new.rowid, {SQLITE_CUSTOMER.format(row='new')}, new.id, 0); END",
    "CREATE TRIGGER search_ticket_removed AFTER DELETE ON tickets BEGIN "
    "DELETE FROM search_index WHERE rowid = -old.rowid; END",
    # What was stored before this revision.
    "INSERT INTO search_index(rowid, body, ticket_id, seq) "
    "SELECT rowid, text, ticket_id, seq FROM messages",
    "INSERT INTO search_index(rowid, body, ticket_id, seq) "
    f"SELECT -rowid, {SQLITE_CUSTOMER.format(row='tickets')}, id, 0 FROM tickets",
]
POSTGRES_CUSTOMER = (
    "(to_tsvector('simple', coalesce(customer->>'label', '')) || json_to_tsvector('simple', "
    "coalesce(customer->'userIdentifier', '{}'::json), '[\"string\"]'))"
)
POSTGRES_DDL = [
    "CREATE INDEX ix_messages_search ON messages USING gin (to_tsvector('simple', text))",
    f"CREATE INDEX ix_tickets_search ON tickets USING gin ({POSTGRES_CUSTOMER})",
]


def upgrade():
    op.add_column("tickets", sa.Column("labels", sa.JSON(), nullable=True))
    op.create_table(
        "ticket_labels",
        sa.Column("ticket_id", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("ticket_id", "label"),
    )
    op.create_index("ix_ticket_labels_label", "ticket_labels", ["label", "ticket_id"])
    op.create_table(
        "canned_responses",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("shortcut", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shortcut"),
    )
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_DDL, "postgresql": POSTGRES_DDL}.get(dialect, []):
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in (
            "search_message_added",
            "search_message_removed",
            "search_ticket_added",
            "search_customer_changed",
            "search_ticket_removed",
        ):
            op.execute(f"DROP TRIGGER {trigger}")
        op.execute("DROP TABLE search_index")
    elif dialect == "postgresql":
        op.drop_index("ix_tickets_search", table_name="tickets")
        op.drop_index("ix_messages_search", table_name="messages")
    op.drop_table("canned_responses")
    op.drop_index("ix_ticket_labels_label", table_name="ticket_labels")
    op.drop_table("ticket_labels")
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.drop_column("labels")
