"""AI replies: whether the bot answers a ticket, and how far it has answered

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 08:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN: a batch (copy-the-table) rebuild of `tickets` on SQLite would delete
    # every message through the foreign key's ON DELETE CASCADE.
    op.add_column(
        "tickets",
        sa.Column("bot_active", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("tickets", sa.Column("ai_seq", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    op.drop_column("tickets", "ai_seq")
    op.drop_column("tickets", "bot_active")
