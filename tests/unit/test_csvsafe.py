"""``neutralise`` finds formula starts with a regular expression; it must agree with the rule as the module states
it, read one character at a time, on any text made of the characters that matter. ``quoted`` fields joined into a
line must be the line Python's ``csv.writer`` writes."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from reports.csvsafe import FIELD_BREAKS, FORMULA_PREFIXES, SKIPPED, neutralise, quoted

#: Every character the rule looks at, and a few it does not.
ALPHABET = "".join(sorted(set(FORMULA_PREFIXES) | FIELD_BREAKS | SKIPPED)) + "a1'\\→"


def by_the_rule(text: str) -> str:
    """The rule, character by character: an apostrophe before a formula start wherever a field could begin."""
    out: list[str] = []
    at_field_start = True
    for char in text:
        if at_field_start and char in FORMULA_PREFIXES:
            out.append("'")
        out.append(char)
        if char in FIELD_BREAKS:
            at_field_start = True
        elif char not in SKIPPED:
            at_field_start = False
    return "".join(out)


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=16))
def test_neutralise_follows_the_rule(text: str) -> None:
    assert neutralise(text) == by_the_rule(text)


def test_texts_without_a_formula_character_are_kept() -> None:
    assert neutralise("Jawaban disimpan, nilai 3; catatan: lengkap") == "Jawaban disimpan, nilai 3; catatan: lengkap"
    assert neutralise('\t\t=1, "-2') == "'\t'\t'=1, \"'-2"


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.text(alphabet=',;"\r\n\t \'a=→', max_size=8), min_size=2, max_size=5))
def test_quoted_fields_make_the_line_the_csv_writer_writes(fields: list[str]) -> None:
    written = io.StringIO(newline="")
    csv.writer(written).writerow(fields)
    assert ",".join(map(quoted, fields)) + "\r\n" == written.getvalue()
