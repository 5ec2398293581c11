"""Running a deployment: invitations to set one's own password, groups of instansi a pembina oversees, and the
reminders already sent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, DateTime, ForeignKey, Integer, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assess.models.base import Base, utcnow
from assess.models.user import Instansi, User


class Invitation(Base):
    """A one-time link for a new user to set their own password. Only the token's SHA-256 is kept; the link is
    good once, until ``expires_at``."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The instansi the user was invited into (its admin, or the operator who created it, sent the invitation).
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    instansi: Mapped[Instansi] = relationship()

    def __repr__(self) -> str:
        return f"<Invitation {self.id} user={self.user_id}>"


group_instansi = Table(
    "group_instansi",
    Base.metadata,
    Column("group_id", ForeignKey("instansi_groups.id", ondelete="CASCADE"), primary_key=True),
    Column("instansi_id", ForeignKey("instansi.id", ondelete="CASCADE"), primary_key=True),
)

group_pembina = Table(
    "group_pembina",
    Base.metadata,
    Column("group_id", ForeignKey("instansi_groups.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class InstansiGroup(Base):
    """Instansi overseen together (a province and its kabupaten/kota, a ministry's units): its pembina read every
    member's assessments, and change nothing."""

    __tablename__ = "instansi_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    members: Mapped[list[Instansi]] = relationship(secondary=group_instansi, order_by="Instansi.name")
    pembina: Mapped[list[User]] = relationship(secondary=group_pembina, order_by="User.name")

    def __repr__(self) -> str:
        return f"<InstansiGroup {self.slug}>"


class ReminderSent(Base):
    """A reminder already given to a person about an assessment on a day, so that none is given twice."""

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("user_id", "assessment_id", "kind", "on_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    #: ``before_7``, ``before_2`` (days before the deadline), ``late`` (after it), ``late_units`` (the
    #: koordinator's digest), ``manual`` (sent from the overview).
    kind: Mapped[str] = mapped_column(String(32))
    on_day: Mapped[date] = mapped_column(Date)
    items: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def __repr__(self) -> str:
        return f"<ReminderSent {self.kind} user={self.user_id} on {self.on_day}>"
