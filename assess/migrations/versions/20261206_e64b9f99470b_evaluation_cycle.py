"""The evaluation cycle after the self-assessment: stages with dates, the asesor's verdict per butir, per-butir
exports, and indicator descriptions.

Revision ID: e64b9f99470b
Revises: a2b4c6d8e0f2
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e64b9f99470b"
down_revision = "a2b4c6d8e0f2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assessment_stages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column(
            "stage",
            sa.Enum(
                "mandiri",
                "dokumen",
                "koreksi",
                "wawancara",
                "selesai",
                name="cycle_stage",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "starts_on IS NULL OR ends_on IS NULL OR starts_on <= ends_on",
            name=op.f("ck_assessment_stages_dates_ordered"),
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_assessment_stages_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_stages")),
        sa.UniqueConstraint("assessment_id", "stage", name=op.f("uq_assessment_stages_assessment_id_stage")),
    )
    with op.batch_alter_table("assessment_stages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_stages_assessment_id"), ["assessment_id"], unique=False)

    op.create_table(
        "butir_verdicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column(
            "stage",
            sa.Enum(
                "mandiri",
                "dokumen",
                "koreksi",
                "wawancara",
                "selesai",
                name="verdict_stage",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "verdict",
            sa.Enum(
                "diterima", "revisi", "ditolak", name="verdict", native_enum=False, create_constraint=True, length=32
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column(
            "source",
            sa.Enum("impor", "manual", name="verdict_source", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("corrected_by_id", sa.Integer(), nullable=True),
        sa.Column("correction_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_butir_verdicts_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["corrected_by_id"], ["users.id"], name=op.f("fk_butir_verdicts_corrected_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["evidence_items.id"],
            name=op.f("fk_butir_verdicts_item_id_evidence_items"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_butir_verdicts_recorded_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_butir_verdicts")),
        sa.UniqueConstraint(
            "assessment_id", "item_id", "stage", name=op.f("uq_butir_verdicts_assessment_id_item_id_stage")
        ),
    )
    with op.batch_alter_table("butir_verdicts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_butir_verdicts_assessment_id"), ["assessment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_butir_verdicts_item_id"), ["item_id"], unique=False)

    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "stage",
                sa.Enum(
                    "mandiri",
                    "dokumen",
                    "koreksi",
                    "wawancara",
                    "selesai",
                    name="assessment_stage",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                server_default="mandiri",
                nullable=False,
            )
        )

    with op.batch_alter_table("exports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("per_butir", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("compress_scans", sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.add_column(sa.Column("description", sa.Text(), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.drop_column("description")

    with op.batch_alter_table("exports", schema=None) as batch_op:
        batch_op.drop_column("compress_scans")
        batch_op.drop_column("per_butir")

    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_assessments_assessment_stage"), type_="check")
        batch_op.drop_column("stage")

    with op.batch_alter_table("butir_verdicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_butir_verdicts_item_id"))
        batch_op.drop_index(batch_op.f("ix_butir_verdicts_assessment_id"))

    op.drop_table("butir_verdicts")
    with op.batch_alter_table("assessment_stages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_stages_assessment_id"))

    op.drop_table("assessment_stages")
