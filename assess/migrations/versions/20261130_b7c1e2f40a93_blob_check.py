"""Blobs: when qpdf's full check of a stored PDF ran, and what it found.

Revision ID: b7c1e2f40a93
Revises: 344452a8bd54
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7c1e2f40a93"
down_revision = "344452a8bd54"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("blobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("check_problem", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("blobs", schema=None) as batch_op:
        batch_op.drop_column("check_problem")
        batch_op.drop_column("checked_at")
