"""The one exception every upload check raises: a machine code plus an Indonesian message for the user."""

from __future__ import annotations


class UploadRejectedError(Exception):
    """An upload that must not be kept.

    ``code`` is stable and meant for programs and logs (``"too_large"``, ``"mismatch"``, …);
    ``message`` is Indonesian, says why the file was refused and what the user can do about it.
    """

    code: str
    message: str

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"UploadRejectedError(code={self.code!r}, message={self.message!r})"


def format_size(n: int) -> str:
    """A byte count as users read it: ``100 MB``, ``1,5 MB``, ``512 KB``, ``1.000 byte`` (Indonesian separators)."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= factor:
            value = n / factor
            text = f"{value:.0f}" if value == int(value) or value >= 100 else f"{value:.1f}".replace(".", ",")
            return f"{text} {unit}"
    return f"{format_number(n)} byte"


def format_number(n: int) -> str:
    """Thousands with dots, as Indonesian writes them: ``10.000``."""
    return f"{n:,}".replace(",", ".")
