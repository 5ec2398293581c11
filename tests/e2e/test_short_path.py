"""Issue 16, the pengisi's core task in the browser: from "Tugas saya", answer one indicator with a new document and
mark it ready for review, in at most 6 actions and 3 page loads, counted here; the same journey with the keyboard
only. Own server and database (the ``server`` fixture is per module). Screenshots: ``test-artifacts/e2e/short_path*``.

An action is a click, a fill of one field (typing a text into one textarea is one action) or a choice of files; a
page load is a navigation of the main frame (the "Tugas saya" page the journey starts on counts as the first).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.e2e.conftest import CHROMIUM, UPLOAD_MAX_MB, Server, submit_login
from tests.functional.helpers import pdf_bytes

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.only_browser("chromium"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)"),
]

PENGISI = "pengisi@kota-contoh.go.id"
#: Left unanswered by the demo and assigned to its default unit, Diskominfo (seeds/demo/kota-contoh.yaml).
BY_MOUSE, BY_KEYBOARD, REFUSED = "I26", "I27", "I29"
FAKTA = "Perwali Nomor 12 Tahun 2024 pasal 5–9 mengatur tata kelola data; SK tim berlaku sejak Maret."
ANALISIS = "Kebijakan sudah ditetapkan dan diterapkan di seluruh OPD: kriteria level 3 terpenuhi."
MAX_ACTIONS, MAX_LOADS = 6, 3


def signed_in(new_context: Callable[..., BrowserContext], server: Server) -> Page:
    """A pengisi signed in through the login form, on the page they land on: "Tugas saya"."""
    page = new_context().new_page()
    page.set_default_timeout(20_000)
    submit_login(page, server, PENGISI)
    expect(page.get_by_role("heading", name="Tugas saya", exact=True)).to_be_visible()
    return page


def a_pdf(server: Server, name: str) -> Path:
    path = server.tmp / name
    path.write_bytes(pdf_bytes(2, name))
    return path


class Journey:
    """The user's actions and the page loads of one page, counted."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.actions: list[str] = []
        self.loads: list[str] = [page.url]
        page.on("framenavigated", lambda frame: self.loads.append(frame.url) if frame == page.main_frame else None)

    def click(self, target: Locator, what: str) -> None:
        self.actions.append(f"click {what}")
        target.click()

    def fill(self, target: Locator, text: str, what: str) -> None:
        self.actions.append(f"type {what}")
        target.fill(text)

    def choose(self, target: Locator, path: Path, what: str) -> None:
        self.actions.append(f"choose {what}")
        target.set_input_files(path)


def test_answer_with_a_new_document_and_mark_ready_in_six_actions(
    new_context: Callable[..., BrowserContext], server: Server, artifacts: Path
) -> None:
    page = signed_in(new_context, server)
    journey = Journey(page)
    pdf = a_pdf(server, "Perwali Nomor 12 Tahun 2024.pdf")

    journey.click(page.get_by_test_id("section-unit").locator(f'a[href$="/indikator/{BY_MOUSE}"]'), BY_MOUSE)
    expect(page.get_by_role("heading", level=1)).to_contain_text(BY_MOUSE)
    journey.click(page.locator('label.level-card[data-level="3"]'), "level 3")
    expect(page.get_by_test_id("answer-bar").locator("[data-bar-value]")).to_contain_text("3 ·")
    journey.fill(page.locator("#fakta"), FAKTA, "FAKTA")
    journey.fill(page.locator("#analisis"), ANALISIS, "ANALISIS")
    journey.choose(page.get_by_test_id("upload-level-3"), pdf, "a new PDF at level 3")
    status = page.locator("#level-3 [data-upload-status]")
    expect(status).to_have_text("Diunggah dan ditautkan: Perwali Nomor 12 Tahun 2024")
    expect(page.get_by_test_id("linked-evidence")).to_have_count(1)
    expect(page.locator("#fakta")).to_have_value(FAKTA)  # the page did not reload: the typed text is there
    page.screenshot(path=artifacts / "short_path-01-before-ready.png", full_page=True)
    journey.click(page.get_by_test_id("bar-submit"), "Siap direviu")

    expect(page.locator(".flash-success")).to_have_text("Jawaban diajukan untuk direviu.")
    expect(page.locator(".page-head .chip.state-siap_direviu")).to_have_text("siap direviu")
    linked = page.get_by_test_id("linked-evidence")
    expect(linked).to_have_count(1)
    expect(linked).to_contain_text("Perwali Nomor 12 Tahun 2024")
    expect(linked).to_contain_text("Level 3")
    expect(page.locator("#fakta")).to_have_value(FAKTA)
    expect(page.locator("#analisis")).to_have_value(ANALISIS)
    page.screenshot(path=artifacts / "short_path-02-ready.png", full_page=True)
    assert len(journey.actions) <= MAX_ACTIONS, journey.actions
    assert len(journey.loads) <= MAX_LOADS, journey.loads
    (artifacts / "short_path-count.txt").write_text(
        f"actions {len(journey.actions)}: {journey.actions}\nloads {len(journey.loads)}: {journey.loads}\n",
        encoding="utf-8",
    )


def _tab_to(page: Page, selector: str, limit: int = 150) -> None:
    """Press Tab until the element matching ``selector`` has the focus; its focus must be visible and not hidden
    behind the sticky bar (WCAG 2.2: 2.4.7, 2.4.11)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            break
    else:
        pytest.fail(f"{selector} not reached with Tab")
    seen = page.evaluate(
        """() => {
          const el = document.activeElement, style = getComputedStyle(el), box = el.getBoundingClientRect();
          const bar = document.querySelector(".answer-bar");
          const barTop = bar && !bar.contains(el) ? bar.getBoundingClientRect().top : window.innerHeight;
          return {outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
                  focusVisible: el.matches(":focus-visible"), top: box.top, bottom: box.bottom, barTop};
        }"""
    )
    assert seen["outline"], (selector, seen)
    assert seen["focusVisible"], (selector, seen)
    assert seen["top"] >= 0, (selector, seen)
    assert seen["top"] < seen["barTop"], (selector, seen)  # not hidden behind the sticky bar


def test_the_same_journey_with_the_keyboard_only(
    new_context: Callable[..., BrowserContext], server: Server, artifacts: Path
) -> None:
    page = signed_in(new_context, server)
    pdf = a_pdf(server, "SK Tim SPBE 2025.pdf")
    keys = page.keyboard

    _tab_to(page, f'a[href$="/indikator/{BY_KEYBOARD}"]')
    with page.expect_navigation():
        keys.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text(BY_KEYBOARD)

    # The level: the radio group is one Tab stop; its arrow keys choose, as in every radio group.
    _tab_to(page, '#answer-form input[name="level"]')
    for _ in range(3):
        keys.press("ArrowDown")
    expect(page.locator('#answer-form input[name="level"][value="3"]')).to_be_checked()

    _tab_to(page, "#file-level-3")
    with page.expect_file_chooser() as chooser:
        keys.press("Space")
    chooser.value.set_files(pdf)
    expect(page.locator("#level-3 [data-upload-status]")).to_have_text("Diunggah dan ditautkan: SK Tim SPBE 2025")

    _tab_to(page, "#fakta")
    keys.type(FAKTA)
    _tab_to(page, "#analisis")
    keys.type(ANALISIS)
    _tab_to(page, '[data-testid="bar-submit"]')
    page.screenshot(path=artifacts / "short_path-keyboard-01-focus-on-ready.png")
    with page.expect_navigation():
        keys.press("Enter")

    expect(page.locator(".flash-success")).to_have_text("Jawaban diajukan untuk direviu.")
    expect(page.locator(".page-head .chip.state-siap_direviu")).to_have_text("siap direviu")
    expect(page.get_by_test_id("linked-evidence")).to_contain_text("SK Tim SPBE 2025")
    expect(page.locator("#fakta")).to_have_value(FAKTA)


def test_a_refused_file_is_said_where_it_was_chosen_and_the_text_stays(
    new_context: Callable[..., BrowserContext], server: Server, artifacts: Path
) -> None:
    page = signed_in(new_context, server)
    page.get_by_test_id("section-unit").locator(f'a[href$="/indikator/{REFUSED}"]').click()
    page.locator("#fakta").fill(FAKTA)
    status = page.locator("#level-2 [data-upload-status]")

    script = server.tmp / "pemasang.exe"
    script.write_bytes(b"MZ\x90\x00" * 64)
    page.get_by_test_id("upload-level-2").set_input_files(script)
    expect(status).to_have_text("pemasang.exe: Jenis berkas tidak diterima.")
    large = server.tmp / "pindaian besar.pdf"
    large.write_bytes(b"%PDF-1.7\n" + b"0" * (UPLOAD_MAX_MB * 1024 * 1024 + 1))
    page.get_by_test_id("upload-level-2").set_input_files(large)
    expect(status).to_have_text(re.compile(r"^pindaian besar\.pdf: Terlalu besar: batasnya 1 MB\.$"))
    # The server says why too, in the same place, for what only it can find (here: not a real PDF).
    fake = server.tmp / "bukan pdf.pdf"
    fake.write_bytes(b"%PDF-1.4\n<html><script>alert(1)</script>")
    page.get_by_test_id("upload-level-2").set_input_files(fake)
    expect(status).to_have_class(re.compile(r"\berror\b"))
    expect(status).to_contain_text("bukan pdf.pdf: ")
    page.screenshot(path=artifacts / "short_path-refused.png", full_page=True)

    expect(page.get_by_test_id("linked-evidence")).to_have_count(0)
    expect(page.locator("#fakta")).to_have_value(FAKTA)
    page.get_by_test_id("save-answer").click()
    expect(page.locator(".flash-success")).to_have_text("Jawaban disimpan.")
    assert page.url.endswith(f"/indikator/{REFUSED}#penjelasan"), page.url  # back where the user was typing
    expect(page.locator("#fakta")).to_have_value(FAKTA)
    expect(page.get_by_test_id("bar-said")).to_have_text("Jawaban disimpan.")
    expect(page.locator("#penjelasan")).to_be_in_viewport()


def test_the_bar_stays_in_view_on_a_phone(
    new_context: Callable[..., BrowserContext], server: Server, artifacts: Path
) -> None:
    page = signed_in(new_context, server)
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_test_id("section-unit").locator(f'a[href$="/indikator/{REFUSED}"]').click()
    bar = page.get_by_test_id("answer-bar")
    for where in ("#data-dukung", "#ajukan"):
        page.locator(where).scroll_into_view_if_needed()
        expect(bar).to_be_in_viewport()
        box = bar.bounding_box()
        assert box is not None
        assert abs(box["y"] + box["height"] - 844) < 2, box  # at the bottom of the screen
        expect(bar.get_by_test_id("bar-submit")).to_be_in_viewport()
    page.screenshot(path=artifacts / "short_path-phone.png")
