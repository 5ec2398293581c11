"""Formula neutralisation of exported text cells (no database)."""

from __future__ import annotations

import pytest

from assess.services.spreadsheets import neutralise, unneutralise


@pytest.mark.parametrize("text", ["=1+1", "+62 812", "-5", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x")'])
def test_dangerous_prefixes_are_quoted_and_restored(text: str) -> None:
    safe = neutralise(text)
    assert safe == "'" + text
    assert unneutralise(safe) == text


@pytest.mark.parametrize("text", ["", "biasa", "'kutip biasa", "1=1", "Perda No. 5"])
def test_harmless_text_is_unchanged(text: str) -> None:
    assert neutralise(text) == text
    assert unneutralise(text) == text
