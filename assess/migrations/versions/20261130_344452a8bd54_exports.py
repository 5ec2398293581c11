"""Submission-bundle exports; the Koordinator SPBE who signs, and the signed scans, per assessment.

Revision ID: 344452a8bd54
Revises: a221be94c19f
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "344452a8bd54"
down_revision = "a221be94c19f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "antre",
                "berjalan",
                "selesai",
                "gagal",
                "dihapus",
                name="export_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("include_review", sa.Boolean(), nullable=False),
        sa.Column("draft", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("total_steps", sa.Integer(), nullable=False),
        sa.Column("step_label", sa.String(length=200), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("directory", sa.String(length=64), nullable=True),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=True),
        sa.Column("pdf_size", sa.BigInteger(), nullable=True),
        sa.Column("pdf_pages", sa.Integer(), nullable=True),
        sa.Column("zip_sha256", sa.String(length=64), nullable=True),
        sa.Column("zip_size", sa.BigInteger(), nullable=True),
        sa.Column("evidence_files", sa.Integer(), nullable=True),
        sa.Column("problems", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessments.id"], name=op.f("fk_exports_assessment_id_assessments"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_exports_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exports")),
    )
    with op.batch_alter_table("exports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exports_assessment_id"), ["assessment_id"], unique=False)
        batch_op.create_index(
            "uq_exports_one_active",
            ["assessment_id"],
            unique=True,
            sqlite_where=sa.text("state IN ('antre', 'berjalan')"),
            postgresql_where=sa.text("state IN ('antre', 'berjalan')"),
        )

    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signatory_name", sa.String(length=200), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("signatory_position", sa.String(length=200), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("signatory_nip", sa.String(length=32), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("signing_place", sa.String(length=120), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("signed_minutes_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("signed_consent_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_assessments_signed_consent_id_evidence"),
            "evidence",
            ["signed_consent_id"],
            ["id"],
            ondelete="SET NULL",
            use_alter=True,
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_assessments_signed_minutes_id_evidence"),
            "evidence",
            ["signed_minutes_id"],
            ["id"],
            ondelete="SET NULL",
            use_alter=True,
        )


def downgrade() -> None:
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_assessments_signed_minutes_id_evidence"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_assessments_signed_consent_id_evidence"), type_="foreignkey")
        batch_op.drop_column("signed_consent_id")
        batch_op.drop_column("signed_minutes_id")
        batch_op.drop_column("signing_place")
        batch_op.drop_column("signatory_nip")
        batch_op.drop_column("signatory_position")
        batch_op.drop_column("signatory_name")

    with op.batch_alter_table("exports", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_exports_one_active",
            sqlite_where=sa.text("state IN ('antre', 'berjalan')"),
            postgresql_where=sa.text("state IN ('antre', 'berjalan')"),
        )
        batch_op.drop_index(batch_op.f("ix_exports_assessment_id"))

    op.drop_table("exports")
