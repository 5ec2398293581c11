"""Reminders of unfinished work: before an assessment's deadline, every day after it, and by hand from the overview.

On each of ``MANDIRI_REMINDER_DAYS`` before the deadline of an open (not final) assessment of an active instansi,
and on every day after it, each person with unfinished assigned work gets one digest of their indicators (the
"Tugas saya" definitions of :mod:`assess.services.notifications`: to fill in, or sent back), in the app and by
e-mail in their language; once the deadline has passed its koordinators get a daily digest of the late units.
The corrections the asesor asked for (Pemdi *revisi*) are reminded the same way against the correction window's last
day ("koreksi sampai"): a digest of the butir each person still has to mark corrected, on the reminder days before
it and every day after it (kinds ``koreksi_before_<n>`` and ``koreksi_late``).
A :class:`~assess.models.ReminderSent` row (unique per person, assessment, kind and day) keeps anything from being
sent twice. The day is passed in (``today``), so the clock can be frozen. Services flush; the caller commits.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import aliased, joinedload

from assess import texts
from assess.audit import record_assessment
from assess.errors import DomainError
from assess.extensions import db
from assess.models import (
    Answer,
    AnswerState,
    Assessment,
    AssessmentStage,
    AssessmentState,
    ButirVerdict,
    CycleStage,
    EvidenceItem,
    Indicator,
    Instansi,
    Membership,
    NotificationKind,
    ReminderSent,
    RoleName,
    Unit,
    User,
)
from assess.queries.open_work import UnitWork, held_by_unit
from assess.services.notifications import TO_FILL, _answers, _corrections, notify, path_for

log = logging.getLogger(__name__)

#: The kinds of :class:`ReminderSent` besides ``before_<days>``.
LATE = "late"
LATE_UNITS = "late_units"
MANUAL = "manual"
#: The prefix of a correction reminder's kind (``koreksi_before_<n>``, ``koreksi_late``).
CORRECTION = "koreksi_"
#: An answer is unfinished in these states (the "Tugas saya" sections to fill in and sent back).
UNFINISHED = (*TO_FILL, AnswerState.PERLU_PERBAIKAN)
#: The notification kind of a digest ("Pengingat batas waktu" in the list and the e-mail's subject).
NOTICE_KIND = NotificationKind.REMINDER


def before(days: int) -> str:
    return f"before_{days}"


def local_today() -> date:
    """Today in the deployment's time zone (``BABEL_DEFAULT_TIMEZONE``)."""
    return datetime.now(ZoneInfo(str(current_app.config["BABEL_DEFAULT_TIMEZONE"]))).date()


@dataclass(frozen=True)
class Manual:
    """What "Kirim pengingat" did: people reminded now, and those with open work already reminded by hand today."""

    reminded: int = 0
    already: int = 0


@dataclass(frozen=True)
class Sent:
    """How many digests a run sent: to people with unfinished work, late-unit digests to koordinators, and to people
    with corrections to make."""

    people: int = 0
    koordinators: int = 0
    corrections: int = 0


# --------------------------------------------------------------------------- who has what open


def open_work(
    assessment_ids: Collection[int], user_ids: Collection[int] | None = None
) -> dict[tuple[int, int], list[str]]:
    """Per (assessment, person), the codes of the person's unfinished work in it, in the instrument's order: active
    people holding the pengisi or koordinator role in an active instansi, as "Tugas saya" counts it (the same
    definitions, for everyone at once). Two queries."""
    if not assessment_ids:
        return {}
    holder = aliased(Membership)
    found: dict[tuple[int, int], dict[int, str]] = {}
    for section in ("assigned", "sent_back"):
        query = (
            _answers(User.id, section)
            .join(Instansi, Instansi.id == Assessment.instansi_id)
            .join(holder, holder.instansi_id == Assessment.instansi_id)
            .join(User, User.id == holder.user_id)
            .join(Indicator, Indicator.id == Answer.indicator_id)
            .where(
                Answer.assessment_id.in_(list(assessment_ids)),
                Instansi.active.is_(True),
                User.active.is_(True),
                holder.role.in_((RoleName.PENGISI, RoleName.KOORDINATOR)),
            )
            .with_only_columns(Answer.assessment_id, User.id, Indicator.position, Indicator.code)
        )
        if user_ids is not None:
            query = query.where(User.id.in_(list(user_ids)))
        for assessment_id, user_id, position, code in db.session.execute(query):
            found.setdefault((assessment_id, user_id), {})[position] = code
    return {key: [codes[p] for p in sorted(codes)] for key, codes in found.items()}


def open_corrections(assessment_ids: Collection[int]) -> dict[tuple[int, int], list[str]]:
    """Per (assessment, person), the codes of the butir the person still has to mark corrected, in the instrument's
    order: active pengisi or koordinator of an active instansi, as "Tugas saya" counts them. One query."""
    if not assessment_ids:
        return {}
    holder = aliased(Membership)
    query = (
        _corrections(User.id)
        .join(Instansi, Instansi.id == Assessment.instansi_id)
        .join(holder, holder.instansi_id == Assessment.instansi_id)
        .join(User, User.id == holder.user_id)
        .where(
            ButirVerdict.assessment_id.in_(list(assessment_ids)),
            Instansi.active.is_(True),
            User.active.is_(True),
            holder.role.in_((RoleName.PENGISI, RoleName.KOORDINATOR)),
        )
        .with_only_columns(
            ButirVerdict.assessment_id,
            User.id,
            Indicator.position,
            EvidenceItem.level,
            EvidenceItem.nn,
            EvidenceItem.code,
        )
    )
    found: dict[tuple[int, int], dict[tuple[int, int, int], str]] = {}
    for assessment_id, user_id, position, level, nn, code in db.session.execute(query):
        found.setdefault((assessment_id, user_id), {})[(position, level, nn)] = code
    return {key: [codes[k] for k in sorted(codes)] for key, codes in found.items()}


def _already_sent(assessment_ids: Collection[int], today: date) -> set[tuple[int, int, str]]:
    rows = db.session.execute(
        select(ReminderSent.user_id, ReminderSent.assessment_id, ReminderSent.kind).where(
            ReminderSent.assessment_id.in_(list(assessment_ids)), ReminderSent.on_day == today
        )
    )
    return {(user_id, assessment_id, kind) for user_id, assessment_id, kind in rows}


def _users(ids: Collection[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(list(ids))))}


def _where(assessment: Assessment) -> str:
    return assessment.display_name


def _remind(
    user: User,
    assessment: Assessment,
    *,
    kind: str,
    today: date,
    message: texts.Text,
    url: str,
    items: int,
    actor: User | None = None,
) -> bool:
    """One digest to ``user`` (in the app, and by e-mail after the commit), remembered for the day."""
    if not notify(users=[user], kind=NOTICE_KIND, assessment=assessment, message=message, url=url, actor=actor):
        return False
    db.session.add(ReminderSent(user_id=user.id, assessment_id=assessment.id, kind=kind, on_day=today, items=items))
    db.session.flush()
    return True


def _digest(assessment: Assessment, kind: str, codes: Sequence[str], today: date) -> texts.Text:
    deadline = texts.day(assessment.deadline) if assessment.deadline else ""
    n = texts.number(len(codes), 0)
    if kind == LATE:
        return texts.text(
            "notice.reminder_late", where=_where(assessment), deadline=deadline, n=n, codes=", ".join(codes)
        )
    left = (assessment.deadline - today).days if assessment.deadline else 0
    return texts.text(
        "notice.reminder_before",
        where=_where(assessment),
        days=texts.number(left, 0),
        deadline=deadline,
        n=n,
        codes=", ".join(codes),
    )


def _late_units(assessment: Assessment, units: Sequence[UnitWork]) -> texts.Text:
    listed = [
        texts.text(
            "notice.reminder_unit",
            unit=group.unit.short_name or group.unit.name,
            n=texts.number(len(group.indicators), 0),
        )
        if group.unit is not None
        else texts.text("notice.reminder_no_unit", n=texts.number(len(group.indicators), 0))
        for group in units
    ]
    return texts.text(
        "notice.reminder_late_units",
        where=_where(assessment),
        deadline=texts.day(assessment.deadline) if assessment.deadline else "",
        n=texts.number(sum(1 for g in units if g.unit is not None), 0),
        units=listed,
    )


def _correction_digest(
    assessment: Assessment, kind: str, deadline: date, codes: Sequence[str], today: date
) -> texts.Text:
    params = {
        "where": _where(assessment),
        "deadline": texts.day(deadline),
        "n": texts.number(len(codes), 0),
        "codes": ", ".join(codes),
    }
    if kind == CORRECTION + LATE:
        return texts.text("notice.correction_late", **params)
    return texts.text("notice.correction_before", days=texts.number((deadline - today).days, 0), **params)


# --------------------------------------------------------------------------- the daily run


def due_kind(assessment: Assessment, today: date, days: Collection[int]) -> str | None:
    """The reminder due today for the assessment: ``before_<n>``, ``late``, or none."""
    if assessment.deadline is None or assessment.state == AssessmentState.FINAL:
        return None
    left = (assessment.deadline - today).days
    if left < 0:
        return LATE
    return before(left) if left in days else None


def correction_kind(deadline: date, today: date, days: Collection[int]) -> str | None:
    """The correction reminder due today against the correction window's last day: ``koreksi_before_<n>``,
    ``koreksi_late``, or none."""
    left = (deadline - today).days
    if left < 0:
        return CORRECTION + LATE
    return CORRECTION + before(left) if left in days else None


def send_corrections(*, today: date, days: Collection[int]) -> int:
    """To each person with open corrections in an assessment whose correction window ends on a reminder day or has
    ended (until its cycle is *selesai*), one digest of the butir, unless sent today; how many were sent."""
    windows = [today + timedelta(days=d) for d in days]
    rows = db.session.execute(
        select(Assessment, AssessmentStage.ends_on)
        .join(AssessmentStage, AssessmentStage.assessment_id == Assessment.id)
        .join(Instansi, Instansi.id == Assessment.instansi_id)
        .where(
            Instansi.active.is_(True),
            Assessment.stage != CycleStage.SELESAI,
            AssessmentStage.stage == CycleStage.KOREKSI,
            or_(AssessmentStage.ends_on < today, AssessmentStage.ends_on.in_(windows)),
        )
        .options(joinedload(Assessment.instansi))
        .order_by(Assessment.id)
    ).all()
    due = {
        a.id: (a, ends_on, kind)
        for a, ends_on in rows
        if ends_on is not None and (kind := correction_kind(ends_on, today, days))
    }
    if not due:
        return 0
    sent = _already_sent(due, today)
    work = open_corrections(due)
    users = _users({user_id for _, user_id in work})
    people = 0
    for (assessment_id, user_id), codes in sorted(work.items()):
        assessment, deadline, kind = due[assessment_id]
        if (user_id, assessment_id, kind) in sent:
            continue
        people += _remind(
            users[user_id],
            assessment,
            kind=kind,
            today=today,
            message=_correction_digest(assessment, kind, deadline, codes, today),
            url=path_for("corrections.page", assessment_id=assessment_id),
            items=len(codes),
        )
    return people


def send_due(*, today: date, days: Collection[int]) -> Sent:
    """The day's reminders (the periodic job and ``mandiri reminders send``): a digest to each person with unfinished
    work in every assessment due today, and after the deadline the late units to its koordinators, and the
    corrections (:func:`send_corrections`); nothing already sent today. A fixed number of queries, plus a few per
    person reminded and per late assessment."""
    corrections = send_corrections(today=today, days=days)
    windows = [today + timedelta(days=d) for d in days]
    assessments = db.session.scalars(
        select(Assessment)
        .join(Instansi, Instansi.id == Assessment.instansi_id)
        .where(
            Instansi.active.is_(True),
            Assessment.state != AssessmentState.FINAL,
            Assessment.deadline.is_not(None),
            or_(Assessment.deadline < today, Assessment.deadline.in_(windows)),
        )
        .options(joinedload(Assessment.instansi))
        .order_by(Assessment.id)
    ).all()
    due = {a.id: (a, kind) for a in assessments if (kind := due_kind(a, today, days)) is not None}
    if not due:
        return Sent(corrections=corrections)
    sent = _already_sent(due, today)
    work = open_work(due)
    users = _users({user_id for _, user_id in work})
    people = 0
    for (assessment_id, user_id), codes in sorted(work.items()):
        assessment, kind = due[assessment_id]
        if (user_id, assessment_id, kind) in sent:
            continue
        people += _remind(
            users[user_id],
            assessment,
            kind=kind,
            today=today,
            message=_digest(assessment, kind, codes, today),
            url=path_for("inbox.my_work"),
            items=len(codes),
        )
    koordinators = 0
    late = [assessment for assessment, kind in due.values() if kind == LATE]
    heads = _koordinators([a.instansi_id for a in late])
    for assessment in late:
        waiting = [u for u in heads.get(assessment.instansi_id, []) if (u.id, assessment.id, LATE_UNITS) not in sent]
        if not waiting:
            continue
        units = held_by_unit(assessment, UNFINISHED)
        if not units:
            continue
        message = _late_units(assessment, units)
        url = path_for("assessments.detail", assessment_id=assessment.id)
        items = sum(len(g.indicators) for g in units)
        for user in waiting:
            koordinators += _remind(
                user, assessment, kind=LATE_UNITS, today=today, message=message, url=url, items=items
            )
    log.info("pengingat %s: %s orang, %s koordinator, %s koreksi", today.isoformat(), people, koordinators, corrections)
    return Sent(people, koordinators, corrections)


def _koordinators(instansi_ids: Collection[int]) -> dict[int, list[User]]:
    if not instansi_ids:
        return {}
    rows = db.session.execute(
        select(Membership.instansi_id, User)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.instansi_id.in_(list(instansi_ids)),
            Membership.role == RoleName.KOORDINATOR,
            User.active.is_(True),
        )
        .order_by(User.id)
    ).all()
    found: dict[int, list[User]] = {}
    for instansi_id, user in rows:
        found.setdefault(instansi_id, []).append(user)
    return found


# --------------------------------------------------------------------------- by hand


def remind_now(
    *, assessment: Assessment, actor: User, today: date, unit: Unit | None = None, user: User | None = None
) -> Manual:
    """ "Kirim pengingat" on the overview: a digest to each person of ``unit`` (its indicators' assignees and its
    pengisi) or to ``user`` who has unfinished work, except the actor and anyone reminded by hand today."""
    if assessment.state == AssessmentState.FINAL:
        raise DomainError(_("Penilaian ini sudah final: tidak ada pekerjaan yang perlu diingatkan."))
    if unit is not None:
        if unit.instansi_id != assessment.instansi_id:
            raise DomainError(_("Unit itu bukan unit instansi penilaian ini."), field="unit_id")
        groups = [g for g in held_by_unit(assessment, UNFINISHED) if g.unit is not None and g.unit.id == unit.id]
        candidates = [p.id for g in groups for p in g.people]
    elif user is not None:
        candidates = [user.id]
    else:
        raise DomainError(_("Pilih unit atau orang yang akan diingatkan."))
    work = open_work([assessment.id], user_ids=[c for c in candidates if c != actor.id])
    if not work:
        return Manual()
    sent = _already_sent([assessment.id], today)
    users = _users({user_id for _, user_id in work})
    reminded = already = 0
    names: list[str] = []
    for (_assessment_id, user_id), codes in sorted(work.items()):
        if (user_id, assessment.id, MANUAL) in sent:
            already += 1
            continue
        params = {
            "name": actor.name,
            "where": _where(assessment),
            "n": texts.number(len(codes), 0),
            "codes": ", ".join(codes),
        }
        if assessment.deadline is not None:
            message = texts.text("notice.reminder_manual_due", deadline=texts.day(assessment.deadline), **params)
        else:
            message = texts.text("notice.reminder_manual", **params)
        if _remind(
            users[user_id],
            assessment,
            kind=MANUAL,
            today=today,
            message=message,
            url=path_for("inbox.my_work"),
            items=len(codes),
            actor=actor,
        ):
            reminded += 1
            names.append(users[user_id].name)
    if names:  # in the audit trail as every other action of the koordinator
        record_assessment(assessment, actor=actor, action="reminder.manual", summary=", ".join(sorted(names)))
    return Manual(reminded, already)
