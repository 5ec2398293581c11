"""The whole upload path in one call: name check, stage (hash, size limit), validate, store; nothing left on failure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from uploads.staging import discard, stage
from uploads.storage import Storage
from uploads.validation import FileInfo, Policy, check_name, validate


@dataclass(frozen=True)
class Stored:
    """An accepted upload: where it is stored, what it is, and the cleaned display name to keep."""

    key: str
    sha256: str
    size: int
    name: str
    info: FileInfo


def ingest(stream: IO[bytes], original_name: str, storage: Storage, policy: Policy | None = None) -> Stored:
    """``stage()`` → ``validate()`` → ``storage.put()``.

    Raises :class:`uploads.errors.UploadRejectedError` for any refused upload; then, as after any other
    exception, no temporary file remains. The name is checked before the stream is read.
    """
    policy = policy or Policy()
    name = check_name(original_name, policy)
    staged = stage(stream, storage.staging_dir(), max_bytes=policy.max_bytes)
    try:
        info = validate(staged.path, original_name, policy)
        key = storage.put(staged)
    except BaseException:
        discard(staged)
        raise
    return Stored(key=key, sha256=staged.sha256, size=staged.size, name=name, info=info)
