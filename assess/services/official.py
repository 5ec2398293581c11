"""The official result KemenPANRB published: its import, its comparison with the self-assessment, and the
follow-up of its recommendations.

The import is two-step like the XLSX one: ``parse_official`` validates every row (errors name the row and
the column) without writing; the valid rows travel signed (itsdangerous, app secret, 30 minutes) in the
confirmation form, and ``apply_official`` writes them.
"""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import delete, select

from assess import texts
from assess.audit import record_assessment
from assess.errors import DomainError
from assess.extensions import db
from assess.models import Assessment, FollowUp, OfficialValue, Unit, User
from assess.queries import project_all
from assess.queries.engine import engine_instrument
from assess.scoring import Score, check_value, read_decimal, score
from assess.services import previews

log = logging.getLogger(__name__)

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
SIGN_SALT = "mandiri.official-import"

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
            number = read_decimal(raw)
        except ValueError:
            preview.errors.append(_("%(where)s: nilai '%(raw)s' bukan angka", where=where(n, "value"), raw=raw))
            continue
        try:
            checked = check_value(inst, code, number)
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


def sign_rows(assessment: Assessment, rows: list[OfficialRow], secret: str) -> str:
    return previews.sign(SIGN_SALT, assessment, rows, secret)


def load_signed(assessment: Assessment, token: str, secret: str) -> list[OfficialRow]:
    return [OfficialRow(**row) for row in previews.load(SIGN_SALT, assessment, token, secret)]


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
    record_assessment(
        assessment,
        actor=actor,
        action="assessment.import_official",
        summary=texts.text("audit.official_import", n=texts.number(len(rows), 0), f=texts.number(added, 0)),
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
    record_assessment(
        assessment,
        actor=actor,
        action="followup.done" if done else "followup.reopen",
        changes=[("done_at", old, follow_up.done_at)],
        summary=follow_up.recommendation[:200],
        indicator_code=follow_up.indicator_code,
    )
