"""CSV files that no spreadsheet reads a formula from, whatever separator it splits them on (``audit.csv`` and the
bundle's ``manifest.csv``): a property test of the shared helper, and LibreOffice opening both files with ``;``,
``,``, tab and ``|`` as separator and finding no formula cell.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from assess.audit import action_label, record
from assess.models import RoleName
from reports.archive import MANIFEST_FIELDS, ManifestRow, manifest_csv
from reports.csvsafe import FORMULA_PREFIXES, cell, neutralise
from tests.factories import create_assessment, create_instansi, create_member
from tests.functional.helpers import login

SEPARATORS = (";", ",", "\t", "|")
#: Cells an attacker (or bad luck) puts in a title, a name, a summary or an answer.
HOSTILE = (
    "teks;=7+7",
    "a,=1+1",
    "x\t=1",
    '"=1"',
    " =1",
    "@SUM(1)",
    "-1+1",
    "+62 812 3456",
    '=HYPERLINK("http://contoh.test/x";"klik")',
    'kutipan "=2+2" dan\nbaris baru;=3+3',
    "pipa|=4+4",
    "a|@SUM(1)",
    "baris\r\n=5+5",
    '  ;  "=6+6',
    "' =7+7",
    "=cmd|' /C calc'!A0",
    "Perwali No. 12; Tahun 2024, -lampiran",
)


# --------------------------------------------------------------------------- the helper


def _fields(line: str) -> list[str]:
    """Every field any of the separators (or a line break) makes of ``line``, as a spreadsheet starts reading it."""
    out = []
    for separator in (*SEPARATORS, "\n", "\r"):
        out.extend(piece.lstrip(' "') for piece in line.split(separator))
    return out


@given(st.text(alphabet=st.sampled_from(list("=+-@\t\r\n,;|\" 'aé1(")), max_size=40))
def test_no_split_of_a_neutralised_cell_starts_a_formula(text: str) -> None:
    safe = neutralise(text)
    assert not [f for f in _fields(safe) if f.startswith(FORMULA_PREFIXES)], safe
    assert safe.replace("'", "") == text.replace("'", "")  # only apostrophes were added
    assert neutralise(safe) == safe


@given(st.lists(st.text(alphabet=st.sampled_from(list('=+-@\t\r\n,;|" a1')), max_size=12), min_size=1, max_size=6))
def test_no_split_of_a_written_row_starts_a_formula(cells: list[str]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow([neutralise(c) for c in cells])  # the record's own end aside
    line = buffer.getvalue()
    assert not [f for f in _fields(line) if f.startswith(FORMULA_PREFIXES)], line


def test_numbers_stay_numbers() -> None:
    assert [cell(v) for v in (-5, 0, 1234, 2.5, None)] == ["-5", "0", "1234", "2.5", ""]
    assert cell("-5") == "'-5"  # typed text that looks like a number is text here: it may be the start of a formula


# --------------------------------------------------------------------------- LibreOffice


def _soffice() -> str:
    found = shutil.which("soffice")
    if found is None:
        pytest.skip("LibreOffice (soffice) is not installed: the CSV files cannot be opened in a spreadsheet here")
    return found


def _open_in_libreoffice(files: list[Path], separator: str, work: Path) -> dict[str, list[tuple[str, Any, bool]]]:
    """Open each CSV in LibreOffice with ``separator`` (formulas evaluated, spaces trimmed, special numbers detected)
    and save it as XLSX; per file, every cell as (coordinate, value, whether it is a formula)."""
    out = work / f"keluar-{ord(separator)}"
    options = [str(ord(separator)), "34", "76", "1", "", "0", "false", "true", "false", "false", "true", "-1", "true"]
    subprocess.run(  # noqa: S603 — fixed arguments, files written by this test
        [
            _soffice(),
            "--headless",
            "--norestore",
            f"-env:UserInstallation={(work / 'profil').as_uri()}",
            f"--infilter=CSV:{','.join(options)}",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            *map(str, files),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    cells = {}
    for file in files:
        sheet = openpyxl.load_workbook(out / f"{file.stem}.xlsx").active
        assert sheet is not None
        cells[file.name] = [
            (c.coordinate, c.value, c.data_type == "f") for row in sheet.iter_rows() for c in row if c.value is not None
        ]
    return cells


def _formulas(cells: list[tuple[str, Any, bool]]) -> list[tuple[str, Any]]:
    return [(at, value) for at, value, formula in cells if formula]


def _raw_csv(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(cells)
    return buffer.getvalue()


def _manifest_rows() -> list[ManifestRow]:
    return [
        ManifestRow(
            path=f"I{n}/Lampiran-{n}.pdf",
            sha256="ab" * 32,
            size=1000 + n,
            indicator=f"I{n}",
            level=n % 5 + 1,
            butir=text,
            lampiran=n,
            title=text,
            original_name=text,
            source_sha256=None,
            outcome=text,
        )
        for n, text in enumerate(HOSTILE, 1)
    ]


def _audit_csv(client: FlaskClient, db: Any) -> bytes:
    instansi = create_instansi()
    assessment = create_assessment(instansi)
    koordinator = create_member(instansi, RoleName.KOORDINATOR)
    for n, text in enumerate(HOSTILE):
        actor = create_member(instansi, RoleName.PENGISI)
        actor.name = text
        record(
            assessment=assessment,
            actor=actor,
            object_type="answer",
            object_id=None,
            action="answer.save",
            summary=text,
            indicator_code=f"I{n + 1}",
            changes=[("fakta", text, f"{text}, lagi;{text}"), ("claimed_value", -1, n)],
        )
    db.session.commit()
    login(client, koordinator.email)
    response = client.get(f"/penilaian/{assessment.id}/audit.csv")
    assert response.status_code == 200
    return response.data


def test_libreoffice_reads_no_formula_from_audit_csv_or_manifest_csv_with_any_separator(
    client: FlaskClient, db: Any, tmp_path: Path
) -> None:
    _soffice()
    audit = tmp_path / "audit.csv"
    audit.write_bytes(_audit_csv(client, db))
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(manifest_csv(_manifest_rows()), encoding="utf-8")
    unguarded = tmp_path / "tanpa-pengaman.csv"  # the same hostile cells as they are: shows the check can see formulas
    unguarded.write_text(_raw_csv(list(HOSTILE)), encoding="utf-8")
    read_back = list(csv.reader(io.StringIO(audit.read_bytes().decode("utf-8-sig"))))
    summaries = [row[7] for row in read_back if row[4] == action_label("answer.save")]
    assert sorted(summaries) == sorted(neutralise(text) for text in HOSTILE)  # every hostile cell is in the file

    for separator in SEPARATORS:
        cells = _open_in_libreoffice([audit, manifest, unguarded], separator, tmp_path)
        assert _formulas(cells["audit.csv"]) == [], separator
        assert _formulas(cells["manifest.csv"]) == [], separator
        if separator == ",":  # its own separator: every cell read
            assert len(cells["audit.csv"]) >= len(HOSTILE) * 8  # the dokumen column is empty
        if separator in ";,":
            assert len(_formulas(cells["tanpa-pengaman.csv"])) >= 3, (separator, cells["tanpa-pengaman.csv"])

    # read with its own separator, the manifest's numeric columns are numbers, not text
    (header, *rows) = list(csv.reader(io.StringIO(manifest.read_text(encoding="utf-8"))))
    assert tuple(header) == MANIFEST_FIELDS
    by_cell = {at: value for at, value, _f in _open_in_libreoffice([manifest], ",", tmp_path / "angka")["manifest.csv"]}
    column = {name: openpyxl.utils.get_column_letter(n) for n, name in enumerate(MANIFEST_FIELDS, 1)}
    for line, row in enumerate(rows, 2):
        for name in ("size", "level", "lampiran"):
            assert by_cell[f"{column[name]}{line}"] == int(row[MANIFEST_FIELDS.index(name)])
