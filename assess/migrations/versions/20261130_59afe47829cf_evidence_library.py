"""Evidence library: blobs, documents and their versions, answer links, Pemdi evidence-item marks.

Revision ID: 59afe47829cf
Revises: 900e261f9878
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "59afe47829cf"
down_revision = "900e261f9878"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mime", sa.String(length=127), nullable=False),
        sa.Column("extension", sa.String(length=16), nullable=False),
        sa.Column("storage_key", sa.String(length=255), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("size >= 0", name=op.f("ck_blobs_size_nonnegative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blobs")),
        sa.UniqueConstraint("sha256", name=op.f("uq_blobs_sha256")),
    )
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("file", "link", name="evidence_kind", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column(
            "doc_type",
            sa.Enum(
                "peraturan",
                "perencanaan",
                "laporan",
                "notulen",
                "tangkapan_layar",
                "manual",
                "video",
                "lainnya",
                name="doc_type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("number", sa.String(length=200), nullable=True),
        sa.Column("doc_date", sa.Date(), nullable=True),
        sa.Column("owner_unit_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("access_note", sa.Text(), nullable=True),
        sa.Column("current_version_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind = 'file' OR url IS NOT NULL", name=op.f("ck_evidence_links_have_url")),
        sa.CheckConstraint("kind = 'link' OR url IS NULL", name=op.f("ck_evidence_url_only_for_links")),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_evidence_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_evidence_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["deleted_by_id"], ["users.id"], name=op.f("fk_evidence_deleted_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["owner_unit_id"], ["units.id"], name=op.f("fk_evidence_owner_unit_id_units"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_assessment_id"), ["assessment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_current_version_id"), ["current_version_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_owner_unit_id"), ["owner_unit_id"], unique=False)

    op.create_table(
        "evidence_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("blob_id", sa.Integer(), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("number >= 1", name=op.f("ck_evidence_versions_number_positive")),
        sa.ForeignKeyConstraint(
            ["blob_id"], ["blobs.id"], name=op.f("fk_evidence_versions_blob_id_blobs"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["evidence_id"], ["evidence.id"], name=op.f("fk_evidence_versions_evidence_id_evidence"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_evidence_versions_uploaded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_versions")),
        sa.UniqueConstraint("evidence_id", "number", name=op.f("uq_evidence_versions_evidence_id_number")),
    )
    with op.batch_alter_table("evidence_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_versions_blob_id"), ["blob_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_versions_evidence_id"), ["evidence_id"], unique=False)

    # evidence.current_version_id points forward to evidence_versions: added once both tables exist.
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_evidence_current_version_id_evidence_versions"),
            "evidence_versions",
            ["current_version_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.create_table(
        "answer_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("level IS NULL OR level BETWEEN 1 AND 5", name=op.f("ck_answer_evidence_level_range")),
        sa.ForeignKeyConstraint(
            ["answer_id"], ["answers.id"], name=op.f("fk_answer_evidence_answer_id_answers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_answer_evidence_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["evidence_id"], ["evidence.id"], name=op.f("fk_answer_evidence_evidence_id_evidence"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["evidence_items.id"],
            name=op.f("fk_answer_evidence_item_id_evidence_items"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_evidence")),
        sa.UniqueConstraint(
            "answer_id", "evidence_id", "item_id", name=op.f("uq_answer_evidence_answer_id_evidence_id_item_id")
        ),
    )
    with op.batch_alter_table("answer_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_answer_evidence_answer_id"), ["answer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_answer_evidence_evidence_id"), ["evidence_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_answer_evidence_item_id"), ["item_id"], unique=False)

    op.create_table(
        "answer_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("fulfilled", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("assignee_unit_id", sa.Integer(), nullable=True),
        sa.Column("assignee_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["answer_id"], ["answers.id"], name=op.f("fk_answer_items_answer_id_answers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["assignee_unit_id"], ["units.id"], name=op.f("fk_answer_items_assignee_unit_id_units"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["assignee_user_id"], ["users.id"], name=op.f("fk_answer_items_assignee_user_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["evidence_items.id"], name=op.f("fk_answer_items_item_id_evidence_items"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_items")),
        sa.UniqueConstraint("answer_id", "item_id", name=op.f("uq_answer_items_answer_id_item_id")),
    )
    with op.batch_alter_table("answer_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_answer_items_answer_id"), ["answer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_answer_items_assignee_unit_id"), ["assignee_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_answer_items_assignee_user_id"), ["assignee_user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_answer_items_item_id"), ["item_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("answer_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answer_items_item_id"))
        batch_op.drop_index(batch_op.f("ix_answer_items_assignee_user_id"))
        batch_op.drop_index(batch_op.f("ix_answer_items_assignee_unit_id"))
        batch_op.drop_index(batch_op.f("ix_answer_items_answer_id"))

    op.drop_table("answer_items")
    with op.batch_alter_table("answer_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answer_evidence_item_id"))
        batch_op.drop_index(batch_op.f("ix_answer_evidence_evidence_id"))
        batch_op.drop_index(batch_op.f("ix_answer_evidence_answer_id"))

    op.drop_table("answer_evidence")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_evidence_current_version_id_evidence_versions"), type_="foreignkey")

    with op.batch_alter_table("evidence_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_versions_evidence_id"))
        batch_op.drop_index(batch_op.f("ix_evidence_versions_blob_id"))

    op.drop_table("evidence_versions")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_owner_unit_id"))
        batch_op.drop_index(batch_op.f("ix_evidence_current_version_id"))
        batch_op.drop_index(batch_op.f("ix_evidence_assessment_id"))

    op.drop_table("evidence")
    op.drop_table("blobs")
