"""AI replies: whether the bot answers a ticket, and how far it has answered

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 08:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(
            sa.Column("bot_active", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("ai_seq", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("ai_seq")
        batch.drop_column("bot_active")
