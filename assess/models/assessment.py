"""An assessment (instansi + year + instrument version) and its per-indicator answers."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from assess.models.base import AnswerState, AssessmentState, Base, PredikatBasis, TimestampMixin, str_enum
from assess.models.catalog import Indicator, Instrument
from assess.models.cycle import CycleStage

if TYPE_CHECKING:
    from assess.models.evidence import AnswerEvidence, AnswerItem
from assess.models.user import Instansi, Unit, User


class Assessment(TimestampMixin, Base):
    __tablename__ = "assessments"
    __table_args__ = (
        UniqueConstraint("instansi_id", "instrument_id", "year"),
        CheckConstraint("year BETWEEN 2018 AND 2100", name="year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id", ondelete="RESTRICT"), index=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id", ondelete="RESTRICT"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    state: Mapped[AssessmentState] = mapped_column(
        str_enum(AssessmentState, "assessment_state"), default=AssessmentState.PENGISIAN
    )
    #: Whether the predikat follows the exact or the rounded index (per assessment year).
    predikat_basis: Mapped[PredikatBasis] = mapped_column(str_enum(PredikatBasis, "predikat_basis"))
    deadline: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The assessment this one was opened from (last year's, or an spbe-2020 one for a pemdi-2026 crosswalk).
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id", ondelete="SET NULL"))
    #: The Koordinator SPBE who signs the Berita Acara and the Pernyataan Persetujuan Publikasi.
    signatory_name: Mapped[str] = mapped_column(String(200), default="")
    signatory_position: Mapped[str] = mapped_column(String(200), default="")
    signatory_nip: Mapped[str] = mapped_column(String(32), default="")
    #: Where the documents are signed ("Kota Contoh").
    signing_place: Mapped[str] = mapped_column(String(120), default="")
    #: Signed scans from the evidence library, printed in place of the generated pages when set.
    signed_minutes_id: Mapped[int | None] = mapped_column(
        ForeignKey("evidence.id", ondelete="SET NULL", use_alter=True)
    )
    signed_consent_id: Mapped[int | None] = mapped_column(
        ForeignKey("evidence.id", ondelete="SET NULL", use_alter=True)
    )
    #: The stage of the external evaluation the koordinator says the cycle is in (dates in ``assessment_stages``).
    stage: Mapped[CycleStage] = mapped_column(str_enum(CycleStage, "assessment_stage"), default=CycleStage.MANDIRI)

    instansi: Mapped[Instansi] = relationship()
    instrument: Mapped[Instrument] = relationship()
    answers: Mapped[list[Answer]] = relationship(back_populates="assessment", cascade="all, delete-orphan")

    @property
    def display_name(self) -> str:
        """The one name of an assessment in titles, headings and notifications: its instansi, year and instrument
        ("Pemerintah Kota Contoh 2026 · SPBE 2020"), so two assessments of one year never read the same."""
        return f"{self.instansi.name} {self.year} · {self.instrument.short_name}"

    def __repr__(self) -> str:
        return f"<Assessment {self.id} instansi={self.instansi_id} {self.year}>"


class Answer(TimestampMixin, Base):
    """The instansi's answer to one indicator of an assessment."""

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("assessment_id", "indicator_id"),
        CheckConstraint(
            "claimed_value IS NULL OR (claimed_value >= 0 AND claimed_value <= 5)", name="claimed_value_range"
        ),
        CheckConstraint("source_value IS NULL OR source_value >= 0", name="source_value_nonnegative"),
        CheckConstraint(
            "reviewer_value IS NULL OR (reviewer_value >= 0 AND reviewer_value <= 5)", name="reviewer_value_range"
        ),
        CheckConstraint("final_value IS NULL OR (final_value >= 0 AND final_value <= 5)", name="final_value_range"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="RESTRICT"), index=True)
    #: The claimed value: a whole level for ``level`` instruments, the derived value for graded ones.
    claimed_value: Mapped[Decimal | None] = mapped_column(Numeric(7, 4))
    #: For an external-index indicator: the other agency's index value it is converted from.
    source_value: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))
    fakta: Mapped[str] = mapped_column(Text, default="")
    analisis: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[AnswerState] = mapped_column(str_enum(AnswerState, "answer_state"), default=AnswerState.BELUM_DIISI)
    assignee_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"), index=True)
    assignee_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: The internal reviewer's value (whole level, or graded value) and justification.
    reviewer_value: Mapped[Decimal | None] = mapped_column(Numeric(7, 4))
    reviewer_note: Mapped[str] = mapped_column(Text, default="")
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The coordinator's final value, the one that goes into the submission (with a reason when it differs).
    final_value: Mapped[Decimal | None] = mapped_column(Numeric(7, 4))
    final_reason: Mapped[str] = mapped_column(Text, default="")
    final_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    final_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Carried over from a previous assessment and not yet checked again ("perlu dicek ulang").
    needs_recheck: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Round-tripped through every form; a save against an older version is a conflict.
    version: Mapped[int] = mapped_column(Integer, default=1)

    #: Live documents linked to the answer, when the query asks for it (``queries.load_assessment``).
    evidence_count: Mapped[int | None] = query_expression()

    assessment: Mapped[Assessment] = relationship(back_populates="answers")
    indicator: Mapped[Indicator] = relationship()
    links: Mapped[list[AnswerEvidence]] = relationship(cascade="all, delete-orphan", order_by="AnswerEvidence.id")
    items: Mapped[list[AnswerItem]] = relationship(cascade="all, delete-orphan", order_by="AnswerItem.id")
    assignee_unit: Mapped[Unit | None] = relationship()
    assignee_user: Mapped[User | None] = relationship(foreign_keys=[assignee_user_id])

    # SQLAlchemy's declarative API expects a plain dict here.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    def __repr__(self) -> str:
        return f"<Answer {self.id} assessment={self.assessment_id} indicator={self.indicator_id}>"
