"""the reports' figures kept on each ticket: first response and resolution in milliseconds,
whether the bot alone answered; the reports' windows of tickets and of messages are ranges of
covering indexes

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 16:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# Whole milliseconds from created_at to a later column, rounded (stores/sql_rows.py).
MILLIS = {
    "sqlite": "CAST(ROUND((julianday({late}) - julianday(created_at)) * 86400000.0) AS INTEGER)",
    "postgresql": "CAST(ROUND(EXTRACT(EPOCH FROM ({late} - created_at)) * 1000) AS BIGINT)",
}
# As stores.bot_answer decides message by message: an agent's message or note, or any event
# line, and the bot was not alone; else a bot message (not the automatic reply) and it was.
MESSAGES = "SELECT 1 FROM messages m WHERE m.ticket_id = tickets.id AND "
BOT_ONLY = (
    "UPDATE tickets SET bot_only = CASE"
    f" WHEN EXISTS ({MESSAGES}(m.sender_role = 'agent' OR m.kind = 'event')) THEN FALSE"
    f" WHEN EXISTS ({MESSAGES}m.sender_role = 'bot' AND m.kind = 'message'"
    " AND COALESCE(m.client_msg_id, '') <> 'auto-reply') THEN TRUE END"
)


def upgrade():
    # Plain ADD COLUMN (see 0008): a batch rebuild of `tickets` on SQLite would cascade-delete
    # every message and drop 0009's search triggers.
    op.add_column("tickets", sa.Column("first_response_ms", sa.BigInteger(), nullable=True))
    op.add_column("tickets", sa.Column("resolution_ms", sa.BigInteger(), nullable=True))
    op.add_column("tickets", sa.Column("bot_only", sa.Boolean(), nullable=True))
    millis = MILLIS[op.get_bind().dialect.name]
    op.execute(
        "UPDATE tickets SET"
        f" first_response_ms = {millis.format(late='first_reply_at')},"
        f" resolution_ms = CASE WHEN status = 'closed' THEN {millis.format(late='closed_at')} END"
    )
    op.execute(BOT_ONLY)
    op.drop_index("ix_tickets_created", table_name="tickets")
    op.create_index(
        "ix_tickets_report",
        "tickets",
        ["created_at", "first_response_ms", "resolution_ms", "rating", "bot_only"],
    )
    op.drop_index("ix_messages_created", table_name="messages")
    op.create_index("ix_messages_report", "messages", ["created_at", "kind"])


def downgrade():
    op.drop_index("ix_messages_report", table_name="messages")
    op.create_index("ix_messages_created", "messages", ["created_at"])
    op.drop_index("ix_tickets_report", table_name="tickets")
    op.create_index("ix_tickets_created", "tickets", ["created_at"])
    op.drop_column("tickets", "bot_only")
    op.drop_column("tickets", "resolution_ms")
    op.drop_column("tickets", "first_response_ms")
