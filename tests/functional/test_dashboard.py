"""Dashboard, target, what-if mode and scenarios through the test client."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from assess import display
from assess.models import (
    Answer,
    AnswerEvidence,
    AssessmentState,
    AuditEntry,
    DocType,
    Evidence,
    EvidenceKind,
    RoleName,
    Scenario,
    Target,
)
from assess.queries import claimed_values, load_assessment
from assess.queries.engine import engine_instrument
from assess.scoring import score
from assess.services.planning import result_json
from tests.factories import create_assessment, create_instansi, create_member
from tests.functional.helpers import count_queries, login
from tests.worlds import World


def _answer(assessment: Any, code: str) -> Answer:
    return next(a for a in assessment.answers if a.indicator.code == code)


@pytest.fixture
def world(world: World, db: Any) -> World:
    """The plugin's world with claimed values for I1 (3) and I2 (2)."""
    world.answer("I1").claimed_value = Decimal(3)
    world.answer("I2").claimed_value = Decimal(2)
    db.session.commit()
    return world


def _link(db: Any, assessment: Any, code: str, title: str = "Perwali 12/2024") -> None:
    evidence = Evidence(
        assessment_id=assessment.id,
        kind=EvidenceKind.LINK,
        title=title,
        doc_type=DocType.LAINNYA,
        url="https://contoh.go.id",
    )
    db.session.add(evidence)
    db.session.flush()
    db.session.add(AnswerEvidence(answer_id=_answer(assessment, code).id, evidence_id=evidence.id, level=1, note=""))
    db.session.commit()


@pytest.mark.parametrize("role", ["koordinator", "pengisi", "reviewer", "pembaca"])
def test_every_role_reads_dashboard_and_whatif(client: FlaskClient, world: World, role: str) -> None:
    aid = world.assessment.id
    login(client, world.member(role).email)
    page = client.get(f"/penilaian/{aid}/dasbor")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<svg" in html
    assert "Cakupan data dukung" in html
    assert "Jalur termurah" in html
    assert client.get(f"/penilaian/{aid}/simulasi").status_code == 200
    assert ('name="target_index"' in html) is (role == "koordinator")


def test_other_instansi_gets_404(client: FlaskClient, world: World) -> None:
    aid = world.assessment.id
    login(client, world.outsider.email)
    assert client.get(f"/penilaian/{aid}/dasbor").status_code == 404
    assert client.get(f"/penilaian/{aid}/simulasi").status_code == 404
    assert client.post(f"/penilaian/{aid}/simulasi/hitung", json={"values": {}}).status_code == 404
    assert client.post(f"/penilaian/{aid}/target", data={"target_index": "3"}).status_code == 404


def test_target_set_by_koordinator_with_gap_and_audit(client: FlaskClient, world: World, db: Any) -> None:
    aid = world.assessment.id
    login(client, world.koordinator.email)
    response = client.post(f"/penilaian/{aid}/target", data={"target_index": "3.00", "target_predikat": ""})
    assert response.status_code == 302
    target = db.session.scalar(select(Target).where(Target.assessment_id == aid))
    assert target is not None
    assert target.target_index == Decimal("3.00")
    html = client.get(f"/penilaian/{aid}/dasbor").get_data(as_text=True)
    assert "menuju target 3,00 / Baik" in html
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "target.set"))
    assert entry is not None
    assert entry.object_type == "assessment"
    # a predikat replaces the index (one row per assessment)
    client.post(f"/penilaian/{aid}/target", data={"target_index": "", "target_predikat": "Sangat Baik"})
    rows = db.session.scalars(select(Target).where(Target.assessment_id == aid)).all()
    assert len(rows) == 1
    assert rows[0].target_predikat == "Sangat Baik"
    assert rows[0].target_index is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"target_index": "6", "target_predikat": ""}, "Target indeks harus di antara"),
        ({"target_index": "", "target_predikat": ""}, "Isi salah satu"),
        ({"target_index": "3", "target_predikat": "Baik"}, "Isi salah satu"),
        ({"target_index": "abc", "target_predikat": ""}, "Not a valid decimal value"),
    ],
)
def test_target_validation(
    client: FlaskClient, world: World, db: Any, data: dict[str, str], message: str
) -> None:
    aid = world.assessment.id
    login(client, world.koordinator.email)
    html = client.post(f"/penilaian/{aid}/target", data=data, follow_redirects=True).get_data(as_text=True)
    assert db.session.scalar(select(Target).where(Target.assessment_id == aid)) is None
    if message != "Not a valid decimal value":
        assert message in html


@pytest.mark.parametrize("role", ["pengisi", "reviewer", "pembaca"])
def test_target_koordinator_only(client: FlaskClient, world: World, role: str) -> None:
    login(client, world.member(role).email)
    response = client.post(f"/penilaian/{world.assessment.id}/target", data={"target_index": "3"})
    assert response.status_code == 403


def test_json_endpoint_equals_engine(client: FlaskClient, world: World, db: Any) -> None:
    assessment = world.assessment
    login(client, world.pengisi.email)
    changes = {"I1": "5", "I7": "4", "I2": ""}
    response = client.post(f"/penilaian/{assessment.id}/simulasi/hitung", json={"values": changes})
    assert response.status_code == 200
    body = response.get_json()
    loaded = load_assessment(assessment.id)
    assert loaded is not None
    inst = engine_instrument(loaded.instrument)
    values = {**claimed_values(inst, loaded), "I1": Fraction(5), "I7": Fraction(4), "I2": None}
    expected = score(inst, values, loaded.predikat_basis.value)
    assert body["index"] == str(expected.index)
    assert body["index_display"] == display.number(expected.index, locale="id")
    assert body["predikat"] == expected.predikat
    assert {c: a["display"] for c, a in body["aspects"].items()} == {
        c: display.number(a.value, locale="id") for c, a in expected.aspects.items()
    }
    bad = client.post(f"/penilaian/{assessment.id}/simulasi/hitung", json={"values": {"I1": "9", "X9": "1"}})
    assert bad.status_code == 400
    assert len(bad.get_json()["errors"]) == 2


def test_whatif_without_js_and_scenarios(client: FlaskClient, world: World, db: Any) -> None:
    aid = world.assessment.id
    login(client, world.pengisi.email)
    html = client.post(f"/penilaian/{aid}/simulasi", data={"v-I1": "5", "action": "hitung"}).get_data(as_text=True)
    assert 'data-testid="whatif-index"' in html
    saved = client.post(
        f"/penilaian/{aid}/simulasi", data={"v-I1": "5", "v-I2": "2", "action": "simpan", "name": "Naik"}
    )
    assert saved.status_code == 302
    scenario = db.session.scalar(select(Scenario).where(Scenario.assessment_id == aid))
    assert scenario is not None
    assert scenario.values == {"I1": "5"}
    assert scenario.created_by_id == world.pengisi.id
    again = client.post(f"/penilaian/{aid}/simulasi", data={"v-I1": "4", "action": "simpan", "name": "Naik"})
    assert "sudah ada" in again.get_data(as_text=True)
    loaded = client.get(f"/penilaian/{aid}/simulasi?skenario={scenario.id}").get_data(as_text=True)
    assert "Naik" in loaded
    compared = client.get(f"/penilaian/{aid}/simulasi/banding?kiri=klaim&kanan={scenario.id}").get_data(as_text=True)
    assert 'data-indicator="I1"' in compared
    assert 'data-indicator="I2"' not in compared
    assert client.post(f"/penilaian/{aid}/simulasi/skenario/{scenario.id}/hapus").status_code == 302
    assert db.session.scalar(select(Scenario).where(Scenario.assessment_id == aid)) is None
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"scenario.save", "scenario.delete"} <= actions


def test_pembaca_and_final_cannot_save(client: FlaskClient, world: World, db: Any) -> None:
    aid = world.assessment.id
    login(client, world.pembaca.email)
    assert client.post(f"/penilaian/{aid}/simulasi", data={"action": "simpan", "name": "x"}).status_code == 403
    world.assessment.state = AssessmentState.FINAL
    db.session.commit()
    login(client, world.koordinator.email)
    assert client.post(f"/penilaian/{aid}/simulasi", data={"action": "simpan", "name": "x"}).status_code == 403
    assert client.post(f"/penilaian/{aid}/target", data={"target_index": "3"}).status_code == 403
    assert client.post(f"/penilaian/{aid}/simulasi/hitung", json={"values": {"I1": "4"}}).status_code == 200


def test_coverage_and_path_prefer_linked(client: FlaskClient, world: World, db: Any) -> None:
    assessment = world.assessment
    _link(db, assessment, "I1")
    login(client, world.koordinator.email)
    html = client.get(f"/penilaian/{assessment.id}/dasbor").get_data(as_text=True)
    assert "1 dari" in html
    assert "sudah ada data dukung" in html


def _counts(client: FlaskClient, db: Any, aid: int) -> dict[str, int]:
    counts = {}
    for name, url in (("dashboard", f"/penilaian/{aid}/dasbor"), ("whatif", f"/penilaian/{aid}/simulasi")):
        client.get(url)  # warm the instrument cache
        with count_queries(db) as statements:
            assert client.get(url).status_code == 200
        counts[name] = len(statements)
    return counts


def test_constant_queries(client: FlaskClient, world: World, db: Any) -> None:
    assessment = world.assessment
    login(client, world.koordinator.email)
    small = _counts(client, db, assessment.id)
    for i, answer in enumerate(assessment.answers):
        answer.claimed_value = Decimal(1 + i % 5)
    db.session.commit()
    for code in ("I1", "I2", "I3", "I4", "I5"):
        _link(db, assessment, code, f"Dokumen {code}")
    client.post(f"/penilaian/{assessment.id}/target", data={"target_predikat": "Memuaskan"})
    for n in range(3):
        client.post(f"/penilaian/{assessment.id}/simulasi", data={"v-I1": "5", "action": "simpan", "name": f"s{n}"})
    full = _counts(client, db, assessment.id)
    assert full == small
    assert max(full.values()) <= 8


def test_pemdi_pages_and_json_equal_engine(client: FlaskClient, db: Any) -> None:
    instansi = create_instansi()
    assessment = create_assessment(instansi, code="pemdi-2026", year=2026)
    koordinator = create_member(instansi, RoleName.KOORDINATOR)
    db.session.commit()
    login(client, koordinator.email)
    for url in ("dasbor", "simulasi"):
        assert client.get(f"/penilaian/{assessment.id}/{url}").status_code == 200
    loaded = load_assessment(assessment.id)
    assert loaded is not None
    inst = engine_instrument(loaded.instrument)
    code = next(iter(inst.indicators))
    body = client.post(f"/penilaian/{assessment.id}/simulasi/hitung", json={"values": {code: "2.5"}}).get_json()
    expected = score(inst, {**claimed_values(inst, loaded), code: Fraction(5, 2)}, loaded.predikat_basis.value)
    assert body["index"] == str(expected.index)
    assert {c: d["display"] for c, d in body["domains"].items()} == {
        c: display.number(d.value, locale="id") for c, d in expected.domains.items()
    }


def test_official_result_stands_beside_the_others(client: FlaskClient, world: World, db: Any) -> None:
    from assess.models import OfficialValue

    assessment = world.assessment
    login(client, world.pembaca.email)
    assert 'data-testid="index-official"' not in client.get(f"/penilaian/{assessment.id}/dasbor").get_data(as_text=True)
    for answer in assessment.answers:
        db.session.add(OfficialValue(assessment_id=assessment.id, indicator_code=answer.indicator.code, value=2))
    db.session.commit()
    page = client.get(f"/penilaian/{assessment.id}/dasbor").get_data(as_text=True)
    assert 'data-testid="index-official"' in page
    assert ">2,00<" in page.split('data-testid="index-official"')[1][:400]
    assert "Resmi" in page


def _pemdi(db: Any) -> tuple[Any, Any]:
    instansi = create_instansi()
    assessment = create_assessment(instansi, code="pemdi-2026", year=2026)
    koordinator = create_member(instansi, RoleName.KOORDINATOR)
    db.session.commit()
    return assessment, koordinator


def _item_id(db: Any, assessment: Any, code: str) -> int:
    from assess.models import EvidenceItem, Indicator

    item_id = db.session.scalar(
        select(EvidenceItem.id)
        .join(Indicator, Indicator.id == EvidenceItem.indicator_id)
        .where(Indicator.instrument_id == assessment.instrument_id, EvidenceItem.code == code)
    )
    assert item_id is not None
    return int(item_id)


def test_pemdi_whatif_by_evidence_items(client: FlaskClient, db: Any) -> None:
    assessment, koordinator = _pemdi(db)
    login(client, koordinator.email)
    item_id = _item_id(db, assessment, "I13-L1-01")
    page = client.get(f"/penilaian/{assessment.id}/simulasi").get_data(as_text=True)
    assert 'data-testid="whatif-items-I13"' in page
    assert f'name="item-{item_id}"' in page
    assert "I13-L1-01" in page
    loaded = load_assessment(assessment.id)
    assert loaded is not None
    inst = engine_instrument(loaded.instrument)
    expected = score(inst, {**claimed_values(inst, loaded), "I13": Fraction(7, 6)}, loaded.predikat_basis.value)
    # the numeric field is overridden by the ticked items
    body = client.post(
        f"/penilaian/{assessment.id}/simulasi/hitung", json={"values": {"I13": "4"}, "items": [str(item_id)]}
    ).get_json()
    assert body["index"] == str(expected.index)
    assert body == result_json(inst, expected)
    html = client.post(
        f"/penilaian/{assessment.id}/simulasi", data={f"item-{item_id}": "1", "action": "hitung"}
    ).get_data(as_text=True)
    assert f'data-testid="whatif-index">{display.number(expected.index, locale="id")}<' in html
    assert 'value="1,1667"' in html
    saved = client.post(
        f"/penilaian/{assessment.id}/simulasi", data={f"item-{item_id}": "1", "action": "simpan", "name": "Butir"}
    )
    assert saved.status_code == 302
    scenario = db.session.scalar(select(Scenario).where(Scenario.assessment_id == assessment.id))
    assert scenario is not None
    assert scenario.values["I13"] == "7/6"
    bad = client.post(f"/penilaian/{assessment.id}/simulasi/hitung", json={"values": {}, "items": ["999999", "x"]})
    assert bad.status_code == 400


def test_pemdi_whatif_items_pre_ticked_and_constant_queries(client: FlaskClient, db: Any) -> None:
    from assess.models import AnswerItem

    assessment, koordinator = _pemdi(db)
    login(client, koordinator.email)
    url = f"/penilaian/{assessment.id}/simulasi"
    client.get(url)  # warm the instrument cache
    with count_queries(db) as statements:
        assert client.get(url).status_code == 200
    small = len(statements)
    item_ids = [_item_id(db, assessment, c) for c in ("I13-L1-01", "I13-L1-02")]
    answer = _answer(assessment, "I13")
    for item_id in item_ids:
        db.session.add(AnswerItem(answer_id=answer.id, item_id=item_id, fulfilled=True, note=""))
    db.session.commit()
    with count_queries(db) as statements:
        page = client.get(url).get_data(as_text=True)
    assert len(statements) == small
    for item_id in item_ids:
        assert f'name="item-{item_id}" value="1" checked' in page
