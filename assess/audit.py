"""The append-only audit trail: services call :func:`record` in the same transaction as the change.

An entry says who, when, what (object type, id, action) and old → new per field. Nothing in the
application edits or deletes entries; a rolled-back change takes its entry with it.

Entries store codes (``answer.save``, ``signatory_name``); readers see the translated labels below, through
:func:`action_label`, :func:`field_label` and :func:`object_type_label`, which never show a code: an unknown one
reads as a generic label. Every action recorded anywhere has its label here
(``tests/functional/test_s5_audit_labels.py``).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from flask_babel import lazy_gettext as _l

from assess.extensions import db
from assess.models import Answer, Assessment, AuditEntry, CycleStage, User
from assess.texts import Text, render
from assess.workflow import ANSWER_STATE_LABELS, ASSESSMENT_STATE_LABELS, stage_headings, stage_label

OBJECT_TYPE_LABELS = {
    "answer": _l("Jawaban"),
    "evidence": _l("Dokumen"),
    "comment": _l("Komentar"),
    "assignment": _l("Penugasan"),
    "review": _l("Reviu"),
    "assessment": _l("Penilaian"),
    "export": _l("Ekspor"),
    "instansi": _l("Instansi"),
    "correction": _l("Koreksi butir"),
    "verdict": _l("Hasil asesor"),
}
ACTION_LABELS = {
    "assessment.open": _l("Penilaian dibuka"),
    "assessment.deadline": _l("Batas waktu diubah"),
    "assessment.carry_over": _l("Penilaian dibuka dari tahun sebelumnya"),
    "assessment.crosswalk": _l("Penilaian dibuka lewat crosswalk"),
    "assessment.import_official": _l("Hasil resmi diimpor"),
    "assessment.import_xlsx": _l("Jawaban diimpor dari berkas XLSX"),
    "verdict.import": _l("Hasil asesor diimpor"),
    "verdict.set": _l("Hasil asesor dicatat"),
    "verdict.delete": _l("Hasil asesor dihapus"),
    "answer.edit": _l("Jawaban mulai diisi"),
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
    "reminder.manual": _l("Pengingat dikirim"),
    "comment.create": _l("Komentar ditulis"),
    "comment.edit": _l("Komentar diubah"),
    "comment.resolve": _l("Diskusi ditandai selesai"),
    "comment.reopen": _l("Diskusi dibuka lagi"),
    "followup.done": _l("Tindak lanjut ditandai selesai"),
    "followup.reopen": _l("Tindak lanjut dibuka kembali"),
    "correction.done": _l("Butir ditandai sudah dikoreksi"),
    "correction.reopen": _l("Koreksi butir dibuka kembali"),
    "target.set": _l("Target ditetapkan"),
    "scenario.save": _l("Skenario disimpan"),
    "scenario.delete": _l("Skenario dihapus"),
    "export_requested": _l("Ekspor bundel diminta"),
    "signatory_changed": _l("Data penandatangan diubah"),
    "pembina.view": _l("Dilihat pembina (hanya baca)"),
    "instansi.create": _l("Instansi dibuat oleh operator"),
    "instansi.first_admin": _l("Admin pertama instansi ditunjuk oleh operator"),
    "instansi.deactivate": _l("Instansi dinonaktifkan oleh operator"),
    "instansi.activate": _l("Instansi diaktifkan kembali oleh operator"),
    "stage.set": _l("Tahapan evaluasi diubah"),
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
    "previous_id": _l("Penilaian asal"),
    "done_at": _l("Selesai pada"),
    "corrected_at": _l("Dikoreksi pada"),
    "correction_note": _l("Yang diubah"),
    "target_index": _l("Target indeks"),
    "target_predikat": _l("Target predikat"),
    "signatory_name": _l("Nama penandatangan"),
    "signatory_position": _l("Jabatan penandatangan"),
    "signatory_nip": _l("NIP penandatangan"),
    "signing_place": _l("Tempat penandatanganan"),
    "signed_minutes_id": _l("Berita acara bertanda tangan"),
    "signed_consent_id": _l("Lembar persetujuan bertanda tangan"),
    "slug": _l("Slug"),
    "name": _l("Nama"),
    "kind": _l("Jenis instansi"),
    "active": _l("Aktif"),
    "admin": _l("Admin"),
    "stage": _l("Tahap evaluasi"),
}
ITEM_FIELD_LABELS = {
    "fulfilled": _l("Butir %(code)s terpenuhi"),
    "note": _l("Catatan butir %(code)s"),
    "assignee_unit_id": _l("Unit penanggung jawab butir %(code)s"),
    "assignee_user_id": _l("Orang penanggung jawab butir %(code)s"),
}
STATE_LABELS = {
    **{state.value: label for state, label in ANSWER_STATE_LABELS.items()},
    **{state.value: label for state, label in ASSESSMENT_STATE_LABELS.items()},
}
#: The official result's import records one change per indicator, named by the indicator's code.
OFFICIAL_IMPORT = "assessment.import_official"
#: The asesor's verdicts record one change per butir and stage, named ``I1-L2-03@dokumen``.
VERDICT_FIELD = re.compile(r"^(?P<code>[^@]+)@(?P<stage>[a-z]+)$")
#: A stage's dates are recorded as ``<stage>.starts_on`` and ``<stage>.ends_on``.
STAGE_FIELD = re.compile(r"^(?P<stage>[a-z]+)\.(?P<attr>starts_on|ends_on)$")
STAGE_FIELD_LABELS = {"starts_on": _l("%(stage)s: mulai"), "ends_on": _l("%(stage)s: selesai")}
ITEM_FIELD = re.compile(r"^(?P<code>.+)\.(?P<attr>fulfilled|note|assignee_unit_id|assignee_user_id)$")


def action_label(action: str) -> str:
    """What an entry did, in the reader's language; an unknown code reads as a generic change."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else str(_l("Perubahan lain"))


def object_type_label(object_type: str) -> str:
    label = OBJECT_TYPE_LABELS.get(object_type)
    return str(label) if label is not None else str(_l("Lainnya"))


def field_label(name: str, action: str = "") -> str:
    """The changed field, in the reader's language; an unknown field reads as a generic one."""
    if name in FIELD_LABELS:
        return str(FIELD_LABELS[name])
    if action == OFFICIAL_IMPORT:
        return str(_l("Nilai resmi %(code)s", code=name))
    match = VERDICT_FIELD.match(name)
    if match and action.startswith("verdict."):
        return str(_l("Hasil asesor %(code)s, tahap %(stage)s", code=match["code"], stage=stage_label(match["stage"])))
    stage = STAGE_FIELD.match(name)
    if stage and stage["stage"] in CycleStage._value2member_map_:
        return str(STAGE_FIELD_LABELS[stage["attr"]] % {"stage": stage_headings()[CycleStage(stage["stage"])]})
    match = ITEM_FIELD.match(name)
    if match:
        return str(ITEM_FIELD_LABELS[match["attr"]] % {"code": match["code"]})
    return str(_l("Isian lain"))


def summary_of(entry: AuditEntry) -> str:
    """An entry's summary in the reader's language (user data as it is)."""
    return render(entry.summary_text, fallback=entry.summary or "")


def plain(value: Any) -> Any:
    """A JSON-friendly form of a field value (decimals as text, dates as ISO strings, enums as their value)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, Fraction):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


class Snapshot:
    """Field values of an object before a change, to list old → new afterwards."""

    def __init__(self, obj: Any, fields: Iterable[str]) -> None:
        self.obj = obj
        self.before = {name: plain(getattr(obj, name)) for name in fields}

    def changes(self) -> list[tuple[str, Any, Any]]:
        out = []
        for name, old in self.before.items():
            new = plain(getattr(self.obj, name))
            if new != old:
                out.append((name, old, new))
        return out


def record(
    *,
    assessment: Assessment | None,
    actor: User | None,
    object_type: str,
    object_id: int | None,
    action: str,
    changes: Iterable[tuple[str, Any, Any]] = (),
    summary: str | Text = "",
    indicator_code: str | None = None,
    evidence_id: int | None = None,
    instansi_id: int | None = None,
) -> AuditEntry:
    """Add one entry to the trail (flushed with the change; committed or rolled back with it). A ``summary`` is user
    data (a comment, a title: shown as it is) or a :class:`~assess.texts.Text`, kept as its key and parameters to be
    shown in the reader's language (:func:`summary_of`), and as a sentence in the deployment's language."""
    if instansi_id is None:
        if assessment is None:
            raise ValueError("an audit entry needs an instansi")
        instansi_id = assessment.instansi_id
    entry = AuditEntry(
        instansi_id=instansi_id,
        assessment_id=assessment.id if assessment is not None else None,
        actor_id=actor.id if actor is not None else None,
        object_type=object_type,
        object_id=object_id,
        action=action,
        changes=[{"field": f, "old": plain(o), "new": plain(n)} for f, o, n in changes if plain(o) != plain(n)],
        summary=summary.sentence() if isinstance(summary, Text) else summary,
        summary_text=summary.stored() if isinstance(summary, Text) else None,
        indicator_code=indicator_code,
        evidence_id=evidence_id,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def record_answer(
    answer: Answer,
    *,
    actor: User | None,
    action: str,
    object_type: str = "answer",
    changes: Iterable[tuple[str, Any, Any]] = (),
    summary: str | Text = "",
    evidence_id: int | None = None,
) -> AuditEntry:
    """:func:`record` a change of one answer (its assessment, id and indicator), or of its review or assignment."""
    return record(
        assessment=answer.assessment,
        actor=actor,
        object_type=object_type,
        object_id=answer.id,
        action=action,
        changes=changes,
        summary=summary,
        indicator_code=answer.indicator.code,
        evidence_id=evidence_id,
    )


def record_assessment(
    assessment: Assessment,
    *,
    actor: User | None,
    action: str,
    changes: Iterable[tuple[str, Any, Any]] = (),
    summary: str | Text = "",
    indicator_code: str | None = None,
) -> AuditEntry:
    """:func:`record` a change of the assessment itself (its state, deadline, target, imports, scenarios)."""
    return record(
        assessment=assessment,
        actor=actor,
        object_type="assessment",
        object_id=assessment.id,
        action=action,
        changes=changes,
        summary=summary,
        indicator_code=indicator_code,
    )
