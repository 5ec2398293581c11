"""Content addresses: where a blob with a given SHA-256 lives, independent of any user-supplied name."""

from __future__ import annotations

import re

_HEX64 = re.compile(r"[0-9a-f]{64}")
KEY_PATTERN = re.compile(r"sha256/([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})")


def key_for(sha256: str) -> str:
    """``"sha256/ab/cd/abcd…"`` for a 64-character lowercase hex digest; ``ValueError`` for anything else."""
    if not isinstance(sha256, str) or not _HEX64.fullmatch(sha256):
        raise ValueError(f"bukan digest SHA-256 heksadesimal huruf kecil 64 karakter: {sha256!r}")
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def is_valid_key(key: str) -> bool:
    """True for exactly the strings :func:`key_for` produces."""
    if not isinstance(key, str):
        return False
    match = KEY_PATTERN.fullmatch(key)
    return match is not None and match.group(3)[:2] == match.group(1) and match.group(3)[2:4] == match.group(2)
