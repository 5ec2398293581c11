"""Planning: targets, what-if scenarios, official values, follow-up actions; carry-over from a previous assessment.

Revision ID: a221be94c19f
Revises: 5fd724bd5612
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a221be94c19f"
down_revision = "5fd724bd5612"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("indicator_code", sa.String(length=16), nullable=True),
        sa.Column("recommendation", sa.Text(), nullable=False),
        sa.Column("owner_unit_id", sa.Integer(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_follow_ups_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_unit_id"], ["units.id"], name=op.f("fk_follow_ups_owner_unit_id_units"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_ups")),
    )
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_ups_assessment_id"), ["assessment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_follow_ups_owner_unit_id"), ["owner_unit_id"], unique=False)

    op.create_table(
        "official_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("indicator_code", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Numeric(precision=7, scale=4), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("value >= 0 AND value <= 5", name=op.f("ck_official_values_value_range")),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_official_values_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["imported_by_id"], ["users.id"], name=op.f("fk_official_values_imported_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_official_values")),
        sa.UniqueConstraint(
            "assessment_id", "indicator_code", name=op.f("uq_official_values_assessment_id_indicator_code")
        ),
    )
    with op.batch_alter_table("official_values", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_official_values_assessment_id"), ["assessment_id"], unique=False)

    op.create_table(
        "scenarios",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_scenarios_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_scenarios_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenarios")),
        sa.UniqueConstraint("assessment_id", "name", name=op.f("uq_scenarios_assessment_id_name")),
    )
    with op.batch_alter_table("scenarios", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scenarios_assessment_id"), ["assessment_id"], unique=False)

    op.create_table(
        "targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("target_index", sa.Numeric(precision=4, scale=2), nullable=True),
        sa.Column("target_predikat", sa.String(length=32), nullable=True),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "target_index IS NOT NULL OR target_predikat IS NOT NULL", name=op.f("ck_targets_has_target")
        ),
        sa.CheckConstraint(
            "target_index IS NULL OR (target_index > 0 AND target_index <= 5)", name=op.f("ck_targets_index_range")
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessments.id"], name=op.f("fk_targets_assessment_id_assessments"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"], ["users.id"], name=op.f("fk_targets_set_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targets")),
        sa.UniqueConstraint("assessment_id", name=op.f("uq_targets_assessment_id")),
    )
    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_targets_assessment_id"), ["assessment_id"], unique=False)

    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("needs_recheck", sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_assessments_previous_id_assessments"),
            "assessments",
            ["previous_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_assessments_previous_id_assessments"), type_="foreignkey")
        batch_op.drop_column("previous_id")

    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_column("needs_recheck")

    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_targets_assessment_id"))

    op.drop_table("targets")
    with op.batch_alter_table("scenarios", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scenarios_assessment_id"))

    op.drop_table("scenarios")
    with op.batch_alter_table("official_values", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_official_values_assessment_id"))

    op.drop_table("official_values")
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_ups_owner_unit_id"))
        batch_op.drop_index(batch_op.f("ix_follow_ups_assessment_id"))

    op.drop_table("follow_ups")
