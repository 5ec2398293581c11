"""Comment threads on answers (and their Pemdi items) and on documents; canned comments.

A thread is a top-level comment and its replies; threads are resolved and reopened as a whole. Every
change writes an audit entry (object type ``comment``). Mentions (``@budi`` — the local part of an e-mail,
or a name without its spaces) and replies notify people of the same instansi.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from flask_babel import format_number
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from assess import permissions as perm
from assess import texts
from assess.audit import record
from assess.display import stored_text
from assess.errors import DomainError, NotFoundError
from assess.extensions import db
from assess.models import (
    Answer,
    AssessmentState,
    CannedComment,
    Comment,
    Evidence,
    EvidenceItem,
    Indicator,
    Instrument,
    Membership,
    Notification,
    NotificationKind,
    User,
)
from assess.models import Assessment as AssessmentModel
from assess.models.base import utcnow
from assess.services import notifications
from assess.services.notifications import path_for

log = logging.getLogger(__name__)

MAX_BODY = 10_000
#: A page of an answer's or a document's threads: the most recently active ones, each with its newest replies
#: (the rest behind "tampilkan sebelumnya" links), so that a thousand comments make no bigger page than forty.
THREADS_PER_PAGE = 20
REPLIES_SHOWN = 5
#: The replies of one thread shown at once when it is opened on its own.
REPLIES_PER_PAGE = 50
MENTION = re.compile(r"(?<![\w@.+-])@([\w][\w.+-]*)")


class CommentForbiddenError(DomainError):
    """The user's role does not allow this (views answer 403)."""


# --------------------------------------------------------------------------- permissions (assess.permissions decides)


def _check_writable(user: User, assessment: AssessmentModel) -> None:
    if not perm.is_member(user, assessment.instansi_id):
        raise NotFoundError(_("Penilaian tidak ditemukan."))
    if not perm.may_comment(user, assessment):
        raise CommentForbiddenError(_("Peran Anda hanya dapat membaca komentar."))
    if assessment.state == AssessmentState.FINAL:
        raise DomainError(_("Penilaian sudah final; komentar tidak dapat ditambahkan atau diubah."), field="body")


def clean_body(body: str) -> str:
    text = (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise DomainError(_("Komentar tidak boleh kosong."), field="body")
    if len(text) > MAX_BODY:
        raise DomainError(
            _(
                "Komentar terlalu panjang: %(n)s karakter, paling banyak %(max)s.",
                n=format_number(len(text)),
                max=format_number(MAX_BODY),
            ),
            field="body",
        )
    return text


# --------------------------------------------------------------------------- writing


def add_comment(
    *,
    assessment: AssessmentModel,
    author: User,
    body: str,
    answer: Answer | None = None,
    evidence: Evidence | None = None,
    item: EvidenceItem | None = None,
    parent: Comment | None = None,
) -> Comment:
    """A new thread on an answer (optionally one of its Pemdi items) or a document, or a reply to a thread."""
    _check_writable(author, assessment)
    text = clean_body(body)
    if parent is not None:
        if parent.assessment_id != assessment.id:
            raise NotFoundError(_("Diskusi tidak ditemukan."))
        if parent.parent_id is not None:  # a reply to a reply joins the same thread
            parent = db.session.get(Comment, parent.parent_id)
            if parent is None:
                raise NotFoundError(_("Diskusi tidak ditemukan."))
        if (answer is not None and parent.answer_id != answer.id) or (
            evidence is not None and parent.evidence_id != evidence.id
        ):
            raise NotFoundError(_("Diskusi tidak ditemukan."))
        answer_id, evidence_id, item_id = parent.answer_id, parent.evidence_id, parent.item_id
    else:
        if (answer is None) == (evidence is None):
            raise DomainError(_("Komentar harus pada sebuah jawaban atau sebuah dokumen."))
        if answer is not None and answer.assessment_id != assessment.id:
            raise NotFoundError(_("Jawaban tidak ditemukan."))
        if evidence is not None:
            if evidence.assessment_id != assessment.id:
                raise NotFoundError(_("Dokumen tidak ditemukan."))
            if evidence.deleted:
                raise DomainError(_("Dokumen ini sudah dihapus; komentar tidak dapat ditambahkan."), field="body")
        if item is not None and (answer is None or item.indicator_id != answer.indicator_id):
            raise DomainError(_("Butir tidak termasuk indikator ini."), field="item_id")
        answer_id = answer.id if answer is not None else None
        evidence_id = evidence.id if evidence is not None else None
        item_id = item.id if item is not None else None
    comment = Comment(
        assessment_id=assessment.id,
        answer_id=answer_id,
        evidence_id=evidence_id,
        item_id=item_id,
        parent_id=parent.id if parent is not None else None,
        author_id=author.id,
        body=text,
    )
    db.session.add(comment)
    db.session.flush()
    _audit(comment, assessment, author, "comment.create", [("body", None, text)])
    mentioned = _notify_mentions(comment, assessment, author, mentions(text, assessment.instansi_id))
    if parent is not None:
        _notify_reply(comment, parent, assessment, author, skip=mentioned)
    log.info("komentar %s ditulis oleh pengguna %s", comment.id, author.id)
    return comment


def edit_comment(*, comment: Comment, author: User, body: str) -> Comment:
    """Change one's own comment; it is then shown as "diubah". Newly mentioned people are told."""
    assessment = _assessment_of(comment)
    _check_writable(author, assessment)
    if comment.author_id != author.id:
        raise CommentForbiddenError(_("Hanya penulis yang dapat mengubah komentarnya."))
    text = clean_body(body)
    old = comment.body
    if text == old:
        return comment
    comment.body = text
    comment.edited_at = utcnow()
    db.session.flush()
    _audit(comment, assessment, author, "comment.edit", [("body", old, text)])
    before = {u.id for u in mentions(old, assessment.instansi_id)}
    added = [u for u in mentions(text, assessment.instansi_id) if u.id not in before]
    _notify_mentions(comment, assessment, author, added)
    return comment


def resolve(*, comment: Comment, actor: User) -> Comment:
    """Mark a thread as resolved (its top-level comment)."""
    assessment = _assessment_of(comment)
    _check_resolver(comment, actor, assessment)
    if comment.resolved_at is not None:
        raise DomainError(_("Diskusi ini sudah ditandai selesai."))
    comment.resolved_at = utcnow()
    comment.resolved_by_id = actor.id
    db.session.flush()
    _audit(comment, assessment, actor, "comment.resolve", [("resolved_at", None, comment.resolved_at)])
    return comment


def reopen(*, comment: Comment, actor: User) -> Comment:
    """Open a resolved thread again."""
    assessment = _assessment_of(comment)
    _check_resolver(comment, actor, assessment)
    if comment.resolved_at is None:
        raise DomainError(_("Diskusi ini masih terbuka."))
    old = comment.resolved_at
    comment.resolved_at = None
    comment.resolved_by_id = None
    db.session.flush()
    _audit(comment, assessment, actor, "comment.reopen", [("resolved_at", old, None)])
    return comment


def _check_resolver(comment: Comment, actor: User, assessment: AssessmentModel) -> None:
    if not perm.is_member(actor, assessment.instansi_id):
        raise NotFoundError(_("Diskusi tidak ditemukan."))
    if comment.parent_id is not None:
        raise DomainError(_("Hanya diskusi (komentar teratas) yang dapat ditandai selesai atau dibuka lagi."))
    if assessment.state == AssessmentState.FINAL:
        raise DomainError(_("Penilaian sudah final; diskusi tidak dapat diubah."))
    if not perm.may_resolve_thread(actor, assessment, comment.author_id):
        raise CommentForbiddenError(_("Hanya penulis diskusi, reviewer, atau koordinator yang dapat melakukannya."))


def _assessment_of(comment: Comment) -> AssessmentModel:
    assessment = db.session.get(AssessmentModel, comment.assessment_id)
    if assessment is None:
        raise NotFoundError(_("Penilaian tidak ditemukan."))
    return assessment


def _indicator_code(answer_id: int) -> str | None:
    return db.session.scalar(
        select(Indicator.code).join(Answer, Answer.indicator_id == Indicator.id).where(Answer.id == answer_id)
    )


def _audit(
    comment: Comment, assessment: AssessmentModel, actor: User, action: str, changes: list[tuple[str, object, object]]
) -> None:
    indicator_code = None
    if comment.answer_id is not None:
        indicator_code = _indicator_code(comment.answer_id)
    record(
        assessment=assessment,
        actor=actor,
        object_type="comment",
        object_id=comment.id,
        action=action,
        changes=changes,
        summary=comment.body[:200],
        indicator_code=indicator_code,
        evidence_id=comment.evidence_id,
    )


# --------------------------------------------------------------------------- mentions and notifications


def mention_tokens(body: str) -> set[str]:
    return {m.group(1).rstrip(".-+").lower() for m in MENTION.finditer(body)} - {""}


def mention_keys(user: User) -> set[str]:
    """What ``@`` may be followed by to mention the user: the e-mail's local part, the name without spaces."""
    return {user.email.partition("@")[0].lower(), re.sub(r"\s+", "", user.name).lower()} - {""}


def mentions(body: str, instansi_id: int) -> list[User]:
    """The active users of the instansi that ``body`` mentions (one query, none without an ``@``)."""
    tokens = mention_tokens(body)
    if not tokens:
        return []
    members = select(Membership.user_id).where(Membership.instansi_id == instansi_id)
    candidates = db.session.scalars(select(User).where(User.active, User.id.in_(members)).order_by(User.id))
    return [user for user in candidates if mention_keys(user) & tokens]


def _target_label(comment: Comment, assessment: AssessmentModel) -> texts.Text:
    where = assessment.display_name
    if comment.answer_id is not None:
        return texts.text("target.indicator", code=_indicator_code(comment.answer_id), where=where)
    title = db.session.scalar(select(Evidence.title).where(Evidence.id == comment.evidence_id))
    return texts.text("target.document", title=title, where=where)


def comment_path(comment: Comment) -> str:
    """The answer's or document's page showing the comment's thread (however many newer threads there are)."""
    anchor = f"komentar-{comment.id}"
    thread = comment.parent_id or comment.id
    if comment.answer_id is not None:
        code = _indicator_code(comment.answer_id)
        return path_for(
            "assessments.answer", assessment_id=comment.assessment_id, code=code, diskusi=thread, _anchor=anchor
        )
    return path_for(
        "evidence.detail",
        assessment_id=comment.assessment_id,
        evidence_id=comment.evidence_id,
        diskusi=thread,
        _anchor=anchor,
    )


def _snippet(text: str, limit: int = 140) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _notify_mentions(comment: Comment, assessment: AssessmentModel, author: User, users: Sequence[User]) -> set[int]:
    """Tell the mentioned people; someone whose mention notification about this answer or document is still
    unread gets that one brought up to date (how many comments mention them, the newest) instead of another."""
    users = [user for user in users if user.id != author.id]
    if not users:
        return set()
    waiting = notifications.unread_about(comment, [user.id for user in users], NotificationKind.MENTION)
    url = comment_path(comment)
    target = _target_label(comment, assessment)
    for user in users:
        if user.id in waiting:
            note = waiting[user.id]
            message = texts.text(
                "notice.mentions",
                n=texts.number(_mentions_since(note, user, comment), 0),
                target=target,
                author=author.name,
                text=_snippet(comment.body),
            )
            notifications.refresh(note, message=message, url=url, actor=author)
    message = texts.text("notice.mention", author=author.name, target=target, text=_snippet(comment.body))
    made = notifications.notify(
        users=[user for user in users if user.id not in waiting],
        kind=NotificationKind.MENTION,
        assessment=assessment,
        message=message,
        url=url,
        actor=author,
        answer=db.session.get(Answer, comment.answer_id) if comment.answer_id else None,
        comment=comment,
    )
    return {n.user_id for n in made} | set(waiting)


def _mentions_since(note: Notification, user: User, comment: Comment) -> int:
    """The comments on the answer or document that mention ``user``, from the one ``note`` was made for to
    ``comment`` (counted too, whenever it was written: an edit can add a mention to an old comment)."""
    if comment.answer_id is not None:
        target = Comment.answer_id == comment.answer_id
    else:
        target = Comment.evidence_id == comment.evidence_id
    keys = mention_keys(user)
    bodies = db.session.scalars(
        select(Comment.body).where(
            target, Comment.id >= note.comment_id, Comment.id != comment.id, Comment.body.contains("@")
        )
    )
    return 1 + sum(1 for body in bodies if mention_tokens(body) & keys)


def _notify_reply(comment: Comment, top: Comment, assessment: AssessmentModel, author: User, skip: set[int]) -> None:
    participant_ids = (
        set(
            db.session.scalars(
                select(Comment.author_id).where(or_(Comment.id == top.id, Comment.parent_id == top.id)).distinct()
            )
        )
        - {None, author.id}
        - skip
    )
    if not participant_ids:
        return
    users = db.session.scalars(select(User).where(User.id.in_(participant_ids)).order_by(User.id)).all()
    message = texts.text(
        "notice.reply", author=author.name, target=_target_label(comment, assessment), text=_snippet(comment.body)
    )
    notifications.notify(
        users=users,
        kind=NotificationKind.REPLY,
        assessment=assessment,
        message=message,
        url=comment_path(comment),
        actor=author,
        answer=db.session.get(Answer, comment.answer_id) if comment.answer_id else None,
        comment=comment,
    )


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Thread:
    """A top-level comment with its replies, and the names needed to show them (no lazy loads)."""

    top: Comment
    #: The replies shown, oldest first: the newest ones of the thread.
    replies: tuple[Comment, ...]
    #: User id → name, for authors and the person who resolved the thread.
    names: Mapping[int, str]
    #: The Pemdi item the thread is about, if any (``I1-L2-03``).
    item_code: str | None = None
    #: Older replies not shown.
    earlier_replies: int = 0

    @property
    def is_open(self) -> bool:
        return self.top.resolved_at is None

    @property
    def comments(self) -> tuple[Comment, ...]:
        return (self.top, *self.replies)

    @property
    def resolved_by_name(self) -> str | None:
        return self.name_of(self.top.resolved_by_id) if self.top.resolved_by_id else None

    def name_of(self, user_id: int | None) -> str:
        if user_id is None or user_id not in self.names:
            return _("(pengguna dihapus)")
        return self.names[user_id]


@dataclass(frozen=True)
class ThreadPage:
    """One page of an answer's or a document's threads (iterating gives the threads), or one thread on its own
    with a page of its replies (``single``)."""

    threads: tuple[Thread, ...]
    page: int
    #: Threads on the answer or document (with ``single``: replies of the thread) before this page's.
    earlier: int
    #: Open threads on the answer or document, all pages together.
    open_count: int
    single: bool = False

    def __iter__(self) -> Iterator[Thread]:
        return iter(self.threads)


def load_threads(
    *, answer_id: int | None = None, evidence_id: int | None = None, page: int = 1, thread_id: int | None = None
) -> ThreadPage:
    """The threads on an answer or a document: page ``page`` of the most recently active ones (each with its
    newest replies), shown oldest first; or, with ``thread_id``, that thread alone with a page of its replies
    (``NotFoundError`` if it is not a thread of the answer or document). One query whatever their number."""
    if (answer_id is None) == (evidence_id is None):
        raise ValueError("load_threads needs exactly one of answer_id, evidence_id")
    target = Comment.answer_id == answer_id if answer_id is not None else Comment.evidence_id == evidence_id
    thread_of = func.coalesce(Comment.parent_id, Comment.id)
    if thread_id is not None:
        tops = select(Comment.id).where(target, Comment.id == thread_id, Comment.parent_id.is_(None))
        shown, skipped = REPLIES_PER_PAGE, (page - 1) * REPLIES_PER_PAGE
        total = select(func.count()).select_from(Comment).where(target, Comment.parent_id == thread_id)
    else:
        activity = select(thread_of.label("thread_id"), func.max(Comment.id).label("last_id")).where(target)
        activity_sq = activity.group_by(thread_of).subquery()
        tops = (
            select(activity_sq.c.thread_id)
            .order_by(activity_sq.c.last_id.desc())
            .limit(THREADS_PER_PAGE)
            .offset((page - 1) * THREADS_PER_PAGE)
        )
        shown, skipped = REPLIES_SHOWN, 0
        total = select(func.count()).select_from(Comment).where(target, Comment.parent_id.is_(None))
    opened = select(func.count()).select_from(Comment)
    opened = opened.where(target, Comment.parent_id.is_(None), Comment.resolved_at.is_(None))
    ranked = (
        select(
            Comment.id.label("id"),
            func.row_number().over(partition_by=Comment.parent_id, order_by=Comment.id.desc()).label("rank"),
            func.count().over(partition_by=Comment.parent_id).label("replies"),
        )
        .where(Comment.parent_id.in_(tops))
        .subquery()
    )
    resolver = aliased(User)
    rows = db.session.execute(
        select(
            Comment,
            EvidenceItem.code,
            resolver.name,
            ranked.c.replies,
            total.scalar_subquery(),
            opened.scalar_subquery(),
        )
        .outerjoin(ranked, ranked.c.id == Comment.id)
        .outerjoin(EvidenceItem, EvidenceItem.id == Comment.item_id)
        .outerjoin(resolver, resolver.id == Comment.resolved_by_id)
        .where(or_(Comment.id.in_(tops), ranked.c.rank.between(skipped + 1, skipped + shown)))
        .options(joinedload(Comment.author))
        .order_by(Comment.id)
    ).all()
    if thread_id is not None and not any(comment.id == thread_id for comment, *_rest in rows):
        raise NotFoundError(_("Diskusi tidak ditemukan."))
    names: dict[int, str] = {}
    item_codes: dict[int, str | None] = {}
    tops_found: list[Comment] = []
    replies: dict[int, list[Comment]] = {}
    reply_counts: dict[int, int] = {}
    count_all, open_count = (int(rows[0][4] or 0), int(rows[0][5] or 0)) if rows else (0, 0)
    for comment, item_code, resolver_name, reply_count, *_totals in rows:
        if comment.author is not None:
            names[comment.author.id] = comment.author.name
        if comment.resolved_by_id is not None and resolver_name is not None:
            names[comment.resolved_by_id] = resolver_name
        if comment.parent_id is None:
            tops_found.append(comment)
            item_codes[comment.id] = item_code
        else:
            replies.setdefault(comment.parent_id, []).append(comment)
            reply_counts[comment.parent_id] = reply_count
            set_committed_value(comment, "replies", [])
    threads = []
    for top in tops_found:
        own = replies.get(top.id, [])
        set_committed_value(top, "replies", own)
        earlier = max(reply_counts.get(top.id, 0) - skipped - len(own), 0)
        threads.append(Thread(top, tuple(own), names, item_codes[top.id], earlier))
    if thread_id is not None:
        earlier = threads[0].earlier_replies
    else:
        # Most recently active first in the query, oldest first on the page.
        threads.sort(key=lambda t: max(c.id for c in t.comments))
        earlier = max(count_all - (page - 1) * THREADS_PER_PAGE - len(threads), 0)
    return ThreadPage(tuple(threads), page, earlier, open_count, single=thread_id is not None)


def open_threads_count(answer_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Comment)
            .where(Comment.answer_id == answer_id, Comment.parent_id.is_(None), Comment.resolved_at.is_(None))
        )
        or 0
    )


def open_threads_counts(assessment_id: int) -> dict[int, int]:
    """Open threads per answer of an assessment (one query), for overview pages."""
    rows = db.session.execute(
        select(Comment.answer_id, func.count())
        .where(
            Comment.assessment_id == assessment_id,
            Comment.answer_id.is_not(None),
            Comment.parent_id.is_(None),
            Comment.resolved_at.is_(None),
        )
        .group_by(Comment.answer_id)
    )
    return {answer_id: n for answer_id, n in rows.tuples() if answer_id is not None}


# --------------------------------------------------------------------------- canned comments


@dataclass(frozen=True)
class CannedOption:
    """A canned comment offered on the comment form (``id`` is None for an unsaved default)."""

    id: int | None
    title: str
    body: str
    instrument_code: str | None = None
    indicator_code: str | None = None
    level: int | None = None


def default_canned() -> list[CannedOption]:
    """The set an instansi starts with; written in the deployment's language."""
    with stored_text():
        return [
            CannedOption(
                None,
                _("Kebijakan belum ditetapkan secara resmi"),
                _(
                    "Dokumen kebijakan yang dilampirkan masih berupa rancangan atau belum ditandatangani. Lampirkan "
                    "kebijakan yang sudah ditetapkan secara resmi (bernomor, bertanggal, dan ditandatangani pejabat "
                    "yang berwenang)."
                ),
                level=2,
            ),
            CannedOption(
                None,
                _("Cakupan belum meliputi seluruh unit"),
                _(
                    "Bukti yang dilampirkan baru mencakup sebagian unit/OPD. Untuk level ini kebijakan atau proses "
                    "harus berlaku di seluruh unit; lampirkan bukti penerapan di unit lainnya atau jelaskan cakupannya."
                ),
                level=3,
            ),
            CannedOption(
                None,
                _("Tidak ada dokumen reviu yang berumur kurang dari dua tahun"),
                _(
                    "Level ini meminta laporan atau notulen reviu/evaluasi yang berumur kurang dari dua tahun. Dokumen "
                    "reviu yang dilampirkan lebih tua atau tidak bertanggal; lampirkan hasil reviu terbaru."
                ),
                level=4,
            ),
            CannedOption(
                None,
                _("Bukti tidak menunjukkan fitur layanan yang diklaim"),
                _(
                    "Tangkapan layar atau tautan yang dilampirkan tidak memperlihatkan fitur layanan yang diklaim. "
                    "Lampirkan tangkapan layar yang menunjukkan fitur tersebut berjalan, atau akun uji untuk asesor."
                ),
            ),
        ]


def ensure_canned_defaults(instansi_id: int) -> int:
    """Give an instansi without canned comments the default set; returns how many were added."""
    exists = db.session.scalar(
        select(func.count()).select_from(CannedComment).where(CannedComment.instansi_id == instansi_id)
    )
    if exists:
        return 0
    defaults = default_canned()
    for option in defaults:
        db.session.add(
            CannedComment(
                instansi_id=instansi_id,
                title=option.title,
                body=option.body,
                instrument_code=option.instrument_code,
                indicator_code=option.indicator_code,
                level=option.level,
                active=True,
            )
        )
    db.session.flush()
    log.info("komentar siap bawaan dibuat untuk instansi %s", instansi_id)
    return len(defaults)


def list_canned(instansi_id: int) -> list[CannedComment]:
    """Every saved canned comment of the instansi, active first (reads only: without any, the comment form offers
    the default set unsaved, and the first one added stores the defaults with it)."""
    return list(
        db.session.scalars(
            select(CannedComment)
            .where(CannedComment.instansi_id == instansi_id)
            .order_by(CannedComment.active.desc(), CannedComment.title, CannedComment.id)
        )
    )


def _relevant(option: CannedOption, instrument_code: str | None, indicator_code: str | None, level: int | None) -> bool:
    return (
        (option.instrument_code is None or option.instrument_code == instrument_code)
        and (option.indicator_code is None or option.indicator_code == indicator_code)
        and (option.level is None or level is None or option.level <= level)
    )


def _specificity(option: CannedOption) -> tuple[int, str]:
    score = (
        (option.indicator_code is not None) * 4 + (option.instrument_code is not None) * 2 + (option.level is not None)
    )
    return (-score, option.title.lower())


def canned_options(
    *, instansi_id: int, instrument_code: str | None, indicator_code: str | None = None, level: int | None = None
) -> list[CannedOption]:
    """Canned comments that fit an indicator and the claimed level (a comment about level N fits claims of N
    and above; generic ones always fit), most specific first. Reads only: an instansi without any gets the
    default set, unsaved."""
    rows = db.session.scalars(select(CannedComment).where(CannedComment.instansi_id == instansi_id)).all()
    if rows:
        options = [
            CannedOption(r.id, r.title, r.body, r.instrument_code, r.indicator_code, r.level) for r in rows if r.active
        ]
    else:
        options = default_canned()
    return sorted((o for o in options if _relevant(o, instrument_code, indicator_code, level)), key=_specificity)


def answer_level(answer: Answer) -> int | None:
    """The claimed level the canned comments are filtered by (graded values round up)."""
    if answer.claimed_value is None or answer.claimed_value <= 0:
        return None
    return math.ceil(answer.claimed_value)


@dataclass(frozen=True)
class CannedInput:
    title: str
    body: str
    instrument_code: str | None
    indicator_code: str | None
    level: int | None
    active: bool = True


def instrument_codes() -> list[str]:
    return list(db.session.scalars(select(Instrument.code).distinct().order_by(Instrument.code)))


def _check_canned(data: CannedInput) -> CannedInput:
    title = data.title.strip()
    body = (data.body or "").replace("\r\n", "\n").strip()
    if not title:
        raise DomainError(_("Judul tidak boleh kosong."), field="title")
    if len(title) > 200:
        raise DomainError(_("Judul paling panjang 200 karakter."), field="title")
    if not body:
        raise DomainError(_("Isi komentar tidak boleh kosong."), field="body")
    if len(body) > MAX_BODY:
        raise DomainError(_("Isi komentar paling panjang %(max)s karakter.", max=format_number(MAX_BODY)), field="body")
    instrument_code = (data.instrument_code or "").strip() or None
    indicator_code = (data.indicator_code or "").strip().upper() or None
    if data.level is not None and not 1 <= data.level <= 5:
        raise DomainError(_("Level harus 1–5."), field="level")
    if instrument_code is not None and instrument_code not in instrument_codes():
        raise DomainError(_("Instrumen tidak dikenal."), field="instrument_code")
    if indicator_code is not None:
        if instrument_code is None:
            raise DomainError(_("Pilih instrumen untuk kode indikator ini."), field="instrument_code")
        known = db.session.scalar(
            select(func.count())
            .select_from(Indicator)
            .join(Instrument, Instrument.id == Indicator.instrument_id)
            .where(Instrument.code == instrument_code, func.upper(Indicator.code) == indicator_code)
        )
        if not known:
            raise DomainError(_("Kode indikator tidak ada pada instrumen ini."), field="indicator_code")
    return CannedInput(title, body, instrument_code, indicator_code, data.level, data.active)


def save_canned(
    *, instansi_id: int, data: CannedInput, actor: User, canned: CannedComment | None = None
) -> CannedComment:
    """Create a canned comment (the first one stores the default set with it, which was offered until then), or
    change one of the instansi's."""
    clean = _check_canned(data)
    if canned is None:
        ensure_canned_defaults(instansi_id)
        canned = CannedComment(instansi_id=instansi_id)
        db.session.add(canned)
    elif canned.instansi_id != instansi_id:
        raise NotFoundError(_("Komentar siap tidak ditemukan."))
    canned.title, canned.body = clean.title, clean.body
    canned.instrument_code, canned.indicator_code, canned.level = (
        clean.instrument_code,
        clean.indicator_code,
        clean.level,
    )
    canned.active = clean.active
    db.session.flush()
    log.info("komentar siap %s disimpan oleh pengguna %s", canned.id, actor.id)
    return canned


def set_canned_active(*, canned: CannedComment, active: bool, actor: User) -> CannedComment:
    canned.active = active
    db.session.flush()
    log.info("komentar siap %s %s oleh pengguna %s", canned.id, "diaktifkan" if active else "dinonaktifkan", actor.id)
    return canned
