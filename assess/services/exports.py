"""Submission-bundle exports: request one, run it (in a job), report progress, keep the newest few.

Files: the folder ``<assessment id>/<export id>-<random>`` of the export store (:mod:`uploads.folders`: under
``EXPORT_ROOT`` on local disk, or in the S3 bucket) holds ``bundel.pdf``, ``bundel.zip``, ``ringkasan.json``,
``per-indikator/`` and, when asked for (Pemdi), ``per-butir/`` and ``per-butir.zip`` (:mod:`reports.butir`). A run
builds into ``EXPORT_ROOT/<assessment id>/.tmp-<export id>-<random>/`` and publishes that folder (a rename, or an
upload of each file) only when the build returned (files complete and checked). A killed run leaves only its
temporary directory, removed by the next run, and its row says "berjalan" with an old heartbeat: the next request
marks it stopped. While a run lasts, a thread of its own writes the heartbeat every quarter of
``EXPORT_LEASE_SECONDS`` (the lease), however long a step takes, so a killed run is seen as stopped within the
lease. Progress and the heartbeat are committed in short transactions of their own; the outcome is committed once,
when the run ends.
"""

from __future__ import annotations

import errno
import json
import logging
import secrets
import shutil
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import joinedload

from assess import audit, texts
from assess import permissions as perm
from assess.database import writing
from assess.errors import DomainError
from assess.extensions import db
from assess.models import (
    ACTIVE_EXPORT_STATES,
    Assessment,
    Evidence,
    EvidenceKind,
    Export,
    ExportState,
    User,
)
from assess.models.base import as_utc, utcnow
from assess.services.evidence import record_checks
from reports import PDF_NAME, SUMMARY_NAME, ZIP_NAME, ExportError

if TYPE_CHECKING:
    from reports.data import Butir, ReportData
    from reports.export import BuildResult
from uploads import Folders
from uploads.errors import StorageUnavailableError

log = logging.getLogger(__name__)

#: What an export's state is called on the page and in messages.
STATE_LABELS = {
    ExportState.QUEUED: _l("antre"),
    ExportState.RUNNING: _l("berjalan"),
    ExportState.DONE: _l("selesai"),
    ExportState.FAILED: _l("gagal"),
    ExportState.PRUNED: _l("dihapus"),
}
#: What a queued export never taken, or a running one whose worker is gone, is shown as (and stored as, once
#: :func:`expire_stale` marked it).
STOPPED = texts.text("export.stopped")
#: The folder of a finished export holding one PDF per indicator, made with the bundle.
PER_INDICATOR_DIR = "per-indikator"
#: The folder (one PDF per fulfilled butir and catatan.csv) and the ZIP of both, for the evaluation portal.
PER_BUTIR_DIR = "per-butir"
PER_BUTIR_ZIP = "per-butir.zip"
PER_BUTIR_CATATAN = "catatan.csv"


class ExportBusyError(DomainError):
    """Another export of the same assessment is queued or running."""


def folders() -> Folders:
    """The export store (local disk or the S3 bucket, as the evidence)."""
    store: Folders = current_app.extensions["folders"]
    return store


def work_dir(assessment_id: int) -> Path:
    """Where a run of the assessment's export builds its files (local disk)."""
    return folders().work_dir() / str(int(assessment_id))


def folder_of(export: Export) -> str | None:
    """The name of a finished export's folder in the export store."""
    if export.state != ExportState.DONE or not export.directory:
        return None
    return f"{int(export.assessment_id)}/{export.directory}"


def _existing(path: str) -> str | None:
    try:
        folders().size(path)
    except FileNotFoundError:
        return None
    return path


def file_name(export: Export, kind: str) -> str | None:
    """The path in the export store of the finished export's ``pdf``, ``zip`` or ``summary`` file, if it is there."""
    folder = folder_of(export)
    if folder is None:
        return None
    return _existing(f"{folder}/{ {'pdf': PDF_NAME, 'zip': ZIP_NAME, 'summary': SUMMARY_NAME}[kind] }")


def summary_of(export: Export) -> dict[str, Any]:
    if not export.summary:
        return {}
    loaded = json.loads(export.summary)
    return loaded if isinstance(loaded, dict) else {}


def _stale_before(state: ExportState) -> datetime:
    """Older than this, a queued export was never taken and a running one's worker is gone."""
    seconds = int(current_app.config["EXPORT_STALE_SECONDS"])
    if state == ExportState.RUNNING:
        seconds = min(seconds, int(current_app.config["EXPORT_LEASE_SECONDS"]))
    return utcnow() - timedelta(seconds=seconds)


def is_stale(export: Export) -> bool:
    """The export is queued but was never taken, or running with its lease run out (reads only)."""
    return export.active and as_utc(export.heartbeat_at or export.created_at) < _stale_before(export.state)


def expire_stale(assessment_id: int | None = None) -> int:
    """Mark the stale exports (:func:`is_stale`) of one assessment, or of all, as stopped; returns how many.
    Flushes. Run by the periodic job and before a new export is queued, never by a page."""
    query = select(Export).where(Export.state.in_(ACTIVE_EXPORT_STATES))
    if assessment_id is not None:
        query = query.where(Export.assessment_id == assessment_id)
    stale = 0
    for export in db.session.scalars(query):
        if is_stale(export):
            export.state = ExportState.FAILED
            export.finished_at = utcnow()
            _set_error(export, STOPPED)
            stale += 1
    db.session.flush()
    return stale


def shown_state(export: Export) -> str:
    """The export's state as the page shows it: a stale one is shown stopped before the job marked it."""
    return str(STATE_LABELS[ExportState.FAILED if is_stale(export) else export.state])


def shown_error(export: Export) -> str | None:
    """Why the export failed, in the reader's language."""
    if is_stale(export):
        return str(STOPPED)
    return texts.render(export.error_text, fallback=export.error or "") or None


def shown_step(export: Export) -> str:
    """The export's current step, in the reader's language."""
    return texts.render(export.step_text, fallback=export.step_label)


def _set_error(export: Export, message: texts.Text) -> None:
    export.error, export.error_text = message.sentence(), message.stored()


def _set_step(export: Export, label: texts.Text) -> None:
    export.step_label, export.step_text = label.sentence()[:200], label.stored()


def request_export(
    assessment: Assessment,
    user: User | None,
    *,
    include_review: bool = False,
    per_butir: bool = False,
    compress_scans: bool = False,
) -> Export:
    """Queue an export of the assessment (the caller commits, then enqueues :func:`run` with the id). Flushes.

    ``user`` is ``None`` for the command line (the operator of the server). ``per_butir`` (graded instruments
    only) also makes one PDF per fulfilled butir; ``compress_scans`` recompresses the scans in those."""
    if user is not None and not perm.can_export(user, assessment):
        raise DomainError(_l("Hanya koordinator atau admin yang dapat membuat bundel pengajuan."))
    if (per_butir or compress_scans) and assessment.instrument.value_type != "graded":
        raise DomainError(_l("Berkas per butir hanya tersedia untuk instrumen berbutir (Pemdi)."))
    expire_stale(assessment.id)
    busy = db.session.scalar(
        select(Export).where(Export.assessment_id == assessment.id, Export.state.in_(ACTIVE_EXPORT_STATES))
    )
    if busy is not None:
        raise ExportBusyError(
            _l(
                "Ekspor #%(id)s untuk penilaian ini masih %(state)s. Tunggu sampai selesai lalu coba lagi.",
                id=busy.id,
                state=STATE_LABELS[busy.state],
            )
        )
    export = Export(
        assessment_id=assessment.id,
        state=ExportState.QUEUED,
        include_review=include_review,
        per_butir=per_butir or compress_scans,
        compress_scans=compress_scans,
        draft=assessment.state.value != "final",
        created_by_id=user.id if user is not None else None,
    )
    _set_step(export, texts.text("export.waiting"))
    db.session.add(export)
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent request queued one first (the partial unique index)
        db.session.rollback()
        raise ExportBusyError(_l("Ekspor lain untuk penilaian ini baru saja dimulai. Tunggu sampai selesai.")) from None
    audit.record(
        assessment=assessment,
        actor=user,
        object_type="export",
        object_id=export.id,
        action="export_requested",
        summary=texts.text(
            "audit.export_requested_review" if include_review else "audit.export_requested", id=export.id
        ),
    )
    return export


#: Minor steps (one document prepared) are written at most this often; every other step is written at once.
MINOR_STEP_INTERVAL_S = 0.5


@dataclass
class _Heartbeat:
    export_id: int
    last: float = -MINOR_STEP_INTERVAL_S

    def __call__(self, step: int, total: int, label: texts.Text, *, minor: bool = False) -> None:
        now = time.monotonic()
        if minor and now - self.last < MINOR_STEP_INTERVAL_S:
            return  # a commit per document would cost more than preparing a small one
        self.last = now
        percent = min(99, int(step * 100 / max(total, 1)))
        with writing(), db.engine.begin() as conn:
            conn.execute(
                update(Export)
                .where(Export.id == self.export_id)
                .values(
                    step=step,
                    total_steps=total,
                    step_label=label.sentence()[:200],
                    step_text=label.stored(),
                    percent=percent,
                    heartbeat_at=utcnow(),
                )
            )


class _Lease:
    """A thread that writes a running export's heartbeat every quarter of the lease, in short transactions of its
    own on a connection of its own, for as long as the ``with`` block (the run holds no transaction meanwhile)."""

    def __init__(self, export_id: int, engine: Engine, lease_seconds: float) -> None:
        self.export_id = export_id
        self.engine = engine
        self.interval = lease_seconds / 4
        self._stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"mandiri-export-lease-{export_id}", daemon=True)

    def __enter__(self) -> _Lease:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stopped.set()
        self.thread.join()

    def _beat(self) -> None:
        while not self._stopped.wait(self.interval):
            try:
                with writing(), self.engine.begin() as conn:
                    conn.execute(
                        update(Export)
                        .where(Export.id == self.export_id, Export.state == ExportState.RUNNING)
                        .values(heartbeat_at=utcnow())
                    )
            except SQLAlchemyError:  # the next beat tries again; the lease allows for three misses
                log.warning("export %s: heartbeat not written", self.export_id, exc_info=True)


def _sweep_temporary(directory: Path, older_than: float) -> None:
    if not directory.is_dir():
        return
    cutoff = time.time() - older_than
    for entry in directory.iterdir():
        if entry.name.startswith(".tmp-") and entry.stat().st_mtime < cutoff:
            shutil.rmtree(entry, ignore_errors=True)


def run(export_id: int) -> Export | None:
    """Build a queued export: the job's body, the one function here that commits (see the module docstring: the
    running state, then the outcome, each in a transaction of its own). Returns the export, or None if it was not
    queued or is gone."""
    with writing():
        export = start_run(export_id)
        if export is None:
            db.session.rollback()
            return None
        db.session.commit()
    try:
        with lease(export_id):
            gathered = gather(export)
            db.session.rollback()  # nothing to write; no read transaction held through the build
            built = build_files(export_id, gathered)
    except Exception as exc:
        db.session.rollback()
        with writing():
            failed = fail_run(export_id, exc)
            db.session.commit()
        return failed
    with writing():
        pruned = finish_run(export_id, built)
        if pruned is None:
            db.session.rollback()
            return None
        db.session.commit()
    remove_folders(pruned)
    return db.session.get(Export, export_id)


def start_run(export_id: int) -> Export | None:
    """Mark a queued export running; None when it is not queued (another worker took it, or it is gone).
    Flushes."""
    export = db.session.get(Export, export_id)
    if export is None or export.state != ExportState.QUEUED:
        return None
    export.state = ExportState.RUNNING
    export.started_at = export.heartbeat_at = utcnow()
    _set_step(export, texts.text("export.started"))
    db.session.flush()
    return export


def lease(export_id: int) -> _Lease:
    """The heartbeat thread of a running export (a ``with`` block around its build)."""
    return _Lease(export_id, db.engine, float(current_app.config["EXPORT_LEASE_SECONDS"]))


@dataclass(frozen=True)
class Gathered:
    """What a build reads from the database and the storage before it starts."""

    data: ReportData
    logo: bytes | None
    #: The fulfilled butir, when the export makes per-butir files; None when it does not.
    butir: tuple[Butir, ...] | None = None
    compress_scans: bool = False


def gather(export: Export) -> Gathered:
    """The report data of the export's assessment, the instansi's logo and, when asked for, the fulfilled butir
    (reads only)."""
    from reports.data import collect, collect_butir  # the worker's imports, not every web process's

    data = collect(export.assessment_id, include_review=export.include_review, generated_at=as_utc(export.created_at))
    logo = None
    if data.logo_key:
        with current_app.extensions["storage"].open(data.logo_key) as handle:
            logo = handle.read()
    butir = collect_butir(export.assessment_id) if export.per_butir else None
    return Gathered(data, logo, butir, bool(export.compress_scans))


@dataclass(frozen=True)
class Built:
    folder: str  # its name in the export store
    result: BuildResult


def build_files(export_id: int, gathered: Gathered) -> Built:
    """Build the bundle, its ZIP, its summary and one PDF per indicator into a temporary directory, renamed into
    place when complete; nothing is written to the database, and nothing is left behind when the build fails."""
    # Imported here: WeasyPrint and the PDF tools are needed by the worker, not by every web process.
    from reports import heap
    from reports.bundle import split_pages
    from reports.convert import find_soffice
    from reports.export import build

    config = current_app.config
    base = work_dir(gathered.data.assessment_id)
    base.mkdir(parents=True, exist_ok=True)
    _sweep_temporary(base, float(config["EXPORT_STALE_SECONDS"]))
    token = secrets.token_hex(4)
    tmp = base / f".tmp-{export_id}-{token}"
    tmp.mkdir()
    # A name of its own (ids can come back after rows are deleted): "<export id>-<random>".
    final = f"{gathered.data.assessment_id}/{export_id}-{token}"
    try:
        soffice = None if str(config["SOFFICE"]).lower() == "off" else find_soffice(config["SOFFICE"] or None)
        result = build(
            gathered.data,
            storage=current_app.extensions["storage"],
            out_dir=tmp,
            progress=_Heartbeat(export_id),
            logo=gathered.logo,
            soffice=soffice,
            soffice_timeout=float(config["SOFFICE_TIMEOUT"]),
            butir=gathered.butir,
            compress_scans=gathered.compress_scans,
            portal_max_mb=config["PORTAL_MAX_MB"],
        )
        indicator_pages = result.summary.get("indicator_pages", {})
        split_pages(
            tmp / PDF_NAME,
            {code: [int(p) - 1 for p in pages] for code, pages in indicator_pages.items()},
            tmp / PER_INDICATOR_DIR,
        )
        folders().publish(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        heap.trim()  # the bundle's memory, freed, back to the system: the worker waits small for the next job
    return Built(final, result)


def failure_message(export_id: int, exc: BaseException) -> texts.Text:
    """Why a build failed, as the export's row keeps it (an unexpected error is logged, not shown)."""
    if isinstance(exc, ExportError) and exc.args and isinstance(exc.args[0], texts.Text):
        return exc.args[0]
    if isinstance(exc, LookupError):  # the assessment (or its instrument) was deleted before the build read it
        return texts.text("export.assessment_gone")
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return texts.text("export.disk_full")
    log.error("export %s failed", export_id, exc_info=exc)
    return texts.text("export.unexpected")


def fail_run(export_id: int, exc: BaseException) -> Export | None:
    """Mark a running export failed, saying why (:func:`failure_message`); None when it is gone. Flushes."""
    message = failure_message(export_id, exc)
    export = db.session.get(Export, export_id)
    if export is None:
        return None
    export.state = ExportState.FAILED
    export.finished_at = utcnow()
    _set_error(export, message)
    db.session.flush()
    return export


def finish_run(export_id: int, built: Built) -> list[str] | None:
    """Mark a built export done and prune the old ones; returns the folders of the pruned exports, for the caller
    to remove after it committed (:func:`remove_folders`). None when the export is gone (its assessment was deleted
    while it ran): its files are removed. Flushes."""
    export = db.session.get(Export, export_id)
    if export is None:
        remove_folders([built.folder])
        return None
    result = built.result
    export.state = ExportState.DONE
    export.finished_at = export.heartbeat_at = utcnow()
    export.directory = built.folder.rsplit("/", 1)[-1]
    export.percent = 100
    _set_step(export, texts.text("export.finished"))
    export.pdf_sha256, export.pdf_size, export.pdf_pages = result.pdf_sha256, result.pdf_size, result.pages
    export.zip_sha256, export.zip_size = result.zip_sha256, result.zip_size
    export.evidence_files, export.problems = result.evidence_files, result.problems
    export.summary = json.dumps(result.summary, ensure_ascii=False)
    record_checks(result.checked)
    return prune(export.assessment_id, keep=int(current_app.config["EXPORT_KEEP"]))


def remove_folders(names: list[str]) -> None:
    """Remove pruned exports' files: after the commit, so a failed commit never loses files its rows still list.
    A store that cannot be reached leaves them (logged): the rows already say they are gone."""
    for name in names:
        try:
            folders().remove(name)
        except StorageUnavailableError:
            log.warning("berkas ekspor %s tidak dapat dihapus dari penyimpanan", name, exc_info=True)


def prune(assessment_id: int, keep: int) -> list[str]:
    """Mark finished exports beyond the newest ``keep`` as removed and return their folders, for the caller to
    delete after it committed. Flushes."""
    done = db.session.scalars(
        select(Export)
        .where(Export.assessment_id == assessment_id, Export.state == ExportState.DONE)
        .order_by(Export.id.desc())
    ).all()
    return _mark_pruned(done[keep:])


def expire_old(*, max_age_days: int) -> list[str]:
    """Mark finished exports that finished more than ``max_age_days`` ago as removed (none while it is 0: then only
    EXPORT_KEEP removes them) and return their folders, for the caller to delete after it committed. Flushes."""
    if max_age_days <= 0:
        return []
    old = db.session.scalars(
        select(Export)
        .where(Export.state == ExportState.DONE, Export.finished_at < utcnow() - timedelta(days=max_age_days))
        .order_by(Export.id)
    ).all()
    return _mark_pruned(old)


def _mark_pruned(exports: Sequence[Export]) -> list[str]:
    """Mark finished exports removed and return the folders of those that have one. Flushes."""
    removed = []
    for export in exports:
        folder = folder_of(export)
        if folder is not None:
            removed.append(folder)
        export.state = ExportState.PRUNED
    db.session.flush()
    return removed


def exports_of(assessment_id: int, limit: int = 50) -> list[Export]:
    """The newest exports of an assessment with their creators (one query)."""
    return list(
        db.session.scalars(
            select(Export)
            .where(Export.assessment_id == assessment_id)
            .options(joinedload(Export.created_by))
            .order_by(Export.id.desc())
            .limit(limit)
        )
    )


def indicator_pdf(export: Export, code: str) -> str | None:
    """The path in the export store of the PDF of one indicator's pages (its report section and every document it
    lists) made with a finished bundle, if there is one."""
    folder = folder_of(export)
    if folder is None or code not in summary_of(export).get("indicator_pages", {}):
        return None
    return _existing(f"{folder}/{PER_INDICATOR_DIR}/{code}.pdf")


def indicator_codes(export: Export) -> list[str]:
    """The indicators of a finished bundle whose own PDF is there, in the bundle's order (one look at the store)."""
    folder = folder_of(export)
    if folder is None:
        return []
    present = folders().files(folder)
    codes = summary_of(export).get("indicator_pages", {})
    return [code for code in codes if f"{PER_INDICATOR_DIR}/{code}.pdf" in present]


def butir_files(export: Export) -> list[dict[str, Any]]:
    """The per-butir files a finished export recorded (code, file, pages, size, over_limit…), in butir order."""
    if folder_of(export) is None:
        return []
    files = summary_of(export).get("butir_files", [])
    return files if isinstance(files, list) else []


def butir_zip(export: Export) -> str | None:
    """The path in the export store of a finished export's per-butir ZIP, if it made one and it is there."""
    folder = folder_of(export)
    if folder is None or "butir_zip" not in summary_of(export):
        return None
    return _existing(f"{folder}/{PER_BUTIR_ZIP}")


def over_limit(export: Export) -> list[dict[str, Any]]:
    """The per-butir files larger than the portal's limit when the export was built."""
    return [f for f in butir_files(export) if f.get("over_limit")]


def copy_out(
    export: Export, out_dir: Path, *, per_indicator: bool = False, per_butir: bool = False
) -> list[tuple[str, Path]]:
    """Copy a finished export's files to ``out_dir`` (each written under a temporary name, then renamed)."""
    butir_source = butir_zip(export) if per_butir else None
    if per_butir and butir_source is None:  # said before anything is copied
        raise DomainError(_l("Ekspor #%(id)s tidak memuat berkas per butir.", id=export.id))
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"bundel-{export.assessment_id}-{export.id}"
    written: list[tuple[str, Path]] = []
    for label, kind, name in (
        ("PDF", "pdf", f"{stem}.pdf"),
        ("ZIP", "zip", f"{stem}.zip"),
        ("Ringkasan", "summary", f"{stem}-ringkasan.json"),
    ):
        source = file_name(export, kind)
        if source is None:
            raise DomainError(_l("Berkas %(label)s ekspor #%(id)s tidak ditemukan.", label=label, id=export.id))
        dest = out_dir / name
        _copy(source, out_dir / f".{name}.tmp", dest)
        written.append((label, dest))
    if per_indicator:
        folder = out_dir / f"{stem}-per-indikator"
        folder.mkdir(exist_ok=True)
        for code in summary_of(export).get("indicator_pages", {}):
            source = indicator_pdf(export, code)
            if source is None:
                raise DomainError(_l("Indikator %(code)s tidak ada pada ekspor #%(id)s.", code=code, id=export.id))
            _copy(source, folder / f".{code}.pdf.tmp", folder / f"{code}.pdf")
        written.append(("PDF per indikator", folder))
    if butir_source is not None:
        written += _copy_butir(export, butir_source, out_dir, stem)
    return written


def _copy_butir(export: Export, zip_source: str, out_dir: Path, stem: str) -> list[tuple[str, Path]]:
    """The per-butir folder (its PDFs and catatan.csv) and ZIP of a finished export, copied to ``out_dir``."""
    folder = out_dir / f"{stem}-{PER_BUTIR_DIR}"
    folder.mkdir(exist_ok=True)
    source_folder = f"{folder_of(export)}/{PER_BUTIR_DIR}"
    for name in [f["file"] for f in butir_files(export)] + [PER_BUTIR_CATATAN]:
        source = _existing(f"{source_folder}/{name}")
        if source is None:
            raise DomainError(_l("Berkas %(name)s tidak ada pada ekspor #%(id)s.", name=name, id=export.id))
        _copy(source, folder / f".{name}.tmp", folder / name)
    dest = out_dir / f"{stem}-{PER_BUTIR_ZIP}"
    _copy(zip_source, out_dir / f".{dest.name}.tmp", dest)
    return [("PDF per butir", folder), ("ZIP per butir", dest)]


def _copy(source: str, tmp: Path, dest: Path) -> None:
    """A file of the export store to ``dest``, written under ``tmp`` first (no half-written file at ``dest``)."""
    try:
        with folders().open(source) as src, open(tmp, "wb") as out:
            shutil.copyfileobj(src, out, 1024 * 1024)
        tmp.replace(dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


SIGNATORY_FIELDS = ("signatory_name", "signatory_position", "signatory_nip", "signing_place")


def set_signatory(assessment: Assessment, user: User, values: dict[str, Any]) -> None:
    """The Koordinator SPBE's name, position, NIP, place and the signed scans (documents of this assessment)."""
    if not perm.can_export(user, assessment):
        raise DomainError(_l("Hanya koordinator atau admin yang dapat mengubah data penandatangan."))
    changes: list[tuple[str, Any, Any]] = []
    for name in SIGNATORY_FIELDS:
        new = " ".join(str(values.get(name) or "").split())
        if getattr(assessment, name) != new:
            changes.append((name, getattr(assessment, name), new))
            setattr(assessment, name, new)
    for name in ("signed_minutes_id", "signed_consent_id"):
        chosen = values.get(name) or None
        if chosen is not None:
            evidence = db.session.get(Evidence, int(chosen))
            if (
                evidence is None
                or evidence.assessment_id != assessment.id
                or evidence.deleted_at is not None
                or evidence.kind != EvidenceKind.FILE
            ):
                raise DomainError(_l("Pilih dokumen berkas dari pustaka data dukung penilaian ini."), field=name)
        if getattr(assessment, name) != chosen:
            changes.append((name, getattr(assessment, name), chosen))
            setattr(assessment, name, chosen)
    if changes:
        audit.record_assessment(
            assessment,
            actor=user,
            action="signatory_changed",
            changes=changes,
            summary=texts.text("audit.signatory_changed"),
        )
    db.session.flush()
