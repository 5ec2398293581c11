"""The audit trail shows labels, never codes: every action the code base records has a translated label, and
the pages and the CSV export show that label (an unknown action or field reads as a generic label)."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from assess.audit import ACTION_LABELS, FIELD_LABELS, action_label, field_label, record
from assess.models import RoleName
from assess.workflow import ANSWER_TRANSITIONS, ASSESSMENT_TRANSITIONS
from tests.factories import create_assessment, create_instansi, create_member
from tests.functional.helpers import login

ASSESS = Path(__file__).resolve().parents[2] / "assess"
#: A quoted code on a line that passes an action (``action="x"``, ``"x" if done else "y"``, ``_audit(..., "x")``).
CODE = re.compile(r'"([a-z_]+(?:\.[a-z_]+)?)"')


def _recorded_actions() -> set[str]:
    found: set[str] = set()
    for path in ASSESS.rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if "action=" in line and "action=action" not in line:
                found.update(code for code in CODE.findall(line) if "." in code or "_" in code)
            elif re.search(r"_audit(_answer)?\(", line):  # the helpers take the action as a dotted code
                found.update(code for code in CODE.findall(line) if "." in code)
    found.update(ASSESSMENT_TRANSITIONS.values())
    found.update(ANSWER_TRANSITIONS.values())
    return found


class _Text(HTMLParser):
    """The text a reader sees: no tags, no attribute values."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _visible(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def test_every_recorded_action_has_a_label() -> None:
    actions = _recorded_actions()
    assert {"export_requested", "scenario.save", "signatory_changed", "target.set", "answer.save"} <= actions
    assert sorted(actions - ACTION_LABELS.keys()) == []


def test_unknown_codes_read_as_generic_labels(app: Any) -> None:
    with app.test_request_context():
        assert action_label("sesuatu.baru") == "Perubahan lain"
        assert field_label("kolom_baru") == "Isian lain"
        assert field_label("I3", "assessment.import_official") == "Nilai resmi I3"
        assert field_label("signatory_name") == "Nama penandatangan"


def test_pages_and_csv_show_labels_not_codes(client: FlaskClient, db: Any) -> None:
    instansi = create_instansi()
    assessment = create_assessment(instansi)
    koordinator = create_member(instansi, RoleName.KOORDINATOR)
    actions = sorted(_recorded_actions())
    fields = [name for name in FIELD_LABELS if not name.endswith("_id")]
    for action in actions:
        record(
            assessment=assessment,
            actor=koordinator,
            object_type="export" if action == "export_requested" else "assessment",
            object_id=None,
            action=action,
            changes=[(name, None, "x") for name in fields],
            indicator_code="I1",
        )
    record(
        assessment=assessment,
        actor=None,
        object_type="assessment",
        object_id=None,
        action="kode.asing",
        changes=[("kolom_asing", None, "x")],
    )
    db.session.commit()
    login(client, koordinator.email)

    text = _visible(client.get(f"/penilaian/{assessment.id}/audit").get_data(as_text=True))
    history = _visible(client.get(f"/penilaian/{assessment.id}/indikator/I1/riwayat").get_data(as_text=True))
    raw = [*actions, *fields, "kode.asing", "kolom_asing"]
    for code in raw:
        assert not re.search(rf"(?<![\w.]){re.escape(code)}(?![\w.])", text), code
        assert not re.search(rf"(?<![\w.]){re.escape(code)}(?![\w.])", history), code
    for label in ("Ekspor bundel diminta", "Skenario disimpan", "Data penandatangan diubah", "Target ditetapkan"):
        assert label in text
        assert label in history
    assert "Perubahan lain" in text
    assert "Isian lain" in text
    assert "Nama penandatangan" in text

    data = client.get(f"/penilaian/{assessment.id}/audit.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(data[1:])))[1:]
    assert {row[4] for row in rows} == {action_label(a) for a in actions} | {"Perubahan lain"}
    assert {row[3] for row in rows} == {"Ekspor", "Penilaian"}
    for row in rows:
        for code in raw:
            assert code not in (row[3], row[4]), (code, row)
            assert not any(line.startswith(f"{code}:") for line in row[8].split("\n")), (code, row)
