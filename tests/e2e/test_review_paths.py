"""Browser tests of the reviewer's and the koordinator's short paths (issue 16).

- An agreeing approval is one action and one page load, and it lands on the next answer in the reviewer's queue;
  a differing value asks for a justification before anything is sent.
- What-if keeps its result in view while the last indicator is changed, at 390 px and at 1366 px.

Answers are put in ``siap direviu`` straight in the SQLite file (setup, not the thing under test). Screenshots:
``test-artifacts/e2e/review_paths-*.png``.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import CHROMIUM, Server, submit_login
from tests.e2e.test_review_flow import signed_in

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.only_browser("chromium"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)"),
]

#: Claimed by the demo (levels 3, 3, 2; seeds/demo/kota-contoh.yaml) and submitted here.
READY = ("I1", "I2", "I3")


def _db(server: Server) -> Path:
    return server.tmp / "mandiri.db"


def submit_for_review(server: Server, codes: tuple[str, ...]) -> str:
    """Setup in the database: ``codes`` of the demo's assessment made ``siap direviu``; its id."""
    with closing(sqlite3.connect(_db(server), timeout=10)) as conn, conn:
        (assessment,) = conn.execute("SELECT id FROM assessments ORDER BY id LIMIT 1").fetchone()
        marks = ",".join("?" * len(codes))
        conn.execute(
            f"""UPDATE answers SET state = 'siap_direviu', version = version + 1
                 WHERE assessment_id = ? AND indicator_id IN (SELECT id FROM indicators WHERE code IN ({marks}))""",  # noqa: S608
            (assessment, *codes),
        )
    return str(assessment)


def review_row(server: Server, code: str) -> tuple[str, str | None, str]:
    with closing(sqlite3.connect(_db(server), timeout=10)) as conn:
        state, value, note = conn.execute(
            """SELECT a.state, a.reviewer_value, a.reviewer_note FROM answers a JOIN indicators i
                ON i.id = a.indicator_id WHERE i.code = ? ORDER BY a.assessment_id LIMIT 1""",
            (code,),
        ).fetchone()
    return state, None if value is None else f"{float(value):g}", note or ""


def bump_version(server: Server, code: str) -> None:
    """Setup: another session saved the answer (its version moves on)."""
    with closing(sqlite3.connect(_db(server), timeout=10)) as conn, conn:
        conn.execute(
            "UPDATE answers SET version = version + 1 WHERE indicator_id IN (SELECT id FROM indicators WHERE code = ?)",
            (code,),
        )


@dataclass
class Counter:
    """The user's actions (clicks, choices, typing) and the page loads they caused, counted while inside ``count``."""

    page: Page
    actions: int = 0
    loads: int = 0
    counting: bool = False

    def __post_init__(self) -> None:
        self.page.on("load", lambda _page: self._loaded())

    def _loaded(self) -> None:
        if self.counting:
            self.loads += 1

    @contextmanager
    def count(self) -> Iterator[Counter]:
        self.actions = self.loads = 0
        self.counting = True
        try:
            yield self
        finally:
            self.counting = False

    def act(self, do: Callable[[], object]) -> None:
        self.actions += 1
        do()

    def settled(self) -> Counter:
        """Once the page has fired its ``load`` (the new page's text can show before it does on a busy machine):
        the listener has then counted it."""
        self.page.wait_for_load_state("load")
        self.page.wait_for_timeout(100)  # the event reaches the listener with the next round of the driver's messages
        return self


def test_agreeing_approval_is_one_action_then_the_next_in_my_queue(
    new_context: Callable[..., BrowserContext], server: Server, artifacts: Path
) -> None:
    assessment = submit_for_review(server, READY)
    reviewer = signed_in(new_context, server, "reviewer")
    reviewer.goto(f"{server.url}/penilaian/{assessment}/indikator/I1")
    queue = reviewer.get_by_test_id("review-queue")
    expect(queue).to_contain_text("Indikator ini ke-1 dari 3 di antrean reviu Anda.")
    expect(reviewer.locator("#reviewer_value")).to_have_value("3")  # the claimed level, pre-filled
    expect(reviewer.locator("#reviewer-note-rule")).to_contain_text("Justifikasi wajib hanya bila")
    reviewer.screenshot(path=artifacts / "review_paths-01-decide.png", full_page=True)

    counter = Counter(reviewer)
    with counter.count():
        counter.act(lambda: reviewer.get_by_test_id("approve").click())
        expect(reviewer.locator(".flash-success")).to_have_text("Jawaban I1 disetujui.")
        expect(reviewer.get_by_role("heading", level=1)).to_contain_text("I2")  # on to the next in the queue
        counter.settled()
    assert (counter.actions, counter.loads) == (1, 1)
    assert review_row(server, "I1") == ("disetujui", "3", "")
    expect(queue).to_contain_text("Indikator ini ke-1 dari 2 di antrean reviu Anda.")
    reviewer.screenshot(path=artifacts / "review_paths-02-next.png", full_page=True)

    # A different value: the justification is asked for before anything is sent.
    warning = reviewer.locator("[data-note-warning]")
    expect(warning).to_be_hidden()
    reviewer.locator("#reviewer_value").select_option("2")
    expect(warning).to_be_visible()
    expect(reviewer.locator("#reviewer_note:invalid")).to_have_count(1)
    with counter.count():
        reviewer.get_by_test_id("approve").click()  # the browser holds it back: no request, no load
        expect(reviewer.get_by_role("heading", level=1)).to_contain_text("I2")
    assert counter.loads == 0
    assert review_row(server, "I2")[0] == "siap_direviu"
    # Someone else changed I2 meanwhile: refused, and all of a long justification is given back.
    bump_version(server, "I2")
    long_note = "Penerapan baru di sebagian OPD. " + " ".join(f"OPD-{n}: belum ada SK penerapan." for n in range(60))
    assert len(long_note) > 1500
    reviewer.locator("#reviewer_note").fill(long_note)
    reviewer.get_by_test_id("approve").click()
    expect(reviewer.locator(".flash-error")).to_contain_text("sudah diubah orang lain")
    expect(reviewer.locator("#reviewer_value")).to_have_value("2")
    expect(reviewer.locator("#reviewer_note")).to_have_value(long_note)
    expect(reviewer.get_by_test_id("review-kept")).to_be_visible()
    reviewer.locator("#reviewer_note").fill("Penerapan baru di sebagian OPD.")
    reviewer.get_by_test_id("approve").click()
    expect(reviewer.locator(".flash-success")).to_have_text("Jawaban I2 disetujui.")
    expect(reviewer.get_by_role("heading", level=1)).to_contain_text("I3")
    assert review_row(server, "I2") == ("disetujui", "2", "Penerapan baru di sebagian OPD.")

    # The last one from the sticky bar (in view wherever the page is scrolled): the queue is empty, the page stays.
    reviewer.get_by_test_id("bar-approve").click()
    expect(reviewer.locator(".flash-success")).to_have_text("Jawaban I3 disetujui.")
    expect(reviewer.get_by_role("heading", level=1)).to_contain_text("I3")
    expect(queue).to_contain_text("Antrean reviu Anda kosong")
    expect(reviewer.get_by_test_id("queue-next")).to_have_count(0)
    reviewer.screenshot(path=artifacts / "review_paths-03-queue-empty.png", full_page=True)


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1366, 900)])
def test_whatif_result_stays_in_view_when_changing_the_last_indicator(
    new_context: Callable[..., BrowserContext], server: Server, artifacts: Path, width: int, height: int
) -> None:
    page = new_context().new_page()
    page.set_viewport_size({"width": width, "height": height})
    page.set_default_timeout(15_000)
    submit_login(page, server, "koordinator@kota-contoh.go.id")
    expect(page.get_by_test_id("projected-index")).to_be_visible()
    page.goto(re.sub(r"[?#].*$", "", page.url).rstrip("/") + "/simulasi")
    last = page.locator("select.whatif-value").last
    index = page.get_by_test_id("whatif-index")
    before = index.inner_text()
    last.scroll_into_view_if_needed()
    target = "5" if last.input_value() != "5" else "0"
    with page.expect_response(lambda r: r.url.endswith("/simulasi/hitung") and r.status == 200):
        last.select_option(target)
    expect(index).not_to_have_text(before)
    expect(last).to_be_in_viewport()
    expect(index).to_be_in_viewport()
    result = page.locator("#whatif-result").bounding_box()
    control = last.bounding_box()
    assert result is not None
    assert control is not None
    overlaps = control["y"] < result["y"] + result["height"] and result["y"] < control["y"] + control["height"]
    assert not overlaps, (result, control)  # the panel does not cover the control being changed
    page.screenshot(path=artifacts / f"review_paths-whatif-{width}.png")
