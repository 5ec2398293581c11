"""Issue 16 in the browser: the dashboard's radar holds its labels and shows values as the table does; the sticky
bulk-assignment bar hides no row; the person list follows the chosen unit; the export's step text follows the
status the page polls."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from tests.e2e.conftest import CHROMIUM, Server
from tests.e2e.test_export import INSTANSI, KOORDINATOR, sign_in

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.only_browser("chromium"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)"),
]


def _overview(page: Page, server: Server) -> str:
    """Sign in as the koordinator and open the demo assessment's overview; its URL."""
    page.set_default_timeout(20_000)
    sign_in(page, server, KOORDINATOR)
    page.get_by_role("link", name=INSTANSI).click()
    expect(page.get_by_test_id("projected-index")).to_be_visible()
    return page.url.split("?")[0]


def test_radar_labels_stay_inside_the_chart_and_values_read_as_the_table(page: Page, server: Server) -> None:
    overview = _overview(page, server)
    page.goto(f"{overview}/dasbor")
    radar = page.locator("svg.chart-radar")
    expect(radar).to_be_visible()
    found: dict[str, Any] = radar.evaluate(
        """svg => {
          const vb = svg.viewBox.baseVal;
          const out = [];
          svg.querySelectorAll("text").forEach(t => {
            const b = t.getBBox();
            out.push({text: t.textContent, left: b.x, top: b.y, right: b.x + b.width, bottom: b.y + b.height});
          });
          return {box: [vb.x, vb.y, vb.x + vb.width, vb.y + vb.height], labels: out};
        }"""
    )
    left, top, right, bottom = found["box"]
    assert found["labels"]
    for label in found["labels"]:
        assert left <= label["left"], label
        assert label["right"] <= right, label
        assert top <= label["top"], label
        assert label["bottom"] <= bottom, label

    # The radar's value of each aspect is the table's claimed value, written the same way (a decimal comma).
    values = page.locator("svg.chart-radar [data-radar-value]").all_text_contents()
    claimed = [cell.split(" · ")[0] for cell in page.locator("table.parts td[data-aspect]").all_text_contents()]
    assert values
    assert all("," in value for value in values)
    assert set(values) <= set(claimed)


def test_assign_bar_hides_no_row(page: Page, server: Server) -> None:
    _overview(page, server)
    expect(page.locator(".assign-bar")).to_be_visible()
    boxes = page.locator('input[name="answer_ids"]')
    for width, index in [(w, i) for w in (1280, 390) for i in (boxes.count() // 2, boxes.count() - 1)]:
        page.set_viewport_size({"width": width, "height": 800})
        box = boxes.nth(index)
        page.evaluate("window.scrollTo(0, 0)")
        # Scrolled down just far enough to see the row, as keyboard focus and find-in-page do: the row ends at
        # the bottom of the window, where the bar is stuck; the page keeps room for the bar there.
        hit = box.evaluate(
            """el => { el.scrollIntoView({block: "nearest"});
                       const r = el.getBoundingClientRect();
                       return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === el; }"""
        )
        assert hit, f"at {width} px, the checkbox of row {index} is under the bar"


def _offered(page: Page) -> list[str]:
    return page.locator('.assign-bar select[name="user_id"]').evaluate(
        "s => Array.from(s.options).filter(o => !o.hidden && !o.disabled).map(o => o.textContent.trim())"
    )


def test_person_list_follows_the_chosen_unit(page: Page, server: Server) -> None:
    _overview(page, server)
    unit = page.locator('.assign-bar select[name="unit_id"]')
    people = page.locator('.assign-bar select[name="user_id"]')
    unit.select_option(label="Diskominfo")
    offered = _offered(page)
    assert offered[1:] == [
        "Admin Diskominfo <admin@kota-contoh.go.id>",
        "Pengisi Diskominfo <pengisi@kota-contoh.go.id>",
    ]
    people.select_option(label="Pengisi Diskominfo <pengisi@kota-contoh.go.id>")
    unit.select_option(label="Inspektorat")
    assert _offered(page)[1:] == ["Reviewer Inspektorat <reviewer@kota-contoh.go.id>"]
    assert people.input_value() == "0"  # the Diskominfo person is let go
    unit.select_option(label="Bappeda")
    assert _offered(page)[1:] == []


def test_export_step_text_follows_the_status(page: Page, server: Server) -> None:
    overview = _overview(page, server)
    statuses = iter(
        [
            {"total": 0, "step": 0, "progress_text": "menyiapkan…", "percent": 0},
            {"total": 7, "step": 2, "progress_text": "langkah 2 dari 7", "percent": 28},
        ]
    )
    last: dict[str, Any] = {}

    def status(route: Route) -> None:
        last.update(next(statuses, last))
        body = {"id": 1, "state": "berjalan", "state_label": "berjalan", "active": True, "label": "", **last}
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    page.route("**/bundel/*/status", status)
    page.goto(f"{overview}/bundel/")
    page.get_by_test_id("export-start").click()
    step = page.locator("[data-export-step]")
    expect(step).to_have_text("menyiapkan…")
    expect(step).to_have_text("langkah 2 dari 7")
    expect(page.locator("[data-export-percent]")).to_have_text("28%")
