"""Uploads: staging (hash, limit, flat memory, cleanup), content keys, local storage, backend choice, file names."""

from __future__ import annotations

import hashlib
import io
import os
import time
import tracemalloc
import unicodedata
import warnings
from pathlib import Path

import pikepdf
import pikepdf.settings
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from tests.diskfull import tiny_disk  # noqa: F401 - a fixture
from tests.unit.upload_corpus import (
    BUILDERS,
    jpeg_bytes,
    mp4_bytes,
    noise,
    odf_parts,
    ooxml_parts,
    pdf_bytes,
    png_bytes,
    png_pixel_flood,
    zip_of,
)
from uploads import (
    LocalStorage,
    Policy,
    Staged,
    Storage,
    UploadRejectedError,
    clean_filename,
    discard,
    get_storage,
    ingest,
    key_for,
    stage,
    validate,
)

MiB = 1024 * 1024


class GeneratedStream(io.RawIOBase):
    """A read-only stream of ``total`` bytes made up on demand from one block; counts what was read."""

    def __init__(self, total: int, block: bytes = b"\x5a" * MiB, fail_after: int | None = None) -> None:
        self.total = total
        self.block = block
        self.consumed = 0
        self.fail_after = fail_after

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if self.fail_after is not None and self.consumed >= self.fail_after:
            raise OSError("koneksi terputus")
        left = self.total - self.consumed
        n = left if size is None or size < 0 else min(size, left)
        n = min(n, len(self.block))
        self.consumed += n
        return self.block[:n]


def _listing(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


# ------------------------------------------------------------------------------------------------ staging


def test_stage_hashes_and_copies(tmp_path: Path) -> None:
    data = noise(3 * MiB + 123)
    staged = stage(io.BytesIO(data), tmp_path / "staging", max_bytes=10 * MiB, chunk_size=64 * 1024)
    assert staged.sha256 == hashlib.sha256(data).hexdigest()
    assert staged.size == len(data)
    assert staged.path.parent == tmp_path / "staging"
    assert staged.path.read_bytes() == data
    discard(staged)
    discard(staged)  # idempotent
    assert _listing(tmp_path / "staging") == []


def test_stage_accepts_exactly_max_bytes(tmp_path: Path) -> None:
    staged = stage(io.BytesIO(b"x" * 1000), tmp_path, max_bytes=1000, chunk_size=7)
    assert staged.size == 1000


def test_stage_stops_one_byte_over_the_limit_without_reading_the_rest(tmp_path: Path) -> None:
    stream = GeneratedStream(total=50 * 1024 * MiB)  # 50 GiB, never materialised
    with pytest.raises(UploadRejectedError) as caught:
        stage(stream, tmp_path, max_bytes=5 * MiB)  # type: ignore[arg-type]
    assert caught.value.code == "too_large"
    assert "batas 5 MB" in caught.value.message
    assert stream.consumed == 5 * MiB + 1
    assert _listing(tmp_path) == []


def test_stage_default_limit_message() -> None:
    from uploads.staging import too_large

    assert too_large(Policy().max_bytes).message.startswith("Berkas melebihi batas 100 MB.")


def test_stage_refuses_empty_stream(tmp_path: Path) -> None:
    with pytest.raises(UploadRejectedError) as caught:
        stage(io.BytesIO(b""), tmp_path, max_bytes=100)
    assert caught.value.code == "empty"
    assert _listing(tmp_path) == []


def test_stage_removes_temp_file_when_the_stream_fails(tmp_path: Path) -> None:
    stream = GeneratedStream(total=10 * MiB, fail_after=3 * MiB)
    with pytest.raises(OSError, match="koneksi terputus"):
        stage(stream, tmp_path, max_bytes=100 * MiB)  # type: ignore[arg-type]
    assert _listing(tmp_path) == []


def test_stage_removes_temp_file_on_base_exceptions(tmp_path: Path) -> None:
    class Aborted(BaseException):
        pass

    class Interrupted(GeneratedStream):
        def read(self, size: int | None = -1) -> bytes:
            if self.consumed:
                raise Aborted
            return super().read(size)

    with pytest.raises(Aborted):
        stage(Interrupted(total=10 * MiB), tmp_path, max_bytes=100 * MiB)  # type: ignore[arg-type]
    assert _listing(tmp_path) == []


def test_stage_memory_stays_flat_for_200_mb(tmp_path: Path) -> None:
    stream = GeneratedStream(total=200 * MiB)
    tracemalloc.start()
    try:
        staged = stage(stream, tmp_path, max_bytes=1024 * MiB)  # type: ignore[arg-type]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert staged.size == 200 * MiB
    assert peak < 8 * MiB, f"peak {peak / MiB:.1f} MiB"
    expected = hashlib.sha256()
    for _ in range(200):
        expected.update(stream.block)
    assert staged.sha256 == expected.hexdigest()
    discard(staged)


# ---------------------------------------------------------------------------------------------------- keys


def test_key_for_layout() -> None:
    digest = hashlib.sha256(b"data dukung").hexdigest()
    assert key_for(digest) == f"sha256/{digest[:2]}/{digest[2:4]}/{digest}"


@pytest.mark.parametrize(
    "bad",
    ["", "abc", "A" * 64, "g" * 64, "a" * 63, "a" * 65, "../" + "a" * 61, " " + "a" * 63, "a" * 63 + "\n"],
)
def test_key_for_rejects_anything_but_64_lowercase_hex(bad: str) -> None:
    with pytest.raises(ValueError, match="SHA-256"):
        key_for(bad)


# ------------------------------------------------------------------------------------------------- storage


def _stage_into(storage: LocalStorage, data: bytes) -> Staged:
    return stage(io.BytesIO(data), storage.staging_dir(), max_bytes=10 * MiB)


def test_local_storage_round_trip(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    assert isinstance(storage, Storage)
    data = pdf_bytes(1)
    staged = _stage_into(storage, data)
    key = storage.put(staged)
    assert key == key_for(hashlib.sha256(data).hexdigest())
    assert storage.exists(key)
    assert storage.size(key) == len(data)
    with storage.open(key) as handle:
        assert handle.read() == data
        with pytest.raises(io.UnsupportedOperation):
            handle.write(b"x")
    path = storage.local_path(key)
    assert path == tmp_path / "objects" / key
    assert not staged.path.exists()
    assert _listing(storage.staging_dir()) == []
    storage.delete(key)
    storage.delete(key)  # idempotent
    assert not storage.exists(key)


def test_put_deduplicates(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    first = storage.put(_stage_into(storage, b"sama persis"))
    second_staged = _stage_into(storage, b"sama persis")
    second = storage.put(second_staged)
    assert first == second
    assert not second_staged.path.exists()
    objects = [p for p in (tmp_path / "objects").rglob("*") if p.is_file()]
    assert objects == [tmp_path / "objects" / first]
    assert _listing(storage.staging_dir()) == []


def test_put_refuses_files_staged_elsewhere(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "store")
    staged = stage(io.BytesIO(b"di luar"), tmp_path / "elsewhere", max_bytes=100)
    with pytest.raises(ValueError, match="staging_dir"):
        storage.put(staged)
    discard(staged)


def test_explicit_pipeline_stage_validate_put(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    staged = _stage_into(storage, pdf_bytes(2))
    info = validate(staged.path, "Laporan.pdf")
    assert (info.kind, info.pages) == ("pdf", 2)
    key = storage.put(staged)
    assert storage.exists(key)


@pytest.mark.parametrize(
    "key",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "sha256/../../../etc/passwd",
        "sha256/aa/bb/" + "a" * 64,  # prefixes do not match the digest
        "sha256/AA/AA/" + "A" * 64,
        "sha256/aa/aa/" + "a" * 63,
        "sha256/aa/aa/" + "a" * 64 + "/../../x",
        "md5/aa/aa/" + "a" * 64,
        "",
    ],
)
def test_local_storage_refuses_bad_keys(tmp_path: Path, key: str) -> None:
    storage = LocalStorage(tmp_path)
    for call in (storage.exists, storage.size, storage.open, storage.local_path, storage.delete):
        with pytest.raises(ValueError, match="kunci"):
            call(key)


def test_local_storage_refuses_keys_escaping_through_symlinks(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "bb").mkdir(parents=True)
    digest = "ab" + "b" * 62
    (outside / "bb" / digest).write_bytes(b"rahasia")
    storage = LocalStorage(tmp_path / "store")
    (tmp_path / "store" / "objects" / "sha256").mkdir(parents=True)
    (tmp_path / "store" / "objects" / "sha256" / "ab").symlink_to(outside)
    with pytest.raises(ValueError, match="keluar"):
        storage.open(key_for(digest))


def test_sweep_staging_removes_only_old_files(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    assert storage.sweep_staging(60) == 0  # no staging directory yet
    old = _stage_into(storage, b"lama")
    new = _stage_into(storage, b"baru")
    (storage.staging_dir() / "subdir").mkdir()
    two_hours_ago = time.time() - 7200
    os.utime(old.path, (two_hours_ago, two_hours_ago))
    assert storage.sweep_staging(3600) == 1
    assert not old.path.exists()
    assert new.path.exists()
    assert storage.sweep_staging(3600) == 0


# ------------------------------------------------------------------------------------------------- backend


def test_get_storage_local(tmp_path: Path) -> None:
    storage = get_storage({"STORAGE_ROOT": str(tmp_path / "evidence")})
    assert isinstance(storage, LocalStorage)
    assert storage.staging_dir() == tmp_path / "evidence" / "staging"
    assert isinstance(get_storage({"STORAGE_BACKEND": "Local", "STORAGE_ROOT": tmp_path}), LocalStorage)


def test_get_storage_needs_a_root() -> None:
    with pytest.raises(ValueError, match="MANDIRI_STORAGE_ROOT"):
        get_storage({"STORAGE_BACKEND": "local"})


@pytest.mark.parametrize("backend", ["s3", "ftp", "../local"])
def test_get_storage_unknown_backend(backend: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="MANDIRI_STORAGE_BACKEND"):
        get_storage({"STORAGE_BACKEND": backend, "STORAGE_ROOT": tmp_path})


# --------------------------------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "name",
    [
        "Perwali Nomor 12 Tahun 2024 – Arsitektur SPBE.pdf",
        "Laporan Kinerja Instansi Pemerintah (LKjIP) 2023.pdf",
        "SK Tim Koordinasi SPBE No. 5_2024.docx",
        "Rekap Indikator — Domain Kebijakan Internal.xlsx",
        "Foto Rapat Dinas Kominfo & Bappeda, 12-03-2024.jpg",
        "Daftar Hadir Sosialisasi.ods",
    ],
)
def test_clean_filename_keeps_indonesian_names(name: str) -> None:
    assert clean_filename(name) == name


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\win.pdf", "win.pdf"),
        ("C:\\Users\\opd\\Dokumen\\laporan.pdf", "laporan.pdf"),
        ("a\x00.pdf", "a.pdf"),
        ("gambar\u202efdp.exe", "gambarfdp.exe"),
        ("laporan\u202egnp.pdf", "laporangnp.pdf"),
        ("\u2066laporan\u2069\u200e.pdf\u200f", "laporan.pdf"),
        ("CON.pdf", "CON_.pdf"),
        ("nul.docx", "nul_.docx"),
        ("com1.tar.pdf", "com1_.tar.pdf"),
        ("LPT9.xlsx", "LPT9_.xlsx"),
        ("console.pdf", "console.pdf"),
        ("...pdf", "pdf"),
        (".htaccess", "htaccess"),
        ("laporan.pdf. . .", "laporan.pdf"),
        ("  laporan \t\n  tahunan   2024 .pdf ", "laporan tahunan 2024 .pdf"),
        ("Pe\u0301riode.pdf", "Période.pdf"),
        ("Pe\u202e\u0301riode.pdf", "Période.pdf"),
    ],
)
def test_clean_filename_cases(raw: str, clean: str) -> None:
    assert clean_filename(raw) == clean


def test_clean_filename_truncates_keeping_the_extension() -> None:
    cleaned = clean_filename("Lampiran " + "sangat panjang " * 30 + ".pdf")
    assert len(cleaned) <= 200
    assert cleaned.endswith(".pdf")
    assert clean_filename("a" * 300 + ".docx") == "a" * 195 + ".docx"


@pytest.mark.parametrize("raw", ["", " ", "...", "../", "..\\", "a/", "\u202e\u202d", "\x00\x01", ". . ."])
def test_clean_filename_refuses_nothing_usable(raw: str) -> None:
    with pytest.raises(UploadRejectedError) as caught:
        clean_filename(raw)
    assert caught.value.code == "bad_name"
    assert "Nama berkas" in caught.value.message


FORBIDDEN = set("/\\\x00\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


@given(st.text(max_size=400))
def test_clean_filename_properties(raw: str) -> None:
    rejected: UploadRejectedError | None = None
    cleaned = ""
    try:
        cleaned = clean_filename(raw)
    except UploadRejectedError as exc:
        rejected = exc
    if rejected is not None:
        assert rejected.code == "bad_name"
        return
    assert 0 < len(cleaned) <= 200
    assert not FORBIDDEN & set(cleaned)
    assert not any(unicodedata.category(ch) == "Cc" for ch in cleaned)
    assert not cleaned.startswith((".", " "))
    assert not cleaned.endswith((".", " "))
    assert unicodedata.is_normalized("NFC", cleaned)
    assert clean_filename(cleaned) == cleaned


# --------------------------------------------------------------------------------- pipeline and validation


def test_ingest_checks_the_name_before_reading(tmp_path: Path) -> None:
    stream = GeneratedStream(total=10 * MiB)
    with pytest.raises(UploadRejectedError) as caught:
        ingest(stream, "setup.exe", LocalStorage(tmp_path))  # type: ignore[arg-type]
    assert caught.value.code == "bad_extension"
    assert stream.consumed == 0


def test_validate_never_touches_pillows_global_limit(tmp_path: Path) -> None:
    before = Image.MAX_IMAGE_PIXELS
    flood = tmp_path / "banjir.png"
    flood.write_bytes(png_pixel_flood(100_000, 100_000))
    with pytest.raises(UploadRejectedError) as caught:
        validate(flood, "banjir.png", Policy(max_image_pixels=10**12))  # above Pillow's own bomb error
    assert caught.value.code == "image_too_large"
    between = tmp_path / "besar.png"
    between.write_bytes(png_pixel_flood(10_000, 10_000))  # above Pillow's warning, below its error
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        info = validate(between, "besar.png", Policy(max_image_pixels=10**9))
    assert (info.width, info.height) == (10_000, 10_000)
    assert before == Image.MAX_IMAGE_PIXELS
    with pytest.raises(UploadRejectedError) as caught:
        validate(between, "besar.png")
    assert caught.value.code == "image_too_large"


def test_validate_restores_qpdf_limits(tmp_path: Path) -> None:
    before = pikepdf.settings.get_qpdf_limits()
    path = tmp_path / "a.pdf"
    path.write_bytes(pdf_bytes(1))
    validate(path, "a.pdf")
    assert before == pikepdf.settings.get_qpdf_limits()


def test_validate_checks_size_and_emptiness_itself(tmp_path: Path) -> None:
    empty = tmp_path / "kosong.pdf"
    empty.write_bytes(b"")
    with pytest.raises(UploadRejectedError, match="kosong"):
        validate(empty, "kosong.pdf")
    big = tmp_path / "besar.pdf"
    big.write_bytes(pdf_bytes(1))
    with pytest.raises(UploadRejectedError) as caught:
        validate(big, "besar.pdf", Policy(max_bytes=100))
    assert caught.value.code == "too_large"


def test_rejection_carries_code_and_message() -> None:
    exc = UploadRejectedError("empty", "Berkas kosong.")
    assert (exc.code, exc.message) == ("empty", "Berkas kosong.")
    assert "empty" in str(exc)


# ---------------------------------------------------------------------------------------------- robustness

FUZZ_SEEDS = {
    "a.pdf": lambda: pdf_bytes(3),
    "b.pdf": BUILDERS["pdf_object_streams"],
    "c.pdf": BUILDERS["pdf_owner_password"],
    "a.jpg": jpeg_bytes,
    "a.png": png_bytes,
    "a.docx": lambda: zip_of(ooxml_parts("docx")),
    "a.xlsx": lambda: zip_of(ooxml_parts("xlsx")),
    "a.ods": lambda: zip_of(odf_parts("ods")),
    "a.mp4": mp4_bytes,
}


def mutations(data: bytes, seed: str, count: int) -> list[bytes]:
    """Deterministic damage: flipped bytes (mostly in the head and tail, where the structure is), cuts, splices."""
    out = []
    for number in range(count):
        rnd = hashlib.shake_256(f"{seed}-{number}".encode()).digest(64)
        size = len(data)
        where = int.from_bytes(rnd[:4], "big")
        region = (where % min(size, 1024)) if rnd[4] % 3 == 0 else size - 1 - where % min(size, 1024)
        region = region if rnd[4] % 3 != 2 else where % size
        damaged = bytearray(data)
        operation = rnd[5] % 4
        if operation == 0:
            for k in range(1 + rnd[6] % 8):
                damaged[(region + k * rnd[7]) % size] ^= rnd[8 + k] or 0xFF
        elif operation == 1:
            damaged = damaged[: max(1, region)]
        elif operation == 2:
            damaged[region:region] = rnd[16:48]
        else:
            del damaged[region : region + 1 + rnd[6]]
        out.append(bytes(damaged) or b"x")
    return out


@pytest.mark.parametrize("name", list(FUZZ_SEEDS))
def test_damaged_files_are_rejected_cleanly_never_crash(name: str, tmp_path: Path) -> None:
    data = FUZZ_SEEDS[name]()
    path = tmp_path / name
    outcomes: dict[str, int] = {}
    for damaged in mutations(data, name, 80):
        path.write_bytes(damaged)
        try:
            validate(path, name)
        except UploadRejectedError as exc:
            outcomes[exc.code] = outcomes.get(exc.code, 0) + 1
        else:
            outcomes["accepted"] = outcomes.get("accepted", 0) + 1
    assert sum(outcomes.values()) == 80
    assert set(outcomes) <= {"accepted", "corrupt", "mismatch", "encrypted", "office_unsafe", "image_too_large"}


def test_hashing_spool_is_adopted_without_a_second_copy(tmp_path: Path) -> None:
    from uploads.staging import HashingSpool

    data = os.urandom(300_000)
    spool = HashingSpool(tmp_path)
    for i in range(0, len(data), 65536):
        spool.write(data[i : i + 65536])
    spool.seek(0)
    assert spool.read(4) == data[:4]
    staged = stage(spool, tmp_path, max_bytes=10**6)
    assert staged.path == spool.path
    assert staged.sha256 == hashlib.sha256(data).hexdigest()
    assert staged.size == len(data)
    spool.close()  # the web framework closes request files; an adopted spool keeps its file
    assert staged.path.read_bytes() == data


def test_hashing_spool_cleans_up(tmp_path: Path) -> None:
    from uploads.staging import HashingSpool

    unused = HashingSpool(tmp_path)
    unused.write(b"abc")
    assert list(tmp_path.iterdir()) == []  # no name until adopted
    unused.close()
    assert list(tmp_path.iterdir()) == []
    big = HashingSpool(tmp_path)
    big.write(b"x" * 11)
    with pytest.raises(UploadRejectedError) as exc:
        stage(big, tmp_path, max_bytes=10)
    assert exc.value.code == "too_large"
    assert list(tmp_path.iterdir()) == []


def test_hashing_spool_without_o_tmpfile_falls_back_to_a_named_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from uploads import staging

    monkeypatch.setattr(staging, "O_TMPFILE", 0)
    spool = staging.HashingSpool(tmp_path)
    spool.write(b"abc")
    assert spool.path is not None
    assert spool.path.name.startswith("upload-")
    assert _listing(tmp_path) == [spool.path.name]
    spool.close()
    assert _listing(tmp_path) == []
    kept = staging.HashingSpool(tmp_path)
    kept.write(b"isi")
    staged = stage(kept, tmp_path, max_bytes=10)
    kept.close()
    assert staged.path.read_bytes() == b"isi"


KILLED_MID_UPLOAD = """
import os, signal, sys
from pathlib import Path
from uploads.staging import HashingSpool
spool = HashingSpool(Path(sys.argv[1]))
for _ in range(8):
    spool.write(b"\\x5a" * 131072)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_process_killed_mid_upload_leaves_nothing_in_staging(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    result = subprocess.run(  # noqa: S603 - this interpreter with a fixed script
        [sys.executable, "-c", KILLED_MID_UPLOAD, str(tmp_path)], capture_output=True, check=False, timeout=60
    )
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert _listing(tmp_path) == []


def _disk_full_on_write(monkeypatch: pytest.MonkeyPatch, after_bytes: int = 0) -> None:
    """``os.write`` as on a full disk once ``after_bytes`` have been written."""
    import errno

    real_write = os.write
    written = [0]

    def write(fd: int, data: bytes) -> int:
        if written[0] + len(data) > after_bytes:
            raise OSError(errno.ENOSPC, "No space left on device")
        written[0] += len(data)
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)


@pytest.mark.parametrize("after_bytes", [0, 3 * MiB])
def test_stage_on_a_full_disk_raises_storage_full_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, after_bytes: int
) -> None:
    from uploads.staging import StorageFullError

    _disk_full_on_write(monkeypatch, after_bytes)
    with pytest.raises(StorageFullError):
        stage(GeneratedStream(5 * MiB), tmp_path, max_bytes=10 * MiB)
    assert _listing(tmp_path) == []


def test_put_on_a_full_disk_raises_storage_full_and_frees_the_staged_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from uploads.staging import StorageFullError

    storage = LocalStorage(tmp_path)
    staged = _stage_into(storage, b"isi dokumen")

    def fsync(_fd: int) -> None:
        raise OSError(errno.EDQUOT, "Disk quota exceeded")

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(StorageFullError):
        storage.put(staged)
    monkeypatch.undo()
    assert _listing(storage.staging_dir()) == []
    assert not storage.exists(key_for(staged.sha256))


def test_free_space_of_store_and_staging(tmp_path: Path) -> None:
    import shutil

    storage = LocalStorage(tmp_path / "store")
    free = storage.free_space()
    assert set(free) == {"storage", "staging"}
    expected = shutil.disk_usage(tmp_path).free
    assert all(abs(n - expected) < 64 * MiB for n in free.values()), free


def test_ingest_on_a_really_full_disk_frees_everything_and_then_works_again(
    tiny_disk: Path,  # noqa: F811 - the fixture imported above
) -> None:
    from uploads.staging import StorageFullError

    storage = LocalStorage(tiny_disk)
    policy = Policy(max_bytes=10 * MiB)
    empty_free = storage.free_space()["storage"]
    with pytest.raises(StorageFullError):
        ingest(io.BytesIO(pdf_bytes() + b"%" * 3 * MiB), "terlalu-besar-untuk-disk.pdf", storage, policy)
    assert _listing(storage.staging_dir()) == []
    assert storage.free_space()["storage"] == empty_free
    stored = ingest(io.BytesIO(pdf_bytes()), "kecil.pdf", storage, policy)
    assert storage.exists(stored.key)
    assert _listing(storage.staging_dir()) == []
