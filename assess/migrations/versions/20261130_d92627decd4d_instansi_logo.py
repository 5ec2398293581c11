"""Instansi logo: the storage key and type of a validated image.

Revision ID: d92627decd4d
Revises: 59afe47829cf
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d92627decd4d"
down_revision = "59afe47829cf"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("instansi", schema=None) as batch_op:
        batch_op.add_column(sa.Column("logo_key", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("logo_mime", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("instansi", schema=None) as batch_op:
        batch_op.drop_column("logo_mime")
        batch_op.drop_column("logo_key")
