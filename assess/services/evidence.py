"""The evidence library: upload (stream, validate, store, then record), versions, metadata, links, deletion.

The order matters: a file is staged (hashed while it streams), validated, moved into its
content-addressed place, and only then are rows flushed. A failure before the move leaves nothing;
a failure after it leaves at worst an unreferenced file, never a row without its file.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, BinaryIO, cast

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from assess import texts
from assess.audit import Snapshot, record, record_answer
from assess.database import writing
from assess.errors import DomainError
from assess.extensions import db
from assess.models import (
    Answer,
    AnswerEvidence,
    Assessment,
    Blob,
    DocType,
    Evidence,
    EvidenceItem,
    EvidenceKind,
    EvidenceVersion,
    Indicator,
    Unit,
    User,
)
from assess.models.base import utcnow
from assess.sealed import UnsealError, seal, unseal
from uploads.errors import UploadRejectedError
from uploads.staging import Staged, discard, stage
from uploads.storage import Storage
from uploads.validation import FileInfo, Policy, check_problem_text, clean_filename, full_pdf_check, validate

log = logging.getLogger(__name__)

#: How every problem found by reading a stored file back begins: ``stored_file:<kind>[:<value>…]``
#: (:func:`stored_file_problem`); rows from before the codes hold a sentence beginning with the second prefix.
STORED_FILE_PROBLEM = "stored_file:"
_STORED_FILE_SENTENCE = "berkas tersimpan"


@dataclass(frozen=True)
class Metadata:
    title: str
    doc_type: DocType
    number: str | None = None
    doc_date: date | None = None
    owner_unit_id: int | None = None
    notes: str = ""


class DuplicateEvidenceError(DomainError):
    """The same bytes are already in this assessment's library."""

    def __init__(self, existing: Evidence, used_in: list[str]) -> None:
        if used_in:
            message = _(
                "Berkas yang sama sudah ada di pustaka sebagai “%(title)s” dan dipakai pada %(codes)s.",
                title=existing.title,
                codes=", ".join(used_in),
            )
        else:
            message = _(
                "Berkas yang sama sudah ada di pustaka sebagai “%(title)s” dan belum ditautkan ke indikator mana pun.",
                title=existing.title,
            )
        super().__init__(message)
        self.existing = existing
        self.used_in = used_in


def _check_owner_unit(assessment: Assessment, unit_id: int | None) -> Unit | None:
    if unit_id is None:
        return None
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.instansi_id != assessment.instansi_id:
        raise DomainError(_("Unit pemilik tidak ditemukan."), field="owner_unit_id")
    return unit


def _clean_metadata(meta: Metadata) -> Metadata:
    title = " ".join(meta.title.split())
    if not title:
        raise DomainError(_("Judul dokumen wajib diisi."), field="title")
    if len(title) > 300:
        raise DomainError(_("Judul dokumen paling panjang 300 karakter."), field="title")
    if meta.doc_date is not None and meta.doc_date > date.today():
        raise DomainError(_("Tanggal dokumen tidak boleh di masa depan."), field="doc_date")
    number = " ".join((meta.number or "").split()) or None
    return Metadata(title, meta.doc_type, number, meta.doc_date, meta.owner_unit_id, meta.notes.strip())


def used_in(evidence: Evidence) -> list[str]:
    """Indicator codes the document is linked to, in indicator order."""
    codes = db.session.scalars(
        select(Indicator.code)
        .join(Answer, Answer.indicator_id == Indicator.id)
        .join(AnswerEvidence, AnswerEvidence.answer_id == Answer.id)
        .where(AnswerEvidence.evidence_id == evidence.id)
        .distinct()
    ).all()
    return sorted(codes, key=lambda c: (len(c), c))


def _stage_and_validate(
    stream: IO[bytes], filename: str, storage: Storage, policy: Policy
) -> tuple[Staged, FileInfo, str]:
    name = clean_filename(filename)
    staged = stage(cast(BinaryIO, stream), storage.staging_dir(), max_bytes=policy.max_bytes)
    try:
        info = validate(staged.path, name, policy)
    except BaseException:
        discard(staged)
        raise
    return staged, info, name


def _blob_for(staged: Staged, info: FileInfo, storage: Storage) -> Blob:
    """The blob of the staged bytes, created when new, and locked until the commit: an upload of the same bytes at
    the same moment waits here until this one commits, then finds its document (:func:`_refuse_duplicate` after this
    call). PostgreSQL locks the row; on SQLite, writers run one at a time anyway.

    The row is inserted with ``ON CONFLICT DO NOTHING``: when another upload inserts the same bytes first, this one
    waits for it and takes its row instead of failing on the unique SHA-256."""
    key = storage.put(staged)  # moves the file into place (or discards it when the bytes are already stored)
    locked = (
        select(Blob).where(Blob.sha256 == staged.sha256).with_for_update().execution_options(populate_existing=True)
    )
    blob = db.session.scalar(locked)
    if blob is not None:
        return blob
    dialect_insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        dialect_insert(Blob)
        .values(
            sha256=staged.sha256,
            size=staged.size,
            mime=info.mime,
            extension=info.extension,
            storage_key=key,
            pages=info.pages,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["sha256"])
    )
    return db.session.scalars(locked).one()


def _refuse_duplicate(assessment: Assessment, sha256: str, *, other_than: Evidence | None = None) -> None:
    """Raise :class:`DuplicateEvidenceError` when a live document of the assessment (other than ``other_than``)
    holds these bytes."""
    existing = find_duplicate(assessment, sha256)
    if existing is not None and existing is not other_than:
        raise DuplicateEvidenceError(existing, used_in(existing))


def pdf_to_check(evidence: Evidence) -> int | None:
    """The blob id of the document's current file when it is a PDF that qpdf's full check has not seen yet (read
    before the upload's commit, for :func:`assess.jobs.check_evidence` after it)."""
    version = evidence.current_version
    if version is None or version.blob.extension != "pdf" or version.blob.checked_at is not None:
        return None
    return version.blob_id


def stored_pdf_problem(storage: Storage, key: str) -> str | None:
    """qpdf's full check (:func:`uploads.validation.full_pdf_check`) of a stored PDF: ``None`` when clean."""
    with tempfile.TemporaryDirectory(prefix="mandiri-periksa-") as tmp:
        return full_pdf_check(storage.local_copy(key, Path(tmp) / "berkas.pdf"))


def run_check(blob_id: int) -> None:
    """The body of :func:`assess.jobs.check_evidence` (commits): a PDF not checked yet gets qpdf's full check, and
    what it found is kept on the blob; a damaged one is then marked in the library and printed in the bundle as a
    page saying why. No transaction is held while the check runs (up to about a second for a large scan)."""
    blob = db.session.get(Blob, blob_id)
    if blob is None or blob.extension != "pdf" or blob.checked_at is not None:
        db.session.rollback()
        return
    sha256, key = blob.sha256, blob.storage_key
    db.session.rollback()
    problem = stored_pdf_problem(current_app.extensions["storage"], key)
    with writing():
        db.session.execute(
            update(Blob)
            .where(Blob.id == blob_id, Blob.checked_at.is_(None))
            .values(checked_at=utcnow(), check_problem=problem)
        )
        db.session.commit()
    if problem:
        log.warning("PDF %s tidak lolos pemeriksaan penuh: %s", sha256[:12], problem)


def is_stored_file_problem(problem: str | None) -> bool:
    """The blob's problem is that its stored file changed or went missing (found when it was read back to be sent),
    not what qpdf's check found in the bytes uploaded."""
    return problem is not None and problem.startswith((STORED_FILE_PROBLEM, _STORED_FILE_SENTENCE))


def stored_file_problem(kind: str, *values: object) -> str:
    """The code kept on a blob whose stored file is ``missing``, of another ``size`` (read, recorded), ``larger``
    than recorded (the limit read) or of another ``sha256`` (read, recorded; 12 characters each)."""
    return STORED_FILE_PROBLEM + ":".join([kind, *map(str, values)])


def problem_text(problem: str) -> str:
    """A blob's problem as its reader reads it, in their language (a sentence from before the codes as it is)."""
    if not problem.startswith(STORED_FILE_PROBLEM):
        return check_problem_text(problem)
    kind, *values = problem.removeprefix(STORED_FILE_PROBLEM).split(":")
    if kind == "missing":
        return _("Berkas tersimpan tidak ditemukan.")
    if kind == "size" and len(values) == 2:
        return _(
            "Berkas tersimpan berubah: ukurannya %(size)s B, tercatat %(expected)s B.",
            size=values[0],
            expected=values[1],
        )
    if kind == "larger" and len(values) == 1:
        return _("Berkas tersimpan berubah: lebih besar dari %(size)s B yang tercatat.", size=values[0])
    if kind == "sha256" and len(values) == 2:
        return _(
            "Berkas tersimpan berubah: SHA-256 terbaca %(read)s…, tercatat %(expected)s….",
            read=values[0],
            expected=values[1],
        )
    return _("Berkas tersimpan berubah.")


def record_stored_file(blob_id: int, problem: str | None) -> None:
    """Keep on the blob what reading its stored file back found (commits, in a short write transaction of its own):
    a problem marks the document rusak in the library; ``None`` lifts such a mark once the file is back as it was
    (qpdf's check then runs again in the next export). The session must hold no transaction: the sender calls it in
    an application context of its own."""
    with writing():
        if problem is not None:
            db.session.execute(
                update(Blob).where(Blob.id == blob_id).values(checked_at=utcnow(), check_problem=problem)
            )
        else:
            db.session.execute(
                update(Blob)
                .where(
                    Blob.id == blob_id,
                    Blob.check_problem.startswith(STORED_FILE_PROBLEM, autoescape=True)
                    | Blob.check_problem.startswith(_STORED_FILE_SENTENCE, autoescape=True),
                )
                .values(checked_at=None, check_problem=None)
            )
        db.session.commit()
    if problem is not None:
        log.warning("berkas blob %s tidak dikirim: %s", blob_id, problem)


def record_checks(found: Mapping[str, str | None]) -> None:
    """Keep what an export's full checks found (SHA-256 → problem or ``None``) on blobs not checked yet (flushes)."""
    if not found:
        return
    now = utcnow()
    for blob in db.session.scalars(select(Blob).where(Blob.sha256.in_(list(found)), Blob.checked_at.is_(None))):
        blob.checked_at, blob.check_problem = now, found[blob.sha256]
    db.session.flush()


def find_duplicate(assessment: Assessment, sha256: str) -> Evidence | None:
    return db.session.scalar(
        select(Evidence)
        .join(EvidenceVersion, EvidenceVersion.evidence_id == Evidence.id)
        .join(Blob, Blob.id == EvidenceVersion.blob_id)
        .where(Evidence.assessment_id == assessment.id, Evidence.deleted_at.is_(None), Blob.sha256 == sha256)
        .limit(1)
    )


def upload(
    *,
    assessment: Assessment,
    stream: IO[bytes],
    filename: str,
    meta: Metadata | None,
    user: User,
    storage: Storage,
    policy: Policy,
    owner_unit_id: int | None = None,
) -> Evidence:
    """Add an uploaded file to the library as a new document (version 1).

    Raises ``UploadRejectedError`` (the file is refused; nothing is left behind) or
    ``DuplicateEvidenceError`` (the same bytes are already a document of this assessment).
    """
    staged, info, name = _stage_and_validate(stream, filename, storage, policy)
    try:
        meta = _clean_metadata(
            meta or Metadata(title=_title_from(name), doc_type=_guess_type(info), owner_unit_id=owner_unit_id)
        )
        _check_owner_unit(assessment, meta.owner_unit_id)
    except BaseException:
        discard(staged)
        raise
    blob = _blob_for(staged, info, storage)
    _refuse_duplicate(assessment, blob.sha256)  # after the lock: sees an upload of the same bytes that just committed
    evidence = Evidence(
        assessment_id=assessment.id,
        kind=EvidenceKind.FILE,
        title=meta.title,
        doc_type=meta.doc_type,
        number=meta.number,
        doc_date=meta.doc_date,
        owner_unit_id=meta.owner_unit_id,
        notes=meta.notes,
        created_by_id=user.id,
    )
    db.session.add(evidence)
    db.session.flush()
    version = EvidenceVersion(
        evidence_id=evidence.id, number=1, blob_id=blob.id, original_name=name, uploaded_by_id=user.id
    )
    db.session.add(version)
    db.session.flush()
    evidence.current_version_id = version.id
    db.session.flush()
    record(
        assessment=assessment,
        actor=user,
        object_type="evidence",
        object_id=evidence.id,
        action="evidence.upload",
        evidence_id=evidence.id,
        summary=texts.text(
            "audit.evidence_upload",
            title=evidence.title,
            name=name,
            size=texts.number(blob.size, 0),
            sha=blob.sha256[:12],
        ),
        changes=[
            ("title", None, evidence.title),
            ("version", None, 1),
            ("owner_unit_id", None, evidence.owner_unit_id),
        ],
    )
    log.info("bukti diunggah: %s (%s, %s B)", evidence.id, blob.sha256[:12], blob.size)
    return evidence


def replace_file(
    *, evidence: Evidence, stream: IO[bytes], filename: str, user: User, storage: Storage, policy: Policy
) -> EvidenceVersion:
    """A new version of a document's file; the old versions stay in its history."""
    if evidence.kind != EvidenceKind.FILE:
        raise DomainError(_("Dokumen berupa tautan tidak memiliki berkas."))
    staged, info, name = _stage_and_validate(stream, filename, storage, policy)
    current = evidence.current_version
    if current is not None and current.blob.sha256 == staged.sha256:
        discard(staged)
        raise DomainError(_("Berkas ini sama dengan versi yang sekarang."), field="file")
    blob = _blob_for(staged, info, storage)
    _refuse_duplicate(db.session.get_one(Assessment, evidence.assessment_id), blob.sha256, other_than=evidence)
    number = max((v.number for v in evidence.versions), default=0) + 1
    version = EvidenceVersion(
        evidence_id=evidence.id, number=number, blob_id=blob.id, original_name=name, uploaded_by_id=user.id
    )
    db.session.add(version)
    db.session.flush()
    evidence.current_version_id = version.id
    db.session.flush()
    record(
        assessment=db.session.get_one(Assessment, evidence.assessment_id),
        actor=user,
        object_type="evidence",
        object_id=evidence.id,
        action="evidence.version",
        evidence_id=evidence.id,
        summary=texts.text("audit.evidence_version", name=name, sha=blob.sha256[:12]),
        changes=[("version", number - 1, number)],
    )
    return version


def _clean_url(url: str) -> str:
    """A service's address as kept: a whole http(s) URL of at most 2,000 characters, without spaces."""
    url = url.strip()
    if not url.lower().startswith(("https://", "http://")) or len(url) > 2000 or any(c.isspace() for c in url):
        raise DomainError(_("Alamat harus berupa URL lengkap yang diawali https:// atau http://."), field="url")
    return url


def add_link(*, assessment: Assessment, url: str, meta: Metadata, access_note: str | None, user: User) -> Evidence:
    """A link to a running service as evidence, with the assessor's test account kept apart."""
    url = _clean_url(url)
    meta = _clean_metadata(meta)
    _check_owner_unit(assessment, meta.owner_unit_id)
    evidence = Evidence(
        assessment_id=assessment.id,
        kind=EvidenceKind.LINK,
        title=meta.title,
        doc_type=meta.doc_type,
        number=meta.number,
        doc_date=meta.doc_date,
        owner_unit_id=meta.owner_unit_id,
        notes=meta.notes,
        url=url,
        access_note=seal((access_note or "").strip() or None),
        created_by_id=user.id,
    )
    db.session.add(evidence)
    db.session.flush()
    record(
        assessment=assessment,
        actor=user,
        object_type="evidence",
        object_id=evidence.id,
        action="evidence.link_add",
        evidence_id=evidence.id,
        changes=[("title", None, evidence.title), ("url", None, url)],
    )
    return evidence


def update_metadata(
    *,
    evidence: Evidence,
    expected_version: int,
    meta: Metadata,
    url: str | None = None,
    access_note: str | None = None,
    change_access_note: bool = False,
    actor: User | None = None,
) -> Evidence:
    if evidence.version != expected_version:
        raise DomainError(_("Dokumen ini sudah diubah orang lain sejak Anda membukanya. Muat ulang lalu ulangi."))
    meta = _clean_metadata(meta)
    assessment = db.session.get_one(Assessment, evidence.assessment_id)
    _check_owner_unit(assessment, meta.owner_unit_id)
    snapshot = Snapshot(evidence, ("title", "doc_type", "number", "doc_date", "owner_unit_id", "notes", "url"))
    note_changed = False
    note_before = evidence.access_note
    evidence.title, evidence.doc_type, evidence.number = meta.title, meta.doc_type, meta.number
    evidence.doc_date, evidence.owner_unit_id, evidence.notes = meta.doc_date, meta.owner_unit_id, meta.notes
    if evidence.kind == EvidenceKind.LINK and url is not None:
        evidence.url = _clean_url(url)
    if change_access_note:
        try:
            before_plain = unseal(evidence.access_note)
        except UnsealError:
            before_plain = None
        new_plain = (access_note or "").strip() or None
        note_changed = before_plain != new_plain
        evidence.access_note = seal(new_plain)
    db.session.flush()
    changes = snapshot.changes()
    if note_changed:
        changes.append(
            ("access_note", "•••" if note_before else None, "••• (diubah)" if evidence.access_note else None)
        )
    if changes:
        record(
            assessment=assessment,
            actor=actor,
            object_type="evidence",
            object_id=evidence.id,
            action="evidence.update",
            evidence_id=evidence.id,
            changes=changes,
        )
    return evidence


def delete(*, evidence: Evidence, user: User) -> None:
    """Soft delete (kept for the audit trail); refused while the document is linked to an answer."""
    codes = used_in(evidence)
    if codes:
        raise DomainError(
            _("Dokumen masih ditautkan ke %(codes)s. Lepaskan tautannya terlebih dahulu.", codes=", ".join(codes))
        )
    evidence.deleted_at = utcnow()
    evidence.deleted_by_id = user.id
    db.session.flush()
    record(
        assessment=db.session.get_one(Assessment, evidence.assessment_id),
        actor=user,
        object_type="evidence",
        object_id=evidence.id,
        action="evidence.delete",
        evidence_id=evidence.id,
        summary=evidence.title,
        changes=[("deleted_at", None, evidence.deleted_at)],
    )


def link(
    *, answer: Answer, evidence: Evidence, level: int | None, item: EvidenceItem | None, note: str, user: User
) -> AnswerEvidence:
    """Link a library document to an answer, saying which level (or Pemdi butir) it supports."""
    if evidence.assessment_id != answer.assessment_id or evidence.deleted:
        raise DomainError(_("Dokumen tidak ditemukan di pustaka penilaian ini."), field="evidence_id")
    if item is not None and item.indicator_id != answer.indicator_id:
        raise DomainError(_("Butir tidak termasuk indikator ini."), field="item_id")
    if level is not None and not 1 <= level <= 5:
        raise DomainError(_("Level harus 1 sampai 5."), field="level")
    if item is not None:
        level = item.level
    duplicate = next(
        (lk for lk in answer.links if lk.evidence_id == evidence.id and lk.item_id == (item.id if item else None)), None
    )
    if duplicate is not None:
        raise DomainError(_("Dokumen ini sudah ditautkan ke jawaban ini."), field="evidence_id")
    created = AnswerEvidence(
        evidence_id=evidence.id,
        level=level,
        item_id=item.id if item else None,
        note=note.strip(),
        created_by_id=user.id,
    )
    answer.links.append(created)
    db.session.flush()
    target = item.code if item is not None else (f"L{level}" if level else "-")
    record_answer(
        answer,
        actor=user,
        action="answer.link",
        evidence_id=evidence.id,
        summary=f"{evidence.title} → {answer.indicator.code} {target}",
        changes=[("link", None, evidence.title)],
    )
    return created


@dataclass(frozen=True)
class Linked:
    """What :func:`upload_and_link` did: the link, and whether the file was already in the library."""

    link: AnswerEvidence
    evidence: Evidence
    existing: bool


def upload_and_link(
    *,
    answer: Answer,
    stream: IO[bytes],
    filename: str,
    level: int | None,
    item: EvidenceItem | None,
    user: User,
    storage: Storage,
    policy: Policy,
    owner_unit_id: int | None = None,
) -> Linked:
    """Upload a file from an indicator's page and link it to the answer at once (the level or butir where the upload
    was started): :func:`upload` then :func:`link`, in one transaction. When the same bytes are already a document of
    the library, that document is linked instead of refusing the file."""
    existing = False
    try:
        evidence = upload(
            assessment=answer.assessment,
            stream=stream,
            filename=filename,
            meta=None,
            user=user,
            storage=storage,
            policy=policy,
            owner_unit_id=owner_unit_id,
        )
    except DuplicateEvidenceError as duplicate:
        evidence, existing = duplicate.existing, True
    created = link(answer=answer, evidence=evidence, level=level, item=item, note="", user=user)
    return Linked(created, evidence, existing)


def unlink(*, answer: Answer, link_id: int, actor: User | None = None) -> None:
    target = next((lk for lk in answer.links if lk.id == link_id), None)
    if target is None:
        raise DomainError(_("Tautan tidak ditemukan."))
    title = target.evidence.title
    evidence_id = target.evidence_id
    answer.links.remove(target)
    db.session.flush()
    record_answer(
        answer,
        actor=actor,
        action="answer.unlink",
        evidence_id=evidence_id,
        summary=f"{title} ✕ {answer.indicator.code}",
        changes=[("link", title, None)],
    )


def _title_from(name: str) -> str:
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return " ".join(stem.replace("_", " ").split())[:300] or name


def _guess_type(info: FileInfo) -> DocType:
    if info.kind == "video":
        return DocType.VIDEO
    if info.kind == "image":
        return DocType.TANGKAPAN_LAYAR
    return DocType.LAINNYA


__all__ = [
    "DuplicateEvidenceError",
    "Metadata",
    "UploadRejectedError",
    "add_link",
    "delete",
    "link",
    "replace_file",
    "unlink",
    "update_metadata",
    "upload",
    "upload_and_link",
    "used_in",
]
