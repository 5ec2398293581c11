"""Stored texts as a key and its parameters (rendered in the reader's language): notifications, audit summaries,
an export's progress step and error. The sentence columns stay, for rows written before and unknown keys.

Revision ID: e4f6a8b0c2d4
Revises: c3d5e7f90b12
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e4f6a8b0c2d4"
down_revision = "c3d5e7f90b12"
branch_labels = None
depends_on = None

COLUMNS = {
    "notifications": ("message_text",),
    "audit_entries": ("summary_text",),
    "exports": ("step_text", "error_text"),
}


def upgrade() -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.add_column(sa.Column(column, sa.JSON(), nullable=True))


def downgrade() -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_column(column)
