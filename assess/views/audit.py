"""The audit trail of an assessment, read-only: the full list with filters, its CSV export, and the history
of one indicator or one document.

Every role of the instansi may read it; nothing here writes (entries are written by the services, in the
transaction of the change they describe, and nothing in the application edits or deletes them).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, render_template, request, stream_with_context, url_for
from flask_babel import format_date, format_datetime, get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import auth_required, current_user
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import joinedload
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response

from assess.csvsafe import neutralise
from assess.extensions import db
from assess.models import (
    AnswerState,
    Assessment,
    AssessmentState,
    AuditEntry,
    DocType,
    Evidence,
    Indicator,
    RoleName,
    Unit,
    User,
)
from assess.models.base import as_utc
from assess.permissions import roles_in
from assess.views.util import as_id, assessment_or_404, page_arg
from forms.evidence import DOC_TYPE_LABELS

bp = Blueprint("audit", __name__, url_prefix="/penilaian/<int:assessment_id>")

PER_PAGE = 50
#: Rows fetched per query while streaming the CSV export (keyset pagination, so memory stays flat).
CSV_BATCH = 500
#: Longer change values are cut in the list, the full text stays available in a ``<details>``.
SHORT_TEXT = 120
SYSTEM = "sistem"
OBJECT_TYPES = {
    "answer": _l("Jawaban"),
    "evidence": _l("Dokumen"),
    "comment": _l("Komentar"),
    "assignment": _l("Penugasan"),
    "review": _l("Reviu"),
    "assessment": _l("Penilaian"),
}
ACTION_LABELS = {
    "assessment.open": _l("Penilaian dibuka"),
    "assessment.deadline": _l("Batas waktu diubah"),
    "answer.save": _l("Jawaban disimpan"),
    "answer.submit": _l("Diajukan untuk direviu"),
    "answer.withdraw": _l("Ditarik kembali menjadi draf"),
    "answer.assign": _l("Indikator ditugaskan"),
    "item.assign": _l("Butir ditugaskan"),
    "answer.link": _l("Dokumen ditautkan ke jawaban"),
    "answer.unlink": _l("Tautan dokumen dilepas"),
    "evidence.upload": _l("Dokumen diunggah"),
    "evidence.version": _l("Versi berkas baru"),
    "evidence.link_add": _l("Tautan layanan ditambahkan"),
    "evidence.update": _l("Data dokumen diubah"),
    "evidence.delete": _l("Dokumen dihapus"),
    "review.value": _l("Nilai reviewer ditetapkan"),
    "review.approve": _l("Disetujui reviewer"),
    "review.send_back": _l("Dikembalikan untuk perbaikan"),
    "review.final": _l("Nilai akhir ditetapkan"),
    "review.final_default": _l("Nilai akhir diambil dari nilai reviewer"),
    "assessment.start_review": _l("Tahap reviu dimulai"),
    "assessment.back_to_filling": _l("Dikembalikan ke tahap pengisian"),
    "assessment.finalise": _l("Penilaian difinalkan"),
    "assessment.reopen": _l("Penilaian dibuka kembali"),
    "comment.create": _l("Komentar ditulis"),
    "comment.edit": _l("Komentar diubah"),
    "comment.resolve": _l("Diskusi ditandai selesai"),
    "comment.reopen": _l("Diskusi dibuka lagi"),
}
FIELD_LABELS = {
    "claimed_value": _l("Nilai klaim"),
    "source_value": _l("Nilai indeks sumber"),
    "fakta": _l("FAKTA"),
    "analisis": _l("ANALISIS"),
    "state": _l("Status"),
    "assignee_unit_id": _l("Unit penanggung jawab"),
    "assignee_user_id": _l("Orang penanggung jawab"),
    "deadline": _l("Batas waktu"),
    "year": _l("Tahun"),
    "title": _l("Judul"),
    "version": _l("Versi"),
    "doc_type": _l("Jenis dokumen"),
    "number": _l("Nomor"),
    "doc_date": _l("Tanggal dokumen"),
    "owner_unit_id": _l("Unit pemilik"),
    "notes": _l("Catatan"),
    "url": _l("Alamat"),
    "access_note": _l("Akun uji"),
    "deleted_at": _l("Dihapus pada"),
    "link": _l("Tautan dokumen"),
    "reviewer_value": _l("Nilai reviewer"),
    "reviewer_note": _l("Justifikasi reviewer"),
    "final_value": _l("Nilai akhir"),
    "final_reason": _l("Alasan nilai akhir"),
    "body": _l("Isi komentar"),
    "resolved_at": _l("Ditandai selesai pada"),
}
ITEM_FIELD_LABELS = {
    "fulfilled": _l("Butir %(code)s terpenuhi"),
    "note": _l("Catatan butir %(code)s"),
    "assignee_unit_id": _l("Unit penanggung jawab butir %(code)s"),
    "assignee_user_id": _l("Orang penanggung jawab butir %(code)s"),
}
STATE_LABELS = {
    AnswerState.BELUM_DIISI.value: _l("belum diisi"),
    AnswerState.DRAF.value: _l("draf"),
    AnswerState.SIAP_DIREVIU.value: _l("siap direviu"),
    AnswerState.PERLU_PERBAIKAN.value: _l("perlu perbaikan"),
    AnswerState.DISETUJUI.value: _l("disetujui"),
    AssessmentState.PENGISIAN.value: _l("pengisian"),
    AssessmentState.REVIU.value: _l("reviu"),
    AssessmentState.FINAL.value: _l("final"),
}
UNIT_FIELDS = {"assignee_unit_id", "owner_unit_id"}
USER_FIELDS = {"assignee_user_id"}
DATETIME_FIELDS = {"deleted_at", "resolved_at"}
ITEM_FIELD = re.compile(r"^(?P<code>.+)\.(?P<attr>fulfilled|note|assignee_unit_id|assignee_user_id)$")
CSV_COLUMNS = ("waktu", "pengguna", "surel", "jenis", "aksi", "indikator", "dokumen", "ringkasan", "perubahan")
#: Roles that still read the history of a deleted document (everyone else gets 404, as on its other pages).
HISTORY_OF_DELETED = frozenset({RoleName.KOORDINATOR, RoleName.ADMIN})


# --------------------------------------------------------------------------- filters


@dataclass(frozen=True)
class Filters:
    """The filters of the audit list, parsed from the query string (anything invalid is dropped)."""

    person: str = ""  # a user id, or SYSTEM for entries without an actor
    object_type: str = ""
    action: str = ""
    indicator: str = ""
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""

    @classmethod
    def from_args(cls, args: Any) -> Filters:
        person = (args.get("orang") or "").strip()
        object_type = args.get("jenis") or ""
        return cls(
            person=person if person == SYSTEM or as_id(person) is not None else "",
            object_type=object_type if object_type in OBJECT_TYPES else "",
            action=(args.get("aksi") or "").strip()[:48],
            indicator=(args.get("indikator") or "").strip().upper()[:16],
            date_from=_parse_date(args.get("dari")),
            date_to=_parse_date(args.get("sampai")),
            q=(args.get("q") or "").strip()[:200],
        )

    def args(self) -> dict[str, Any]:
        """The non-empty filters as query-string arguments (for pagination and the export link)."""
        raw = {
            "orang": self.person,
            "jenis": self.object_type,
            "aksi": self.action,
            "indikator": self.indicator,
            "dari": self.date_from.isoformat() if self.date_from else "",
            "sampai": self.date_to.isoformat() if self.date_to else "",
            "q": self.q,
        }
        return {k: v for k, v in raw.items() if v}

    def conditions(self) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.person == SYSTEM:
            out.append(AuditEntry.actor_id.is_(None))
        elif self.person:
            out.append(AuditEntry.actor_id == int(self.person))
        if self.object_type:
            out.append(AuditEntry.object_type == self.object_type)
        if self.action:
            out.append(AuditEntry.action == self.action)
        if self.indicator:
            out.append(AuditEntry.indicator_code == self.indicator)
        if self.date_from:
            out.append(AuditEntry.at >= _start_of(self.date_from))
        if self.date_to:
            out.append(AuditEntry.at < _start_of(self.date_to + timedelta(days=1)))
        if self.q:
            out.append(AuditEntry.summary.icontains(self.q, autoescape=True))
        return out


def _parse_date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip()) if raw else None
    except ValueError:
        return None


def _zone() -> ZoneInfo:
    return ZoneInfo(str(get_timezone()))


def _start_of(day: date) -> datetime:
    """Midnight of a local (Asia/Jakarta) date, in UTC: the bound of a period filter."""
    return datetime.combine(day, time.min, tzinfo=_zone()).astimezone(UTC)


# --------------------------------------------------------------------------- presentation


@dataclass(frozen=True)
class ChangeRow:
    label: str
    old: str
    new: str
    old_full: str
    new_full: str

    @property
    def truncated(self) -> bool:
        return self.old != self.old_full or self.new != self.new_full


@dataclass(frozen=True)
class EntryRow:
    id: int
    at: datetime
    person: str | None  # None: the system (no actor)
    object_type: str
    action: str
    label: str
    indicator_code: str | None
    evidence_id: int | None
    evidence_title: str | None
    summary: str
    changes: list[ChangeRow]


@dataclass(frozen=True)
class Names:
    """Names of the units and people that assignment and ownership changes refer to by id."""

    units: dict[int, str]
    users: dict[int, str]


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def field_label(name: str) -> str:
    if name in FIELD_LABELS:
        return str(FIELD_LABELS[name])
    match = ITEM_FIELD.match(name)
    if match:
        return str(ITEM_FIELD_LABELS[match["attr"]] % {"code": match["code"]})
    return name


def value_text(name: str, value: Any, names: Names) -> str:
    """A change value as a reader wants it: names for ids, labels for states, ya/tidak, dates in the locale."""
    if value is None or value == "":
        return _("(kosong)")
    if isinstance(value, bool):
        return _("ya") if value else _("tidak")
    base = name.rsplit(".", 1)[-1]
    try:
        if base in UNIT_FIELDS:
            return names.units.get(int(value), f"#{value}")
        if base in USER_FIELDS:
            return names.users.get(int(value), f"#{value}")
        if base == "state" and value in STATE_LABELS:
            return str(STATE_LABELS[value])
        if base == "doc_type":
            return str(DOC_TYPE_LABELS[DocType(value)])
        if base in ("deadline", "doc_date"):
            return str(format_date(date.fromisoformat(value)))
        if base in DATETIME_FIELDS:
            return str(format_datetime(as_utc(datetime.fromisoformat(value)), "short"))
    except (TypeError, ValueError, KeyError):
        pass
    return str(value)


def _short(text: str) -> str:
    return text if len(text) <= SHORT_TEXT else text[:SHORT_TEXT].rstrip() + "…"


def _names(entries: Sequence[AuditEntry], instansi_id: int) -> Names:
    unit_ids: set[int] = set()
    user_ids: set[int] = set()
    for entry in entries:
        for change in entry.changes or ():
            base = str(change.get("field", "")).rsplit(".", 1)[-1]
            target = unit_ids if base in UNIT_FIELDS else user_ids if base in USER_FIELDS else None
            if target is not None:
                target.update(v for v in (change.get("old"), change.get("new")) if isinstance(v, int))
    units = (
        {
            uid: short or name
            for uid, short, name in db.session.execute(
                select(Unit.id, Unit.short_name, Unit.name).where(
                    Unit.id.in_(unit_ids), Unit.instansi_id == instansi_id
                )
            )
        }
        if unit_ids
        else {}
    )
    users = (
        {row.id: row.name for row in db.session.execute(select(User.id, User.name).where(User.id.in_(user_ids)))}
        if user_ids
        else {}
    )
    return Names(units, users)


def _rows(results: Sequence[Any], instansi_id: int) -> list[EntryRow]:
    """Display rows for ``(entry, evidence title)`` results, with at most two more queries for names."""
    names = _names([entry for entry, _title in results], instansi_id)
    rows = []
    for entry, title in results:
        changes = []
        for change in entry.changes or ():
            name = str(change.get("field", ""))
            old = value_text(name, change.get("old"), names)
            new = value_text(name, change.get("new"), names)
            changes.append(ChangeRow(field_label(name), _short(old), _short(new), old, new))
        rows.append(
            EntryRow(
                id=entry.id,
                at=as_utc(entry.at),
                person=entry.actor.name if entry.actor is not None else None,
                object_type=entry.object_type,
                action=entry.action,
                label=action_label(entry.action),
                indicator_code=entry.indicator_code,
                evidence_id=entry.evidence_id,
                evidence_title=title,
                summary=entry.summary or "",
                changes=changes,
            )
        )
    return rows


# --------------------------------------------------------------------------- loading

#: The document an entry names, only ever from the entry's own assessment.
_same_document = and_(Evidence.id == AuditEntry.evidence_id, Evidence.assessment_id == AuditEntry.assessment_id)


def _with_instansi(assessment_id: int) -> Assessment | None:
    return db.session.scalar(
        select(Assessment).where(Assessment.id == assessment_id).options(joinedload(Assessment.instansi))
    )


def _entries(assessment: Assessment, conditions: Sequence[ColumnElement[bool]], page: int) -> tuple[int, list[Any]]:
    """One page of entries, newest first, with the actor and the document title: two queries."""
    where = [AuditEntry.assessment_id == assessment.id, *conditions]
    total = db.session.scalar(select(func.count()).select_from(AuditEntry).where(*where)) or 0
    results = db.session.execute(
        select(AuditEntry, Evidence.title)
        .outerjoin(Evidence, _same_document)
        .where(*where)
        .options(joinedload(AuditEntry.actor))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    return total, list(results)


def _page() -> int:
    return page_arg()


def _pagination(page: int, total: int, endpoint: str, **args: Any) -> list[tuple[int, str] | None]:
    """Links to the first, last and nearby pages (``None`` where pages are skipped)."""
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    if pages == 1:
        return []
    shown = sorted({1, pages, *range(max(page - 2, 1), min(page + 2, pages) + 1)})
    out: list[tuple[int, str] | None] = []
    for previous, number in zip([0, *shown], shown, strict=False):
        if number - previous > 1:
            out.append(None)
        out.append((number, url_for(endpoint, hal=number, **args)))
    return out


def _listing(assessment: Assessment, conditions: Sequence[ColumnElement[bool]]) -> dict[str, Any]:
    page = _page()
    total, results = _entries(assessment, conditions, page)
    return {"assessment": assessment, "rows": _rows(results, assessment.instansi_id), "total": total, "page": page}


# --------------------------------------------------------------------------- routes


@bp.get("/audit")
@auth_required()
def index(assessment_id: int) -> str:
    assessment = assessment_or_404(assessment_id, _with_instansi)
    filters = Filters.from_args(request.args)
    people = db.session.execute(
        select(User.id, User.name)
        .where(User.id.in_(select(AuditEntry.actor_id).where(AuditEntry.assessment_id == assessment.id)))
        .order_by(User.name)
    ).all()
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.assessment_id == assessment.id).distinct()
    ).all()
    context = _listing(assessment, filters.conditions())
    return render_template(
        "audit/index.html",
        **context,
        filters=filters,
        people=people,
        actions=sorted(((a, action_label(a)) for a in actions), key=lambda pair: pair[1].lower()),
        object_types=OBJECT_TYPES,
        system=SYSTEM,
        pages=_pagination(
            context["page"], context["total"], "audit.index", assessment_id=assessment.id, **filters.args()
        ),
        csv_url=url_for("audit.export", assessment_id=assessment.id, **filters.args()),
    )


@bp.get("/audit.csv")
@auth_required()
def export(assessment_id: int) -> Response:
    assessment = assessment_or_404(assessment_id, _with_instansi)
    filters = Filters.from_args(request.args)
    name = f"audit-{secure_filename(assessment.instansi.slug) or 'instansi'}-{assessment.year}.csv"
    return Response(
        stream_with_context(_csv_lines(assessment.id, filters)),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@bp.get("/indikator/<code>/riwayat")
@auth_required()
def indicator_history(assessment_id: int, code: str) -> str:
    assessment = assessment_or_404(assessment_id, _with_instansi)
    indicator = db.session.scalar(
        select(Indicator).where(Indicator.instrument_id == assessment.instrument_id, Indicator.code == code)
    )
    if indicator is None:
        abort(404)
    context = _listing(assessment, [AuditEntry.indicator_code == indicator.code])
    return render_template(
        "audit/history.html",
        **context,
        heading=_("Riwayat indikator %(code)s", code=indicator.code),
        subject=indicator.short_name or indicator.name,
        back_url=url_for("assessments.answer", assessment_id=assessment.id, code=indicator.code),
        back_label=_("Kembali ke indikator %(code)s", code=indicator.code),
        pages=_pagination(
            context["page"], context["total"], "audit.indicator_history", assessment_id=assessment.id, code=code
        ),
    )


@bp.get("/pustaka/<int:evidence_id>/riwayat")
@auth_required()
def evidence_history(assessment_id: int, evidence_id: int) -> str:
    assessment = assessment_or_404(assessment_id, _with_instansi)
    evidence = db.session.scalar(
        select(Evidence).where(Evidence.id == evidence_id, Evidence.assessment_id == assessment.id)
    )
    if evidence is None:
        abort(404)
    if evidence.deleted and not roles_in(current_user, assessment.instansi_id) & HISTORY_OF_DELETED:
        abort(404)
    context = _listing(assessment, [AuditEntry.evidence_id == evidence.id])
    return render_template(
        "audit/history.html",
        **context,
        heading=_("Riwayat dokumen"),
        subject=evidence.title,
        back_url=(
            url_for("evidence.library", assessment_id=assessment.id)
            if evidence.deleted
            else url_for("evidence.detail", assessment_id=assessment.id, evidence_id=evidence.id)
        ),
        back_label=_("Kembali ke pustaka") if evidence.deleted else _("Kembali ke dokumen"),
        pages=_pagination(
            context["page"],
            context["total"],
            "audit.evidence_history",
            assessment_id=assessment.id,
            evidence_id=evidence.id,
        ),
    )


# --------------------------------------------------------------------------- CSV


def _csv_lines(assessment_id: int, filters: Filters) -> Iterator[str]:
    """The export, a batch of rows at a time (keyset pagination on time and id, newest first)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def take() -> str:
        data = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return data

    writer.writerow(CSV_COLUMNS)
    yield "\ufeff" + take()
    zone = _zone()
    system = _("sistem")
    base = _csv_query(assessment_id, filters)
    last: tuple[datetime, int] | None = None
    while True:
        query = base
        if last is not None:
            query = query.where(or_(AuditEntry.at < last[0], and_(AuditEntry.at == last[0], AuditEntry.id < last[1])))
        batch = db.session.execute(query).all()
        for row in batch:
            cells = [
                as_utc(row.at).astimezone(zone).isoformat(sep=" ", timespec="seconds"),
                row.name if row.name is not None else system,
                row.email or "",
                row.object_type,
                row.action,
                row.indicator_code or "",
                row.title or "",
                row.summary or "",
                json.dumps(row.changes or [], ensure_ascii=False),
            ]
            writer.writerow([neutralise(c) for c in cells])  # whatever separator the spreadsheet splits on
        if batch:
            yield take()
        if len(batch) < CSV_BATCH:
            return
        last = (batch[-1].at, batch[-1].id)


def _csv_query(assessment_id: int, filters: Filters) -> Select[Any]:
    """Plain columns, not entities: nothing accumulates in the session while a big trail streams."""
    return (
        select(
            AuditEntry.id,
            AuditEntry.at,
            AuditEntry.object_type,
            AuditEntry.action,
            AuditEntry.indicator_code,
            AuditEntry.summary,
            AuditEntry.changes,
            User.name,
            User.email,
            Evidence.title,
        )
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .outerjoin(Evidence, _same_document)
        .where(AuditEntry.assessment_id == assessment_id, *filters.conditions())
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(CSV_BATCH)
    )
