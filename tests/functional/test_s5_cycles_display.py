"""The official result's pages show values through assess.display: an index with two decimals (decimal comma in
Indonesian, point in English), a level as a whole number, a graded value with two decimals half up; the follow-up
toggle takes its choice from a form and commits through the boundary."""

from __future__ import annotations

import io
from typing import Any

from flask.testing import FlaskClient

from assess.models import FollowUp, OfficialValue, RoleName
from tests.factories import create_assessment, create_instansi, create_member
from tests.functional.helpers import login


def _row(html: str, code: str) -> str:
    start = html.index(f'data-code="{code}"')
    return html[start : html.index("</tr>", start)]


def test_official_preview_and_page_show_values_in_the_page_language(client: FlaskClient, db: Any) -> None:
    instansi = create_instansi()
    koordinator = create_member(instansi, RoleName.KOORDINATOR)
    spbe = create_assessment(instansi)
    pemdi = create_assessment(instansi, code="pemdi-2026")
    db.session.add(OfficialValue(assessment_id=spbe.id, indicator_code="I2", value=2))
    db.session.commit()
    login(client, koordinator.email)
    preview = client.post(
        f"/penilaian/{spbe.id}/hasil-resmi",
        data={"file": (io.BytesIO(b"kode;nilai\nI2;3\n"), "hasil.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "<td>3</td>" in _row(preview, "I2")  # a level
    page = client.get(f"/penilaian/{spbe.id}/hasil-resmi").get_data(as_text=True)
    assert '<td class="official">2</td>' in _row(page, "I2")
    index = page[page.index('data-testid="official-index-value"') :]
    assert index.startswith('data-testid="official-index-value">0,')  # the index: two decimals, decimal comma
    code = pemdi.instrument.indicators[0].code
    preview = client.post(
        f"/penilaian/{pemdi.id}/hasil-resmi",
        data={"file": (io.BytesIO(f"kode;nilai\n{code};1,125\n".encode()), "hasil.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "<td>1,13</td>" in _row(preview, code)  # graded: 9/8 rounded half up
    client.post("/bahasa", data={"lang": "en", "next": "/"})
    preview = client.post(
        f"/penilaian/{pemdi.id}/hasil-resmi",
        data={"file": (io.BytesIO(f"kode;nilai\n{code};1,125\n".encode()), "hasil.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "<td>1.13</td>" in _row(preview, code)


def test_follow_up_toggle_is_committed(client: FlaskClient, db: Any) -> None:
    instansi = create_instansi()
    koordinator = create_member(instansi, RoleName.KOORDINATOR)
    assessment = create_assessment(instansi)
    follow_up = FollowUp(assessment_id=assessment.id, indicator_code="I1", recommendation="Perbup")
    db.session.add(follow_up)
    db.session.commit()
    login(client, koordinator.email)
    url = f"/penilaian/{assessment.id}/tindak-lanjut/{follow_up.id}/selesai"
    assert client.post(url, data={"done": "ya"}).status_code == 400  # only 1 (done) or 0 (open again)
    assert client.post(url, data={}).status_code == 400
    response = client.post(url, data={"done": "1"}, follow_redirects=True)
    assert "Tindak lanjut ditandai selesai." in response.get_data(as_text=True)
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(FollowUp, follow_up.id).done_at is not None


def test_an_official_value_out_of_all_proportion_is_a_row_error_at_once(client: FlaskClient, db: Any) -> None:
    instansi = create_instansi()
    koordinator = create_member(instansi, RoleName.KOORDINATOR)
    assessment = create_assessment(instansi)
    db.session.commit()
    login(client, koordinator.email)
    for value in ("1e999999999", "Infinity"):
        preview = client.post(
            f"/penilaian/{assessment.id}/hasil-resmi",
            data={"file": (io.BytesIO(f"kode;nilai\nI2;{value}\n".encode()), "hasil.csv")},
            content_type="multipart/form-data",
        )
        assert preview.status_code == 200
        assert f"nilai &#39;{value}&#39; bukan angka" in preview.get_data(as_text=True)
