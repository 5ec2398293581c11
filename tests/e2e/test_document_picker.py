"""Issue 18, the indicator page's document picker in Chromium on a phone (390 px): the page offers only the most
recent documents; the pengisi types part of an older document's title, picks it with the keyboard and links it, and
the page never scrolls sideways. Own server and database (the ``server`` fixture is per module)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.conftest import CHROMIUM, Server, submit_login
from tests.functional.helpers import pdf_bytes

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.only_browser("chromium"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)"),
]

PENGISI = "pengisi@kota-contoh.go.id"
KOORDINATOR = "koordinator@kota-contoh.go.id"
INSTANSI = "Pemerintah Kota Contoh"
#: Left unanswered by the demo and assigned to its default unit, Diskominfo (seeds/demo/kota-contoh.yaml).
CODE = "I7"
PHONE = {"width": 390, "height": 844}
TARGET = "Laporan Audit TIK 2025"
#: Uploaded after the target: more than the page offers, so the target is not among its choices.
NEWER = 21
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def test_typing_part_of_a_title_then_picking_it_with_the_keyboard_links_it(
    new_context: Callable[..., BrowserContext], server: Server, artifacts: Path
) -> None:
    page = new_context().new_page()
    page.set_default_timeout(20_000)
    submit_login(page, server, PENGISI)
    expect(page.get_by_role("heading", name="Tugas saya", exact=True)).to_be_visible()
    page.get_by_role("navigation", name="Navigasi utama").get_by_role("link", name="Penilaian").click()
    page.get_by_role("link", name=INSTANSI).click()
    overview = page.url

    files = []
    for n, name in enumerate([TARGET, *(f"Dokumen pendukung {i:02d}" for i in range(NEWER))]):
        path = server.tmp / f"{name}.pdf"
        path.write_bytes(pdf_bytes(1, f"{name} {n}"))
        files.append(path)
    page.goto(overview.rstrip("/") + "/pustaka/")
    page.get_by_test_id("upload-input").set_input_files(files[:1])
    page.get_by_test_id("upload-submit").click()
    expect(page.locator("#upload-list li.ok")).to_have_count(1, timeout=30_000)
    page.get_by_test_id("upload-input").set_input_files(files[1:])
    page.get_by_test_id("upload-submit").click()
    expect(page.locator("#upload-list li.ok")).to_have_count(len(files), timeout=60_000)

    page.set_viewport_size(PHONE)
    page.goto(overview)
    page.locator(f'tr[data-indicator="{CODE}"] td a').first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(CODE)
    choice = page.get_by_test_id("link-evidence-select")
    expect(choice.locator("option")).to_have_count(20)
    expect(choice.locator("option", has_text=TARGET)).to_have_count(0)

    loads: list[str] = []
    page.on("framenavigated", lambda frame: loads.append(frame.url) if frame == page.main_frame else None)
    box = page.get_by_role("combobox", name="Cari dokumen di pustaka")
    box.focus()
    box.press_sequentially("audit tik", delay=40)
    results = page.get_by_role("listbox", name="Dokumen yang cocok")
    expect(results.get_by_role("option")).to_have_count(1)
    expect(results.get_by_role("option")).to_contain_text(TARGET)
    expect(page.get_by_test_id("doc-search-status")).to_have_text("Dokumen yang cocok: 1.")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

    page.keyboard.press("ArrowDown")
    results.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "document-picker-390.png")
    option = results.get_by_role("option", name=TARGET)
    expect(option).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", option.get_attribute("id") or "?")
    assert option.evaluate("(el) => getComputedStyle(el).outlineStyle") == "solid"  # where the arrow keys are: seen
    page.keyboard.press("Enter")
    expect(results).to_be_hidden()
    expect(page.get_by_test_id("doc-search-status")).to_have_text(f"Dipilih: {TARGET}")
    expect(choice.locator("option:checked")).to_have_text(TARGET)
    assert loads == []  # searched and chosen without a page load: the answer's unsaved text stays

    link = page.get_by_test_id("link-evidence")
    for _ in range(8):
        if link.evaluate("(el) => el === document.activeElement"):
            break
        page.keyboard.press("Tab")
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".flash-success")).to_have_text("Dokumen ditautkan.")
    linked = page.get_by_test_id("linked-evidence")
    expect(linked).to_have_count(1)
    expect(linked).to_contain_text(TARGET)
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

    # Nothing matches: the list closes and the live region says so.
    box = page.get_by_role("combobox", name="Cari dokumen di pustaka")
    box.press_sequentially("tidak ada dokumen begini", delay=20)
    expect(page.get_by_test_id("doc-search-status")).to_have_text("Tidak ada dokumen yang cocok.")
    expect(page.get_by_role("listbox", name="Dokumen yang cocok")).to_be_hidden()


def test_the_indicator_pages_person_list_follows_the_chosen_unit(
    new_context: Callable[..., BrowserContext], server: Server
) -> None:
    """The page lists the people of the answer's unit only; choosing another unit brings that unit's people."""
    page = new_context().new_page()
    page.set_default_timeout(20_000)
    submit_login(page, server, KOORDINATOR)
    expect(page.locator(".who")).to_be_visible()
    page.goto(f"{server.url}/penilaian/")
    page.get_by_role("link", name=INSTANSI).click()
    page.locator(f'tr[data-indicator="{CODE}"] td a').first.click()
    unit = page.locator('select[name="unit_id"][id="unit_id"]')
    people = page.locator("select[data-people-url]")
    offered = "s => Array.from(s.options).filter(o => !o.hidden && !o.disabled).map(o => o.textContent.trim())"
    expect(unit.locator("option:checked")).to_have_text("Diskominfo")
    assert people.evaluate(offered)[1:] == [
        "Admin Diskominfo <admin@kota-contoh.go.id>",
        "Pengisi Diskominfo <pengisi@kota-contoh.go.id>",
    ]
    unit.select_option(label="Inspektorat")
    expect(people.locator("option")).to_have_count(2)
    assert people.evaluate(offered)[1:] == ["Reviewer Inspektorat <reviewer@kota-contoh.go.id>"]
    people.select_option(label="Reviewer Inspektorat <reviewer@kota-contoh.go.id>")
    page.get_by_role("button", name="Tugaskan", exact=True).click()
    expect(page.locator(".page-head")).to_contain_text("Inspektorat (Reviewer Inspektorat)")
