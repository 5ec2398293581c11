"""Review: comment threads, canned comments, notifications, and the append-only audit trail."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assess.models.base import Base, TimestampMixin, str_enum, utcnow
from assess.models.user import User


class Comment(TimestampMixin, Base):
    """A comment on an answer (optionally on one of its Pemdi evidence items) or on a document.

    A thread is a top-level comment and its replies (``parent_id``); threads are resolved and reopened.
    """

    __tablename__ = "comments"
    __table_args__ = (CheckConstraint("answer_id IS NOT NULL OR evidence_id IS NOT NULL", name="has_target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_items.id", ondelete="RESTRICT"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    replies: Mapped[list[Comment]] = relationship(order_by="Comment.id", cascade="all, delete-orphan")

    @property
    def is_open(self) -> bool:
        return self.parent_id is None and self.resolved_at is None

    def __repr__(self) -> str:
        return f"<Comment {self.id} answer={self.answer_id} evidence={self.evidence_id}>"


class CannedComment(TimestampMixin, Base):
    """A ready-made comment for a common deficiency, tied to the level criteria it refers to."""

    __tablename__ = "canned_comments"
    __table_args__ = (CheckConstraint("level IS NULL OR level BETWEEN 1 AND 5", name="level_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    #: The criteria it refers to: an instrument code, optionally an indicator code and a level.
    instrument_code: Mapped[str | None] = mapped_column(String(64))
    indicator_code: Mapped[str | None] = mapped_column(String(16))
    level: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __repr__(self) -> str:
        return f"<CannedComment {self.id} {self.title!r}>"


class NotificationKind(enum.StrEnum):
    ASSIGNMENT = "assignment"
    SEND_BACK = "send_back"
    APPROVAL = "approval"
    MENTION = "mention"
    REPLY = "reply"
    REMINDER = "reminder"


class Notification(Base):
    """An in-app notification for one user (also e-mailed when SMTP is configured)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(str_enum(NotificationKind, "notification_kind"))
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The message in the deployment's language, shown when ``message_text`` is missing or unknown.
    message: Mapped[str] = mapped_column(Text)
    #: The message as a key and its parameters (:mod:`assess.texts`), rendered in the reader's language.
    message_text: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    url: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<Notification {self.id} user={self.user_id} {self.kind}>"


#: A trigram index on the audit summary, for the text filter: PostgreSQL only (the pg_trgm extension), so it is made
#: by its migration and left out of the comparison of the models with the database (:func:`compared`).
SUMMARY_SEARCH_INDEX = "ix_audit_entries_summary_trgm"


def compared(_object: Any, name: str | None, type_: str, _reflected: bool, _compare_to: Any) -> bool:
    """Alembic's ``include_object``: everything but the indexes only one engine has."""
    return not (type_ == "index" and name == SUMMARY_SEARCH_INDEX)


class AuditEntry(Base):
    """One change, written in the same transaction as the change itself; never edited or deleted by the app."""

    __tablename__ = "audit_entries"
    #: The trail is read newest first, one assessment at a time, filtered by at most one of these columns: each
    #: reading walks one index in its order and stops after a page, whatever the size of the trail. The text
    #: filter's index (PostgreSQL, pg_trgm) is :data:`SUMMARY_SEARCH_INDEX`.
    __table_args__ = (
        Index("ix_audit_entries_assessment_at", "assessment_id", "at", "id"),
        *(
            Index(f"ix_audit_entries_assessment_{column}", "assessment_id", column, "at", "id")
            for column in ("actor_id", "object_type", "action", "indicator_code", "evidence_id")
        ),
        Index("ix_audit_entries_object", "object_type", "object_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id", ondelete="CASCADE"), index=True)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: What kind of object changed: answer, evidence, comment, assignment, review, assessment.
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int | None] = mapped_column(Integer)
    #: For the history tabs: the indicator and the document the change concerns, when there is one.
    indicator_code: Mapped[str | None] = mapped_column(String(16))
    evidence_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(48))
    #: ``[{"field": ..., "old": ..., "new": ...}, ...]``
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: A summary in the deployment's language, or user data (a comment, a title) shown as it is.
    summary: Mapped[str] = mapped_column(Text, default="")
    #: The summary as a key and its parameters (:mod:`assess.texts`), rendered in the reader's language.
    summary_text: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.object_type}:{self.object_id} {self.action}>"
