"""Initial schema: instrument catalogue, instansi and units, users and roles, assessments and answers.

Revision ID: 900e261f9878
Revises: (none)
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "900e261f9878"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "instansi",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "kementerian",
                "lembaga",
                "provinsi",
                "kabupaten",
                "kota",
                name="instansi_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instansi")),
        sa.UniqueConstraint("slug", name=op.f("uq_instansi_slug")),
    )
    op.create_table(
        "instruments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("regulation", sa.String(length=255), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("provisional_note", sa.Text(), nullable=True),
        sa.Column("value_type", sa.String(length=16), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("source_text", sa.Text(), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("value_type IN ('level', 'graded')", name=op.f("ck_instruments_value_type_known")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_instruments_version_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instruments")),
        sa.UniqueConstraint("code", "version", name=op.f("uq_instruments_code_version")),
    )
    op.create_table(
        "roles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roles")),
        sa.UniqueConstraint("name", name=op.f("uq_roles_name")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("password", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("fs_uniquifier", sa.String(length=64), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locale", sa.String(length=8), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.UniqueConstraint("fs_uniquifier", name=op.f("uq_users_fs_uniquifier")),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instansi_id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pengisian",
                "reviu",
                "final",
                name="assessment_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "predikat_basis",
            sa.Enum(
                "exact",
                "rounded",
                name="predikat_basis",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("year BETWEEN 2018 AND 2100", name=op.f("ck_assessments_year_range")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_assessments_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["instansi_id"],
            ["instansi.id"],
            name=op.f("fk_assessments_instansi_id_instansi"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instruments.id"],
            name=op.f("fk_assessments_instrument_id_instruments"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
        sa.UniqueConstraint(
            "instansi_id",
            "instrument_id",
            "year",
            name=op.f("uq_assessments_instansi_id_instrument_id_year"),
        ),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessments_instansi_id"), ["instansi_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assessments_instrument_id"), ["instrument_id"], unique=False)

    op.create_table(
        "domains",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("weight", sa.Numeric(precision=7, scale=4), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint("weight > 0", name=op.f("ck_domains_weight_positive")),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instruments.id"],
            name=op.f("fk_domains_instrument_id_instruments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_domains")),
        sa.UniqueConstraint("instrument_id", "code", name=op.f("uq_domains_instrument_id_code")),
    )
    with op.batch_alter_table("domains", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_domains_instrument_id"), ["instrument_id"], unique=False)

    op.create_table(
        "memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("instansi_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "admin",
                "koordinator",
                "pengisi",
                "reviewer",
                "pembaca",
                name="role_name",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["instansi_id"],
            ["instansi.id"],
            name=op.f("fk_memberships_instansi_id_instansi"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_memberships_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
        sa.UniqueConstraint("user_id", "instansi_id", "role", name=op.f("uq_memberships_user_id_instansi_id_role")),
    )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_memberships_instansi_id"), ["instansi_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_memberships_user_id"), ["user_id"], unique=False)

    op.create_table(
        "roles_users",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["role_id"], ["roles.id"], name=op.f("fk_roles_users_role_id_roles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_roles_users_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "role_id", name=op.f("pk_roles_users")),
    )
    op.create_table(
        "units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instansi_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("short_name", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["instansi_id"],
            ["instansi.id"],
            name=op.f("fk_units_instansi_id_instansi"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units")),
        sa.UniqueConstraint("instansi_id", "name", name=op.f("uq_units_instansi_id_name")),
    )
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_units_instansi_id"), ["instansi_id"], unique=False)

    op.create_table(
        "aspects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("domain_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("weight", sa.Numeric(precision=7, scale=4), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint("weight > 0", name=op.f("ck_aspects_weight_positive")),
        sa.ForeignKeyConstraint(
            ["domain_id"],
            ["domains.id"],
            name=op.f("fk_aspects_domain_id_domains"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instruments.id"],
            name=op.f("fk_aspects_instrument_id_instruments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aspects")),
        sa.UniqueConstraint("instrument_id", "code", name=op.f("uq_aspects_instrument_id_code")),
    )
    with op.batch_alter_table("aspects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_aspects_domain_id"), ["domain_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_aspects_instrument_id"), ["instrument_id"], unique=False)

    op.create_table(
        "unit_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["units.id"],
            name=op.f("fk_unit_members_unit_id_units"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_unit_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_members")),
        sa.UniqueConstraint("user_id", "unit_id", name=op.f("uq_unit_members_user_id_unit_id")),
    )
    with op.batch_alter_table("unit_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_members_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_unit_members_user_id"), ["user_id"], unique=False)

    op.create_table(
        "indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("aspect_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("asesor_code", sa.String(length=16), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("short_name", sa.String(length=255), nullable=False),
        sa.Column("weight", sa.Numeric(precision=7, scale=4), nullable=False),
        sa.Column("scale", sa.String(length=32), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("hint_fakta", sa.Text(), nullable=False),
        sa.Column("hint_analisis", sa.Text(), nullable=False),
        sa.Column("is_external", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint("weight > 0 AND weight <= 100", name=op.f("ck_indicators_weight_range")),
        sa.ForeignKeyConstraint(
            ["aspect_id"],
            ["aspects.id"],
            name=op.f("fk_indicators_aspect_id_aspects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instruments.id"],
            name=op.f("fk_indicators_instrument_id_instruments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicators")),
        sa.UniqueConstraint("instrument_id", "code", name=op.f("uq_indicators_instrument_id_code")),
    )
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_indicators_aspect_id"), ["aspect_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_indicators_instrument_id"), ["instrument_id"], unique=False)

    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("claimed_value", sa.Numeric(precision=7, scale=4), nullable=True),
        sa.Column("source_value", sa.Numeric(precision=9, scale=4), nullable=True),
        sa.Column("fakta", sa.Text(), nullable=False),
        sa.Column("analisis", sa.Text(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "belum_diisi",
                "draf",
                "siap_direviu",
                "perlu_perbaikan",
                "disetujui",
                name="answer_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("assignee_unit_id", sa.Integer(), nullable=True),
        sa.Column("assignee_user_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "claimed_value IS NULL OR (claimed_value >= 0 AND claimed_value <= 5)",
            name=op.f("ck_answers_claimed_value_range"),
        ),
        sa.CheckConstraint(
            "source_value IS NULL OR source_value >= 0",
            name=op.f("ck_answers_source_value_nonnegative"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_answers_version_positive")),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_answers_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["assignee_unit_id"],
            ["units.id"],
            name=op.f("fk_answers_assignee_unit_id_units"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["assignee_user_id"],
            ["users.id"],
            name=op.f("fk_answers_assignee_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_answers_indicator_id_indicators"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answers")),
        sa.UniqueConstraint("assessment_id", "indicator_id", name=op.f("uq_answers_assessment_id_indicator_id")),
    )
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_answers_assessment_id"), ["assessment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_answers_assignee_unit_id"), ["assignee_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_answers_assignee_user_id"), ["assignee_user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_answers_indicator_id"), ["indicator_id"], unique=False)

    op.create_table(
        "evidence_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("nn", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.CheckConstraint("kind IN ('doc', 'ss', 'idx', 'note')", name=op.f("ck_evidence_items_kind_known")),
        sa.CheckConstraint("level BETWEEN 1 AND 5", name=op.f("ck_evidence_items_level_range")),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_evidence_items_indicator_id_indicators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_items")),
        sa.UniqueConstraint("indicator_id", "code", name=op.f("uq_evidence_items_indicator_id_code")),
    )
    with op.batch_alter_table("evidence_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_items_indicator_id"), ["indicator_id"], unique=False)

    op.create_table(
        "indicator_levels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("max_evidence_age_years", sa.Integer(), nullable=True),
        sa.CheckConstraint("level BETWEEN 1 AND 5", name=op.f("ck_indicator_levels_level_range")),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_indicator_levels_indicator_id_indicators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_levels")),
        sa.UniqueConstraint("indicator_id", "level", name=op.f("uq_indicator_levels_indicator_id_level")),
    )
    with op.batch_alter_table("indicator_levels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_indicator_levels_indicator_id"), ["indicator_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("indicator_levels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_levels_indicator_id"))

    op.drop_table("indicator_levels")
    with op.batch_alter_table("evidence_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_items_indicator_id"))

    op.drop_table("evidence_items")
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answers_indicator_id"))
        batch_op.drop_index(batch_op.f("ix_answers_assignee_user_id"))
        batch_op.drop_index(batch_op.f("ix_answers_assignee_unit_id"))
        batch_op.drop_index(batch_op.f("ix_answers_assessment_id"))

    op.drop_table("answers")
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicators_instrument_id"))
        batch_op.drop_index(batch_op.f("ix_indicators_aspect_id"))

    op.drop_table("indicators")
    with op.batch_alter_table("unit_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_members_user_id"))
        batch_op.drop_index(batch_op.f("ix_unit_members_unit_id"))

    op.drop_table("unit_members")
    with op.batch_alter_table("aspects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aspects_instrument_id"))
        batch_op.drop_index(batch_op.f("ix_aspects_domain_id"))

    op.drop_table("aspects")
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_units_instansi_id"))

    op.drop_table("units")
    op.drop_table("roles_users")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_memberships_user_id"))
        batch_op.drop_index(batch_op.f("ix_memberships_instansi_id"))

    op.drop_table("memberships")
    with op.batch_alter_table("domains", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_domains_instrument_id"))

    op.drop_table("domains")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessments_instrument_id"))
        batch_op.drop_index(batch_op.f("ix_assessments_instansi_id"))

    op.drop_table("assessments")
    op.drop_table("users")
    op.drop_table("roles")
    op.drop_table("instruments")
    op.drop_table("instansi")
