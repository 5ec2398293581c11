"""The evidence library: documents (files or links) per assessment, their versions, the stored blobs,
the links from answers, and the Pemdi evidence-item marks."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assess.models.base import Base, TimestampMixin, str_enum, utcnow
from assess.models.catalog import EvidenceItem
from assess.models.user import Unit, User


class EvidenceKind(enum.StrEnum):
    FILE = "file"
    LINK = "link"


class DocType(enum.StrEnum):
    PERATURAN = "peraturan"
    PERENCANAAN = "perencanaan"
    LAPORAN = "laporan"
    NOTULEN = "notulen"
    TANGKAPAN_LAYAR = "tangkapan_layar"
    MANUAL = "manual"
    VIDEO = "video"
    LAINNYA = "lainnya"


class Blob(Base):
    """Stored bytes, content-addressed by SHA-256: the same bytes are stored once, whoever uploads them."""

    __tablename__ = "blobs"
    __table_args__ = (CheckConstraint("size >= 0", name="size_nonnegative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mime: Mapped[str] = mapped_column(String(127))
    extension: Mapped[str] = mapped_column(String(16))
    storage_key: Mapped[str] = mapped_column(String(255))
    #: Page count for PDFs.
    pages: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: PDFs: when qpdf's full check (every stream decoded) ran, in the background after the upload or in an export;
    #: and what it found (``None``: clean). A PDF that fails is printed in the bundle as a page saying why.
    checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    check_problem: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<Blob {self.sha256[:12]} {self.size}B>"


class Evidence(TimestampMixin, Base):
    """A document in an assessment's evidence library: an uploaded file (with versions) or a link."""

    __tablename__ = "evidence"
    __table_args__ = (
        CheckConstraint("kind = 'link' OR url IS NULL", name="url_only_for_links"),
        CheckConstraint("kind = 'file' OR url IS NOT NULL", name="links_have_url"),
        #: The library's default order (newest first) over the live documents, one assessment at a time.
        Index(
            "ix_evidence_live_created",
            "assessment_id",
            "created_at",
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    kind: Mapped[EvidenceKind] = mapped_column(str_enum(EvidenceKind, "evidence_kind"))
    title: Mapped[str] = mapped_column(String(300))
    doc_type: Mapped[DocType] = mapped_column(str_enum(DocType, "doc_type"), default=DocType.LAINNYA)
    #: Document number, e.g. "Perwali No. 12 Tahun 2024".
    number: Mapped[str | None] = mapped_column(String(200))
    #: The date of the document itself (not of the upload): the freshness rules use it.
    doc_date: Mapped[date | None] = mapped_column(Date)
    owner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"), index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(2000))
    #: The assessor's test account for a link (shown only to roles that need it).
    access_note: Mapped[str | None] = mapped_column(Text)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("evidence_versions.id", ondelete="SET NULL", use_alter=True), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Round-tripped through the metadata form.
    version: Mapped[int] = mapped_column(Integer, default=1)

    owner_unit: Mapped[Unit | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    current_version: Mapped[EvidenceVersion | None] = relationship(foreign_keys=[current_version_id], post_update=True)
    versions: Mapped[list[EvidenceVersion]] = relationship(
        back_populates="evidence", foreign_keys="EvidenceVersion.evidence_id", order_by="EvidenceVersion.number"
    )
    links: Mapped[list[AnswerEvidence]] = relationship(back_populates="evidence")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    def __repr__(self) -> str:
        return f"<Evidence {self.id} {self.title!r}>"


class EvidenceVersion(Base):
    """One uploaded file of a document; replacing the file adds a version, the old ones stay."""

    __tablename__ = "evidence_versions"
    __table_args__ = (UniqueConstraint("evidence_id", "number"), CheckConstraint("number >= 1", name="number_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    blob_id: Mapped[int] = mapped_column(ForeignKey("blobs.id", ondelete="RESTRICT"), index=True)
    #: The name the file had on the uploader's computer (cleaned); never used as a path.
    original_name: Mapped[str] = mapped_column(String(255))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    evidence: Mapped[Evidence] = relationship(back_populates="versions", foreign_keys=[evidence_id])
    blob: Mapped[Blob] = relationship()
    uploaded_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<EvidenceVersion {self.evidence_id} v{self.number}>"


class AnswerEvidence(Base):
    """A document linked to an answer, saying which level (or which Pemdi butir) it supports."""

    __tablename__ = "answer_evidence"
    __table_args__ = (
        UniqueConstraint("answer_id", "evidence_id", "item_id"),
        CheckConstraint("level IS NULL OR level BETWEEN 1 AND 5", name="level_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="RESTRICT"), index=True)
    level: Mapped[int | None] = mapped_column(Integer)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_items.id", ondelete="RESTRICT"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    evidence: Mapped[Evidence] = relationship(back_populates="links")
    item: Mapped[EvidenceItem | None] = relationship()

    def __repr__(self) -> str:
        return f"<AnswerEvidence answer={self.answer_id} evidence={self.evidence_id} L{self.level}>"


class AnswerItem(Base):
    """A Pemdi evidence item (butir) of one answer: fulfilled or not yet, with a note and an assignee."""

    __tablename__ = "answer_items"
    __table_args__ = (UniqueConstraint("answer_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id", ondelete="RESTRICT"), index=True)
    fulfilled: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    assignee_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"), index=True)
    assignee_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    item: Mapped[EvidenceItem] = relationship()
    assignee_unit: Mapped[Unit | None] = relationship()

    def __repr__(self) -> str:
        return f"<AnswerItem answer={self.answer_id} item={self.item_id} {self.fulfilled}>"
