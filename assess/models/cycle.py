"""The external evaluation after the self-assessment (Pemdi): the stages the koordinator sets with their dates, and the
asesor's verdict on each butir, with the correction a *revisi* asks for."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assess.models.base import Base, str_enum, utcnow
from assess.models.catalog import EvidenceItem
from assess.models.user import User


class CycleStage(enum.StrEnum):
    """The phases of an evaluation cycle, in order."""

    MANDIRI = "mandiri"  # penilaian mandiri: the instansi fills in and reviews
    DOKUMEN = "dokumen"  # penilaian dokumen: the asesor judges each uploaded butir
    KOREKSI = "koreksi"  # the correction window after the asesor's verdicts
    WAWANCARA = "wawancara"  # interviews (and visits)
    SELESAI = "selesai"


#: The stages in their order (the enum's own order).
STAGE_ORDER: tuple[CycleStage, ...] = tuple(CycleStage)


class Verdict(enum.StrEnum):
    DITERIMA = "diterima"
    REVISI = "revisi"
    DITOLAK = "ditolak"


class VerdictSource(enum.StrEnum):
    IMPOR = "impor"
    MANUAL = "manual"


class AssessmentStage(Base):
    """The dates of one stage of an assessment's cycle (the koordinator sets them; either may be unknown)."""

    __tablename__ = "assessment_stages"
    __table_args__ = (
        UniqueConstraint("assessment_id", "stage"),
        CheckConstraint("starts_on IS NULL OR ends_on IS NULL OR starts_on <= ends_on", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    stage: Mapped[CycleStage] = mapped_column(str_enum(CycleStage, "cycle_stage"))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)

    def __repr__(self) -> str:
        return f"<AssessmentStage {self.assessment_id} {self.stage} {self.starts_on}–{self.ends_on}>"


class ButirVerdict(Base):
    """The asesor's verdict on one butir of an assessment, given in one stage (the newest stage's verdict counts).

    A *revisi* opens a correction task for the unit the butir (or its indicator) is assigned to, until that unit
    marks it corrected or a newer verdict arrives.
    """

    __tablename__ = "butir_verdicts"
    __table_args__ = (UniqueConstraint("assessment_id", "item_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id", ondelete="RESTRICT"), index=True)
    stage: Mapped[CycleStage] = mapped_column(str_enum(CycleStage, "verdict_stage"))
    verdict: Mapped[Verdict] = mapped_column(str_enum(Verdict, "verdict"))
    note: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[VerdictSource] = mapped_column(str_enum(VerdictSource, "verdict_source"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: The unit's "sudah dikoreksi" on a revisi (what was changed, in ``correction_note``).
    corrected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    correction_note: Mapped[str] = mapped_column(Text, default="")

    item: Mapped[EvidenceItem] = relationship()
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])

    def __repr__(self) -> str:
        return f"<ButirVerdict {self.assessment_id} item={self.item_id} {self.stage} {self.verdict}>"
