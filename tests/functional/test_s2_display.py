"""Dashboard and what-if values shown through assess.display: half up, decimal comma in Indonesian, point in English."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from assess.models import AnswerItem, AuditEntry, EvidenceItem, Indicator, RoleName, Scenario
from tests.factories import create_assessment, create_instansi, create_member
from tests.functional.helpers import login


def _pemdi_with_i14(db: Any) -> tuple[Any, Any]:
    """A Pemdi assessment whose I14 is claimed 9/8 = 1.125 (items L1-01 and L2-01 fulfilled), and its koordinator."""
    instansi = create_instansi()
    assessment = create_assessment(instansi, code="pemdi-2026", year=2026)
    answer = next(a for a in assessment.answers if a.indicator.code == "I14")
    answer.claimed_value = Decimal("1.125")
    items = db.session.scalars(
        select(EvidenceItem)
        .join(Indicator, Indicator.id == EvidenceItem.indicator_id)
        .where(Indicator.instrument_id == assessment.instrument_id, EvidenceItem.code.in_(["I14-L1-01", "I14-L2-01"]))
    ).all()
    assert len(items) == 2
    for item in items:
        db.session.add(AnswerItem(answer_id=answer.id, item_id=item.id, fulfilled=True, note=""))
    koordinator = create_member(instansi, RoleName.KOORDINATOR)
    db.session.commit()
    return assessment, koordinator


def test_dashboard_bar_shows_i14_half_up_with_a_comma(client: FlaskClient, db: Any) -> None:
    assessment, koordinator = _pemdi_with_i14(db)
    login(client, koordinator.email)
    page = client.get(f"/penilaian/{assessment.id}/dasbor").get_data(as_text=True)
    assert re.search(r'data-bar="I14">1,13</text>', page)
    client.post("/bahasa", data={"lang": "en", "next": "/"})
    english = client.get(f"/penilaian/{assessment.id}/dasbor").get_data(as_text=True)
    assert re.search(r'data-bar="I14">1.13</text>', english)


def test_whatif_page_and_json_show_i14_half_up(client: FlaskClient, db: Any) -> None:
    assessment, koordinator = _pemdi_with_i14(db)
    login(client, koordinator.email)
    url = f"/penilaian/{assessment.id}/simulasi"
    page = client.get(url).get_data(as_text=True)
    assert '<td data-claimed="I14">1,13</td>' in page
    assert 'name="v-I14" id="v-I14" class="whatif-value" size="7"\n                 value="1,1250"' in page
    # every indicator at 9/8: the index is 9/8 too, shown 1,13 (a float round would give 1.12)
    values = dict.fromkeys(re.findall(r'name="v-(I\d+)"', page), "1,125")
    body = client.post(f"{url}/hitung", json={"values": values}).get_json()
    assert body["index"] == "9/8"
    assert body["index_display"] == "1,13"
    assert {part["display"] for part in body["aspects"].values()} == {"1,13"}
    html = client.post(url, data={**{f"v-{c}": v for c, v in values.items()}, "action": "hitung"}).get_data(
        as_text=True
    )
    assert 'data-testid="whatif-index">1,13<' in html
    client.post("/bahasa", data={"lang": "en", "next": "/"})
    english = client.post(f"{url}/hitung", json={"values": values}).get_json()
    assert english["index_display"] == "1.13"


def test_untouched_claimed_value_posts_back_unchanged(client: FlaskClient, db: Any) -> None:
    """The what-if field shows 1,1250 in Indonesian; posted back untouched it is no change: the scenario keeps I13."""
    assessment, koordinator = _pemdi_with_i14(db)
    login(client, koordinator.email)
    url = f"/penilaian/{assessment.id}/simulasi"
    saved = client.post(url, data={"v-I14": "1,1250", "v-I13": "2,5", "action": "simpan", "name": "Koma"})
    assert saved.status_code == 302
    scenario = db.session.scalar(select(Scenario).where(Scenario.assessment_id == assessment.id))
    assert scenario is not None
    assert scenario.values == {"I13": "5/2"}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "scenario.save"))
    assert entry is not None
    assert entry.summary == "Skenario “Koma” disimpan (1 indikator berubah)."


def test_target_typed_with_a_comma_and_its_audit_summary(client: FlaskClient, db: Any) -> None:
    assessment, koordinator = _pemdi_with_i14(db)
    login(client, koordinator.email)
    response = client.post(f"/penilaian/{assessment.id}/target", data={"target_index": "2,25", "target_predikat": ""})
    assert response.status_code == 302
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "target.set"))
    assert entry is not None
    assert entry.summary == "Target ditetapkan: 2,25."
    page = client.get(f"/penilaian/{assessment.id}/dasbor").get_data(as_text=True)
    field = re.search(r"<input[^>]*name=\"target_index\"[^>]*>", page)
    assert field is not None
    assert 'type="text"' in field.group(0)
    assert 'value="2,25"' in field.group(0)
    assert "menuju target 2,25 /" in page


def test_target_refused_by_the_service_is_rolled_back_and_shown(client: FlaskClient, db: Any) -> None:
    assessment, koordinator = _pemdi_with_i14(db)
    login(client, koordinator.email)
    data = {"target_index": "2,255", "target_predikat": ""}
    response = client.post(f"/penilaian/{assessment.id}/target", data=data, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Target indeks paling banyak dua angka desimal." in html
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "target.set")) is None


def test_audit_summaries_are_stored_in_the_deployments_language_whatever_the_actors(
    client: FlaskClient, db: Any
) -> None:
    assessment, koordinator = _pemdi_with_i14(db)
    login(client, koordinator.email)
    client.post("/bahasa", data={"lang": "en", "next": "/"})
    response = client.post(f"/penilaian/{assessment.id}/target", data={"target_index": "2.25", "target_predikat": ""})
    assert response.status_code == 302
    client.post(f"/penilaian/{assessment.id}/simulasi", data={"v-I14": "2", "action": "simpan", "name": "Inggris"})
    rows = db.session.execute(select(AuditEntry.action, AuditEntry.summary)).all()
    summaries = {row.action: row.summary for row in rows}
    assert summaries["target.set"] == "Target ditetapkan: 2,25."
    assert summaries["scenario.save"] == "Skenario “Inggris” disimpan (1 indikator berubah)."
