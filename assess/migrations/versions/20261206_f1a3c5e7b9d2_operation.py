"""Running a deployment: the operator flag, a deactivatable instansi, a password that must be changed, two-factor
sign-in, invitations, groups of instansi with their pembina, and the reminders already sent.

Revision ID: f1a3c5e7b9d2
Revises: e4f6a8b0c2d4
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from flask_security import AsaList

# revision identifiers, used by Alembic.
revision = "f1a3c5e7b9d2"
down_revision = "e4f6a8b0c2d4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("instansi", schema=None) as batch_op:
        batch_op.add_column(sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("is_operator", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("tf_primary_method", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("tf_totp_secret", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("tf_phone_number", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("mf_recovery_codes", AsaList(), nullable=True))

    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("instansi_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_invitations_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["instansi_id"], ["instansi.id"], name=op.f("fk_invitations_instansi_id_instansi"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_invitations_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_invitations_token_sha256")),
    )
    op.create_index(op.f("ix_invitations_instansi_id"), "invitations", ["instansi_id"], unique=False)
    op.create_index(op.f("ix_invitations_user_id"), "invitations", ["user_id"], unique=False)

    op.create_table(
        "instansi_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instansi_groups")),
        sa.UniqueConstraint("slug", name=op.f("uq_instansi_groups_slug")),
    )
    op.create_table(
        "group_instansi",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("instansi_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["instansi_groups.id"],
            name=op.f("fk_group_instansi_group_id_instansi_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["instansi_id"], ["instansi.id"], name=op.f("fk_group_instansi_instansi_id_instansi"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("group_id", "instansi_id", name=op.f("pk_group_instansi")),
    )
    op.create_table(
        "group_pembina",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["instansi_groups.id"],
            name=op.f("fk_group_pembina_group_id_instansi_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_group_pembina_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("group_id", "user_id", name=op.f("pk_group_pembina")),
    )
    op.create_table(
        "reminders_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("on_day", sa.Date(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_reminders_sent_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_reminders_sent_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders_sent")),
        sa.UniqueConstraint(
            "user_id",
            "assessment_id",
            "kind",
            "on_day",
            name=op.f("uq_reminders_sent_user_id_assessment_id_kind_on_day"),
        ),
    )
    op.create_index(op.f("ix_reminders_sent_assessment_id"), "reminders_sent", ["assessment_id"], unique=False)
    op.create_index(op.f("ix_reminders_sent_user_id"), "reminders_sent", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_reminders_sent_user_id"), table_name="reminders_sent")
    op.drop_index(op.f("ix_reminders_sent_assessment_id"), table_name="reminders_sent")
    op.drop_table("reminders_sent")
    op.drop_table("group_pembina")
    op.drop_table("group_instansi")
    op.drop_table("instansi_groups")
    op.drop_index(op.f("ix_invitations_user_id"), table_name="invitations")
    op.drop_index(op.f("ix_invitations_instansi_id"), table_name="invitations")
    op.drop_table("invitations")
    with op.batch_alter_table("users", schema=None) as batch_op:
        for column in (
            "mf_recovery_codes",
            "tf_phone_number",
            "tf_totp_secret",
            "tf_primary_method",
            "must_change_password",
            "is_operator",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("instansi", schema=None) as batch_op:
        batch_op.drop_column("active")
