"""The external asesor's verdict on each butir (Pemdi): imported from a CSV or XLSX file, or typed in one by one.

The import is two-step like the official result's: :func:`parse_verdicts` reads the file and compares it with what
is recorded (nothing written); every problem names the row as the file shows it (the header is row 1) and the column,
and while there is any, nothing can be applied. The rows to write travel signed (:mod:`assess.services.previews`) to
:func:`apply_verdicts`, which plans them again against the verdicts as they are then, so a file applied twice changes
nothing the second time.

A verdict is kept per butir and stage (dokumen, koreksi, wawancara): a verdict of a later stage is added beside the
earlier ones, which stay as the butir's history; the latest stage's counts (:func:`assess.queries.verdicts.
current_verdicts`). A changed verdict of the same stage replaces the earlier one, and the correction the unit marked
on it, which answered the old verdict, is cleared.

Columns (headers case- and space-insensitive): ``butir`` (the code, e.g. ``I1-L2-03``) and ``hasil`` (diterima,
revisi, ditolak) are required; ``catatan`` and ``tahap`` are optional, other columns are ignored (an asesor's export
has many). Without ``tahap`` the assessment's current stage is taken (:func:`default_stage`). A row with neither a
hasil nor a catatan is a butir not judged (the template lists every butir) and is passed over.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from assess import texts
from assess.audit import record, record_assessment
from assess.errors import DomainError
from assess.extensions import db
from assess.models import (
    Assessment,
    ButirVerdict,
    CycleStage,
    EvidenceItem,
    Indicator,
    Instrument,
    User,
    Verdict,
    VerdictSource,
)
from assess.models.base import utcnow
from assess.services import previews
from assess.services.directory import read_table
from assess.workflow import stage_label, verdict_label
from reports import csvsafe

log = logging.getLogger(__name__)

SIGN_SALT = "mandiri.verdict-import"
#: The stages in which the asesor judges butir, in their order.
JUDGING_STAGES: tuple[CycleStage, ...] = (CycleStage.DOKUMEN, CycleStage.KOREKSI, CycleStage.WAWANCARA)
#: A verdict's note, at most (the signed preview carries every note to the apply step).
NOTE_MAX = 1000
#: The shape of a butir code: indicator, level, number.
BUTIR_CODE = re.compile(r"^I\d{1,2}-L[1-5]-\d{1,3}$")

#: Accepted header names (normalised: lower case, single spaces) for each column.
HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "butir": ("butir", "kode butir", "kode", "item", "kode item", "code", "item code"),
    "verdict": ("hasil", "verdict", "hasil penilaian", "hasil asesor", "status", "keputusan", "result"),
    "note": ("catatan", "note", "notes", "catatan asesor", "keterangan"),
    "stage": ("tahap", "stage", "tahap penilaian"),
}
#: The column each key is named by in messages when the file's own header is not at hand.
COLUMN_NAMES = {"butir": "butir", "verdict": "hasil", "note": "catatan", "stage": "tahap"}
VERDICT_WORDS: dict[str, Verdict] = {
    **dict.fromkeys(("diterima", "terima", "accepted", "accept"), Verdict.DITERIMA),
    **dict.fromkeys(("revisi", "perlu revisi", "direvisi", "revision", "revise"), Verdict.REVISI),
    **dict.fromkeys(("ditolak", "tolak", "otomatis ditolak", "rejected", "reject"), Verdict.DITOLAK),
}
#: A stage as people write it, once "tahap"/"penilaian"/"stage" in front is taken away ("tahap 2" is "2").
STAGE_WORDS: dict[str, CycleStage] = {
    **dict.fromkeys(("dokumen", "verifikasi dokumen", "document", "1", "i"), CycleStage.DOKUMEN),
    **dict.fromkeys(("koreksi", "perbaikan", "correction", "2", "ii"), CycleStage.KOREKSI),
    **dict.fromkeys(("wawancara", "interviu", "interview", "visitasi", "3", "iii"), CycleStage.WAWANCARA),
}
STAGE_PREFIXES = ("tahap ", "penilaian ", "stage ")

NEW, CHANGED, SAME = "baru", "ubah", "sama"


def _words(text: str) -> str:
    return " ".join(text.replace("_", " ").lower().split())


def read_verdict(text: str) -> Verdict | None:
    return VERDICT_WORDS.get(_words(text))


def read_stage(text: str) -> CycleStage | None:
    words = _words(text)
    while words.startswith(STAGE_PREFIXES):
        words = next(words.removeprefix(p) for p in STAGE_PREFIXES if words.startswith(p))
    return STAGE_WORDS.get(words)


def default_stage(assessment: Assessment) -> CycleStage:
    """The stage a verdict without one belongs to: the assessment's current stage, dokumen while it is still in the
    self-assessment, wawancara (the last judging stage) once the cycle is over."""
    if assessment.stage in JUDGING_STAGES:
        return assessment.stage
    return CycleStage.WAWANCARA if assessment.stage == CycleStage.SELESAI else CycleStage.DOKUMEN


@dataclass
class VerdictRow:
    """One valid row of the file, and how it compares with what is recorded."""

    row: int
    item_id: int
    code: str
    stage: str
    verdict: str
    note: str
    change: str = NEW
    old_verdict: str | None = None
    old_note: str = ""


@dataclass
class VerdictPreview:
    rows: list[VerdictRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: Rows naming a butir with neither a hasil nor a catatan: not judged, passed over.
    skipped: int = 0

    @property
    def changes(self) -> list[VerdictRow]:
        """The rows that add or change a verdict (those to apply)."""
        return [r for r in self.rows if r.change != SAME]

    def count(self, change: str) -> int:
        return sum(1 for r in self.rows if r.change == change)


def _at(row: int, column: str, problem: str) -> tuple[int, str]:
    return row, _("Baris %(row)s, kolom %(column)s: %(problem)s", row=row, column=column, problem=problem)


def _columns(header: list[str], problems: list[tuple[int, str]]) -> dict[str, int]:
    """Where each known column is (the file's other columns are ignored); a repeated or missing one is an error."""
    where: dict[str, int] = {}
    for index, title in enumerate(header):
        key = next((k for k, names in HEADER_NAMES.items() if _words(title) in names), None)
        if key is None:
            continue
        if key in where:
            problems.append(_at(1, title, _("kolom %(column)s muncul lebih dari sekali", column=COLUMN_NAMES[key])))
        else:
            where[key] = index
    for key in ("butir", "verdict"):
        if key not in where:
            problems.append(
                (
                    1,
                    _(
                        "Baris 1: kolom wajib “%(column)s” tidak ada (judul kolom yang diterima: %(names)s)",
                        column=COLUMN_NAMES[key],
                        names=", ".join(HEADER_NAMES[key]),
                    ),
                )
            )
    return where


def _items_of(assessment: Assessment) -> dict[str, EvidenceItem]:
    """The assessment's butir by code (one query)."""
    return {
        item.code: item
        for item in db.session.scalars(
            select(EvidenceItem)
            .join(Indicator, Indicator.id == EvidenceItem.indicator_id)
            .where(Indicator.instrument_id == assessment.instrument_id)
        )
    }


def _elsewhere(assessment: Assessment, codes: set[str]) -> dict[str, str]:
    """The codes among ``codes`` that are butir of another instrument, with that instrument's name (one query)."""
    if not codes:
        return {}
    rows = db.session.execute(
        select(EvidenceItem.code, Instrument.code, Instrument.version)
        .join(Indicator, Indicator.id == EvidenceItem.indicator_id)
        .join(Instrument, Instrument.id == Indicator.instrument_id)
        .where(EvidenceItem.code.in_(codes), Instrument.id != assessment.instrument_id)
        .order_by(Instrument.code, Instrument.version)
    ).all()
    return {code: f"{instrument} v{version}" for code, instrument, version in rows}


def _recorded(assessment_id: int) -> dict[tuple[int, str], ButirVerdict]:
    rows = db.session.scalars(select(ButirVerdict).where(ButirVerdict.assessment_id == assessment_id))
    return {(v.item_id, v.stage.value): v for v in rows}


def parse_verdicts(assessment: Assessment, data: bytes, filename: str) -> VerdictPreview:
    """Read the asesor's verdicts from a ``.csv`` or ``.xlsx`` file and compare them with what is recorded; every
    problem is reported as ``Baris N, kolom X``. Nothing is written."""
    _require_graded(assessment)
    table = read_table(data, filename)
    if not table.rows:
        raise DomainError(_l("Berkas tidak berisi satu baris hasil pun di bawah judul kolom."), field="file")
    problems: list[tuple[int, str]] = []
    where = _columns(table.header, problems)
    preview = VerdictPreview()
    if problems:
        preview.errors = [message for _row, message in problems]
        return preview
    titles = {key: table.header[index] for key, index in where.items()}
    items = _items_of(assessment)
    recorded = _recorded(assessment.id)
    fallback = default_stage(assessment)
    seen: dict[tuple[int, str], int] = {}
    unknown: list[tuple[int, str]] = []  # (row, code): not a butir of this instrument; perhaps of another

    def get(cells: list[str], key: str) -> str:
        index = where.get(key)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    for n, cells in table.rows:
        code = "".join(get(cells, "butir").split()).upper()
        raw_verdict, note, raw_stage = get(cells, "verdict"), get(cells, "note"), get(cells, "stage")
        if not raw_verdict and not note:
            if code:
                preview.skipped += 1
            continue
        if not code:
            problems.append(_at(n, titles["butir"], _("kode butir kosong")))
            continue
        item = items.get(code)
        if item is None:
            if BUTIR_CODE.match(code):
                unknown.append((n, code))
            else:
                problems.append(_at(n, titles["butir"], _("“%(code)s” bukan kode butir (contoh: I1-L2-03)", code=code)))
            continue
        if item.kind == "note":
            problems.append(_at(n, titles["butir"], _("%(code)s adalah catatan, bukan butir yang dinilai", code=code)))
            continue
        verdict = read_verdict(raw_verdict)
        if verdict is None:
            problems.append(
                _at(
                    n,
                    titles["verdict"],
                    _("kosong; isi diterima, revisi, atau ditolak")
                    if not raw_verdict
                    else _("“%(value)s” bukan diterima, revisi, atau ditolak", value=raw_verdict),
                )
            )
            continue
        stage = fallback
        if raw_stage:
            read = read_stage(raw_stage)
            if read is None:
                problems.append(
                    _at(n, titles["stage"], _("“%(value)s” bukan dokumen, koreksi, atau wawancara", value=raw_stage))
                )
                continue
            stage = read
        if len(note) > NOTE_MAX:
            problems.append(_at(n, titles.get("note", "catatan"), _("catatan lebih dari %(n)s karakter", n=NOTE_MAX)))
            continue
        key = (item.id, stage.value)
        if key in seen:
            problems.append(
                _at(
                    n,
                    titles["butir"],
                    _(
                        "butir %(code)s tahap %(stage)s sudah ada di baris %(row)s",
                        code=code,
                        stage=stage_label(stage.value),
                        row=seen[key],
                    ),
                )
            )
            continue
        seen[key] = n
        row = VerdictRow(n, item.id, code, stage.value, verdict.value, note)
        old = recorded.get(key)
        if old is not None:
            row.old_verdict, row.old_note = old.verdict.value, old.note
            row.change = SAME if (old.verdict, old.note) == (verdict, note) else CHANGED
        preview.rows.append(row)
    elsewhere = _elsewhere(assessment, {code for _n, code in unknown})
    for n, code in unknown:
        if code in elsewhere:
            problem = _(
                "butir %(code)s milik instrumen lain (%(instrument)s), bukan instrumen penilaian ini",
                code=code,
                instrument=elsewhere[code],
            )
        else:
            problem = _("butir %(code)s tidak ada di instrumen penilaian ini", code=code)
        problems.append(_at(n, titles["butir"], problem))
    preview.errors = [message for _row, message in sorted(problems, key=lambda p: p[0])]
    return preview


def sign_rows(assessment: Assessment, rows: list[VerdictRow], secret: str) -> str:
    return previews.sign(SIGN_SALT, assessment, rows, secret)


def load_signed(assessment: Assessment, token: str, secret: str) -> list[VerdictRow]:
    return [VerdictRow(**row) for row in previews.load(SIGN_SALT, assessment, token, secret)]


@dataclass(frozen=True)
class Applied:
    added: int
    changed: int


def _shown(verdict: Verdict | str | None, note: str) -> str | None:
    """A verdict as the audit trail shows it: "revisi: tidak tepat"."""
    if verdict is None:
        return None
    word = verdict_label(Verdict(verdict).value)
    return f"{word}: {note}" if note else word


def _write(
    existing: ButirVerdict | None,
    *,
    assessment: Assessment,
    item_id: int,
    stage: CycleStage,
    verdict: Verdict,
    note: str,
    source: VerdictSource,
    actor: User | None,
) -> ButirVerdict:
    """Add the verdict, or change the one recorded for the butir and stage (its correction is cleared when the
    verdict itself changes: it answered the old one)."""
    now = utcnow()
    if existing is None:
        row = ButirVerdict(
            assessment_id=assessment.id,
            item_id=item_id,
            stage=stage,
            verdict=verdict,
            note=note,
            source=source,
            recorded_by_id=actor.id if actor else None,
            recorded_at=now,
        )
        db.session.add(row)
        return row
    if existing.verdict != verdict:
        existing.corrected_at, existing.corrected_by_id, existing.correction_note = None, None, ""
    existing.verdict, existing.note, existing.source = verdict, note, source
    existing.recorded_by_id, existing.recorded_at = (actor.id if actor else None), now
    return existing


def apply_verdicts(assessment: Assessment, rows: list[VerdictRow], *, actor: User | None) -> Applied:
    """Write the previewed verdicts (planned again against what is recorded now), with one audit entry. Flushes."""
    _require_graded(assessment)
    if not rows:
        raise DomainError(_l("Tidak ada hasil untuk disimpan."))
    recorded = _recorded(assessment.id)
    added = changed = 0
    changes: list[tuple[str, str | None, str | None]] = []
    for row in rows:
        stage, verdict = CycleStage(row.stage), Verdict(row.verdict)
        old = recorded.get((row.item_id, row.stage))
        if old is not None and (old.verdict, old.note) == (verdict, row.note):
            continue
        changes.append(
            (
                f"{row.code}@{row.stage}",
                _shown(old.verdict, old.note) if old is not None else None,
                _shown(verdict, row.note),
            )
        )
        _write(
            old,
            assessment=assessment,
            item_id=row.item_id,
            stage=stage,
            verdict=verdict,
            note=row.note,
            source=VerdictSource.IMPOR,
            actor=actor,
        )
        if old is None:
            added += 1
        else:
            changed += 1
    db.session.flush()
    if changes:
        record_assessment(
            assessment,
            actor=actor,
            action="verdict.import",
            summary=texts.text("audit.verdict_import", added=texts.number(added, 0), changed=texts.number(changed, 0)),
            changes=changes,
        )
    log.info("hasil asesor penilaian %s diimpor: %s baru, %s diubah", assessment.id, added, changed)
    return Applied(added, changed)


def set_verdict(
    assessment: Assessment,
    item: EvidenceItem,
    *,
    stage: CycleStage,
    verdict: Verdict,
    note: str,
    actor: User,
) -> ButirVerdict:
    """The koordinator's verdict on one butir in one stage, typed in (added, or the recorded one changed). Flushes."""
    _require_graded(assessment)
    if stage not in JUDGING_STAGES:
        raise DomainError(_l("Pilih tahap dokumen, koreksi, atau wawancara."), field="stage")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise DomainError(_l("Catatan paling banyak %(n)s karakter.", n=NOTE_MAX), field="note")
    existing = db.session.scalar(
        select(ButirVerdict).where(
            ButirVerdict.assessment_id == assessment.id, ButirVerdict.item_id == item.id, ButirVerdict.stage == stage
        )
    )
    old = _shown(existing.verdict, existing.note) if existing is not None else None
    if existing is not None and (existing.verdict, existing.note, existing.source) == (
        verdict,
        note,
        VerdictSource.MANUAL,
    ):
        return existing
    row = _write(
        existing,
        assessment=assessment,
        item_id=item.id,
        stage=stage,
        verdict=verdict,
        note=note,
        source=VerdictSource.MANUAL,
        actor=actor,
    )
    db.session.flush()
    _audit(assessment, actor, "verdict.set", row, item, old, _shown(verdict, note))
    log.info("hasil asesor %s tahap %s pada penilaian %s dicatat: %s", item.code, stage, assessment.id, verdict)
    return row


def delete_verdict(assessment: Assessment, verdict: ButirVerdict, item: EvidenceItem, *, actor: User) -> None:
    """Remove one recorded verdict (the butir's other stages stay). Flushes."""
    old = _shown(verdict.verdict, verdict.note)
    _audit(assessment, actor, "verdict.delete", verdict, item, old, None)
    db.session.delete(verdict)
    db.session.flush()
    log.info("hasil asesor %s tahap %s pada penilaian %s dihapus", item.code, verdict.stage, assessment.id)


def _audit(
    assessment: Assessment,
    actor: User,
    action: str,
    verdict: ButirVerdict,
    item: EvidenceItem,
    old: str | None,
    new: str | None,
) -> None:
    record(
        assessment=assessment,
        actor=actor,
        object_type="verdict",
        object_id=verdict.id,
        action=action,
        changes=[(f"{item.code}@{verdict.stage.value}", old, new)],
        indicator_code=item.indicator.code,
    )


def _require_graded(assessment: Assessment) -> None:
    if assessment.instrument.value_type != "graded":
        raise DomainError(_l("Hasil asesor per butir hanya ada pada instrumen berbutir (Pemdi)."))


def template_csv(assessment: Assessment) -> str:
    """A file to fill in: the header and one row per butir of the assessment, with the default stage."""
    stage = default_stage(assessment).value
    codes = db.session.scalars(
        select(EvidenceItem.code)
        .join(Indicator, Indicator.id == EvidenceItem.indicator_id)
        .where(Indicator.instrument_id == assessment.instrument_id, EvidenceItem.kind != "note")
        .order_by(Indicator.position, EvidenceItem.level, EvidenceItem.nn)
    )
    lines = ["butir;hasil;catatan;tahap", *(f"{csvsafe.cell(code)};;;{stage}" for code in codes)]
    return "\n".join(lines) + "\n"
