"""Submission-bundle exports: one row per export job, with its progress, its files' hashes and its summary."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assess.models.base import Base, str_enum, utcnow
from assess.models.user import User


class ExportState(enum.StrEnum):
    QUEUED = "antre"
    RUNNING = "berjalan"
    DONE = "selesai"
    FAILED = "gagal"
    #: Finished, but its files were removed to keep only the newest ``EXPORT_KEEP`` exports.
    PRUNED = "dihapus"


ACTIVE_EXPORT_STATES = (ExportState.QUEUED, ExportState.RUNNING)
_ACTIVE_SQL = text("state IN ('antre', 'berjalan')")


class Export(Base):
    """An export of an assessment's submission bundle (PDF + ZIP), built by a background job.

    At most one export per assessment is queued or running (a partial unique index says so to the database).
    The files live under ``EXPORT_ROOT/<assessment id>/<directory>``; they are renamed into place only when
    complete and verified, so a row in state ``selesai`` always has whole files.
    """

    __tablename__ = "exports"
    __table_args__ = (
        Index(
            "uq_exports_one_active",
            "assessment_id",
            unique=True,
            sqlite_where=_ACTIVE_SQL,
            postgresql_where=_ACTIVE_SQL,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    state: Mapped[ExportState] = mapped_column(str_enum(ExportState, "export_state"), default=ExportState.QUEUED)
    include_review: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Also one PDF per fulfilled butir for the evaluation portal (``per-butir/`` and ``per-butir.zip``).
    per_butir: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The koordinator asked for scanned pages in the per-butir files to be recompressed.
    compress_scans: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The assessment was not final when the export started: the report carries the "DRAF" watermark.
    draft: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Written with every progress step; a running export whose heartbeat is old was killed.
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    step: Mapped[int] = mapped_column(Integer, default=0)
    total_steps: Mapped[int] = mapped_column(Integer, default=0)
    step_label: Mapped[str] = mapped_column(String(200), default="")
    #: The step as a key and its parameters (:mod:`assess.texts`); ``step_label`` is its stored-language copy.
    step_text: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    percent: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    #: Why it failed, as a key and its parameters; ``error`` is its stored-language copy.
    error_text: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: Folder name under the assessment's export folder (set when the files are in place).
    directory: Mapped[str | None] = mapped_column(String(64))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_size: Mapped[int | None] = mapped_column(BigInteger)
    pdf_pages: Mapped[int | None] = mapped_column(Integer)
    zip_sha256: Mapped[str | None] = mapped_column(String(64))
    zip_size: Mapped[int | None] = mapped_column(BigInteger)
    evidence_files: Mapped[int | None] = mapped_column(Integer)
    #: Evidence that could not be printed as it is (placeholder pages), listed in the summary.
    problems: Mapped[int | None] = mapped_column(Integer)
    #: The export summary (JSON): per-indicator page ranges, every file's outcome and the problems.
    summary: Mapped[str | None] = mapped_column(Text)

    created_by: Mapped[User | None] = relationship()

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_EXPORT_STATES

    def __repr__(self) -> str:
        return f"<Export {self.id} assessment={self.assessment_id} {self.state}>"
