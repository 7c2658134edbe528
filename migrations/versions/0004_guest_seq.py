"""the guest sequence: messages guests see numbered 1, 2, 3 … without notes (PROTOCOL v1.1 §2)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 08:50:00

Existing messages other than notes are numbered per ticket in ``seq`` order, and each
ticket's counter is set to how many there are.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.add_column(
            sa.Column("last_guest_seq", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("messages") as batch_op:
        batch_op.add_column(sa.Column("guest_seq", sa.Integer(), nullable=True))
    # UPDATE … FROM: PostgreSQL, and SQLite from 3.33.
    op.execute(
        """
        UPDATE messages SET guest_seq = numbered.n
        FROM (
            SELECT id, ROW_NUMBER() OVER (PARTITION BY ticket_id ORDER BY seq) AS n
            FROM messages WHERE kind <> 'note'
        ) AS numbered
        WHERE messages.id = numbered.id
        """
    )
    op.execute(
        """
        UPDATE tickets SET last_guest_seq = (
            SELECT COUNT(*) FROM messages
            WHERE messages.ticket_id = tickets.id AND messages.guest_seq IS NOT NULL
        )
        """
    )
    op.create_index("uq_messages_guest_seq", "messages", ["ticket_id", "guest_seq"], unique=True)


def downgrade():
    op.drop_index("uq_messages_guest_seq", table_name="messages")
    with op.batch_alter_table("messages") as batch_op:
        batch_op.drop_column("guest_seq")
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.drop_column("last_guest_seq")
