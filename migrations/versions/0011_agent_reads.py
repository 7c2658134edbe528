"""each agent's own read position, and the seq of the message the inbox preview shows

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 16:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# The preview shows the latest public message of a customer or an agent (stores/__init__.py).
PREVIEW_SEQ = (
    "UPDATE tickets SET preview_seq = COALESCE((SELECT MAX(m.seq) FROM messages m"
    " WHERE m.ticket_id = tickets.id AND m.kind = 'message' AND m.guest_seq IS NOT NULL"
    " AND m.sender_role IN ('guest', 'agent')), 0)"
)
# Until now the team shared one read position: every agent starts from it, so the upgrade
# marks nothing unread that was read before.
OWN_READS = (
    "INSERT INTO agent_reads (agent_id, ticket_id, seq)"
    " SELECT agents.id, tickets.id, tickets.agent_read_seq FROM agents, tickets"
    " WHERE tickets.agent_read_seq > 0"
)


def upgrade():
    # Plain ADD COLUMN (see 0008): a batch rebuild of `tickets` on SQLite would cascade-delete
    # every message and drop 0009's search triggers.
    op.add_column(
        "tickets", sa.Column("preview_seq", sa.Integer(), nullable=False, server_default="0")
    )
    op.create_table(
        "agent_reads",
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column("ticket_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("agent_id", "ticket_id"),
    )
    op.execute(PREVIEW_SEQ)
    op.execute(OWN_READS)


def downgrade():
    op.drop_table("agent_reads")
    op.drop_column("tickets", "preview_seq")
