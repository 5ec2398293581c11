"""Every main page of every role at a phone's width (390 × 844) and a laptop's (1366 × 768): axe-core finds no
WCAG 2.0/2.1/2.2 A or AA violation, the page reports no CSP violation, and the page itself never scrolls sideways.

One server for the module, one browser context per role (signed in once through the login form), and each page
loaded once per width: the checks of a page at a width read the same :class:`Visit`. Before the first visit the
pengisi uploads a PDF through the library, so there is a document page to see. Full-page screenshots of every
page at both widths: ``test-artifacts/e2e/pages/<role>-<page>-<width>.png``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.a11y import Overflow, axe_violations, describe, overflow
from tests.e2e.conftest import CHROMIUM, CspRecorder, Server, submit_login
from tests.functional.helpers import pdf_bytes

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.only_browser("chromium"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)"),
]

WIDTHS = {390: 844, 1366: 768}
#: The page seen signed out is the guest's.
GUEST = "tamu"
ROLES = ["pengisi", "reviewer", "koordinator", "admin", "pembaca"]
#: Answered by the demo (level 3) and assigned to Diskominfo, the pengisi's unit (seeds/demo/kota-contoh.yaml).
ANSWERED = "I1"
#: Answered by the demo too; set ready for review here, with the uploaded document linked to its level 3.
SUBMITTED = "I2"
DOCUMENT = "Perwali Nomor 12 Tahun 2024 tentang Arsitektur SPBE"

#: Every signed-in role's pages: name → path, with ``{a}`` the demo's assessment and ``{doc}`` the uploaded PDF.
COMMON = {
    "beranda": "/",
    "penilaian": "/penilaian/",
    "ikhtisar": "/penilaian/{a}",
    "indikator": "/penilaian/{a}/indikator/" + ANSWERED,
    "tugas-saya": "/saya/",
    "notifikasi": "/saya/notifikasi",
    "dasbor": "/penilaian/{a}/dasbor",
    "simulasi": "/penilaian/{a}/simulasi",
    "banding": "/penilaian/{a}/simulasi/banding",
    "audit": "/penilaian/{a}/audit",
    "pustaka": "/penilaian/{a}/pustaka/",
    "dokumen": "/penilaian/{a}/pustaka/{doc}",
    "bundel": "/penilaian/{a}/bundel/",
}
REVIEW = {"indikator-diajukan": "/penilaian/{a}/indikator/" + SUBMITTED, "selisih": "/penilaian/{a}/selisih"}
#: The pages of the account links in the header, the same for every role.
ACCOUNT = {"kata-sandi": "/change", "keamanan-masuk": "/tf-setup"}
COORDINATION = {
    "komentar-siap": "/instansi/{i}/komentar-siap/",
    "tren": "/instansi/{i}/tren",
    "hasil-resmi": "/penilaian/{a}/hasil-resmi",
}
#: ``{i}`` the demo's instansi, ``{u}`` the pengisi's user id.
ADMIN = {
    "admin-profil": "/admin/{i}/",
    "admin-pengguna": "/admin/{i}/pengguna/",
    "admin-pengguna-baru": "/admin/{i}/pengguna/baru",
    "admin-pengguna-ubah": "/admin/{i}/pengguna/{u}",
    "admin-unit": "/admin/{i}/unit/",
    "admin-unit-baru": "/admin/{i}/unit/baru",
}
PAGES: dict[str, dict[str, str]] = {
    "pengisi": COMMON | ACCOUNT,
    "reviewer": COMMON | REVIEW,
    "koordinator": COMMON | REVIEW | COORDINATION,
    "admin": COMMON | ADMIN,
    "pembaca": COMMON,
    GUEST: {"masuk": "/login"},
}
ROLE_PAGES = [(role, name) for role, pages in PAGES.items() for name in pages]
#: The smallest phone the layout is for: only its sideways scroll is checked (axe and the screenshots at 390 px).
SMALL_PHONE = (360, 740)


@dataclass
class Visit:
    """One page at one width, as loaded once: its status, overflow, axe's violations and the CSP's."""

    where: str
    status: int
    overflow: Overflow
    violations: list[dict[str, Any]]
    csp: list[str]


@dataclass
class Site:
    """The signed-in contexts and the pages already visited, for the module."""

    server: Server
    browser: Browser
    folder: Path
    ids: dict[str, int]
    csp: CspRecorder = field(default_factory=CspRecorder)
    pages: dict[str, Page] = field(default_factory=dict)
    visits: dict[tuple[str, str, int], Visit] = field(default_factory=dict)

    def page(self, role: str) -> Page:
        if role not in self.pages:
            self.pages[role] = sign_in(self.context(), self.server, role)
        return self.pages[role]

    def context(self) -> BrowserContext:
        context = self.browser.new_context(locale="id-ID", viewport={"width": 1366, "height": 768})
        self.csp.watch(context)
        return context

    def visit(self, role: str, name: str, width: int) -> Visit:
        key = (role, name, width)
        if key not in self.visits:
            page = self.page(role)
            page.set_viewport_size({"width": width, "height": WIDTHS[width]})
            url = self.server.url + PAGES[role][name].format(**self.ids)
            seen = len(self.csp.violations)
            response = page.goto(url, wait_until="load")
            assert response is not None
            measured = overflow(page)
            page.screenshot(path=self.folder / f"{role}-{name}-{width}.png", full_page=True)
            violations = axe_violations(page)
            self.csp.settle()
            where = f"{role} {name} {width}px ({url})"
            self.visits[key] = Visit(where, response.status, measured, violations, self.csp.violations[seen:])
        return self.visits[key]

    def overflow_at(self, role: str, name: str, width: int, height: int) -> Overflow:
        page = self.page(role)
        page.set_viewport_size({"width": width, "height": height})
        response = page.goto(self.server.url + PAGES[role][name].format(**self.ids), wait_until="load")
        assert response is not None, f"{role} {name} {width}px"
        assert response.status == 200, f"{role} {name} {width}px: HTTP {response.status}"
        return overflow(page)

    def close(self) -> None:
        for context in self.csp.contexts:
            context.close()


def sign_in(context: BrowserContext, server: Server, role: str) -> Page:
    page = context.new_page()
    page.set_default_timeout(15_000)
    if role == GUEST:
        return page
    submit_login(page, server, f"{role}@kota-contoh.go.id")
    expect(page.locator(".who")).to_be_visible()
    return page


def demo_ids(server: Server) -> dict[str, int]:
    with closing(sqlite3.connect(server.tmp / "mandiri.db")) as db:
        (assessment,) = db.execute("SELECT id FROM assessments").fetchone()
        (instansi,) = db.execute("SELECT id FROM instansi").fetchone()
        (user,) = db.execute("SELECT id FROM users WHERE email = 'pengisi@kota-contoh.go.id'").fetchone()
    return {"a": assessment, "i": instansi, "u": user}


def uploaded_document(site: Site) -> int:
    """The pengisi uploads a PDF through the library; its evidence id. (Setup straight in the database then: the
    document is linked to level 3 of ``SUBMITTED``, which becomes ready for review.)"""
    page = site.page("pengisi")
    page.goto(f"{site.server.url}/penilaian/{site.ids['a']}/pustaka/")
    pdf = site.server.tmp / f"{DOCUMENT}.pdf"
    pdf.write_bytes(pdf_bytes(2, "Peraturan Wali Kota"))
    page.get_by_test_id("upload-input").set_input_files(pdf)
    page.get_by_test_id("upload-submit").click()
    expect(page.locator("#upload-list li.ok")).to_have_count(1, timeout=20_000)
    with closing(sqlite3.connect(site.server.tmp / "mandiri.db", timeout=10)) as db, db:
        (evidence,) = db.execute("SELECT id FROM evidence").fetchone()
        (answer,) = db.execute(
            "SELECT answers.id FROM answers JOIN indicators ON indicators.id = answers.indicator_id"
            " WHERE answers.assessment_id = ? AND indicators.code = ?",
            (site.ids["a"], SUBMITTED),
        ).fetchone()
        db.execute("UPDATE answers SET state = 'siap_direviu', version = version + 1 WHERE id = ?", (answer,))
        db.execute(
            "INSERT INTO answer_evidence (answer_id, evidence_id, level, note, created_by_id, created_at)"
            " VALUES (?, ?, 3, '', ?, ?)",
            (answer, evidence, site.ids["u"], "2026-01-05 08:00:00.000000"),
        )
    return int(evidence)


@pytest.fixture(scope="module")
def site(server: Server, browser: Browser, artifacts: Path) -> Iterator[Site]:
    folder = artifacts / "pages"
    folder.mkdir(exist_ok=True)
    built = Site(server, browser, folder, demo_ids(server))
    built.ids["doc"] = uploaded_document(built)
    yield built
    built.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("role", "name"), ROLE_PAGES)
def test_page_is_accessible(site: Site, role: str, name: str, width: int) -> None:
    """The page opens, reports no CSP violation, and axe-core finds no WCAG A/AA violation (screenshot kept)."""
    visit = site.visit(role, name, width)
    assert visit.status == 200, f"{visit.where}: HTTP {visit.status}"
    assert visit.csp == [], f"{visit.where}: CSP violations:\n" + "\n".join(visit.csp)
    assert visit.violations == [], "axe-core:\n" + describe(visit.violations, visit.where)


def assert_no_sideways_scroll(measured: Overflow, where: str) -> None:
    assert not measured.overflows, (
        f"{where}: the page is {measured.scroll_width}px wide in a {measured.inner_width}px window; "
        f"beyond its edge: {', '.join(measured.culprits) or '?'}"
    )


@pytest.mark.parametrize("width", [*WIDTHS, SMALL_PHONE[0]])
@pytest.mark.parametrize(("role", "name"), ROLE_PAGES)
def test_no_sideways_scroll(site: Site, role: str, name: str, width: int) -> None:
    """The page fits the window's width: wide tables scroll in their own box, the top bar folds behind "Menu"."""
    if width == SMALL_PHONE[0]:
        assert_no_sideways_scroll(site.overflow_at(role, name, *SMALL_PHONE), f"{role} {name} {width}px")
    else:
        visit = site.visit(role, name, width)
        assert_no_sideways_scroll(visit.overflow, visit.where)


def test_the_checks_see_what_they_look_for(page: Page, server: Server) -> None:
    """The harness itself: an image without a text alternative, a label on an element of no role and a box wider
    than the window are reported."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{server.url}/login")
    assert axe_violations(page) == []
    assert not overflow(page).overflows
    page.evaluate(
        """() => {
          const image = document.createElement("img");
          image.id = "no-alt";
          const labelled = document.createElement("div");
          labelled.id = "ignored-label";
          labelled.setAttribute("aria-label", "Label yang tidak dibacakan");
          labelled.textContent = "Teks";
          const wide = document.createElement("div");
          wide.id = "too-wide";
          wide.style.width = "600px";
          wide.style.height = "1px";
          document.querySelector("main").append(image, labelled, wide);
        }"""
    )
    violations = axe_violations(page)
    assert [v["id"] for v in violations] == ["image-alt", "aria-prohibited-attr"]
    assert describe(violations[:1], "login 390px").splitlines() == [
        "login 390px: image-alt [critical] Images must have alternative text ×1",
        "    #no-alt",
    ]
    assert [node["target"] for node in violations[1]["nodes"]] == [["#ignored-label"]]
    measured = overflow(page)
    assert measured.overflows
    assert measured.scroll_width > 600 > measured.inner_width == 390
    assert any(culprit.startswith("div#too-wide ") for culprit in measured.culprits), measured.culprits
