"""The koreksi page in Chromium on a phone (390 px): the corrections the asesor asked for, marked corrected with what
was changed and opened again after the question, with no sideways scroll and no axe violation; the overview's line
leads there."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.a11y import axe_violations, describe, overflow
from tests.e2e.conftest import CHROMIUM, Server, submit_login

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.only_browser("chromium"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)"),
]

PHONE = {"width": 390, "height": 844}
NOTE = "Yang diunggah SK tim asesor, bukan SK tim audit; unggah SK pembentukan tim audit TIK."


def _pemdi_with_revisi(page: Page, server: Server) -> tuple[str, list[int]]:
    """The koordinator opens a Pemdi 2026 assessment; the asesor's revisi on two butir of I1 and the correction
    window (ending in three days) are written into the database. Its address and the verdicts' ids."""
    page.goto(f"{server.url}/penilaian/baru")
    choice = page.locator("#instrument_id option", has_text="Indeks Pemerintah Digital").first.get_attribute("value")
    assert choice is not None
    page.locator("#instrument_id").select_option(choice)
    page.get_by_role("button", name="Buka penilaian").click()
    expect(page.get_by_test_id("projected-index")).to_be_visible()
    url = re.sub(r"[?#].*$", "", page.url).rstrip("/")
    assessment_id = int(url.rsplit("/", 1)[1])
    with closing(sqlite3.connect(server.tmp / "mandiri.db", timeout=10)) as db, db:
        items = [
            row[0]
            for row in db.execute(
                "SELECT e.id FROM evidence_items e JOIN indicators i ON i.id = e.indicator_id"
                " JOIN answers a ON a.indicator_id = i.id"
                " WHERE a.assessment_id = ? AND i.code = 'I1' AND e.kind != 'note' ORDER BY e.level, e.nn LIMIT 2",
                (assessment_id,),
            )
        ]
        verdicts = []
        for item in items:
            cursor = db.execute(
                "INSERT INTO butir_verdicts (assessment_id, item_id, stage, verdict, note, source, recorded_at,"
                " correction_note) VALUES (?, ?, 'dokumen', 'revisi', ?, 'impor', CURRENT_TIMESTAMP, '')",
                (assessment_id, item, NOTE),
            )
            verdicts.append(int(cursor.lastrowid or 0))
        ends = date.today() + timedelta(days=3)
        db.execute(
            "INSERT INTO assessment_stages (assessment_id, stage, starts_on, ends_on) VALUES (?, 'koreksi', ?, ?)",
            (assessment_id, (ends - timedelta(days=5)).isoformat(), ends.isoformat()),
        )
    return url, verdicts


def test_marking_and_reopening_a_correction_on_a_phone(page: Page, server: Server) -> None:
    page.set_viewport_size(PHONE)
    page.set_default_timeout(15_000)
    submit_login(page, server, "koordinator@kota-contoh.go.id")
    url, (first, _second) = _pemdi_with_revisi(page, server)

    page.goto(url)
    line = page.get_by_test_id("overview-corrections")
    expect(line).to_contain_text("2 butir perlu koreksi sampai")
    line.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Koreksi dari asesor")
    expect(page.get_by_test_id("correction")).to_have_count(2)
    expect(page.get_by_test_id("correction").first).to_contain_text(NOTE)
    wide = overflow(page)
    assert wide.scroll_width <= wide.inner_width, wide.culprits
    violations = axe_violations(page)
    assert not violations, describe(violations, page.url)

    card = page.locator(f"#koreksi-{first}")
    card.get_by_role("button", name="Sudah dikoreksi").click()
    expect(page.locator(".field-error")).to_have_text("Tuliskan apa yang sudah diubah pada butir ini.")
    page.locator(f"#koreksi-{first}-note").fill("SK tim audit TIK nomor 12/2026 diunggah ulang.")
    page.locator(f"#koreksi-{first}").get_by_role("button", name="Sudah dikoreksi").click()
    expect(page.locator(".flash")).to_contain_text("ditandai sudah dikoreksi")
    done = page.locator("#sudah-dikoreksi")
    expect(done.get_by_test_id("correction-done")).to_contain_text("SK tim audit TIK nomor 12/2026 diunggah ulang.")
    wide = overflow(page)
    assert wide.scroll_width <= wide.inner_width, wide.culprits

    page.wait_for_load_state("load")  # the question comes from the deferred app.js
    page.once("dialog", lambda dialog: dialog.accept())
    done.get_by_role("button", name="buka kembali").click()
    expect(page.locator(".flash")).to_contain_text("dibuka kembali")
    expect(page.locator("#perlu-koreksi").get_by_test_id("correction")).to_have_count(2)
