"""Planning across the year: the coordinator's target, what-if scenarios, the official result and its follow-up."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
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
from sqlalchemy.orm import Mapped, mapped_column

from assess.models.base import Base, TimestampMixin, utcnow


class Scenario(TimestampMixin, Base):
    """A named what-if: indicator values (and Pemdi item marks) that differ from the claimed ones."""

    __tablename__ = "scenarios"
    __table_args__ = (UniqueConstraint("assessment_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    #: ``{"I12": "3", ...}`` — exact values as decimal or fraction strings.
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def __repr__(self) -> str:
        return f"<Scenario {self.id} {self.name!r}>"


class Target(TimestampMixin, Base):
    """The coordinator's target for the year: an index value or a predikat."""

    __tablename__ = "targets"
    __table_args__ = (
        UniqueConstraint("assessment_id"),
        CheckConstraint("target_index IS NOT NULL OR target_predikat IS NOT NULL", name="has_target"),
        CheckConstraint("target_index IS NULL OR (target_index > 0 AND target_index <= 5)", name="index_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    target_index: Mapped[Decimal | None] = mapped_column(Numeric(4, 2))
    target_predikat: Mapped[str | None] = mapped_column(String(32))
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def __repr__(self) -> str:
        return f"<Target {self.assessment_id} {self.target_index or self.target_predikat}>"


class OfficialValue(Base):
    """The value KemenPANRB published for one indicator (imported from CSV or XLSX)."""

    __tablename__ = "official_values"
    __table_args__ = (
        UniqueConstraint("assessment_id", "indicator_code"),
        CheckConstraint("value >= 0 AND value <= 5", name="value_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    indicator_code: Mapped[str] = mapped_column(String(16))
    value: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    note: Mapped[str] = mapped_column(Text, default="")
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def __repr__(self) -> str:
        return f"<OfficialValue {self.assessment_id} {self.indicator_code}={self.value}>"


class FollowUp(TimestampMixin, Base):
    """An official recommendation recorded as a follow-up action with an owner unit and a due date."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    indicator_code: Mapped[str | None] = mapped_column(String(16))
    recommendation: Mapped[str] = mapped_column(Text)
    owner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"), index=True)
    due_date: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    position: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<FollowUp {self.id} {self.indicator_code}>"
