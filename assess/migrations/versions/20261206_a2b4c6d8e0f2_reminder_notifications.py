"""Reminders are notifications of their own kind ("reminder"), named so in the app and in the e-mail's subject.

Revision ID: a2b4c6d8e0f2
Revises: f1a3c5e7b9d2
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a2b4c6d8e0f2"
down_revision = "f1a3c5e7b9d2"
branch_labels = None
depends_on = None

BEFORE = ("assignment", "send_back", "approval", "mention", "reply")
AFTER = (*BEFORE, "reminder")


def _kind(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name="notification_kind", native_enum=False, create_constraint=True, length=32)


def _change(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    # SQLite keeps a CHECK constraint it cannot reflect: the table is rebuilt with the column's type given here.
    with op.batch_alter_table(
        "notifications", recreate="always", reflect_args=(sa.Column("kind", _kind(old), nullable=False),)
    ) as batch_op:
        batch_op.alter_column("kind", existing_type=_kind(old), type_=_kind(new), existing_nullable=False)


def upgrade() -> None:
    _change(BEFORE, AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM notifications WHERE kind = 'reminder'")
    _change(AFTER, BEFORE)
