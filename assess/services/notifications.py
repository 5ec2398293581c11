"""In-app notifications (and their e-mail copies): who is told what, unread counts, marking read.

:func:`notify` is the one way in: it skips the actor, inactive users and users outside the assessment's
instansi, writes one row per person, and queues an e-mail per row that leaves only after the commit
(see :mod:`assess.mail`). Callers pass the message as a :class:`~assess.texts.Text` (a key and its parameters): the
page shows it in the reader's language, the e-mail in the recipient's, and the row keeps a copy in the
deployment's language for a key a later version no longer knows. Mentions coalesce
(:func:`unread_about`, :func:`refresh`): a person's unread mention notification about an answer or a document
is brought up to date instead of a new one, and sends no new e-mail.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app, has_request_context, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, ScalarSelect, Select, SQLColumnExpression, func, or_, select, update
from sqlalchemy.orm import joinedload

from assess import mail, texts
from assess.extensions import db
from assess.models import (
    Answer,
    AnswerItem,
    AnswerState,
    Assessment,
    AssessmentState,
    ButirVerdict,
    Comment,
    Evidence,
    EvidenceItem,
    Indicator,
    Instansi,
    Membership,
    Notification,
    NotificationKind,
    RoleName,
    UnitMember,
    User,
)
from assess.models.base import utcnow
from assess.queries import corrections

log = logging.getLogger(__name__)


def path_for(endpoint: str, **values: Any) -> str:
    """A site-relative URL for ``endpoint``, inside or outside a request (CLI, jobs, tests)."""
    if has_request_context():
        return url_for(endpoint, **values)
    anchor = values.pop("_anchor", None)
    adapter = current_app.url_map.bind("localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    path = adapter.build(endpoint, values)
    return f"{path}#{anchor}" if anchor else path


def answer_path(answer: Answer, *, anchor: str | None = None) -> str:
    return path_for(
        "assessments.answer", assessment_id=answer.assessment_id, code=answer.indicator.code, _anchor=anchor
    )


def kind_label(kind: NotificationKind) -> str:
    labels = {
        NotificationKind.ASSIGNMENT: _("Penugasan"),
        NotificationKind.SEND_BACK: _("Dikembalikan untuk diperbaiki"),
        NotificationKind.APPROVAL: _("Disetujui"),
        NotificationKind.MENTION: _("Anda disebut"),
        NotificationKind.REPLY: _("Balasan"),
        NotificationKind.REMINDER: _("Pengingat batas waktu"),
    }
    return labels[kind]


# --------------------------------------------------------------------------- writing


def notify(
    *,
    users: Iterable[User],
    kind: NotificationKind,
    assessment: Assessment,
    message: texts.Text,
    url: str,
    actor: User | None = None,
    answer: Answer | None = None,
    comment: Comment | None = None,
) -> list[Notification]:
    """One notification per distinct, active member of the assessment's instansi, except the actor."""
    by_id: dict[int, User] = {}
    for user in users:
        if user is None or not user.active or (actor is not None and user.id == actor.id):
            continue
        by_id.setdefault(user.id, user)
    if not by_id:
        return []
    members = set(
        db.session.scalars(
            select(Membership.user_id)
            .where(Membership.instansi_id == assessment.instansi_id, Membership.user_id.in_(by_id))
            .distinct()
        )
    )
    stored = message.sentence()
    made: list[Notification] = []
    for user_id in sorted(members):
        note = Notification(
            user_id=user_id,
            kind=kind,
            assessment_id=assessment.id,
            answer_id=answer.id if answer is not None else None,
            comment_id=comment.id if comment is not None else None,
            actor_id=actor.id if actor is not None else None,
            message=stored,
            message_text=message.stored(),
            url=url[:500],
        )
        db.session.add(note)
        made.append(note)
    db.session.flush()
    _queue_mail(made, by_id, assessment)
    log.info("%s notifikasi %s dibuat untuk penilaian %s", len(made), kind.value, assessment.id)
    return made


def unread_about(comment: Comment, user_ids: Iterable[int], kind: NotificationKind) -> dict[int, Notification]:
    """Per user, their unread notification of ``kind`` about a comment on the same answer or document as
    ``comment`` (the newest, should there be several)."""
    wanted = list(user_ids)
    if not wanted:
        return {}
    if comment.answer_id is not None:
        target = Comment.answer_id == comment.answer_id
    else:
        target = Comment.evidence_id == comment.evidence_id
    rows = db.session.scalars(
        select(Notification)
        .join(Comment, Comment.id == Notification.comment_id)
        .where(Notification.user_id.in_(wanted), Notification.kind == kind, Notification.read_at.is_(None), target)
        .order_by(Notification.id)
    )
    return {note.user_id: note for note in rows}


def refresh(note: Notification, *, message: texts.Text, url: str, actor: User | None) -> None:
    """Bring an unread notification up to date (it comes first in the list again); no e-mail: one was sent when
    it was made, and it has not been read since."""
    note.message = message.sentence()
    note.message_text = message.stored()
    note.url = url[:500]
    note.actor_id = actor.id if actor is not None else None
    note.created_at = utcnow()
    db.session.flush()


def _absolute(url: str) -> str:
    base = current_app.config.get("MAIL_BASE_URL") or ""
    if not base and has_request_context():
        base = request.host_url
    return base.rstrip("/") + url if base and url.startswith("/") else url


def shown(note: Notification) -> str:
    """A notification's message in the current language."""
    return texts.render(note.message_text, fallback=note.message)


def _language(user: User) -> str:
    if user.locale and user.locale in current_app.config["LANGUAGES"]:
        return user.locale
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def _queue_mail(notes: Sequence[Notification], users: dict[int, User], assessment: Assessment) -> None:
    """One e-mail per notification, in its recipient's language."""
    settings = mail.MailSettings.from_config(current_app.config)
    if not settings.enabled:
        return
    for note in notes:
        user = users[note.user_id]
        with force_locale(_language(user)):
            subject = _(
                "[Mandiri] %(kind)s: %(instansi)s %(year)s",
                kind=kind_label(note.kind),
                instansi=assessment.instansi.name,
                year=assessment.year,
            )
            body = "\n".join(
                [
                    _("Yth. %(name)s,", name=user.name),
                    "",
                    shown(note),
                    "",
                    _("Buka: %(url)s", url=_absolute(note.url)),
                    "",
                    "-- ",
                    _("Pesan ini dikirim otomatis oleh Mandiri. Semua notifikasi Anda ada di halaman Notifikasi."),
                ]
            )
            mail.queue(settings, mail.Mail(to=user.email, subject=subject, body=body))


# --------------------------------------------------------------------------- who is told


def recipients_for_answer(answer: Answer) -> list[User]:
    """Whoever answers it: the assigned person, else the active ``pengisi`` of the assigned unit; for Pemdi
    also the assignees of its items (the person, else the item unit's ``pengisi``)."""
    people: set[int] = set()
    units: set[int] = set()
    targets: list[tuple[int | None, int | None]] = [(answer.assignee_user_id, answer.assignee_unit_id)]
    items: Sequence[AnswerItem] = answer.items
    targets.extend((item.assignee_user_id, item.assignee_unit_id) for item in items)
    for user_id, unit_id in targets:
        if user_id is not None:
            people.add(user_id)
        elif unit_id is not None:
            units.add(unit_id)
    if not people and not units:
        return []
    instansi_id = answer.assessment.instansi_id
    pengisi = select(Membership.user_id).where(
        Membership.instansi_id == instansi_id, Membership.role == RoleName.PENGISI
    )
    in_units = select(UnitMember.user_id).where(UnitMember.unit_id.in_(units), UnitMember.user_id.in_(pengisi))
    query = select(User).where(User.active, (User.id.in_(people)) | (User.id.in_(in_units))).order_by(User.id)
    return list(db.session.scalars(query))


def notify_assignment(answers: Sequence[Answer], actor: User | None) -> list[Notification]:
    """Tell the new assignees of ``answers`` (after ``services.answers.assign``); one notification per
    person, naming every indicator they received."""
    if not answers:
        return []
    per_user: dict[int, tuple[User, list[Answer]]] = {}
    for answer in answers:
        for user in recipients_for_answer(answer):
            per_user.setdefault(user.id, (user, []))[1].append(answer)
    made: list[Notification] = []
    assessment = answers[0].assessment
    where = assessment.display_name
    for user, received in per_user.values():
        codes = ", ".join(a.indicator.code for a in received)
        if len(received) == 1:
            message = texts.text("notice.assigned_one", code=codes, where=where)
            url = answer_path(received[0])
        else:
            message = texts.text("notice.assigned_many", n=texts.number(len(received), 0), where=where, codes=codes)
            url = path_for("inbox.my_work")
        made += notify(
            users=[user],
            kind=NotificationKind.ASSIGNMENT,
            assessment=assessment,
            message=message,
            url=url,
            actor=actor,
            answer=received[0] if len(received) == 1 else None,
        )
    return made


# --------------------------------------------------------------------------- reading


def unread_count(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read: the given ones, or all of them; returns how many changed."""
    query = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if ids is not None:
        wanted = list(ids)
        if not wanted:
            return 0
        query = query.where(Notification.id.in_(wanted))
    result = db.session.execute(query.values(read_at=utcnow()).execution_options(synchronize_session=False))
    db.session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


# --------------------------------------------------------------------------- my work


@dataclass(frozen=True)
class WorkCounts:
    """The sizes of a user's "Tugas saya" sections, and their unread notifications."""

    assigned: int = 0
    review: int = 0
    sent_back: int = 0
    mentions: int = 0
    unread: int = 0
    #: Butir the asesor asked to revise, not yet marked corrected (last: counts kept in a session keep their order).
    corrections: int = 0

    @property
    def work(self) -> int:
        return self.assigned + self.review + self.sent_back + self.mentions + self.corrections


#: States of an answer that its assignees still have to fill in (``perlu_perbaikan`` has its own section).
TO_FILL = (AnswerState.BELUM_DIISI, AnswerState.DRAF)


#: A user's id, or a column holding it (``User.id``: the same definitions for everyone at once, in one query).
UserId = int | SQLColumnExpression[int]


def _mine(user_id: UserId, *, by_name: bool = False) -> ColumnElement[bool]:
    """The answer, or one of its Pemdi items, is assigned to the user or to one of their units (``by_name``: to the
    user by name only)."""
    units = select(UnitMember.unit_id).where(UnitMember.user_id == user_id)
    item_to = AnswerItem.assignee_user_id == user_id
    item_to_unit = or_(item_to, AnswerItem.assignee_unit_id.in_(units))
    item_assigned = (
        select(AnswerItem.id).where(AnswerItem.answer_id == Answer.id, item_to if by_name else item_to_unit).exists()
    )
    if by_name:
        return or_(Answer.assignee_user_id == user_id, item_assigned)
    return or_(Answer.assignee_user_id == user_id, Answer.assignee_unit_id.in_(units), item_assigned)


def _instansi_where(user_id: UserId, *roles: RoleName) -> Select[int]:
    return select(Membership.instansi_id).where(
        Membership.user_id == user_id, Membership.role.in_(roles), Membership.instansi_id.in_(_active_instansi())
    )


def _active_instansi() -> Select[int]:
    """Roles in a deactivated instansi count as none."""
    return select(Instansi.id).where(Instansi.active.is_(True))


def _answers(user_id: UserId, section: str) -> Select[Answer]:
    query = select(Answer).join(Assessment, Assessment.id == Answer.assessment_id)
    query = query.where(Assessment.state != AssessmentState.FINAL)
    if section == "review":
        return query.where(
            Assessment.instansi_id.in_(_instansi_where(user_id, RoleName.REVIEWER)),
            Answer.state == AnswerState.SIAP_DIREVIU,
        )
    editors = _instansi_where(user_id, RoleName.PENGISI, RoleName.KOORDINATOR)
    states = TO_FILL if section == "assigned" else (AnswerState.PERLU_PERBAIKAN,)
    return query.where(Assessment.instansi_id.in_(editors), Answer.state.in_(states), _mine(user_id))


def _mention_threads(user_id: int) -> Select[Comment]:
    """Open threads in which a comment mentioned the user (the MENTION notifications remember it)."""
    mentioned = (
        select(func.coalesce(Comment.parent_id, Comment.id))
        .join(Notification, Notification.comment_id == Comment.id)
        .where(Notification.user_id == user_id, Notification.kind == NotificationKind.MENTION)
    )
    member_of = select(Membership.instansi_id).where(
        Membership.user_id == user_id, Membership.instansi_id.in_(_active_instansi())
    )
    return (
        select(Comment)
        .join(Assessment, Assessment.id == Comment.assessment_id)
        .where(
            Comment.id.in_(mentioned),
            Comment.parent_id.is_(None),
            Comment.resolved_at.is_(None),
            Assessment.state != AssessmentState.FINAL,
            Assessment.instansi_id.in_(member_of),
        )
    )


def _corrections(user_id: UserId) -> Select[ButirVerdict]:
    """The open corrections the user holds, in person or through a unit, where they fill in (pengisi, koordinator).
    Also in a final assessment: the asesor's verdicts come after the self-assessment was finalised."""
    return (
        corrections.revisi()
        .join(Assessment, Assessment.id == ButirVerdict.assessment_id)
        .where(
            corrections.OPEN,
            Assessment.instansi_id.in_(_instansi_where(user_id, RoleName.PENGISI, RoleName.KOORDINATOR)),
            corrections.held_by(user_id),
        )
    )


#: States in which an answer is still its assignees' work (not waiting for a reviewer, not approved).
STILL_TO_DO = (*TO_FILL, AnswerState.PERLU_PERBAIKAN)


def next_assigned(user: User, answer: Answer) -> str | None:
    """The code of the next indicator of the answer's assessment, in the instrument's order and wrapping round, that
    is assigned to the user or one of their units and still theirs to do; ``None`` when there is none (one query)."""
    rows = db.session.execute(
        select(Indicator.code, Indicator.position)
        .join(Answer, Answer.indicator_id == Indicator.id)
        .where(
            Answer.assessment_id == answer.assessment_id,
            Answer.id != answer.id,
            Answer.state.in_(STILL_TO_DO),
            _mine(user.id),
        )
        .order_by(Indicator.position)
    ).all()
    after = [code for code, position in rows if position > answer.indicator.position]
    return next(iter(after or [code for code, _position in rows]), None)


def _count(query: Select[Any]) -> ScalarSelect[int]:
    return select(func.count()).select_from(query.subquery()).scalar_subquery()


def work_counts(user: User) -> WorkCounts:
    """Every section's size and the unread notifications in one query (it runs for the navigation bar)."""
    unread = (
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .scalar_subquery()
    )
    row = db.session.execute(
        select(
            _count(_answers(user.id, "assigned")),
            _count(_answers(user.id, "review")),
            _count(_answers(user.id, "sent_back")),
            _count(_mention_threads(user.id)),
            unread,
            _count(_corrections(user.id)),
        )
    ).one()
    assigned, review, sent_back, mentions, unread_n, corrections_n = (int(n or 0) for n in row)
    return WorkCounts(assigned, review, sent_back, mentions, unread_n, corrections_n)


#: The order of every "Tugas saya" list, and of a reviewer's queue: the nearest deadline first, then the instrument.
WORK_ORDER = (Assessment.deadline.asc().nulls_last(), Assessment.id, Answer.indicator_id)


@dataclass(frozen=True)
class QueueEntry:
    """One answer waiting for a reviewer's decision."""

    assessment_id: int
    code: str


def review_queue(user: User) -> list[QueueEntry]:
    """The answers waiting for this reviewer (``siap direviu`` where they review), in Tugas saya's order; one query."""
    rows = db.session.execute(
        _answers(user.id, "review")
        .with_only_columns(Answer.assessment_id, Indicator.code)
        .join(Indicator, Indicator.id == Answer.indicator_id)
        .order_by(*WORK_ORDER)
    ).all()
    return [QueueEntry(assessment_id, code) for assessment_id, code in rows]


@dataclass(frozen=True)
class MentionRow:
    thread: Comment
    assessment: Assessment
    target: str
    url: str


@dataclass(frozen=True)
class CorrectionRow:
    """A butir the asesor asked to revise, as "Tugas saya" lists it."""

    verdict: ButirVerdict
    item: EvidenceItem
    code: str
    assessment: Assessment
    #: The last day of the correction window ("koreksi sampai"), when set.
    deadline: date | None
    url: str


@dataclass(frozen=True)
class MyWork:
    counts: WorkCounts
    #: To fill in: assigned to the user by name (the answer, or one of its Pemdi items)…
    assigned: list[Answer]
    #: …and assigned to one of their units only.
    unit: list[Answer]
    review: list[Answer]
    sent_back: list[Answer]
    mentions: list[MentionRow]
    #: Corrections the asesor asked for: held by the user by name…
    corrections: list[CorrectionRow]
    #: …and by one of their units only.
    unit_corrections: list[CorrectionRow]


def my_work(user: User, *, limit: int = 100) -> MyWork:
    """The "Tugas saya" queue: a fixed number of queries whatever its length (each list cut at ``limit``)."""
    counts = work_counts(user)

    def query(section: str) -> Select[Answer]:
        return (
            _answers(user.id, section)
            .options(
                joinedload(Answer.indicator),
                joinedload(Answer.assignee_unit),
                joinedload(Answer.assessment).joinedload(Assessment.instansi),
            )
            .order_by(*WORK_ORDER)
            .limit(limit)
        )

    def answers(section: str) -> list[Answer]:
        return list(db.session.scalars(query(section)).unique())

    to_fill = db.session.execute(query("assigned").add_columns(_mine(user.id, by_name=True))).unique().all()

    rows = db.session.execute(
        _mention_threads(user.id)
        .add_columns(Assessment, Indicator.code, Evidence.title)
        .outerjoin(Answer, Answer.id == Comment.answer_id)
        .outerjoin(Indicator, Indicator.id == Answer.indicator_id)
        .outerjoin(Evidence, Evidence.id == Comment.evidence_id)
        .options(joinedload(Assessment.instansi))
        .order_by(Comment.id.desc())
        .limit(limit)
    ).all()
    mentions = []
    for thread, assessment, code, title in rows:
        anchor = f"komentar-{thread.id}"
        if code is not None:
            target = _("Indikator %(code)s", code=code)
            url = path_for(
                "assessments.answer", assessment_id=assessment.id, code=code, diskusi=thread.id, _anchor=anchor
            )
        else:
            target = _("Dokumen “%(title)s”", title=title)
            url = path_for(
                "evidence.detail",
                assessment_id=assessment.id,
                evidence_id=thread.evidence_id,
                diskusi=thread.id,
                _anchor=anchor,
            )
        mentions.append(MentionRow(thread, assessment, target, url))
    # The count above says whether there is any: the rows' query (many joins, costly to plan) only when there are.
    to_correct = _correction_rows(user, limit) if counts.corrections else []
    return MyWork(
        counts,
        [answer for answer, personal in to_fill if personal],
        [answer for answer, personal in to_fill if not personal],
        answers("review"),
        answers("sent_back"),
        mentions,
        [row for row, personal in to_correct if personal],
        [row for row, personal in to_correct if not personal],
    )


def _correction_rows(user: User, limit: int) -> list[tuple[CorrectionRow, bool]]:
    """The user's open corrections, the nearest correction deadline first, each with whether it is theirs by name
    (one query)."""
    rows = db.session.execute(
        _corrections(user.id)
        .add_columns(
            EvidenceItem,
            Indicator.code,
            Assessment,
            corrections.DEADLINE.label("deadline"),
            corrections.held_by(user.id, by_name=True),
        )
        .options(joinedload(Assessment.instansi), joinedload(Assessment.instrument))
        .order_by(
            corrections.DEADLINE.asc().nulls_last(),
            Assessment.id,
            Indicator.position,
            EvidenceItem.level,
            EvidenceItem.nn,
        )
        .limit(limit)
    ).all()
    found = []
    for verdict, item, code, assessment, deadline, personal in rows:
        url = path_for("assessments.answer", assessment_id=assessment.id, code=code, _anchor=f"butir-{item.id}")
        found.append((CorrectionRow(verdict, item, code, assessment, deadline, url), bool(personal)))
    return found


def notifications_page(user: User, *, page: int, per_page: int = 20) -> Any:
    """The user's notifications, newest first (a Flask-SQLAlchemy pagination: two queries)."""
    query = (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
