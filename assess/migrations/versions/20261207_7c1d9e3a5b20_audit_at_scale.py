"""The audit trail at any size: one index per filter of the audit page (each led by the assessment and ordered by
time and id, so a page walks one index and stops), a trigram index for the text filter on PostgreSQL, the
conflict page's lookup by object, and the library's default order over live documents.

The single-column indexes these replace (assessment, time, object type, document) go.

Revision ID: 7c1d9e3a5b20
Revises: e64b9f99470b
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7c1d9e3a5b20"
down_revision = "e64b9f99470b"
branch_labels = None
depends_on = None

FILTERED = ("actor_id", "object_type", "action", "indicator_code", "evidence_id")
REPLACED = ("assessment_id", "at", "object_type", "evidence_id")
LIVE = sa.text("deleted_at IS NULL")


def upgrade() -> None:
    op.create_index("ix_audit_entries_assessment_at", "audit_entries", ["assessment_id", "at", "id"])
    for column in FILTERED:
        op.create_index(
            f"ix_audit_entries_assessment_{column}", "audit_entries", ["assessment_id", column, "at", "id"]
        )
    op.create_index("ix_audit_entries_object", "audit_entries", ["object_type", "object_id", "id"])
    for column in REPLACED:
        op.drop_index(f"ix_audit_entries_{column}", table_name="audit_entries")
    if op.get_bind().dialect.name == "postgresql":
        # pg_trgm is a trusted extension: the database's owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_audit_entries_summary_trgm ON audit_entries USING gin (summary gin_trgm_ops)")
    op.create_index(
        "ix_evidence_live_created",
        "evidence",
        ["assessment_id", "created_at"],
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )


def downgrade() -> None:
    op.drop_index("ix_evidence_live_created", table_name="evidence")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_audit_entries_summary_trgm")
    for column in REPLACED:
        op.create_index(f"ix_audit_entries_{column}", "audit_entries", [column])
    op.drop_index("ix_audit_entries_object", table_name="audit_entries")
    for column in FILTERED:
        op.drop_index(f"ix_audit_entries_assessment_{column}", table_name="audit_entries")
    op.drop_index("ix_audit_entries_assessment_at", table_name="audit_entries")
