"""who waits longest, when a ticket was first answered, and each agent's own preferences

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 13:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# A public agent message answers; a customer message after the last answer waits.
LAST_ANSWER = (
    "SELECT MAX(a.seq) FROM messages a WHERE a.ticket_id = tickets.id"
    " AND a.kind = 'message' AND a.sender_role = 'agent'"
)
BACKFILL = [
    "UPDATE tickets SET waiting_since = (SELECT MIN(m.created_at) FROM messages m"
    " WHERE m.ticket_id = tickets.id AND m.kind = 'message' AND m.sender_role = 'guest'"
    f" AND m.seq > COALESCE(({LAST_ANSWER}), 0))",
    "UPDATE tickets SET first_reply_at = (SELECT MIN(a.created_at) FROM messages a"
    " WHERE a.ticket_id = tickets.id AND a.kind = 'message' AND a.sender_role = 'agent')",
]


def upgrade():
    # Plain ADD COLUMN (see 0008): a batch rebuild of `tickets` on SQLite would cascade-delete
    # every message and drop 0009's search triggers.
    op.add_column("tickets", sa.Column("waiting_since", sa.DateTime(), nullable=True))
    op.add_column("tickets", sa.Column("first_reply_at", sa.DateTime(), nullable=True))
    op.add_column("agents", sa.Column("preferences", sa.JSON(), nullable=True))
    for statement in BACKFILL:
        op.execute(statement)
    op.create_index("ix_tickets_waiting", "tickets", ["status", "waiting_since", "id"])


def downgrade():
    op.drop_index("ix_tickets_waiting", table_name="tickets")
    op.drop_column("agents", "preferences")
    op.drop_column("tickets", "first_reply_at")
    op.drop_column("tickets", "waiting_since")
