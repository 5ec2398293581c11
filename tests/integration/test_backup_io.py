"""How ``mandiri backup`` and ``mandiri restore`` move the objects' bytes: the restore reads each object of the
backup once (hashed while it is staged), and a backup folder on another filesystem than the store (where the kernel
cannot copy between them) gets the same verified copy."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pytest
from flask import Flask

from assess.database import writing
from assess.extensions import db
from assess.models import Assessment, User
from assess.services import evidence as evidence_service
from bench.upload import make_pdf
from tests.integration.test_backup import Places, fill, manifest_of, places, rows_of, run

__all__ = ["places"]  # the fixture, shared with test_backup.py

MIB = 1024 * 1024
SHM = Path("/dev/shm")  # noqa: S108 - a tmpfs: a filesystem other than the test's own temporary directory


def _read_bytes() -> int:
    """Bytes this process (every thread of it) has read through read-like system calls (``rchar``)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("rchar tidak ada di /proc/self/io")


def _add_large_pdf(app: Flask, spbe_id: int, writer_id: int, tmp: Path, mib: int) -> None:
    pdf = make_pdf(tmp / "besar.pdf", mib * MIB, seed=mib)
    with app.app_context(), writing():
        evidence_service.upload(
            assessment=db.session.get_one(Assessment, spbe_id),
            stream=io.BytesIO(pdf.path.read_bytes()),
            filename="Laporan besar.pdf",
            meta=None,
            user=db.session.get_one(User, writer_id),
            storage=app.extensions["storage"],
            policy=app.extensions["upload_policy"],
        )
        db.session.commit()
    pdf.path.unlink()


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="needs Linux's per-process I/O counters")
def test_a_restore_reads_each_object_once(places: Places, tmp_path: Path) -> None:
    local = {"STORAGE_BACKEND": "local"}  # into S3 the staged file is read again to be sent: not this test's point
    src = places.app("sqlite", **local)
    facts = fill(src)
    _add_large_pdf(src, facts.spbe_id, facts.writer_id, tmp_path, 24)
    folder = tmp_path / "cadangan"
    assert run(src, "backup", "--out", str(folder)).exit_code == 0
    object_bytes = sum(o["size"] for o in manifest_of(folder)["objects"])
    assert object_bytes > 24 * MIB

    dst = places.app("sqlite", **local)
    before = _read_bytes()
    restored = run(dst, "restore", str(folder))
    read = _read_bytes() - before
    assert restored.exit_code == 0, restored.output
    assert rows_of(dst) == rows_of(src)
    # Checking first, then staging, read every object twice (≥ 2×); the table files, the databases and the
    # migration scripts add well under a MiB.
    assert object_bytes <= read < 1.25 * object_bytes, (read, object_bytes)


@pytest.mark.skipif(not SHM.is_dir(), reason="needs a tmpfs at /dev/shm")
def test_a_backup_onto_another_filesystem_than_the_store(places: Places, tmp_path: Path) -> None:
    """The store on tmpfs, the backup on the test's disk: ``copy_file_range`` refuses (EXDEV), Python copies."""
    if SHM.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip(f"{SHM} is on the same filesystem as the test's directory")
    with tempfile.TemporaryDirectory(dir=SHM, prefix="mandiri-store-") as shm:
        src = places.app("sqlite", STORAGE_BACKEND="local", STORAGE_ROOT=shm)
        fill(src)
        folder = tmp_path / "cadangan"
        made = run(src, "backup", "--out", str(folder))
        assert made.exit_code == 0, made.output
        manifest = manifest_of(folder)
        assert manifest["objects"]
        assert not manifest["unavailable"]
        for entry in manifest["objects"]:
            copied = (folder / "objects" / entry["key"]).read_bytes()
            assert copied == (Path(shm) / "objects" / entry["key"]).read_bytes()

        dst = places.app("postgresql")
        restored = run(dst, "restore", str(folder))
        assert restored.exit_code == 0, restored.output
        assert rows_of(dst) == rows_of(src)
