"""The whole interview pack of an assessment, built in the background (about a quarter of a second per indicator:
some 5 s for Pemdi's 20 on two CPUs, too long for a request).

One pack per assessment: the job's progress and outcome are kept in the job queue's key-value store (Huey's, shared
by the web server and the worker; nothing in the database), the finished ZIP in the export store as the folder
``<assessment id>/wawancara-<random>``. A newer pack replaces the folder of the one before; a failed or stopped
build leaves no file behind. One indicator's sheet is small enough to render during the request
(:func:`reports.interview.indicator_pdf`).
"""

from __future__ import annotations

import logging
import secrets
import shutil
import tempfile
import time
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l

from assess import jobs
from assess.errors import DomainError
from assess.models.base import utcnow
from assess.services.exports import folders
from reports import interview
from reports.layout import Job, pool_size, render_all

log = logging.getLogger(__name__)

ZIP_NAME = "paket-wawancara.zip"
RUNNING, DONE, FAILED = "berjalan", "selesai", "gagal"
#: A build whose progress has not moved for this long has stopped (its worker ended): it may be started again.
STALE_S = 300


@dataclass(frozen=True)
class PackStatus:
    state: str
    done: int = 0
    total: int = 0
    #: The finished pack's folder in the export store.
    folder: str | None = None
    #: Seconds since the epoch: the last progress, and when the pack was finished.
    updated_at: float = 0.0
    finished_at: float | None = None

    @property
    def active(self) -> bool:
        return self.state == RUNNING

    @property
    def percent(self) -> int:
        if self.state == DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0


def _key(assessment_id: int) -> str:
    return f"wawancara:{int(assessment_id)}"


def _put(assessment_id: int, status: PackStatus) -> None:
    jobs.huey.put(_key(assessment_id), asdict(status))


def status(assessment_id: int) -> PackStatus | None:
    """The assessment's pack: being built, finished, or failed (a build that stopped moving reads as failed); ``None``
    when none was asked for."""
    raw = jobs.huey.get(_key(assessment_id), peek=True)
    if not isinstance(raw, dict):
        return None
    found = PackStatus(**raw)
    if found.active and time.time() - found.updated_at > STALE_S:
        return PackStatus(FAILED, found.done, found.total, found.folder, found.updated_at, found.finished_at)
    return found


def zip_path(assessment_id: int) -> str | None:
    """The finished pack's ZIP in the export store, if there is one."""
    found = status(assessment_id)
    return f"{found.folder}/{ZIP_NAME}" if found is not None and found.folder else None


def request_pack(assessment_id: int) -> None:
    """Queue a new pack (the one before stays downloadable until it is finished); refused while one is being
    built."""
    found = status(assessment_id)
    if found is not None and found.active:
        raise DomainError(_l("Paket wawancara sedang dibuat; tunggu sampai selesai."))
    folder = found.folder if found is not None else None
    _put(assessment_id, PackStatus(RUNNING, folder=folder, updated_at=time.time()))
    jobs.build_interview_pack(assessment_id)


def build(assessment_id: int) -> None:
    """Render every indicator's sheet into the ZIP and publish it (the job's body, in an app context of its own).
    A failure is logged and kept as the pack's state; whatever it wrote is removed."""
    before = status(assessment_id)
    previous = before.folder if before is not None else None
    work: Path | None = None
    try:
        pack = interview.collect(assessment_id, generated_at=utcnow())
        total = len(pack.indicators)
        _put(assessment_id, PackStatus(RUNNING, 0, total, previous, time.time()))
        work = Path(tempfile.mkdtemp(prefix=".tmp-wawancara-", dir=folders().work_dir()))
        parts = render_all(
            (Job(interview.indicator_html(pack, indicator)) for indicator in pack.indicators),
            parallel=pool_size() > 1,
        )
        with zipfile.ZipFile(work / ZIP_NAME, "w", zipfile.ZIP_DEFLATED) as archive:
            for done, (indicator, part) in enumerate(zip(pack.indicators, parts, strict=True), 1):
                archive.writestr(interview.zip_entry(indicator.file_name, pack.generated_at), part.pdf)
                _put(assessment_id, PackStatus(RUNNING, done, total, previous, time.time()))
        name = f"{int(assessment_id)}/wawancara-{secrets.token_hex(8)}"
        folders().publish(work, name)
        work = None
        _put(assessment_id, PackStatus(DONE, total, total, name, time.time(), time.time()))
    except Exception:
        log.exception("paket wawancara penilaian %s gagal dibuat", assessment_id)
        _put(assessment_id, PackStatus(FAILED, folder=previous, updated_at=time.time()))
        return
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
    if previous is not None:
        folders().remove(previous)
