"""The external asesor's verdicts per butir (Pemdi): the import (CSV and XLSX, preview then apply, errors naming the row
and the column), one butir's verdict typed in, changed and removed, the verdict that counts (the latest stage's), the
chips and counts on the pages, the verified value on the dashboard and in the comparison, and who may do what."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import Workbook
from sqlalchemy import func, select

from assess.display import number
from assess.models import (
    AnswerItem,
    AnswerState,
    Aspect,
    AssessmentState,
    AuditEntry,
    ButirVerdict,
    CycleStage,
    EvidenceItem,
    Indicator,
    Instrument,
    Verdict,
    VerdictSource,
)
from assess.queries import load_assessment
from assess.queries.engine import engine_instrument
from assess.queries.verdicts import current_verdicts, verified
from assess.scoring import graded_value, score
from tests.factories import create_assessment
from tests.functional.helpers import count_queries, login, logout, preview_token
from tests.worlds import World

# --------------------------------------------------------------------------- helpers


def _post(client: FlaskClient, assessment_id: int, data: bytes, name: str) -> Any:
    return client.post(
        f"/penilaian/{assessment_id}/hasil-asesor",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _xlsx(*rows: list[Any]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _item(db: Any, code: str) -> EvidenceItem:
    item = db.session.scalar(
        select(EvidenceItem)
        .join(Indicator, Indicator.id == EvidenceItem.indicator_id)
        .join(Instrument, Instrument.id == Indicator.instrument_id)
        .where(EvidenceItem.code == code, Instrument.code == "pemdi-2026")
    )
    assert item is not None, code
    return item


def _verdicts(db: Any, assessment_id: int) -> dict[tuple[str, str], ButirVerdict]:
    rows = db.session.scalars(select(ButirVerdict).where(ButirVerdict.assessment_id == assessment_id)).all()
    return {(row.item.code, row.stage.value): row for row in rows}


def _judge(db: Any, world: World, stage: CycleStage, **verdicts: Verdict) -> None:
    """Verdicts as if imported, by butir code (``I1_L2_03=Verdict.REVISI``)."""
    for code, verdict in verdicts.items():
        db.session.add(
            ButirVerdict(
                assessment_id=world.assessment.id,
                item_id=_item(db, code.replace("_", "-")).id,
                stage=stage,
                verdict=verdict,
                note="tidak tepat" if verdict == Verdict.REVISI else "",
                source=VerdictSource.IMPOR,
                recorded_by_id=world.koordinator.id,
            )
        )
    db.session.commit()


def _fulfil(db: Any, world: World, indicator: str, *codes: str) -> None:
    """The instansi's own marks: ``codes`` of ``indicator`` ticked as fulfilled."""
    answer = world.answer(indicator)
    for code in codes:
        db.session.add(AnswerItem(answer_id=answer.id, item_id=_item(db, code).id, fulfilled=True, note=""))
    answer.state = AnswerState.DRAF
    db.session.commit()


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --------------------------------------------------------------------------- import


CSV = (
    "Butir ; Hasil;CATATAN;Tahap\n"
    "I1-L1-01;Diterima;;penilaian dokumen\n"
    "I1-L2-01;REVISI;tidak tepat;tahap 1\n"
    "i1-l2-02;tolak;Otomatis ditolak karena tingkat kematangan sebelumnya ditolak;\n"
    "I1-L2-03;;;\n"
)


def test_csv_import_previews_then_applies_with_an_audit_entry(client: FlaskClient, db: Any, pemdi_world: World) -> None:
    assessment = pemdi_world.assessment
    login(client, pemdi_world.koordinator.email)
    response = _post(client, assessment.id, CSV.encode(), "hasil-asesor.csv")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('data-change="baru"') == 3
    assert "1 butir tanpa hasil dilewati" in html
    assert _verdicts(db, assessment.id) == {}  # nothing written by the preview

    applied = client.post(f"/penilaian/{assessment.id}/hasil-asesor/terapkan", data={"token": preview_token(html)})
    assert applied.status_code == 302
    rows = _verdicts(db, assessment.id)
    assert {key: (v.verdict, v.note) for key, v in rows.items()} == {
        ("I1-L1-01", "dokumen"): (Verdict.DITERIMA, ""),
        ("I1-L2-01", "dokumen"): (Verdict.REVISI, "tidak tepat"),
        ("I1-L2-02", "dokumen"): (Verdict.DITOLAK, "Otomatis ditolak karena tingkat kematangan sebelumnya ditolak"),
    }
    assert {(v.source, v.recorded_by_id) for v in rows.values()} == {(VerdictSource.IMPOR, pemdi_world.koordinator.id)}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "verdict.import"))
    assert entry is not None
    assert {c["field"]: c["new"] for c in entry.changes} == {
        "I1-L1-01@dokumen": "diterima",
        "I1-L2-01@dokumen": "revisi: tidak tepat",
        "I1-L2-02@dokumen": "ditolak: Otomatis ditolak karena tingkat kematangan sebelumnya ditolak",
    }
    trail = _text(client.get(f"/penilaian/{assessment.id}/audit").get_data(as_text=True))
    assert "Hasil asesor diimpor" in trail
    assert "Hasil asesor I1-L2-01, tahap penilaian dokumen" in trail

    again = _post(client, assessment.id, CSV.encode(), "hasil-asesor.csv").get_data(as_text=True)
    assert again.count('data-change="sama"') == 3
    assert 'data-testid="verdict-apply"' not in again  # nothing left to apply


def test_xlsx_import_with_other_headers_takes_the_assessment_stage_and_changes_a_verdict(
    client: FlaskClient, db: Any, pemdi_world: World
) -> None:
    assessment = pemdi_world.assessment
    _judge(db, pemdi_world, CycleStage.WAWANCARA, I2_L1_01=Verdict.REVISI)
    assessment.stage = CycleStage.WAWANCARA
    db.session.commit()
    login(client, pemdi_world.koordinator.email)
    data = _xlsx(
        ["No", "Kode Butir", "Verdict", "Catatan Asesor", "Uraian"],
        [1, "I2-L1-01", "diterima", "", "diabaikan"],
        [2, "I2-L1-02", "revisi", "belum diunggah", ""],
    )
    html = _post(client, assessment.id, data, "hasil.xlsx").get_data(as_text=True)
    assert 'data-butir="I2-L1-01" data-change="ubah"' in html
    assert "sebelumnya revisi" in html
    assert 'data-butir="I2-L1-02" data-change="baru"' in html
    client.post(f"/penilaian/{assessment.id}/hasil-asesor/terapkan", data={"token": preview_token(html)})
    rows = _verdicts(db, assessment.id)
    assert rows[("I2-L1-01", "wawancara")].verdict == Verdict.DITERIMA
    assert rows[("I2-L1-02", "wawancara")].note == "belum diunggah"
    assert len(rows) == 2


def test_a_verdict_of_a_later_stage_keeps_the_earlier_ones_and_counts(
    client: FlaskClient, db: Any, pemdi_world: World
) -> None:
    assessment = pemdi_world.assessment
    login(client, pemdi_world.koordinator.email)
    first = "butir,hasil,catatan,tahap\nI1-L1-01,revisi,tidak tepat,dokumen\n"
    later = "butir,hasil,tahap\nI1-L1-01,diterima,tahap 2\n"
    for text in (first, later):
        html = _post(client, assessment.id, text.encode(), "h.csv").get_data(as_text=True)
        client.post(f"/penilaian/{assessment.id}/hasil-asesor/terapkan", data={"token": preview_token(html)})
    rows = _verdicts(db, assessment.id)
    assert set(rows) == {("I1-L1-01", "dokumen"), ("I1-L1-01", "koreksi")}
    counted = current_verdicts(assessment.id)
    assert [(v.stage, v.verdict) for v in counted.values()] == [(CycleStage.KOREKSI, Verdict.DITERIMA)]

    page = client.get(f"/penilaian/{assessment.id}/indikator/I1").get_data(as_text=True)
    block = page.split('data-testid="verdict-I1-L1-01"', 1)[1].split('<ul class="item-links">', 1)[0]
    assert block.index('data-verdict="diterima"') < block.index("<details")  # the counted one first
    history = block.split("<details", 1)[1]
    assert 'data-verdict="revisi"' in history
    assert "tidak tepat" in history
    assert "penilaian dokumen" in history


def test_import_errors_name_the_row_and_the_column_and_nothing_is_written(
    client: FlaskClient, db: Any, pemdi_world: World, other_instrument: str
) -> None:
    assessment = pemdi_world.assessment
    login(client, pemdi_world.koordinator.email)
    text = (
        "butir;hasil;catatan;tahap\n"
        "I1-L1-01;terima?;;\n"  # 2
        "I1-L5-09;diterima;;\n"  # 3: no such butir
        f"{other_instrument};diterima;;\n"  # 4: a butir of another instrument
        "I1-L2-01;diterima;;tahap 9\n"  # 5
        "I1-L2-02;revisi;tidak tepat;dokumen\n"  # 6
        "I1-L2-02;diterima;;Tahap 1\n"  # 7: the same butir and stage again
        ";diterima;;\n"  # 8
        "Indikator 1;diterima;;\n"  # 9
        "I15-L4-03;diterima;;\n"  # 10: a note, not a butir
        "I1-L2-03;;sudah diunggah ulang;\n"  # 11: a note without a verdict
        "I1-L2-04;diterima;;\n"  # 12: fine
    )
    response = _post(client, assessment.id, text.encode(), "hasil.csv")
    assert response.status_code == 400
    errors = response.get_data(as_text=True).split('data-testid="verdict-errors"', 1)[1].split("</ul>", 1)[0]
    items = [_text(li) for li in re.findall(r"<li>(.*?)</li>", errors, re.S)]
    assert items == [
        "Baris 2, kolom hasil: “terima?” bukan diterima, revisi, atau ditolak",
        "Baris 3, kolom butir: butir I1-L5-09 tidak ada di instrumen penilaian ini",
        f"Baris 4, kolom butir: butir {other_instrument} milik instrumen lain (pemdi-2030 v1), bukan instrumen"
        " penilaian ini",
        "Baris 5, kolom tahap: “tahap 9” bukan dokumen, koreksi, atau wawancara",
        "Baris 7, kolom butir: butir I1-L2-02 tahap penilaian dokumen sudah ada di baris 6",
        "Baris 8, kolom butir: kode butir kosong",
        "Baris 9, kolom butir: “INDIKATOR1” bukan kode butir (contoh: I1-L2-03)",
        "Baris 10, kolom butir: I15-L4-03 adalah catatan, bukan butir yang dinilai",
        "Baris 11, kolom hasil: kosong; isi diterima, revisi, atau ditolak",
    ]
    html = response.get_data(as_text=True)
    assert 'data-testid="verdict-apply"' not in html
    assert "Tidak ada yang disimpan selama berkas masih berisi kesalahan" in html
    assert _verdicts(db, assessment.id) == {}


def test_xlsx_errors_name_the_files_own_column_title_in_lower_case(
    client: FlaskClient, db: Any, pemdi_world: World
) -> None:
    login(client, pemdi_world.koordinator.email)
    data = _xlsx(["Kode Butir", "Hasil Penilaian"], ["I3-L1-01", "oke"])
    html = _post(client, pemdi_world.assessment.id, data, "hasil.xlsx").get_data(as_text=True)
    assert "Baris 2, kolom hasil penilaian: “oke” bukan diterima, revisi, atau ditolak" in html


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "hasil.csv", "Baris 1 harus berisi judul kolom"),
        (b"butir;hasil;catatan\n", "hasil.csv", "Berkas tidak berisi satu baris hasil pun di bawah judul kolom."),
        (b"butir;catatan\nI1-L1-01;x\n", "hasil.csv", "Baris 1: kolom wajib “hasil” tidak ada"),
        (b"butir;hasil;verdict\nI1-L1-01;diterima;diterima\n", "hasil.csv", "Baris 1, kolom verdict: kolom hasil"),
        (b"%PDF-1.7", "hasil.pdf", "Hanya berkas .csv atau .xlsx."),
        (b"bukan zip", "hasil.xlsx", "Berkas bukan XLSX yang sah."),
    ],
    ids=["empty", "header-only", "missing-column", "repeated-column", "wrong-type", "broken-xlsx"],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_reason(
    client: FlaskClient, db: Any, pemdi_world: World, data: bytes, name: str, message: str
) -> None:
    login(client, pemdi_world.koordinator.email)
    response = _post(client, pemdi_world.assessment.id, data, name)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _verdicts(db, pemdi_world.assessment.id) == {}


def test_the_template_lists_every_butir_and_imports_as_it_is(client: FlaskClient, db: Any, pemdi_world: World) -> None:
    login(client, pemdi_world.koordinator.email)
    response = client.get(f"/penilaian/{pemdi_world.assessment.id}/hasil-asesor/templat.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "butir;hasil;catatan;tahap"
    assert lines[1] == "I1-L1-01;;;dokumen"
    judged = db.session.scalar(
        select(func.count(EvidenceItem.id))
        .where(EvidenceItem.kind != "note")
        .join(Indicator)
        .join(Instrument)
        .where(Instrument.code == "pemdi-2026")
    )
    assert len(lines) - 1 == judged
    assert "I15-L4-03" not in response.get_data(as_text=True)  # a note is not judged
    html = _post(client, pemdi_world.assessment.id, response.get_data(), "templat.csv").get_data(as_text=True)
    assert f"{judged} butir tanpa hasil dilewati" in html


# --------------------------------------------------------------------------- one butir by hand


def test_manual_entry_edit_and_delete_with_confirmation(client: FlaskClient, db: Any, pemdi_world: World) -> None:
    assessment = pemdi_world.assessment
    item = _item(db, "I3-L1-01")
    url = f"/penilaian/{assessment.id}/hasil-asesor/butir/{item.id}"
    login(client, pemdi_world.koordinator.email)
    answer_page = client.get(f"/penilaian/{assessment.id}/indikator/I3").get_data(as_text=True)
    assert f'href="{url}"' in answer_page  # "Catat hasil asesor" on the butir
    assert client.get(url).status_code == 200

    refused = client.post(url, data={"stage": "dokumen", "note": "x"})
    assert refused.status_code == 400
    assert "Pilih hasilnya: diterima, revisi, atau ditolak." in refused.get_data(as_text=True)

    saved = client.post(url, data={"stage": "dokumen", "verdict": "revisi", "note": "SK tim asesor, bukan tim audit"})
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith(f"/penilaian/{assessment.id}/indikator/I3")
    row = _verdicts(db, assessment.id)[("I3-L1-01", "dokumen")]
    assert (row.verdict, row.note, row.source) == (
        Verdict.REVISI,
        "SK tim asesor, bukan tim audit",
        VerdictSource.MANUAL,
    )
    page = client.get(f"/penilaian/{assessment.id}/indikator/I3").get_data(as_text=True)
    block = page.split('data-testid="verdict-I3-L1-01"', 1)[1].split("</div>", 1)[0]
    assert 'data-verdict="revisi"' in block
    assert "SK tim asesor, bukan tim audit" in block

    form = client.get(f"{url}?tahap=dokumen").get_data(as_text=True)  # edit: the recorded verdict filled in
    assert re.search(r'value="revisi"[^>]*checked|checked[^>]*value="revisi"', form)
    client.post(url, data={"stage": "dokumen", "verdict": "diterima", "note": ""})
    rows = _verdicts(db, assessment.id)
    assert len(rows) == 1
    assert rows[("I3-L1-01", "dokumen")].verdict == Verdict.DITERIMA

    delete_url = f"/penilaian/{assessment.id}/hasil-asesor/{rows[('I3-L1-01', 'dokumen')].id}/hapus"
    confirm = client.get(delete_url)
    assert confirm.status_code == 200
    assert "Hapus hasil asesor I3-L1-01, tahap penilaian dokumen?" in confirm.get_data(as_text=True)
    assert _verdicts(db, assessment.id)  # asking removes nothing
    assert client.post(delete_url).status_code == 302
    assert _verdicts(db, assessment.id) == {}
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.indicator_code == "I3").order_by(AuditEntry.id)
    ).all()
    assert actions == ["verdict.set", "verdict.set", "verdict.delete"]
    history = _text(client.get(f"/penilaian/{assessment.id}/indikator/I3/riwayat").get_data(as_text=True))
    assert "Hasil asesor dihapus" in history
    assert "Hasil asesor I3-L1-01, tahap penilaian dokumen" in history


def test_a_changed_verdict_clears_the_correction_of_the_old_one(db: Any, pemdi_world: World) -> None:
    from assess.services.verdicts import set_verdict

    _judge(db, pemdi_world, CycleStage.DOKUMEN, I3_L1_01=Verdict.REVISI)
    row = _verdicts(db, pemdi_world.assessment.id)[("I3-L1-01", "dokumen")]
    row.corrected_at, row.correction_note = datetime.now(UTC), "SK yang benar diunggah"
    db.session.commit()
    item = _item(db, "I3-L1-01")
    set_verdict(
        pemdi_world.assessment,
        item,
        stage=CycleStage.DOKUMEN,
        verdict=Verdict.REVISI,
        note="masih belum",
        actor=pemdi_world.koordinator,
    )
    assert row.corrected_at is not None  # the same verdict, another note: the correction stands
    set_verdict(
        pemdi_world.assessment,
        item,
        stage=CycleStage.DOKUMEN,
        verdict=Verdict.DITERIMA,
        note="",
        actor=pemdi_world.koordinator,
    )
    assert (row.corrected_at, row.correction_note) == (None, "")
    db.session.rollback()


# --------------------------------------------------------------------------- pages


def test_chips_on_the_answer_page_and_counts_on_the_overview(client: FlaskClient, db: Any, pemdi_world: World) -> None:
    assessment = pemdi_world.assessment
    _judge(
        db,
        pemdi_world,
        CycleStage.DOKUMEN,
        I1_L1_01=Verdict.DITERIMA,
        I1_L2_01=Verdict.DITERIMA,
        I1_L2_02=Verdict.DITERIMA,
        I1_L2_03=Verdict.REVISI,
        I1_L2_04=Verdict.REVISI,
        I1_L3_01=Verdict.DITOLAK,
        I2_L1_01=Verdict.REVISI,
    )
    revisi = _verdicts(db, assessment.id)[("I1-L2-03", "dokumen")]
    revisi.corrected_at = datetime.now(UTC)
    db.session.commit()
    login(client, pemdi_world.pembaca.email)
    overview = client.get(f"/penilaian/{assessment.id}").get_data(as_text=True)
    row = overview.split('data-indicator="I1"', 1)[1].split("</tr>", 1)[0]
    assert _text(row.split('data-testid="verdict-counts"', 1)[1]).startswith("> diterima 3 · revisi 2 · ditolak 1")
    i2 = overview.split('data-indicator="I2"', 1)[1].split("</tr>", 1)[0]
    assert "diterima 0 · revisi 1 · ditolak 0" in _text(i2)
    totals = _text(overview.split('data-testid="verdict-totals"', 1)[1].split("</p>", 1)[0])
    assert "7 butir dinilai · diterima 3 · revisi 3 · ditolak 1" in totals
    assert 'data-testid="verdicts-link"' not in overview  # recording is the koordinator's

    page = client.get(f"/penilaian/{assessment.id}/indikator/I1").get_data(as_text=True)
    for code, verdict in (("I1-L1-01", "diterima"), ("I1-L2-03", "revisi"), ("I1-L3-01", "ditolak")):
        block = page.split(f'data-testid="verdict-{code}"', 1)[1].split("</div>", 1)[0]
        assert f'class="chip chip-verdict chip-verdict-{verdict}"' in block
        assert "penilaian dokumen" in block
    corrected = page.split('data-testid="verdict-I1-L2-03"', 1)[1].split("</div>", 1)[0]
    assert "sudah dikoreksi" in corrected
    assert "tidak tepat" in corrected
    assert 'data-testid="verdict-I1-L4-01"' not in page  # not judged, and the pembaca records nothing
    assert "Catat hasil asesor" not in page


def test_the_pages_keep_their_number_of_queries_with_verdicts(client: FlaskClient, db: Any, pemdi_world: World) -> None:
    assessment = pemdi_world.assessment
    login(client, pemdi_world.koordinator.email)
    urls = [
        f"/penilaian/{assessment.id}",
        f"/penilaian/{assessment.id}/indikator/I1",
        f"/penilaian/{assessment.id}/dasbor",
        f"/penilaian/{assessment.id}/hasil-asesor",
    ]

    def measure() -> dict[str, int]:
        counts = {}
        for url in urls:
            client.get(url)  # warm the instrument cache
            with count_queries(db) as statements:
                assert client.get(url).status_code == 200
            counts[url] = len(statements)
        return counts

    _judge(db, pemdi_world, CycleStage.DOKUMEN, I1_L1_01=Verdict.DITERIMA)
    _fulfil(db, pemdi_world, "I1", "I1-L1-01")
    few = measure()
    items = db.session.scalars(
        select(EvidenceItem)
        .join(Indicator)
        .join(Instrument)
        .where(Instrument.code == "pemdi-2026", EvidenceItem.kind != "note", EvidenceItem.code != "I1-L1-01")
    ).all()
    for n, item in enumerate(items):
        for stage in (CycleStage.DOKUMEN, CycleStage.KOREKSI)[: 1 + n % 2]:
            db.session.add(
                ButirVerdict(
                    assessment_id=assessment.id,
                    item_id=item.id,
                    stage=stage,
                    verdict=list(Verdict)[n % 3],
                    note="catatan",
                    source=VerdictSource.IMPOR,
                    recorded_by_id=pemdi_world.admin.id,
                )
            )
    db.session.commit()
    assert measure() == few
    assert max(few.values()) <= 8, few


# --------------------------------------------------------------------------- the verified value


def test_verified_value_counts_the_butir_the_asesor_accepted(db: Any, pemdi_world: World) -> None:
    """I1: L1 1/1 and L2 2/4 accepted is 2.00 (Aceh Tengah's asesor value) while 2.50 is claimed; a butir the asesor
    accepted counts as the asesor counts it, even where the instansi did not tick it; an indicator neither answered
    nor judged stays without a value."""
    world = pemdi_world
    _fulfil(db, world, "I1", "I1-L1-01", "I1-L2-01", "I1-L2-02", "I1-L2-03", "I1-L2-04")
    _fulfil(db, world, "I13", "I13-L1-01")
    _judge(
        db,
        world,
        CycleStage.DOKUMEN,
        I1_L1_01=Verdict.DITERIMA,
        I1_L2_01=Verdict.REVISI,
        I1_L2_02=Verdict.DITERIMA,
        I1_L2_03=Verdict.REVISI,
        I1_L2_04=Verdict.DITOLAK,
        I2_L1_01=Verdict.DITERIMA,  # accepted, though I2 is not ticked (nor answered): L1 1/2
    )
    _judge(db, world, CycleStage.KOREKSI, I1_L2_01=Verdict.DITERIMA)  # the later stage counts
    world.answer("I5").source_value = Decimal("25")  # an external index: its converted value stays
    world.answer("I5").state = AnswerState.DRAF
    db.session.commit()
    assessment = load_assessment(world.assessment.id)
    assert assessment is not None
    inst = engine_instrument(assessment.instrument)
    result = verified(inst, assessment, current_verdicts(assessment.id))
    assert result.values["I1"] == Fraction(2)
    assert graded_value(inst, "I1", {"I1-L1-01", "I1-L2-01", "I1-L2-02", "I1-L2-03", "I1-L2-04"}) == Fraction(5, 2)
    assert result.values["I13"] == Fraction(1)  # claimed 7/6; nothing of it accepted
    assert result.values["I5"] == Fraction(2)
    assert result.values["I2"] == Fraction(5, 4)
    assert result.values["I3"] is None
    assert (result.judged, result.accepted) == (6, 4)
    expected = score(inst, {"I1": 2, "I2": Fraction(5, 4), "I13": 1, "I5": 2}, assessment.predikat_basis.value)
    assert result.score.index == expected.index


def test_verified_index_on_the_dashboard_and_in_the_comparison(
    client: FlaskClient, db: Any, pemdi_world: World
) -> None:
    world = pemdi_world
    aid = world.assessment.id
    _fulfil(db, world, "I1", "I1-L1-01", "I1-L2-01", "I1-L2-02", "I1-L2-03", "I1-L2-04")
    login(client, world.reviewer.email)
    before = client.get(f"/penilaian/{aid}/dasbor").get_data(as_text=True)
    assert 'data-testid="index-verified"' not in before  # no verdict yet: nothing verified to show
    assert client.get(f"/penilaian/{aid}/simulasi/banding?kiri=klaim&kanan=terverifikasi").status_code == 404

    _judge(
        db,
        world,
        CycleStage.DOKUMEN,
        I1_L1_01=Verdict.DITERIMA,
        I1_L2_01=Verdict.DITERIMA,
        I1_L2_02=Verdict.DITERIMA,
        I1_L2_03=Verdict.REVISI,
    )
    inst = engine_instrument(world.assessment.instrument)
    claimed, checked = score(inst, {"I1": Fraction(5, 2)}), score(inst, {"I1": 2})
    assert checked.index < claimed.index
    page = client.get(f"/penilaian/{aid}/dasbor").get_data(as_text=True)
    box = _text(page.split('data-testid="index-verified"', 1)[1].split("</div>\n</div>", 1)[0])
    assert number(checked.index, locale="id") in box
    assert "4 butir dinilai asesor, 3 diterima." in _text(page)
    row = page.split('data-testid="verified-rows"', 1)[1].split('data-indicator="I1"', 1)[1].split("</tr>", 1)[0]
    assert re.search(r'<td class="num">2,50</td><td class="num" data-testid="verified-value">2,00</td>', row)
    assert "diterima 3 · revisi 1 · ditolak 0" in _text(row)
    assert f"mandiri {number(claimed.index, locale='id')}, terverifikasi {number(checked.index, locale='id')}" in page

    compared = client.get(f"/penilaian/{aid}/simulasi/banding?kiri=klaim&kanan=terverifikasi")
    assert compared.status_code == 200
    html = compared.get_data(as_text=True)
    index = _text(html.split('data-testid="compare-index"', 1)[1].split("</table>", 1)[0])
    assert f"Nilai klaim Nilai terverifikasi Indeks {number(claimed.index, locale='id')}" in index
    assert number(checked.index, locale="id") in index
    assert 'data-indicator="I1"' in html.split('data-testid="compare-rows"', 1)[1]
    assert "4 butir dinilai, 3 diterima" in html
    whatif = client.get(f"/penilaian/{aid}/simulasi").get_data(as_text=True)
    assert 'data-testid="compare-verified-link"' in whatif


# --------------------------------------------------------------------------- who may


@pytest.mark.parametrize("role", ["pengisi", "reviewer", "pembaca"])
def test_only_the_koordinator_and_the_admin_record_verdicts(
    client: FlaskClient, db: Any, pemdi_world: World, role: str
) -> None:
    world = pemdi_world
    aid = world.assessment.id
    _judge(db, world, CycleStage.DOKUMEN, I1_L1_01=Verdict.REVISI)
    verdict = _verdicts(db, aid)[("I1-L1-01", "dokumen")]
    item = _item(db, "I1-L1-01")
    login(client, world.member(role).email)
    page = client.get(f"/penilaian/{aid}/hasil-asesor")
    assert page.status_code == 200  # everyone of the instansi reads the verdicts
    assert 'name="file"' not in page.get_data(as_text=True)
    assert _post(client, aid, CSV.encode(), "h.csv").status_code == 403
    assert client.post(f"/penilaian/{aid}/hasil-asesor/terapkan", data={"token": "x"}).status_code == 403
    butir = f"/penilaian/{aid}/hasil-asesor/butir/{item.id}"
    assert client.get(butir).status_code == 403
    assert client.post(butir, data={"stage": "dokumen", "verdict": "diterima"}).status_code == 403
    assert client.get(f"/penilaian/{aid}/hasil-asesor/{verdict.id}/hapus").status_code == 403
    assert client.post(f"/penilaian/{aid}/hasil-asesor/{verdict.id}/hapus").status_code == 403
    assert _verdicts(db, aid)[("I1-L1-01", "dokumen")].verdict == Verdict.REVISI


def test_the_admin_records_and_a_final_assessment_still_takes_verdicts(
    client: FlaskClient, db: Any, pemdi_world: World
) -> None:
    world = pemdi_world
    world.assessment.state = AssessmentState.FINAL  # the verdicts come after the submission
    db.session.commit()
    item = _item(db, "I4-L1-01")
    for who in (world.admin, world.koordinator):
        logout(client)
        login(client, who.email)
        response = client.post(
            f"/penilaian/{world.assessment.id}/hasil-asesor/butir/{item.id}",
            data={"stage": "koreksi", "verdict": "diterima", "note": who.name},
        )
        assert response.status_code == 302
    assert _verdicts(db, world.assessment.id)[("I4-L1-01", "koreksi")].note == world.koordinator.name
    page = client.get(f"/penilaian/{world.assessment.id}").get_data(as_text=True)
    assert 'data-testid="verdicts-link"' in page


def test_another_instansi_and_a_butir_of_another_instrument_are_not_found(
    client: FlaskClient, db: Any, pemdi_world: World, other_instrument: str
) -> None:
    aid = pemdi_world.assessment.id
    login(client, pemdi_world.outsider.email)
    assert client.get(f"/penilaian/{aid}/hasil-asesor").status_code == 404
    assert _post(client, aid, CSV.encode(), "h.csv").status_code == 404
    logout(client)
    login(client, pemdi_world.koordinator.email)
    assert client.get(f"/penilaian/{aid}/hasil-asesor").status_code == 200  # the instansi's own koordinator
    assert client.get(f"/penilaian/{aid}/hasil-asesor/butir/{_item(db, 'I1-L1-01').id}").status_code == 200
    stray = db.session.scalar(select(EvidenceItem.id).where(EvidenceItem.code == other_instrument))
    assert client.get(f"/penilaian/{aid}/hasil-asesor/butir/{stray}").status_code == 404
    note = _item(db, "I15-L4-03")
    assert client.get(f"/penilaian/{aid}/hasil-asesor/butir/{note.id}").status_code == 404


def test_an_spbe_assessment_has_no_verdict_pages(client: FlaskClient, db: Any, world: World) -> None:
    aid = world.assessment.id
    pemdi = create_assessment(world.instansi, code="pemdi-2026")
    db.session.commit()
    login(client, world.koordinator.email)
    assert client.get(f"/penilaian/{pemdi.id}/hasil-asesor").status_code == 200  # the same koordinator's Pemdi one
    assert 'data-testid="verdicts-link"' in client.get(f"/penilaian/{pemdi.id}").get_data(as_text=True)
    assert client.get(f"/penilaian/{aid}/hasil-asesor").status_code == 404
    assert client.get(f"/penilaian/{aid}/hasil-asesor/templat.csv").status_code == 404
    assert _post(client, aid, CSV.encode(), "h.csv").status_code == 404
    assert client.get(f"/penilaian/{aid}/simulasi/banding?kanan=terverifikasi").status_code == 404
    overview = client.get(f"/penilaian/{aid}").get_data(as_text=True)
    assert "hasil-asesor" not in overview


# --------------------------------------------------------------------------- another instrument


@pytest.fixture
def other_instrument(db: Any) -> Iterator[str]:
    """A graded instrument of another year beside Pemdi 2026, with one butir of its own: its code."""
    instrument = Instrument(
        code="pemdi-2030",
        version=1,
        title="Pemdi 2030",
        regulation="-",
        value_type="graded",
        digest="0" * 64,
        source_text="",
    )
    aspect = Aspect(instrument=instrument, code="A1", name="Aspek", weight=Decimal(100), position=1)
    indicator = Indicator(
        instrument=instrument,
        aspect=aspect,
        code="I21",
        name="Indikator baru",
        short_name="Baru",
        weight=Decimal(100),
        scale="pemdi",
        question="?",
        hint_fakta="",
        hint_analisis="",
        position=1,
    )
    db.session.add_all(
        [
            instrument,
            EvidenceItem(indicator=indicator, level=1, nn=1, code="I21-L1-01", kind="doc", text="Dokumen baru"),
        ]
    )
    db.session.commit()
    yield "I21-L1-01"
    db.session.rollback()
    db.session.delete(db.session.get(Instrument, instrument.id))
    db.session.commit()


def test_the_verdicts_read_in_english(client: FlaskClient, db: Any, pemdi_world: World) -> None:
    aid = pemdi_world.assessment.id
    _judge(db, pemdi_world, CycleStage.DOKUMEN, I1_L1_01=Verdict.DITERIMA, I1_L2_01=Verdict.REVISI)
    login(client, pemdi_world.koordinator.email)
    client.post("/bahasa", data={"lang": "en", "next": "/"})
    page = client.get(f"/penilaian/{aid}/indikator/I1").get_data(as_text=True)
    assert 'data-verdict="diterima">accepted</span>' in page
    assert 'data-verdict="revisi">revision</span>' in page
    assert "document review" in page
    assert "Change the assessor's verdict" in html.unescape(page)
    listing = client.get(f"/penilaian/{aid}/hasil-asesor").get_data(as_text=True)
    assert "2 items judged" in _text(listing)
    refused = _post(client, aid, b"butir;hasil\nI1-L1-01;oke\n", "h.csv").get_data(as_text=True)
    assert "Row 2, column hasil: “oke” is not diterima, revisi or ditolak" in refused
