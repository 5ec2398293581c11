"""Review: reviewer and final values on answers, comment threads, canned comments, notifications, audit trail.

Revision ID: 5fd724bd5612
Revises: d92627decd4d
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5fd724bd5612"
down_revision = "d92627decd4d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "canned_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instansi_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("instrument_code", sa.String(length=64), nullable=True),
        sa.Column("indicator_code", sa.String(length=16), nullable=True),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("level IS NULL OR level BETWEEN 1 AND 5", name=op.f("ck_canned_comments_level_range")),
        sa.ForeignKeyConstraint(
            ["instansi_id"], ["instansi.id"], name=op.f("fk_canned_comments_instansi_id_instansi"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canned_comments")),
    )
    with op.batch_alter_table("canned_comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_canned_comments_instansi_id"), ["instansi_id"], unique=False)

    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("instansi_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=True),
        sa.Column("indicator_code", sa.String(length=16), nullable=True),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=48), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_audit_entries_actor_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_audit_entries_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["instansi_id"], ["instansi.id"], name=op.f("fk_audit_entries_instansi_id_instansi"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entries_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entries_assessment_id"), ["assessment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entries_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entries_evidence_id"), ["evidence_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entries_instansi_id"), ["instansi_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entries_object_type"), ["object_type"], unique=False)

    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=True),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("answer_id IS NOT NULL OR evidence_id IS NOT NULL", name=op.f("ck_comments_has_target")),
        sa.ForeignKeyConstraint(
            ["answer_id"], ["answers.id"], name=op.f("fk_comments_answer_id_answers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_comments_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_comments_author_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["evidence_id"], ["evidence.id"], name=op.f("fk_comments_evidence_id_evidence"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["evidence_items.id"], name=op.f("fk_comments_item_id_evidence_items"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["comments.id"], name=op.f("fk_comments_parent_id_comments"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["users.id"], name=op.f("fk_comments_resolved_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comments_answer_id"), ["answer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_comments_assessment_id"), ["assessment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_comments_evidence_id"), ["evidence_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_comments_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "assignment",
                "send_back",
                "approval",
                "mention",
                "reply",
                name="notification_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("answer_id", sa.Integer(), nullable=True),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_notifications_actor_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["answer_id"], ["answers.id"], name=op.f("fk_notifications_answer_id_answers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_notifications_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comments.id"], name=op.f("fk_notifications_comment_id_comments"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_assessment_id"), ["assessment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notifications_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reviewer_value", sa.Numeric(precision=7, scale=4), nullable=True))
        batch_op.add_column(sa.Column("reviewer_note", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("reviewer_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("final_value", sa.Numeric(precision=7, scale=4), nullable=True))
        batch_op.add_column(sa.Column("final_reason", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("final_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("final_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(
            "reviewer_value_range", "reviewer_value IS NULL OR (reviewer_value >= 0 AND reviewer_value <= 5)"
        )
        batch_op.create_check_constraint(
            "final_value_range", "final_value IS NULL OR (final_value >= 0 AND final_value <= 5)"
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_answers_final_by_id_users"), "users", ["final_by_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_answers_reviewer_id_users"), "users", ["reviewer_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_answers_final_value_range"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_answers_reviewer_value_range"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_answers_reviewer_id_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_answers_final_by_id_users"), type_="foreignkey")
        batch_op.drop_column("final_at")
        batch_op.drop_column("final_by_id")
        batch_op.drop_column("final_reason")
        batch_op.drop_column("final_value")
        batch_op.drop_column("reviewed_at")
        batch_op.drop_column("reviewer_id")
        batch_op.drop_column("reviewer_note")
        batch_op.drop_column("reviewer_value")

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_user_id"))
        batch_op.drop_index(batch_op.f("ix_notifications_assessment_id"))

    op.drop_table("notifications")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comments_parent_id"))
        batch_op.drop_index(batch_op.f("ix_comments_evidence_id"))
        batch_op.drop_index(batch_op.f("ix_comments_assessment_id"))
        batch_op.drop_index(batch_op.f("ix_comments_answer_id"))

    op.drop_table("comments")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entries_object_type"))
        batch_op.drop_index(batch_op.f("ix_audit_entries_instansi_id"))
        batch_op.drop_index(batch_op.f("ix_audit_entries_evidence_id"))
        batch_op.drop_index(batch_op.f("ix_audit_entries_at"))
        batch_op.drop_index(batch_op.f("ix_audit_entries_assessment_id"))
        batch_op.drop_index(batch_op.f("ix_audit_entries_actor_id"))

    op.drop_table("audit_entries")
    with op.batch_alter_table("canned_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_canned_comments_instansi_id"))

    op.drop_table("canned_comments")
