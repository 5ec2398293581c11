"""The instrument catalogue: versions, domains, aspects, indicators, levels and evidence items.

Populated only by ``mandiri instruments sync`` from ``seeds/instruments/``. The original file text
is kept on the version row, so the engine always scores with exactly the version an assessment uses.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assess.models.base import Base, utcnow

#: How each instrument family is written (an acronym in capitals, a word capitalised).
_FAMILY_NAMES = {"spbe": "SPBE", "pemdi": "Pemdi"}


class Instrument(Base):
    __tablename__ = "instruments"
    __table_args__ = (
        UniqueConstraint("code", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("value_type IN ('level', 'graded')", name="value_type_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(255))
    regulation: Mapped[str] = mapped_column(String(255))
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    provisional_note: Mapped[str | None] = mapped_column(Text)
    value_type: Mapped[str] = mapped_column(String(16))
    #: SHA-256 of the parsed content: a changed file for a used version is refused by comparing it.
    digest: Mapped[str] = mapped_column(String(64))
    #: The validated YAML as synced; the engine is built from it.
    source_text: Mapped[str] = mapped_column(Text)
    synced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    domains: Mapped[list[Domain]] = relationship(
        back_populates="instrument", cascade="all, delete-orphan", order_by="Domain.position"
    )
    aspects: Mapped[list[Aspect]] = relationship(
        back_populates="instrument", cascade="all, delete-orphan", order_by="Aspect.position"
    )
    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="instrument", cascade="all, delete-orphan", order_by="Indicator.position"
    )

    @property
    def key(self) -> str:
        return f"{self.code}@{self.version}"

    @property
    def short_name(self) -> str:
        """The instrument as people name it, from its code: ``spbe-2020`` is "SPBE 2020", ``pemdi-2026`` "Pemdi
        2026" (a name of its own in any language)."""
        family, _sep, year = self.code.partition("-")
        name = _FAMILY_NAMES.get(family.lower(), family.upper())
        return f"{name} {year}".strip()

    def __repr__(self) -> str:
        return f"<Instrument {self.key}>"


class Domain(Base):
    __tablename__ = "domains"
    __table_args__ = (UniqueConstraint("instrument_id", "code"), CheckConstraint("weight > 0", name="weight_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(255))
    weight: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    position: Mapped[int] = mapped_column(Integer)

    instrument: Mapped[Instrument] = relationship(back_populates="domains")

    def __repr__(self) -> str:
        return f"<Domain {self.code} {self.name!r}>"


class Aspect(Base):
    __tablename__ = "aspects"
    __table_args__ = (UniqueConstraint("instrument_id", "code"), CheckConstraint("weight > 0", name="weight_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id", ondelete="CASCADE"), index=True)
    #: Null for instruments without a domain level (Pemdi 2026).
    domain_id: Mapped[int | None] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(255))
    weight: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    position: Mapped[int] = mapped_column(Integer)

    instrument: Mapped[Instrument] = relationship(back_populates="aspects")
    domain: Mapped[Domain | None] = relationship()

    def __repr__(self) -> str:
        return f"<Aspect {self.code} {self.name!r}>"


class Indicator(Base):
    __tablename__ = "indicators"
    __table_args__ = (
        UniqueConstraint("instrument_id", "code"),
        CheckConstraint("weight > 0 AND weight <= 100", name="weight_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id", ondelete="CASCADE"), index=True)
    aspect_id: Mapped[int] = mapped_column(ForeignKey("aspects.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    #: The evaluator's own code (Pemdi "1.1" … "7.2").
    asesor_code: Mapped[str | None] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(255))
    short_name: Mapped[str] = mapped_column(String(255))
    weight: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    scale: Mapped[str] = mapped_column(String(32))
    question: Mapped[str] = mapped_column(Text)
    #: What the indicator measures, in a paragraph (Pemdi's "Deskripsi Indikator", in the project's own words).
    description: Mapped[str] = mapped_column(Text, default="")
    hint_fakta: Mapped[str] = mapped_column(Text)
    hint_analisis: Mapped[str] = mapped_column(Text)
    is_external: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer)

    instrument: Mapped[Instrument] = relationship(back_populates="indicators")
    aspect: Mapped[Aspect] = relationship()
    levels: Mapped[list[IndicatorLevel]] = relationship(
        back_populates="indicator", cascade="all, delete-orphan", order_by="IndicatorLevel.level"
    )
    items: Mapped[list[EvidenceItem]] = relationship(
        back_populates="indicator", cascade="all, delete-orphan", order_by="(EvidenceItem.level, EvidenceItem.nn)"
    )

    def __repr__(self) -> str:
        return f"<Indicator {self.code} {self.short_name!r}>"


class IndicatorLevel(Base):
    __tablename__ = "indicator_levels"
    __table_args__ = (
        UniqueConstraint("indicator_id", "level"),
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64))
    criteria: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text)
    #: The level asks for a review or audit document younger than this many years.
    max_evidence_age_years: Mapped[int | None] = mapped_column(Integer)

    indicator: Mapped[Indicator] = relationship(back_populates="levels")

    def __repr__(self) -> str:
        return f"<IndicatorLevel {self.indicator_id} L{self.level} {self.name!r}>"


class EvidenceItem(Base):
    """A butir: one piece of evidence a graded instrument expects at one level (``I1-L2-03``)."""

    __tablename__ = "evidence_items"
    __table_args__ = (
        UniqueConstraint("indicator_id", "code"),
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
        CheckConstraint("kind IN ('doc', 'ss', 'idx', 'note')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    nn: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)

    indicator: Mapped[Indicator] = relationship(back_populates="items")

    def __repr__(self) -> str:
        return f"<EvidenceItem {self.code}>"
