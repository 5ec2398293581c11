"""The `mandiri` commands, through Flask's CLI runner and once through the installed console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from assess.extensions import db
from assess.instruments import load_instrument
from assess.models import Answer, Assessment, Instansi, Membership, Unit, User
from assess.scoring import score
from tests.unit.test_scoring_cases import ACEH_TENGAH_2025, ACEH_TENGAH_2026


def _counts() -> dict[str, int]:
    return {
        m.__name__: db.session.scalar(select(func.count()).select_from(m)) or 0
        for m in (Instansi, Unit, User, Membership, Assessment, Answer)
    }


def test_init_then_demo_twice_is_idempotent(fresh_app: Callable[..., Flask]) -> None:
    app = fresh_app()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert "dibuat: pemdi-2026@1, spbe-2020@1" in result.output
    assert runner.invoke(args=["init"]).exit_code == 0
    first = runner.invoke(args=["demo", "--password", "rahasia-demo"])
    assert first.exit_code == 0, first.output
    assert "koordinator@kota-contoh.go.id" in first.output
    assert "rahasia-demo" in first.output
    with app.app_context():
        counts = _counts()
    assert counts == {"Instansi": 1, "Unit": 8, "User": 5, "Membership": 5, "Assessment": 1, "Answer": 47}
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert "sudah ada" in second.output
    assert "kata sandi tidak diubah" in second.output
    with app.app_context():
        assert _counts() == counts
        assessment = db.session.scalar(select(Assessment))
        assert assessment is not None
        assert assessment.state.value == "pengisian"
        filled = [a for a in assessment.answers if a.claimed_value is not None]
        assert 20 <= len(filled) < 47
    listing = runner.invoke(args=["instruments", "list"])
    assert "spbe-2020" in listing.output
    assert "47 indikator" in listing.output
    assert "pemdi-2026" in listing.output
    assert "[SEMENTARA]" in listing.output


def test_user_create_reads_password_without_echo(app: Flask, db: Any) -> None:
    from tests.factories import create_instansi, create_unit

    instansi = create_instansi(slug="kab-uji")
    create_unit(instansi, "Dinas Komunikasi dan Informatika", "Diskominfo")
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "user",
            "create",
            "--email",
            "Baru@Uji.go.id",
            "--name",
            "Pengguna Baru",
            "--instansi",
            "kab-uji",
            "--role",
            "pengisi",
            "--unit",
            "Diskominfo",
        ],
        input="sandi-rahasia-1\nsandi-rahasia-1\n",
    )
    assert result.exit_code == 0, result.output
    assert "sandi-rahasia-1" not in result.output
    user = db.session.scalar(select(User).where(User.email == "baru@uji.go.id"))
    assert user is not None
    assert user.password
    assert user.password != "sandi-rahasia-1"
    assert [m.role.value for m in user.memberships] == ["pengisi"]
    assert [link.unit.short_name for link in user.unit_links] == ["Diskominfo"]
    again = runner.invoke(
        args=["user", "create", "--email", "baru@uji.go.id", "--name", "X"], input="sandi-rahasia-1\nsandi-rahasia-1\n"
    )
    assert again.exit_code != 0
    assert "sudah ada" in again.output
    bad_unit = runner.invoke(
        args=[
            "user",
            "create",
            "--email",
            "c@uji.go.id",
            "--name",
            "C",
            "--instansi",
            "kab-uji",
            "--unit",
            "Dinas Entah",
        ],
        input="sandi-rahasia-1\nsandi-rahasia-1\n",
    )
    assert bad_unit.exit_code != 0
    assert "Unit tidak ada" in bad_unit.output
    assert db.session.scalar(select(User).where(User.email == "c@uji.go.id")) is None


def _csv(tmp_path: Path, rows: dict[str, Any], *, sep: str = ",", header: bool = True) -> Path:
    path = tmp_path / "nilai.csv"
    lines = ([f"indikator{sep}nilai"] if header else []) + [f"{k}{sep}{v}" for k, v in rows.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_score_json_agrees_with_the_engine(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["score", "--instrument", "spbe-2020", "--json", str(_csv(tmp_path, ACEH_TENGAH_2025))])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    engine = score(load_instrument("spbe-2020"), ACEH_TENGAH_2025)
    assert out["index"] == engine.index_display == "2.59"
    assert out["index_decimal"] == "2.594"
    assert out["predikat"] == "Cukup"
    assert {k: v["value"] for k, v in out["domains"].items()} == {k: p.display for k, p in engine.domains.items()}
    assert {k: v["value"] for k, v in out["aspects"].items()} == {k: p.display for k, p in engine.aspects.items()}


def test_score_table_pemdi_semicolons_and_decimal_commas(app: Flask, tmp_path: Path) -> None:
    rows = {k: str(float(v)).replace(".", ",") for k, v in ACEH_TENGAH_2026.items() if k != "I13"}
    path = _csv(tmp_path, rows, sep=";", header=False)
    with path.open("a", encoding="utf-8") as fh:
        fh.write("I13;1,1666666666666666666666666667\n")
    result = app.test_cli_runner().invoke(args=["score", "--instrument", "pemdi-2026", str(path)])
    assert result.exit_code == 0, result.output
    assert "Indeks   1.24" in result.output
    assert "Predikat Kurang" in result.output
    assert "[SEMENTARA]" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("indikator,nilai\nI1,3\nI2,7\n", "baris 3: I2: level harus bilangan bulat 0–5"),
        ("I1,3\nI99,2\n", "baris 2: indikator 'I99' tidak ada"),
        ("I1,3\nI1,2\n", "baris 2: indikator I1 sudah ada di baris 1"),
        ("I1,3,4\n", "baris 1: harus dua kolom"),
        ("I1,tiga\n", "baris 1: I1: nilai 'tiga' bukan angka"),
    ],
)
def test_score_bad_csv_names_the_row(app: Flask, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "buruk.csv"
    path.write_text(content, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["score", "--instrument", "spbe-2020", str(path)])
    assert result.exit_code != 0
    assert message in result.output


def test_console_script(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("mandiri")
    if not script.exists():
        pytest.skip("console script not installed in this environment")
    env = {**os.environ, "MANDIRI_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    # Our own console script with fixed arguments.
    result = subprocess.run(  # noqa: S603
        [str(script), "score", "--instrument", "spbe-2020", "--json", str(_csv(tmp_path, ACEH_TENGAH_2025))],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["index"] == "2.59"


def test_serve_answers_and_runs_the_embedded_worker(tmp_path: Path) -> None:
    """`mandiri serve` (what `make run` starts) really serves: Flask's app.run() would be ignored under its CLI."""
    import socket
    import time
    import urllib.request

    script = Path(sys.executable).with_name("mandiri")
    if not script.exists():
        pytest.skip("console script not installed in this environment")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MANDIRI_")},
        "MANDIRI_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "MANDIRI_SECRET_KEY": "serve-test-secret",
        "MANDIRI_SECURITY_PASSWORD_SALT": "serve-test-salt",
        "MANDIRI_JOBS_SQLITE_PATH": str(tmp_path / "jobs.db"),
        "MANDIRI_EXPORT_ROOT": str(tmp_path / "exports"),
        "MANDIRI_STORAGE_ROOT": str(tmp_path / "evidence"),
    }
    server = subprocess.Popen(  # noqa: S603 — our own console script, fixed arguments
        [str(script), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline and status != 200:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    status = response.status
            except OSError:
                time.sleep(0.2)
        assert status == 200
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=15)
    assert "Pekerja latar (ekspor) berjalan di proses ini." in output
