"""R1: hostile and broken uploads through the whole pipeline (stage → validate → put), nothing left behind.

Every case in :data:`tests.unit.upload_corpus.CASES` is uploaded into a fresh :class:`LocalStorage`.
Accepted files must land under their content address and nowhere else; refused files must carry the
expected code and an Indonesian message, and leave neither a temporary file nor an object.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.unit.upload_corpus import ACCEPTED, CASES, Case, build_corpus
from uploads import LocalStorage, UploadRejectedError, ingest, key_for

MIN_CASES = 60
INDONESIAN_WORDS = ("berkas", "dokumen", "gambar", "video", "nama", "isi", "jenis", "resolusi")


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_corpus(tmp_path_factory.mktemp("upload-corpus"))


@dataclass
class Outcome:
    case: Case
    got: str | None = None
    message: str = ""
    crash: str | None = None
    leftovers: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def as_expected(self) -> bool:
        return self.crash is None and self.got == self.case.expected and not self.problems and self.leftovers == 0


def indonesian_message_problems(message: str) -> list[str]:
    """Why ``message`` is not a proper user-facing Indonesian message (empty list when it is)."""
    problems = []
    if not message or message != message.strip():
        problems.append("pesan kosong atau berspasi di tepi")
        return problems
    if not message[0].isupper() or not message.endswith("."):
        problems.append("pesan bukan kalimat")
    if re.search(r"Error|Exception|Traceback|object at 0x|\bthe\b|\binvalid\b", message):
        problems.append("pesan terlihat seperti repr/teks Inggris")
    if not any(word in message.lower() for word in INDONESIAN_WORDS):
        problems.append("pesan tidak menyebut berkas/dokumen")
    if "unggah lagi" not in message:
        problems.append("pesan tidak mengatakan apa yang harus dilakukan")
    return problems


def _files(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if p.is_file() or p.is_symlink()] if directory.exists() else []


def run_case(case: Case, corpus: dict[str, Path], root: Path) -> Outcome:
    outcome = Outcome(case)
    storage = LocalStorage(root)
    source = corpus[case.file]
    try:
        with open(source, "rb") as stream:
            stored = ingest(stream, case.name, storage, case.policy)
    except UploadRejectedError as exc:
        outcome.got, outcome.message = exc.code, exc.message
        outcome.problems += indonesian_message_problems(exc.message)
        outcome.leftovers = len(_files(root / "staging")) + len(_files(root / "objects"))
        return outcome
    except Exception as exc:  # a crash: anything but a clean rejection
        outcome.crash = repr(exc)
        outcome.leftovers = len(_files(root / "staging")) + len(_files(root / "objects"))
        return outcome
    outcome.got = ACCEPTED
    data = source.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    objects = _files(root / "objects")
    outcome.leftovers = len(_files(root / "staging"))
    if stored.key != key_for(digest) or stored.sha256 != digest or stored.size != len(data):
        outcome.problems.append(f"kunci/hash salah: {stored.key}")
    if objects != [root / "objects" / stored.key] or (root / "objects" / stored.key).read_bytes() != data:
        outcome.problems.append(f"objek tersimpan salah: {objects}")
    if case.check is not None and not case.check(stored.info):
        outcome.problems.append(f"FileInfo tidak sesuai: {stored.info}")
    if case.display_name is not None and stored.name != case.display_name:
        outcome.problems.append(f"nama tampilan {stored.name!r} ≠ {case.display_name!r}")
    if any(ch in stored.name for ch in "/\\\x00\u202e") or len(stored.name) > 200:
        outcome.problems.append(f"nama tampilan tidak bersih: {stored.name!r}")
    return outcome


def run_all(corpus: dict[str, Path], base: Path) -> Iterator[Outcome]:
    for number, case in enumerate(CASES):
        yield run_case(case, corpus, base / f"case-{number}")


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_r1_case(case: Case, corpus: dict[str, Path], tmp_path: Path) -> None:
    outcome = run_case(case, corpus, tmp_path / "store")
    assert outcome.crash is None, f"crash: {outcome.crash}"
    assert outcome.got == case.expected, (
        f"{case.id}: diharapkan {case.expected}, didapat {outcome.got}: {outcome.message}"
    )
    assert outcome.problems == []
    assert outcome.leftovers == 0, "berkas sementara atau objek tertinggal"


def test_r1_has_enough_distinct_cases() -> None:
    assert len(CASES) >= MIN_CASES
    assert len({case.id for case in CASES}) == len(CASES)
    codes = {case.expected for case in CASES}
    assert codes >= {
        ACCEPTED, "too_large", "empty", "bad_extension", "mismatch", "corrupt", "encrypted", "too_many_pages",
        "image_too_large", "office_unsafe", "bad_name", "dangerous_name",
    }  # fmt: skip


def test_r1_summary(corpus: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outcomes = list(run_all(corpus, tmp_path))
    handled = sum(outcome.as_expected for outcome in outcomes)
    crashes = sum(outcome.crash is not None for outcome in outcomes)
    leftovers = sum(outcome.leftovers for outcome in outcomes)
    line = (
        f"R1: {len(outcomes)} cases, {handled} handled as expected, {crashes} crashes, {leftovers} leftover temp files"
    )
    with capsys.disabled():
        print(f"\n{line}")
    failures = [(o.case.id, o.got, o.crash, o.problems) for o in outcomes if not o.as_expected]
    assert failures == []
    assert handled == len(outcomes) >= MIN_CASES
    assert crashes == 0
    assert leftovers == 0
