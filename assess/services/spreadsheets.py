"""An assessment as an XLSX workbook: export for offline editing, and import of the edited copy.

The import is two-step: ``parse_import`` reads the upload and compares it with the current answers
(nothing written); ``apply_import`` applies the accepted rows through the same answer services as the UI.
Between the two, the parsed changes travel signed (itsdangerous, app secret, 30 minutes) in the
confirmation form: nothing of the upload is stored on the server, and a tampered payload is rejected.
Each row still carries the answer version it was exported with, so a change made meanwhile is a conflict.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, Protection
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import select

from assess import display, texts
from assess.audit import record_assessment
from assess.errors import DomainError
from assess.extensions import db
from assess.models import Answer, AnswerEvidence, Assessment, Evidence, User
from assess.queries.engine import engine_instrument
from assess.scoring import check_value, read_decimal
from assess.services import answers as answer_service
from assess.services import previews
from assess.workflow import answer_state_label
from reports.csvsafe import FORMULA_PREFIXES

log = logging.getLogger(__name__)

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2000
SIGN_SALT = "mandiri.spreadsheet-import"
SHEET_NAME = "Penilaian"

#: (column letter, header) in export order. D, I and J are the columns an import may change.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("A", "Kode"),
    ("B", "Indikator"),
    ("C", "Aspek"),
    ("D", "Nilai klaim"),
    ("E", "Nilai reviu"),
    ("F", "Nilai akhir"),
    ("G", "Status"),
    ("H", "Unit penanggung jawab"),
    ("I", "FAKTA"),
    ("J", "ANALISIS"),
    ("K", "Data dukung"),
    ("L", "Catatan reviu"),
    ("M", "Versi"),
)
HEADERS = tuple(h for _, h in COLUMNS)
EDITABLE = {"claimed_value": "D", "fakta": "I", "analisis": "J"}
INSTRUCTIONS = (
    "Petunjuk pengisian luring",
    "",
    "1. Ubah hanya kolom D (Nilai klaim), I (FAKTA) dan J (ANALISIS) pada lembar Penilaian.",
    "2. Kolom lain hanya untuk dibaca; perubahan di sana diabaikan saat impor.",
    "3. Kolom M (Versi) tersembunyi dan terkunci: jangan diubah. Bila jawaban sudah diubah di aplikasi "
    "setelah berkas ini diekspor, baris itu dilaporkan sebagai konflik dan tidak diterapkan.",
    "4. Nilai klaim instrumen level: bilangan bulat 0–5, kosongkan bila belum diisi. Nilai klaim Pemdi "
    "dihitung dari butir bukti dan tidak dapat diubah lewat berkas ini.",
    "5. Teks yang diawali =, +, -, @ diberi tanda petik (') di depan agar tidak dibaca sebagai rumus; "
    "tanda itu dihapus kembali saat impor.",
    "6. Unggah berkas lewat menu Impor XLSX. Semua perubahan ditampilkan dulu; tidak ada yang disimpan "
    "sebelum Anda menekan Terapkan.",
)


def neutralise(value: str) -> str:
    """A text cell that no spreadsheet program will evaluate as a formula. An XLSX cell is never split, so only its
    start matters (a CSV cell needs :func:`reports.csvsafe.neutralise`); :func:`unneutralise` takes the quote away."""
    if value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    """Undo ``neutralise`` (only the quote it added)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def _number(value: Decimal | None) -> int | Decimal | None:
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return value.normalize()


def _cell_value(value: Decimal | None, graded: bool) -> int | Decimal | None:
    """A value as the sheet holds it: a level whole, a graded value rounded half up to the two decimals the pages
    show (9/8 → 1.13: written as that decimal, Excel shows what the pages show)."""
    if value is None:
        return None
    return display.rounded(value, 2) if graded else _number(value)


#: How Excel shows a graded value: always two decimals, as the pages do.
GRADED_FORMAT = "0.00"
#: The columns holding values (claimed, reviewer, final).
VALUE_COLUMNS = frozenset({3, 4, 5})


def _evidence_by_answer(assessment_id: int) -> dict[int, list[Evidence]]:
    rows = db.session.execute(
        select(AnswerEvidence.answer_id, Evidence)
        .join(Evidence, Evidence.id == AnswerEvidence.evidence_id)
        .join(Answer, Answer.id == AnswerEvidence.answer_id)
        .where(Answer.assessment_id == assessment_id, Evidence.deleted_at.is_(None))
        .order_by(AnswerEvidence.id)
    ).all()
    out: dict[int, list[Evidence]] = {}
    for answer_id, evidence in rows:
        docs = out.setdefault(answer_id, [])
        if evidence not in docs:
            docs.append(evidence)
    return out


def _evidence_text(docs: Iterable[Evidence]) -> str:
    lines = []
    for doc in docs:
        parts = [doc.title]
        if doc.number:
            parts.append(doc.number)
        if doc.doc_date:
            parts.append(doc.doc_date.isoformat())
        lines.append("; ".join(parts))
    return "\n".join(lines)


def export_rows(assessment: Assessment) -> list[list[Any]]:
    """The values of the data rows, in column order (before neutralisation)."""
    evidence = _evidence_by_answer(assessment.id)
    graded = assessment.instrument.value_type != "level"
    answers = sorted(assessment.answers, key=lambda a: (a.indicator.position, a.indicator.code))
    rows = []
    for ans in answers:
        ind = ans.indicator
        rows.append(
            [
                ind.code,
                ind.name,
                ind.aspect.name if ind.aspect else "",
                _cell_value(ans.claimed_value, graded),
                _cell_value(ans.reviewer_value, graded),
                _cell_value(ans.final_value, graded),
                answer_state_label(ans.state),
                ans.assignee_unit.name if ans.assignee_unit else "",
                ans.fakta or "",
                ans.analisis or "",
                _evidence_text(evidence.get(ans.id, [])),
                ans.reviewer_note or "",
                ans.version,
            ]
        )
    return rows


def export_xlsx(assessment: Assessment) -> bytes:
    """The assessment as an XLSX workbook (write-only mode); text cells neutralised against formulas."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET_NAME)
    ws.protection.sheet = True  # only the version column is locked; the others are unlocked below
    ws.column_dimensions["M"].hidden = True
    for letter, width in (("B", 50), ("I", 60), ("J", 60), ("K", 50), ("L", 40)):
        ws.column_dimensions[letter].width = width
    bold = Font(bold=True)
    header = []
    for title in HEADERS:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    unlocked, locked = Protection(locked=False), Protection(locked=True)
    graded = assessment.instrument.value_type != "level"
    for values in export_rows(assessment):
        cells = []
        for index, value in enumerate(values):
            cell = WriteOnlyCell(ws, value=neutralise(value) if isinstance(value, str) else value)
            if isinstance(value, str):
                cell.data_type = "s"
            elif graded and index in VALUE_COLUMNS:
                cell.number_format = GRADED_FORMAT
            cell.protection = locked if index == len(values) - 1 else unlocked
            cells.append(cell)
        ws.append(cells)
    info = wb.create_sheet("Petunjuk")
    info.append([f"{assessment.instansi.name} · {assessment.instrument.code} · {assessment.year}"])
    for line in INSTRUCTIONS:
        info.append([neutralise(line)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- import ---------------------------------------------------------------------------------------


@dataclass
class RowChange:
    row: int
    code: str
    answer_id: int
    version: int
    #: field -> [old, new] as display strings ("" for empty)
    changes: dict[str, list[str]]


@dataclass
class ImportPreview:
    changes: list[RowChange] = field(default_factory=list)
    conflicts: list[RowChange] = field(default_factory=list)
    refused: list[RowChange] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unchanged: int = 0


def _display(value: Decimal | None) -> str:
    n = _number(value)
    return "" if n is None else str(n)


def _read_rows(data: bytes) -> list[tuple[Any, ...]]:
    if len(data) > MAX_IMPORT_BYTES:
        raise DomainError(_l("Berkas terlalu besar (maksimal 5 MB)."), field="file")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise DomainError(_l("Berkas bukan XLSX yang sah."), field="file")
    try:
        # openpyxl parses with defusedxml when it is installed (it is a dependency of this project).
        # Formulas are read as their text ("=..."), so they can be refused rather than evaluated.
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise DomainError(_l("Berkas bukan XLSX yang sah."), field="file") from None
    try:
        if SHEET_NAME not in wb.sheetnames:
            raise DomainError(_l("Lembar '%(sheet)s' tidak ada di berkas.", sheet=SHEET_NAME), field="file")
        rows = []
        for n, row in enumerate(wb[SHEET_NAME].iter_rows(max_col=len(COLUMNS), values_only=True)):
            if n > MAX_ROWS:
                raise DomainError(_l("Terlalu banyak baris (maksimal %(rows)s).", rows=MAX_ROWS), field="file")
            rows.append(tuple(row) + (None,) * (len(COLUMNS) - len(row)))
        return rows
    finally:
        wb.close()


def _text(value: Any) -> str:
    if value is None:
        return ""
    return unneutralise(str(value)).strip()


def _parse_level(value: Any, row: int, graded: bool) -> tuple[Decimal | None, str | None]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    try:
        number = read_decimal(str(value))
    except ValueError:
        return None, _("baris %(row)s, kolom D: nilai %(value)s bukan angka", row=row, value=repr(value))
    if graded:
        return number.quantize(Decimal("0.0001")), None
    if number != number.to_integral_value() or not (0 <= number <= 5):
        return None, _("baris %(row)s, kolom D: level harus 0–5", row=row)
    return number, None


def _changed(current: Decimal | None, new: Decimal | None, graded: bool) -> bool:
    """Whether column D differs from the stored value; a graded value is compared as the sheet shows it (the
    export wrote it rounded to two decimals)."""
    if current is None or new is None:
        return (current is None) != (new is None)
    if graded:
        return display.rounded(current, 2) != display.rounded(new, 2)
    return current != new


def parse_import(assessment: Assessment, data: bytes, can_edit: Callable[[Answer], bool]) -> ImportPreview:
    """Compare the uploaded workbook with the current answers. Nothing is written."""
    rows = _read_rows(data)
    preview = ImportPreview()
    if not rows:
        raise DomainError(_l("Lembar %(sheet)s kosong.", sheet=SHEET_NAME), field="file")
    for letter_title, got in zip(COLUMNS, rows[0], strict=True):
        letter, title = letter_title
        if _text(got) != title:
            preview.errors.append(_("baris 1, kolom %(column)s: judul harus '%(title)s'", column=letter, title=title))
    if preview.errors:
        return preview
    inst = engine_instrument(assessment.instrument)
    graded = inst.value_type != "level"
    by_code = {a.indicator.code: a for a in assessment.answers}
    seen: set[str] = set()
    for n, values in enumerate(rows[1:], start=2):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        code = _text(values[0])
        answer = by_code.get(code)
        if answer is None:
            preview.errors.append(
                _("baris %(row)s, kolom A: kode indikator '%(code)s' tidak ada di penilaian ini", row=n, code=code)
            )
            continue
        if code in seen:
            preview.errors.append(
                _("baris %(row)s, kolom A: kode indikator '%(code)s' muncul lebih dari sekali", row=n, code=code)
            )
            continue
        seen.add(code)
        try:
            version = int(values[12])
        except (TypeError, ValueError):
            preview.errors.append(_("baris %(row)s, kolom M: versi tidak terbaca (kolom ini jangan diubah)", row=n))
            continue
        formulas = [
            letter
            for letter, col in (("D", 3), ("I", 8), ("J", 9))
            if isinstance(values[col], str) and values[col].startswith("=")
        ]
        if formulas:
            preview.errors.extend(
                _(
                    "baris %(row)s, kolom %(column)s: rumus tidak diterima; awali dengan tanda petik (') bila memang "
                    "teks",
                    row=n,
                    column=letter,
                )
                for letter in formulas
            )
            continue
        level, error = _parse_level(values[3], n, graded)
        if error:
            preview.errors.append(error)
            continue
        changes: dict[str, list[str]] = {}
        current = answer.claimed_value
        if _changed(current, level, graded):
            if graded:
                preview.errors.append(
                    _("baris %(row)s, kolom D: nilai klaim Pemdi dihitung dari butir, ubah di aplikasi", row=n)
                )
                continue
            try:
                check_value(inst, code, None if level is None else int(level))
            except ValueError as exc:
                preview.errors.append(_("baris %(row)s, kolom D: %(reason)s", row=n, reason=str(exc)))
                continue
            changes["claimed_value"] = [_display(current), _display(level)]
        for name, col in (("fakta", 8), ("analisis", 9)):
            new = _text(values[col])
            old = (getattr(answer, name) or "").strip()
            if new != old:
                changes[name] = [old, new]
        if not changes:
            preview.unchanged += 1
            continue
        change = RowChange(row=n, code=code, answer_id=answer.id, version=version, changes=changes)
        if version != answer.version:
            preview.conflicts.append(change)
        elif not can_edit(answer):
            preview.refused.append(change)
        else:
            preview.changes.append(change)
    return preview


def sign_changes(assessment: Assessment, changes: Sequence[RowChange], secret: str) -> str:
    return previews.sign(SIGN_SALT, assessment, changes, secret)


def load_signed(assessment: Assessment, token: str, secret: str) -> list[RowChange]:
    return [RowChange(**row) for row in previews.load(SIGN_SALT, assessment, token, secret)]


@dataclass
class ApplyResult:
    applied: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def apply_import(
    assessment: Assessment,
    changes: Sequence[RowChange],
    *,
    actor: User,
    can_edit: Callable[[Answer], bool],
) -> ApplyResult:
    """Apply the previewed rows through the answer services (each one audited); flush, never commit."""
    result = ApplyResult()
    by_id = {a.id: a for a in assessment.answers}
    graded = assessment.instrument.value_type != "level"
    for change in changes:
        answer = by_id.get(change.answer_id)
        if answer is None:
            result.errors.append(
                _("baris %(row)s: indikator %(code)s tidak ditemukan", row=change.row, code=change.code)
            )
            continue
        if not can_edit(answer):
            result.refused.append(change.code)
            continue
        fakta = change.changes["fakta"][1] if "fakta" in change.changes else answer.fakta
        analisis = change.changes["analisis"][1] if "analisis" in change.changes else answer.analisis
        try:
            if graded:
                answer_service.save_graded_answer(
                    answer=answer,
                    expected_version=change.version,
                    items=[],
                    source_value=answer.source_value,
                    update_source=False,
                    fakta=fakta,
                    analisis=analisis,
                    actor=actor,
                )
            else:
                if "claimed_value" in change.changes:
                    new = change.changes["claimed_value"][1]
                    level = int(new) if new else None
                else:
                    level = None if answer.claimed_value is None else int(answer.claimed_value)
                answer_service.save_level_answer(
                    answer=answer,
                    expected_version=change.version,
                    level=level,
                    fakta=fakta,
                    analisis=analisis,
                    actor=actor,
                )
        except answer_service.ConflictError:
            result.conflicts.append(change.code)
            continue
        except DomainError as exc:
            result.errors.append(_("baris %(row)s: %(reason)s", row=change.row, reason=exc.message))
            continue
        result.applied.append(change.code)
    record_assessment(
        assessment,
        actor=actor,
        action="assessment.import_xlsx",
        summary=texts.text(
            "audit.xlsx_import",
            applied=texts.number(len(result.applied), 0),
            conflicts=texts.number(len(result.conflicts), 0),
            refused=texts.number(len(result.refused), 0),
        ),
    )
    log.info("impor XLSX penilaian %s: %s baris diterapkan", assessment.id, len(result.applied))
    return result
