"""File sizes in the reader's language (issue 16: "0.0 MB" for small files, a point where Indonesian has a comma)."""

from __future__ import annotations

import pytest

from assess.display import size


@pytest.mark.parametrize(
    ("value", "indonesian", "english"),
    [
        (0, "0 byte", "0 bytes"),
        (512, "512 byte", "512 bytes"),
        (1023, "1.023 byte", "1,023 bytes"),
        (1024, "1 KB", "1 KB"),
        (12 * 1024 + 300, "12 KB", "12 KB"),
        (500 * 1024 + 600, "501 KB", "501 KB"),
        (1024 * 1024, "1 MB", "1 MB"),
        (int(1.4 * 1024 * 1024), "1,4 MB", "1.4 MB"),
        (int(1.25 * 1024 * 1024), "1,3 MB", "1.3 MB"),
        (100 * 1024 * 1024, "100 MB", "100 MB"),
        (1024 * 1024 * 1024 - 1, "1 GB", "1 GB"),
        (int(2.5 * 1024**3), "2,5 GB", "2.5 GB"),
        (1500 * 1024**3, "1.500 GB", "1,500 GB"),
    ],
)
def test_a_size_in_each_language(value: int, indonesian: str, english: str) -> None:
    assert size(value, "id") == indonesian
    assert size(value, "en") == english


def test_no_size_is_a_dash() -> None:
    assert size(None, "id") == "–"
