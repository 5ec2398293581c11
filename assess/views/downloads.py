"""Sending stored files: access is checked by the caller; here the bytes are checked against their SHA-256 and the
headers made safe.

A stored file changed behind the library's back is never served as the document. A file up to
``VERIFY_FIRST_BYTES`` is read and checked whole before its first byte is sent. A larger one is streamed through
:class:`VerifyingReader`, which hashes as it reads and always holds back the last chunk read: that chunk goes out only
once the whole file matched, so on a mismatch the client gets fewer bytes than the ``Content-Length`` announced (a
failed download, never a complete one). Range requests are not answered (a range could not be checked without
reading the whole file); a conditional GET may answer 304, which only confirms a copy that was checked when sent.

What was found is kept on the blob (``check_problem``, the library's "rusak" chip) by a job
(:func:`assess.jobs.record_stored_file`): the download itself writes nothing.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator
from typing import IO, BinaryIO, cast

from flask import current_app, render_template, request, send_file
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from assess import jobs
from assess.models import EvidenceVersion
from assess.services import evidence as evidence_service
from uploads.storage import Storage

#: Types a browser may show inline (preview); everything else is always a download.
INLINE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})
#: Files up to this size are checked whole before anything is sent; larger ones while they stream.
VERIFY_FIRST_BYTES = 8 * 1024 * 1024
CHUNK = 1024 * 1024
#: The status of a stored file that no longer matches its record (the document exists; its bytes cannot be served).
CHANGED_STATUS = 409


class StoredFileChangedError(Exception):
    """The stored bytes are not the ones on record (or are gone); ``problem`` says how, for the blob's record."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def _changed(kind: str, *values: object) -> StoredFileChangedError:
    return StoredFileChangedError(evidence_service.stored_file_problem(kind, *values))


def _size_changed(size: int, expected: int) -> StoredFileChangedError:
    return _changed("size", size, expected)


def _content_changed(sha256: str, expected: str) -> StoredFileChangedError:
    return _changed("sha256", sha256[:12], expected[:12])


def _open(storage: Storage, key: str) -> BinaryIO:
    try:
        return storage.open(key)
    except FileNotFoundError:
        raise _changed("missing") from None


def _check_size(storage: Storage, key: str, expected: int) -> None:
    """A stored file of another size than on record is refused before it is opened."""
    try:
        size = storage.size(key)
    except FileNotFoundError:
        raise _changed("missing") from None
    if size != expected:
        raise _size_changed(size, expected)


def read_verified(storage: Storage, key: str, sha256: str, limit: int) -> bytes:
    """The whole stored file (at most ``limit`` bytes), once it matched its SHA-256; else
    :class:`StoredFileChangedError`."""
    with _open(storage, key) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise _changed("larger", limit)
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise _content_changed(digest, sha256)
    return data


def _check_whole(storage: Storage, key: str, sha256: str) -> None:
    """Read a stored file through (without keeping it) and raise :class:`StoredFileChangedError` unless it matches."""
    digest = hashlib.sha256()
    with _open(storage, key) as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    if digest.hexdigest() != sha256:
        raise _content_changed(digest.hexdigest(), sha256)


class VerifyingReader:
    """A file-like body for ``send_file`` that hashes the stored file as it is read and holds back the last chunk
    until the whole file matched its SHA-256 and size. ``report`` is called once with what was found (``None``:
    the bytes matched); on a mismatch :class:`StoredFileChangedError` is raised instead of the last chunk."""

    def __init__(self, handle: BinaryIO, sha256: str, size: int, report: Callable[[str | None], None]) -> None:
        self._handle = handle
        self._sha256 = sha256
        self._size = size
        self._report = report
        self._chunks = self._verified_chunks()

    def read(self, _size: int = -1) -> bytes:
        return next(self._chunks, b"")

    def close(self) -> None:
        self._handle.close()

    def _verified_chunks(self) -> Iterator[bytes]:
        digest = hashlib.sha256()
        read = 0
        held = b""
        while chunk := self._handle.read(CHUNK):
            read += len(chunk)
            if read > self._size:  # longer than on record: stop before a byte beyond the announced length goes out
                break
            digest.update(chunk)
            if held:
                yield held
            held = chunk
        found: StoredFileChangedError | None = None
        if read != self._size:
            found = _size_changed(read, self._size) if read < self._size else _changed("larger", self._size)
        elif digest.hexdigest() != self._sha256:
            found = _content_changed(digest.hexdigest(), self._sha256)
        self._report(found.problem if found is not None else None)
        if found is not None:
            raise found
        if held:
            yield held


def changed_page() -> tuple[str, int]:
    """The page for a stored file that is not served because it changed behind the application's back."""
    return render_template(
        "error.html",
        code=CHANGED_STATUS,
        title=_("Berkas tidak dapat diunduh"),
        message=_(
            "Berkas yang tersimpan tidak lagi sama dengan berkas yang diunggah (berubah atau hilang di luar "
            "aplikasi), jadi tidak dikirimkan. Mohon hubungi pengelola aplikasi untuk memulihkan berkas dari cadangan."
        ),
    ), CHANGED_STATUS


def _recorder(blob_id: int, marked: bool) -> Callable[[str | None], None]:
    """Keeps what a read found on the blob: a problem, or the end of one found before (``marked``: a file restored)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def report(problem: str | None) -> None:
        if problem is None and not marked:
            return
        with app.app_context():
            jobs.record_stored_file(blob_id, problem)

    return report


def send_evidence(storage: Storage, version: EvidenceVersion, *, inline: bool) -> Response | tuple[str, int]:
    blob = version.blob
    as_attachment = not (inline and blob.mime in INLINE_TYPES)
    marked = evidence_service.is_stored_file_problem(blob.check_problem)
    report = _recorder(blob.id, marked)
    source: BinaryIO | VerifyingReader
    try:
        _check_size(storage, blob.storage_key, blob.size)
        if blob.size <= VERIFY_FIRST_BYTES:
            source = io.BytesIO(read_verified(storage, blob.storage_key, blob.sha256, blob.size))
            report(None)
        else:
            if marked:  # found changed before: refused before anything is sent, unless it is back as it was
                _check_whole(storage, blob.storage_key, blob.sha256)
            source = VerifyingReader(_open(storage, blob.storage_key), blob.sha256, blob.size, report)
    except StoredFileChangedError as changed:
        report(changed.problem)
        return changed_page()
    response = send_file(
        cast(IO[bytes], source),  # a VerifyingReader is read like a file
        mimetype=blob.mime if not as_attachment else (blob.mime or "application/octet-stream"),
        as_attachment=as_attachment,
        download_name=version.original_name,
        conditional=False,
        etag=blob.sha256,
        max_age=0,
    )
    response.content_length = blob.size
    response.make_conditional(request.environ, accept_ranges=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    if not as_attachment and blob.mime.startswith("image/"):
        response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response
