"""Declarative base with a naming convention, shared mixins and the status enums."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(at: datetime) -> datetime:
    """A stored time with its zone: SQLite hands back naive datetimes, and every stored time is UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


def str_enum(enum_cls: type[enum.Enum], name: str) -> Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint, storing the enum's values."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda cls: [m.value for m in cls],
        validate_strings=True,
    )


class RoleName(enum.StrEnum):
    ADMIN = "admin"
    KOORDINATOR = "koordinator"
    PENGISI = "pengisi"
    REVIEWER = "reviewer"
    PEMBACA = "pembaca"


class AssessmentState(enum.StrEnum):
    PENGISIAN = "pengisian"
    REVIU = "reviu"
    FINAL = "final"


class AnswerState(enum.StrEnum):
    BELUM_DIISI = "belum_diisi"
    DRAF = "draf"
    SIAP_DIREVIU = "siap_direviu"
    PERLU_PERBAIKAN = "perlu_perbaikan"
    DISETUJUI = "disetujui"


class InstansiKind(enum.StrEnum):
    KEMENTERIAN = "kementerian"
    LEMBAGA = "lembaga"
    PROVINSI = "provinsi"
    KABUPATEN = "kabupaten"
    KOTA = "kota"


class PredikatBasis(enum.StrEnum):
    EXACT = "exact"
    ROUNDED = "rounded"
