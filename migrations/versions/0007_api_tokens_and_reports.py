"""personal API tokens; indexes for the reports (tickets and messages by time)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 08:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_api_tokens_agent_id", "api_tokens", ["agent_id"])
    op.create_index("ix_tickets_created", "tickets", ["created_at"])
    op.create_index("ix_messages_created", "messages", ["created_at"])


def downgrade():
    op.drop_index("ix_messages_created", table_name="messages")
    op.drop_index("ix_tickets_created", table_name="tickets")
    op.drop_index("ix_api_tokens_agent_id", table_name="api_tokens")
    op.drop_table("api_tokens")
