"""A real instansi starts without the demo, in Chromium against a real server: the operator creates the instansi
and its first admin; the admin follows the invitation, sets a password, imports the units and the users from
files; a pengisi from the import follows their invitation, signs in and lands on "Tugas saya"."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ROOT, START_TIMEOUT, Server
from tests.servers import free_port, run, server_env, stop, wait_healthy

OPERATOR = "operator@pusat.go.id"
OPERATOR_PASSWORD = "operator-rahasia-2026"
ADMIN = "admin@kab-baru.go.id"
PENGISI = "sari@kab-baru.go.id"
UNITS = "nama;singkatan\nDinas Komunikasi dan Informatika;Diskominfo\nBadan Perencanaan Pembangunan Daerah;Bappeda\n"
USERS = (
    "email,nama,peran,unit\n"
    f"{PENGISI},Sari Wulandari,pengisi,Diskominfo\n"
    "budi@kab-baru.go.id,Budi Hartono,reviewer,\n"
)


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``mandiri init`` on a fresh SQLite file (no demo), an operator from the command line, then gunicorn."""
    tmp = tmp_path_factory.mktemp("e2e-real")
    env = server_env(
        tmp, MANDIRI_SECRET_KEY="e2e-secret-key-real-start", MANDIRI_SECURITY_PASSWORD_SALT="e2e-real-salt"
    )
    run("init", env=env)
    run("operator", "create", "--email", OPERATOR, "--name", "Operator Pusat", "--password", OPERATOR_PASSWORD, env=env)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "gunicorn", "-c", "python:assess.serving", "-b", f"127.0.0.1:{port}"]
    log = tmp / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603
            [*command, "assess:create_app()"], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_healthy(url, proc, log, START_TIMEOUT)
        yield Server(url=url, tmp=tmp, log=log)
    finally:
        stop(proc)


def _sign_in(page: Page, server: Server, email: str, password: str) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/login"))


def _set_password(page: Page, link: str, password: str) -> None:
    page.goto(link)
    expect(page.locator("h1")).to_have_text("Selamat datang di Mandiri")
    page.fill("#password", password)
    page.fill("#confirm", password)
    page.click("main button[type=submit]")
    expect(page.locator(".flash-success, [role=status]").first).to_contain_text("Kata sandi Anda tersimpan")


def _import(page: Page, server: Server, what: str, content: str, tmp: Path) -> None:
    path = tmp / f"{what}.csv"
    path.write_text(content, encoding="utf-8-sig")
    page.goto(f"{server.url}/admin/1/{what}/impor")
    page.set_input_files("input[type=file]", str(path))
    page.get_by_role("button", name="Pratinjau").click()
    expect(page.get_by_test_id("import-summary")).to_contain_text("2 dibuat")
    page.get_by_role("button", name="Terapkan").click()


def test_an_operator_starts_a_real_instansi_and_its_people_sign_in(
    page: Page, empty_server: Server, tmp_path: Path
) -> None:
    server = empty_server
    _sign_in(page, server, OPERATOR, OPERATOR_PASSWORD)
    page.goto(f"{server.url}/operator/")
    expect(page.get_by_test_id("operator-empty")).to_be_visible()
    page.get_by_role("link", name="Buat instansi baru").click()
    page.get_by_label("Slug").fill("kab-baru")
    page.get_by_label("Nama instansi").fill("Pemerintah Kabupaten Baru")
    page.get_by_label("Jenis instansi").select_option("kabupaten")
    page.get_by_label("Surel admin pertama").fill(ADMIN)
    page.get_by_label("Nama admin pertama").fill("Andi Admin")
    page.get_by_role("button", name="Buat instansi dan undang admin").click()
    link = page.get_by_test_id("invitation-link").input_value()
    assert "/undangan/" in link
    page.get_by_role("button", name="Keluar").click()

    _set_password(page, link, "admin-kab-baru-2026")
    _sign_in(page, server, ADMIN, "admin-kab-baru-2026")
    _import(page, server, "unit", UNITS, tmp_path)
    expect(page.locator("body")).to_contain_text("Diskominfo")
    _import(page, server, "pengguna", USERS, tmp_path)
    assert page.get_by_test_id("invitation-link").count() == 2
    row = page.get_by_test_id("import-created").locator("tr", has_text=PENGISI)
    sari = row.get_by_test_id("invitation-link").inner_text()
    assert "/undangan/" in sari
    page.get_by_role("button", name="Keluar").click()

    _set_password(page, sari, "sari-kab-baru-2026")
    _sign_in(page, server, PENGISI, "sari-kab-baru-2026")
    expect(page).to_have_url(f"{server.url}/saya/")
    expect(page.locator("h1")).to_contain_text("Tugas saya")
