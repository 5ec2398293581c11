"""Year to year: the official result KemenPANRB published, compared with the self-assessment, and its follow-up.

The import is two-step like the XLSX one: ``parse_official`` validates every row (errors name the row and
the column) without writing; the valid rows travel signed (itsdangerous, app secret, 30 minutes) in the
confirmation form, and ``apply_official`` writes them.
"""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload, selectinload

from assess.audit import record
from assess.errors import DomainError
from assess.extensions import db
from assess.models import (
    Answer,
    AnswerEvidence,
    AnswerItem,
    Assessment,
    Evidence,
    EvidenceVersion,
    FollowUp,
    Indicator,
    Instrument,
    OfficialValue,
    Unit,
    User,
)
from assess.queries import load_assessment, project_all
from assess.scoring import Score, check_value, score
from assess.services.answers import review_checks
from assess.services.assessments import open_assessment
from assess.services.instruments import engine_instrument, latest_version
from assess.workflow import mark_edited

log = logging.getLogger(__name__)

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
SIGN_SALT = "mandiri.official-import"
SIGN_MAX_AGE = 30 * 60

#: Accepted header names (lower case) for each column.
HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "code": ("kode", "kode indikator", "indikator"),
    "value": ("nilai", "nilai resmi", "level"),
    "note": ("catatan",),
    "recommendation": ("rekomendasi",),
    "unit": ("unit", "unit penanggung jawab", "opd"),
    "due": ("tenggat", "batas waktu", "tanggal tenggat"),
}


@dataclass
class OfficialRow:
    row: int
    code: str
    value: str
    note: str = ""
    recommendation: str = ""
    unit_id: int | None = None
    unit_name: str = ""
    due: str | None = None


@dataclass
class OfficialPreview:
    rows: list[OfficialRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _table(data: bytes, filename: str) -> list[list[Any]]:
    if len(data) > MAX_BYTES:
        raise DomainError(_l("Berkas terlalu besar (maksimal %(size)s).", size="2 MB"), field="file")
    if filename.lower().endswith(".xlsx"):
        if not zipfile.is_zipfile(io.BytesIO(data)):
            raise DomainError(_l("Berkas bukan XLSX yang sah."), field="file")
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)  # parsed with defusedxml
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
            raise DomainError(_l("Berkas bukan XLSX yang sah."), field="file") from None
        try:
            ws = wb.worksheets[0]
            rows = []
            for n, row in enumerate(ws.iter_rows(max_col=20, values_only=True)):
                if n > MAX_ROWS:
                    raise DomainError(_l("Terlalu banyak baris (maksimal %(n)d).", n=MAX_ROWS), field="file")
                rows.append(list(row))
            return rows
        finally:
            wb.close()
    if filename.lower().endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DomainError(_l("Berkas CSV harus berenkode UTF-8."), field="file") from None
        first = text.split("\n", 1)[0]
        delimiter = ";" if first.count(";") > first.count(",") else ","
        rows = [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
        if len(rows) > MAX_ROWS + 1:
            raise DomainError(_l("Terlalu banyak baris (maksimal %(n)d).", n=MAX_ROWS), field="file")
        return rows
    raise DomainError(_l("Unggah berkas .csv atau .xlsx."), field="file")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


def _parse_date(value: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def parse_official(assessment: Assessment, data: bytes, filename: str) -> OfficialPreview:
    """Validate the official result file; every bad cell is reported as ``baris N, kolom X``. Nothing is written."""
    rows = _table(data, filename)
    preview = OfficialPreview()
    if not rows:
        raise DomainError(_l("Berkas kosong."), field="file")
    header = [_cell(v).lower() for v in rows[0]]
    columns: dict[str, int] = {}
    for key, names in HEADER_NAMES.items():
        for index, title in enumerate(header):
            if title in names:
                columns[key] = index
                break
    for key, label in (("code", "kode"), ("value", "nilai")):
        if key not in columns:
            preview.errors.append(_("baris 1: kolom '%(column)s' tidak ada", column=label))
    if preview.errors:
        return preview
    inst = engine_instrument(assessment.instrument)
    units = db.session.scalars(select(Unit).where(Unit.instansi_id == assessment.instansi_id)).all()
    unit_by_name = {}
    for unit in units:
        unit_by_name[unit.name.strip().lower()] = unit
        if unit.short_name:
            unit_by_name[unit.short_name.strip().lower()] = unit
    seen: set[str] = set()

    def get(values: list[Any], key: str) -> str:
        index = columns.get(key)
        return _cell(values[index]) if index is not None and index < len(values) else ""

    def where(n: int, key: str) -> str:
        return _("baris %(row)d, kolom %(column)s", row=n, column=get_column_letter(columns[key] + 1))

    for n, values in enumerate(rows[1:], start=2):
        if not any(_cell(v) for v in values):
            continue
        code = get(values, "code")
        if code not in inst.indicators:
            preview.errors.append(
                _("%(where)s: kode indikator '%(code)s' tidak ada di instrumen", where=where(n, "code"), code=code)
            )
            continue
        if code in seen:
            preview.errors.append(
                _("%(where)s: kode indikator '%(code)s' muncul lebih dari sekali", where=where(n, "code"), code=code)
            )
            continue
        seen.add(code)
        raw = get(values, "value").replace(",", ".")
        try:
            number = Decimal(raw)
            checked = check_value(inst, code, number)
        except InvalidOperation:
            preview.errors.append(_("%(where)s: nilai '%(raw)s' bukan angka", where=where(n, "value"), raw=raw))
            continue
        except ValueError:
            preview.errors.append(_("%(where)s: nilai harus 0–%(max)s", where=where(n, "value"), max=inst.scale_max))
            continue
        if checked is None or not 0 <= checked <= 5:
            preview.errors.append(_("%(where)s: nilai harus 0–%(max)s", where=where(n, "value"), max=5))
            continue
        row = OfficialRow(
            row=n,
            code=code,
            value=str(number),
            note=get(values, "note"),
            recommendation=get(values, "recommendation"),
        )
        unit_name = get(values, "unit")
        if unit_name:
            owner = unit_by_name.get(unit_name.lower())
            if owner is None:
                preview.errors.append(
                    _("%(where)s: unit '%(unit)s' tidak dikenal", where=where(n, "unit"), unit=unit_name)
                )
                continue
            row.unit_id, row.unit_name = owner.id, owner.name
        due = get(values, "due")
        if due:
            parsed = _parse_date(due)
            if parsed is None:
                preview.errors.append(
                    _("%(where)s: tanggal '%(due)s' tidak terbaca (pakai TTTT-BB-HH)", where=where(n, "due"), due=due)
                )
                continue
            row.due = parsed.isoformat()
        preview.rows.append(row)
    return preview


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SIGN_SALT)


def sign_rows(assessment: Assessment, rows: list[OfficialRow], secret: str) -> str:
    return str(_serializer(secret).dumps({"a": assessment.id, "rows": [asdict(r) for r in rows]}))


def load_signed(assessment: Assessment, token: str, secret: str) -> list[OfficialRow]:
    try:
        payload = _serializer(secret).loads(token, max_age=SIGN_MAX_AGE)
    except SignatureExpired:
        raise DomainError(_l("Pratinjau sudah kedaluwarsa; unggah berkas lagi.")) from None
    except BadSignature:
        raise DomainError(_l("Data pratinjau tidak sah; unggah berkas lagi.")) from None
    if payload.get("a") != assessment.id:
        raise DomainError(_l("Data pratinjau tidak sah; unggah berkas lagi."))
    return [OfficialRow(**row) for row in payload["rows"]]


def apply_official(assessment: Assessment, rows: list[OfficialRow], *, actor: User | None) -> int:
    """Replace the assessment's official values; add each new recommendation as a follow-up. Flushes."""
    if not rows:
        raise DomainError(_l("Tidak ada baris yang sah untuk diterapkan."))
    old = {
        o.indicator_code: o.value
        for o in db.session.scalars(select(OfficialValue).where(OfficialValue.assessment_id == assessment.id))
    }
    db.session.execute(delete(OfficialValue).where(OfficialValue.assessment_id == assessment.id))
    existing = {
        (f.indicator_code, f.recommendation)
        for f in db.session.scalars(select(FollowUp).where(FollowUp.assessment_id == assessment.id))
    }
    position = len(existing)
    added = 0
    for row in rows:
        db.session.add(
            OfficialValue(
                assessment_id=assessment.id,
                indicator_code=row.code,
                value=Decimal(row.value),
                note=row.note,
                imported_by_id=actor.id if actor else None,
            )
        )
        if row.recommendation and (row.code, row.recommendation) not in existing:
            position += 1
            added += 1
            db.session.add(
                FollowUp(
                    assessment_id=assessment.id,
                    indicator_code=row.code,
                    recommendation=row.recommendation,
                    owner_unit_id=row.unit_id,
                    due_date=date.fromisoformat(row.due) if row.due else None,
                    position=position,
                )
            )
    db.session.flush()
    record(
        assessment=assessment,
        actor=actor,
        object_type="assessment",
        object_id=assessment.id,
        action="assessment.import_official",
        summary=f"{len(rows)} nilai resmi, {added} tindak lanjut baru",
        changes=[(r.code, str(old[r.code]) if r.code in old else None, r.value) for r in rows],
    )
    log.info("hasil resmi penilaian %s diimpor: %s nilai, %s tindak lanjut", assessment.id, len(rows), added)
    return added


@dataclass(frozen=True)
class ComparisonRow:
    code: str
    name: str
    claimed: Fraction | None
    final: Fraction | None
    official: Fraction | None


@dataclass(frozen=True)
class Comparison:
    rows: tuple[ComparisonRow, ...]
    claimed: Score
    final: Score
    official: Score | None


def official_values(assessment_id: int) -> dict[str, Fraction]:
    return {
        o.indicator_code: Fraction(o.value)
        for o in db.session.scalars(select(OfficialValue).where(OfficialValue.assessment_id == assessment_id))
    }


def comparison(assessment: Assessment) -> Comparison:
    """Self-assessment (claimed, final) next to the official values, with the index of each."""
    projections = project_all(assessment)
    inst = projections.instrument
    official = official_values(assessment.id)
    names = {a.indicator.code: a.indicator.short_name for a in assessment.answers}
    rows = []
    for code in inst.indicators:
        claimed = None if code in projections.claimed.unanswered else projections.claimed.values[code]
        final = None if code in projections.final.unanswered else projections.final.values[code]
        rows.append(ComparisonRow(code, names.get(code, code), claimed, final, official.get(code)))
    official_score = score(inst, official, assessment.predikat_basis.value) if official else None
    return Comparison(tuple(rows), projections.claimed, projections.final, official_score)


def follow_ups(assessment_id: int) -> list[FollowUp]:
    return list(
        db.session.scalars(
            select(FollowUp).where(FollowUp.assessment_id == assessment_id).order_by(FollowUp.position, FollowUp.id)
        )
    )


def set_follow_up_done(assessment: Assessment, follow_up: FollowUp, *, done: bool, actor: User) -> None:
    """Mark a follow-up action done (now) or reopen it, with an audit entry; a no-op if already so."""
    if (follow_up.done_at is not None) == done:
        return
    old = follow_up.done_at
    follow_up.done_at = datetime.now().astimezone() if done else None
    record(
        assessment=assessment,
        actor=actor,
        object_type="assessment",
        object_id=assessment.id,
        action="followup.done" if done else "followup.reopen",
        changes=[("done_at", old, follow_up.done_at)],
        summary=follow_up.recommendation[:200],
        indicator_code=follow_up.indicator_code,
    )


# --- open from last year's (and the crosswalk) ------------------------------------------------------


def _copy_library(previous: Assessment, new: Assessment) -> dict[int, Evidence]:
    """Copy the live library documents as new Evidence rows with their versions, pointing at the SAME blobs."""
    mapping: dict[int, Evidence] = {}
    docs = db.session.scalars(
        select(Evidence)
        .where(Evidence.assessment_id == previous.id, Evidence.deleted_at.is_(None))
        .options(selectinload(Evidence.versions))
        .order_by(Evidence.id)
    ).all()
    for doc in docs:
        copy = Evidence(
            assessment_id=new.id,
            kind=doc.kind,
            title=doc.title,
            doc_type=doc.doc_type,
            number=doc.number,
            doc_date=doc.doc_date,
            owner_unit_id=doc.owner_unit_id,
            notes=doc.notes,
            url=doc.url,
            access_note=doc.access_note,
            created_by_id=doc.created_by_id,
        )
        db.session.add(copy)
        current = None
        for version in doc.versions:
            v = EvidenceVersion(
                evidence=copy,
                number=version.number,
                blob_id=version.blob_id,
                original_name=version.original_name,
                uploaded_by_id=version.uploaded_by_id,
                uploaded_at=version.uploaded_at,
            )
            db.session.add(v)
            if version.id == doc.current_version_id:
                current = v
        db.session.flush()
        if current is not None:
            copy.current_version_id = current.id
        mapping[doc.id] = copy
    db.session.flush()
    return mapping


def _live_links(assessment_id: int) -> list[AnswerEvidence]:
    return list(
        db.session.scalars(
            select(AnswerEvidence)
            .join(Answer, Answer.id == AnswerEvidence.answer_id)
            .join(Evidence, Evidence.id == AnswerEvidence.evidence_id)
            .where(Answer.assessment_id == assessment_id, Evidence.deleted_at.is_(None))
            .options(joinedload(AnswerEvidence.item))
            .order_by(AnswerEvidence.id)
        )
    )


def open_from_previous(*, previous: Assessment, instrument: Instrument, actor: User | None) -> Assessment:
    """Next year's assessment from ``previous``: answers, assignees and evidence links carried over and
    marked "perlu dicek ulang"; library documents copied as new rows on the same blobs. ``previous`` is
    only read."""
    if instrument.code != previous.instrument.code or instrument.version < previous.instrument.version:
        raise DomainError(
            _l("Pilih versi instrumen yang sama atau lebih baru dari kode yang sama."), field="instrument"
        )
    new = open_assessment(instansi=previous.instansi, instrument=instrument, year=previous.year + 1, created_by=actor)
    new.previous_id = previous.id
    inst = engine_instrument(instrument)
    docs = _copy_library(previous, new)
    old_answers = {
        a.indicator.code: a
        for a in db.session.scalars(
            select(Answer)
            .where(Answer.assessment_id == previous.id)
            .options(joinedload(Answer.indicator), selectinload(Answer.items).joinedload(AnswerItem.item))
        ).unique()
    }
    new_answers = {a.indicator.code: a for a in new.answers}
    items_by_code = {(i.indicator.code, i.code): i for a in new.answers for i in a.indicator.items}
    carried = 0
    for code, answer in new_answers.items():
        old = old_answers.get(code)
        if old is None:
            continue
        value = old.claimed_value
        if value is not None:
            try:
                check_value(inst, code, value)
            except ValueError:
                value = None
        answer.claimed_value = value
        answer.source_value = old.source_value
        answer.fakta, answer.analisis = old.fakta, old.analisis
        answer.assignee_unit_id, answer.assignee_user_id = old.assignee_unit_id, old.assignee_user_id
        answer.needs_recheck = True
        if value is not None or old.fakta or old.analisis:
            mark_edited(answer)
        for mark in old.items:
            item = items_by_code.get((code, mark.item.code))
            if item is not None:
                answer.items.append(
                    AnswerItem(
                        item=item,
                        fulfilled=mark.fulfilled,
                        note=mark.note,
                        assignee_unit_id=mark.assignee_unit_id,
                        assignee_user_id=mark.assignee_user_id,
                    )
                )
        carried += 1
    answer_by_old_id = {old_answers[c].id: new_answers[c] for c in new_answers if c in old_answers}
    links = 0
    for link in _live_links(previous.id):
        target = answer_by_old_id.get(link.answer_id)
        if target is None or link.evidence_id not in docs:
            continue
        item_id = None
        if link.item is not None:
            item = items_by_code.get((target.indicator.code, link.item.code))
            item_id = item.id if item else None
        target.links.append(
            AnswerEvidence(
                evidence=docs[link.evidence_id],
                level=link.level,
                item_id=item_id,
                note=link.note,
                created_by_id=actor.id if actor else link.created_by_id,
            )
        )
        links += 1
    db.session.flush()
    record(
        assessment=new,
        actor=actor,
        object_type="assessment",
        object_id=new.id,
        action="assessment.carry_over",
        summary=f"dari penilaian {previous.id} ({previous.year}): {carried} jawaban, {len(docs)} dokumen, "
        f"{links} tautan",
        changes=[("previous_id", None, previous.id)],
    )
    log.info("penilaian %s dibuka dari %s: %s jawaban, %s dokumen", new.id, previous.id, carried, len(docs))
    return new


@dataclass(frozen=True)
class RecheckRow:
    code: str
    name: str
    stale: tuple[str, ...]


def recheck_rows(assessment: Assessment, *, today: date | None = None) -> list[RecheckRow]:
    """Answers still marked "perlu dicek ulang", with the freshness warnings of their documents."""
    rows = []
    for answer in sorted(assessment.answers, key=lambda a: a.indicator.position):
        if not answer.needs_recheck:
            continue
        checks = review_checks(answer, today=today)
        stale = tuple(c.message for c in checks if c.check == "stale_evidence")
        rows.append(RecheckRow(answer.indicator.code, answer.indicator.short_name, stale))
    return rows


# --- trend ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendRow:
    assessment_id: int
    year: int
    instrument: str
    claimed: Score
    final: Score | None
    official: Score | None

    @property
    def best(self) -> Score:
        """The most authoritative score there is: official, then final, then claimed."""
        return self.official or self.final or self.claimed


def trend(assessments: list[Assessment]) -> list[TrendRow]:
    """Index, aspects and predikat of each assessment (oldest year first). Read-only."""
    rows = []
    for assessment in sorted(assessments, key=lambda a: (a.year, a.instrument.code)):
        loaded = load_assessment(assessment.id)
        if loaded is None:
            continue
        projections = project_all(loaded)
        has_final = any(a.final_value is not None for a in loaded.answers)
        official = official_values(loaded.id)
        rows.append(
            TrendRow(
                assessment_id=loaded.id,
                year=loaded.year,
                instrument=loaded.instrument.code,
                claimed=projections.claimed,
                final=projections.final if has_final else None,
                official=score(projections.instrument, official, loaded.predikat_basis.value) if official else None,
            )
        )
    return rows


def trend_points(rows: list[TrendRow], width: int = 480, height: int = 160) -> str:
    """SVG polyline points of the best index per year (scale 0–5), for one instrument code."""
    if not rows:
        return ""
    step = width / max(len(rows) - 1, 1)
    return " ".join(
        f"{round(i * step, 1)},{round(height - float(row.best.index) / 5 * height, 1)}" for i, row in enumerate(rows)
    )


# --- crosswalk spbe-2020 -> pemdi-2026 --------------------------------------------------------------

CROSSWALK_DIR = Path(__file__).resolve().parent.parent.parent / "seeds" / "crosswalk"
CROSSWALK_STATUSES = {"reuse", "update", "new"}


@dataclass(frozen=True)
class Crosswalk:
    source: str
    target: str
    #: target indicator code -> source indicator codes whose evidence carries over
    mapping: dict[str, tuple[str, ...]]
    status: dict[str, str]


def load_crosswalk(source: str, target: str, directory: Path | None = None) -> Crosswalk:
    """Read and validate ``seeds/crosswalk/<source>_<target>.yaml`` against both instruments' codes."""
    path = (directory or CROSSWALK_DIR) / f"{source}_{target}.yaml"
    if not path.is_file():
        raise DomainError(_l("Tidak ada crosswalk %(source)s → %(target)s.", source=source, target=target))
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("from") != source or data.get("to") != target:
        raise ValueError(f"{path.name}: 'from'/'to' harus {source}/{target}")
    raw = data.get("map")
    if not isinstance(raw, dict) or not raw:
        raise ValueError(f"{path.name}: 'map' kosong")
    src_codes = set(_instrument_codes(source))
    dst_codes = set(_instrument_codes(target))
    mapping: dict[str, tuple[str, ...]] = {}
    status: dict[str, str] = {}
    for code, entry in raw.items():
        code = str(code)
        if code not in dst_codes:
            raise ValueError(f"{path.name}: indikator {target} '{code}' tidak dikenal")
        if not isinstance(entry, dict) or entry.get("status") not in CROSSWALK_STATUSES:
            raise ValueError(f"{path.name}: {code}: status harus salah satu dari {sorted(CROSSWALK_STATUSES)}")
        sources = [str(s) for s in entry.get("from") or []]
        unknown = [s for s in sources if s not in src_codes]
        if unknown or len(set(sources)) != len(sources):
            raise ValueError(f"{path.name}: {code}: kode {source} tidak dikenal atau ganda: {unknown or sources}")
        mapping[code] = tuple(sources)
        status[code] = str(entry["status"])
    return Crosswalk(source, target, mapping, status)


def _instrument_codes(code: str) -> list[str]:
    row = latest_version(code)
    if row is None:
        raise DomainError(_l("Instrumen %(code)s belum dimuat.", code=code))
    return list(engine_instrument(row).indicators)


def open_crosswalk(*, previous: Assessment, instrument: Instrument, year: int, actor: User | None) -> Assessment:
    """A ``pemdi-2026`` assessment from an ``spbe-2020`` one: the library is copied (same blobs) and each
    document is linked to the Pemdi indicators the crosswalk maps its SPBE indicator to, marked for re-check.
    No value is copied. ``previous`` is only read."""
    crosswalk = load_crosswalk(previous.instrument.code, instrument.code)
    new = open_assessment(instansi=previous.instansi, instrument=instrument, year=year, created_by=actor)
    new.previous_id = previous.id
    docs = _copy_library(previous, new)
    old_codes: dict[int, str] = {
        row.id: row.code
        for row in db.session.execute(
            select(Answer.id, Indicator.code)
            .join(Indicator, Indicator.id == Answer.indicator_id)
            .where(Answer.assessment_id == previous.id)
        )
    }
    evidence_by_source: dict[str, list[int]] = {}
    for link in _live_links(previous.id):
        ids = evidence_by_source.setdefault(old_codes[link.answer_id], [])
        if link.evidence_id not in ids:
            ids.append(link.evidence_id)
    links = 0
    for answer in new.answers:
        target = answer.indicator.code
        linked: set[int] = set()
        for source in crosswalk.mapping.get(target, ()):
            for evidence_id in evidence_by_source.get(source, []):
                if evidence_id in linked or evidence_id not in docs:
                    continue
                linked.add(evidence_id)
                answer.links.append(
                    AnswerEvidence(
                        evidence=docs[evidence_id],
                        note=f"dari indikator SPBE {source}",
                        created_by_id=actor.id if actor else None,
                    )
                )
        if linked:
            answer.needs_recheck = True
            links += len(linked)
    db.session.flush()
    record(
        assessment=new,
        actor=actor,
        object_type="assessment",
        object_id=new.id,
        action="assessment.crosswalk",
        summary=f"dari {previous.instrument.code} {previous.year} (penilaian {previous.id}): "
        f"{len(docs)} dokumen, {links} tautan",
        changes=[("previous_id", None, previous.id)],
    )
    log.info("penilaian %s dibuka lewat crosswalk dari %s: %s tautan", new.id, previous.id, links)
    return new
