"""ratings: the customer's comment and when they rated, beside the score

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 09:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("tickets", sa.Column("rating_comment", sa.Text(), nullable=True))
    op.add_column("tickets", sa.Column("rated_at", sa.DateTime(), nullable=True))


def downgrade():
    op.drop_column("tickets", "rated_at")
    op.drop_column("tickets", "rating_comment")
