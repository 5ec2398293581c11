"""The warning before a sign-in ends (issue 16): a sign-in of one idle hour, pages warning 10 minutes before; the
browser's clock is moved forward (Playwright's clock), the server's is not."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import CHROMIUM, Server, demo_server, submit_login

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.only_browser("chromium"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)"),
]

PENGISI = "pengisi@kota-contoh.go.id"


@pytest.fixture(scope="module")
def short_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The demo served as tests/e2e/conftest.py's server, with sign-ins of one idle hour."""
    with demo_server(
        tmp_path_factory.mktemp("e2e-session"), MANDIRI_SESSION_IDLE_HOURS="1", MANDIRI_SESSION_WARNING_MINUTES="10"
    ) as served:
        yield served


def test_a_warning_before_the_session_ends_and_tetap_masuk_keeps_it(page: Page, short_server: Server) -> None:
    page.set_default_timeout(15_000)
    page.clock.install()
    submit_login(page, short_server, PENGISI)
    expect(page.get_by_role("heading", name="Tugas saya", exact=True)).to_be_visible()
    warning = page.locator("#session-warning")
    expect(warning).to_have_attribute("role", "status")
    expect(warning).to_be_hidden()  # an hour left: nothing shown yet

    page.clock.run_for("49:00")
    expect(warning).to_be_hidden()
    page.clock.run_for("02:00")  # 9 minutes left
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Sesi masuk Anda berakhir pukul")
    keep = warning.get_by_role("button", name="Tetap masuk")
    with page.expect_response("**/sesi/tetap-masuk") as answered:
        keep.click()
    assert answered.value.status == 200
    assert answered.value.json()["expires_in"] > 50 * 60
    expect(warning).to_be_hidden()  # an hour again from now
    assert page.evaluate("document.querySelectorAll('[style], script:not([src]):not([type])').length") == 0

    page.clock.run_for("51:00")
    expect(warning).to_be_visible()
    page.clock.run_for("10:00")  # past the end: sign in again, and come back here
    expect(warning).to_have_attribute("role", "alert")
    expect(warning).to_contain_text("Sesi Anda telah berakhir")
    link = warning.get_by_role("link", name="Masuk lagi")
    expect(link).to_have_attribute("href", "/login?next=%2Fsaya%2F")
