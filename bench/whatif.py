"""What-if: one change on a full assessment, through the JSON endpoint and through the engine alone.

The app runs in-process on a temporary SQLite database (migrated, instruments synced, the demo instansi
loaded and every indicator answered). Each repetition changes one indicator: the app's figure is
``POST /penilaian/<id>/simulasi/hitung`` through the Flask test client (login, loading the assessment,
parsing, scoring, JSON); the baseline, in the same run, is ``assess.scoring.score`` on the same values.
Prints the medians, their ratio and the 100 ms target (QUALITY.md); nothing here is a timed test.

    .venv/bin/python -m bench.whatif [--repeat 50] [--out bench-results.json]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench import merge_results

TARGET_MS = 100.0
PASSWORD = "bench-password"  # noqa: S105 - the throwaway demo login of a temporary database
EMAIL = "koordinator@kota-contoh.go.id"


def run(repeat: int = 50, base_dir: Path | None = None) -> dict[str, Any]:
    from flask_migrate import upgrade

    from assess import create_app
    from assess.database import writing
    from assess.extensions import db
    from assess.queries import claimed_values, load_assessment
    from assess.queries.engine import engine_instrument
    from assess.scoring import score
    from assess.services.demo import load_demo
    from assess.services.instruments import sync_instruments

    with tempfile.TemporaryDirectory(dir=base_dir) as tmp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'bench.db'}",
                "SECRET_KEY": "bench-secret",
                "SECURITY_PASSWORD_SALT": "bench-salt",
                "WTF_CSRF_ENABLED": False,
                "STORAGE_ROOT": str(Path(tmp) / "evidence"),
                "RATELIMIT_ENABLED": False,
            },
            environ={},
        )
        with app.app_context():
            with writing():
                upgrade()
                sync_instruments()
                demo = load_demo(PASSWORD)
                for i, answer in enumerate(demo.assessment.answers):
                    answer.claimed_value = Decimal(1 + i % 5)
                db.session.commit()
            assessment_id = demo.assessment.id
            loaded = load_assessment(assessment_id)
            assert loaded is not None  # noqa: S101 - just created
            inst = engine_instrument(loaded.instrument)
            values = claimed_values(inst, loaded)
            basis = loaded.predikat_basis.value
            codes = list(inst.indicators)
            db.session.remove()

        client = app.test_client()
        client.post("/login", data={"email": EMAIL, "password": PASSWORD})
        url = f"/penilaian/{assessment_id}/simulasi/hitung"
        app_ms: list[float] = []
        engine_ms: list[float] = []
        for n in range(repeat + 1):  # the first round warms caches and is not counted
            code, level = codes[n % len(codes)], (n % 5) + 1
            t0 = time.perf_counter()
            response = client.post(url, json={"values": {code: str(level)}})
            t1 = time.perf_counter()
            score(inst, {**values, code: level}, basis)
            t2 = time.perf_counter()
            if response.status_code != 200:
                raise RuntimeError(f"{url}: {response.status_code} {response.get_data(as_text=True)[:200]}")
            if n:
                app_ms.append((t1 - t0) * 1000)
                engine_ms.append((t2 - t1) * 1000)

    app_median, engine_median = statistics.median(app_ms), statistics.median(engine_ms)
    return {
        "id": "whatif",
        "indicators": len(codes),
        "repeat": repeat,
        "app_ms_median": round(app_median, 3),
        "engine_ms_median": round(engine_median, 3),
        "ratio": round(app_median / engine_median, 1) if engine_median else None,
        "target_ms": TARGET_MS,
        "meets_target": app_median <= TARGET_MS,
    }


def write_results(path: Path, result: dict[str, Any]) -> None:
    """Merge ``result`` into ``path`` under the key "whatif" (other benchmarks' keys are kept)."""
    merge_results(path, {"whatif": result})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--out", type=Path, default=Path("bench-results.json"), help="results file (merged)")
    args = parser.parse_args(argv)
    result = run(args.repeat)
    print(
        f"what-if, one change, {result['indicators']} indicators, median of {result['repeat']}: "
        f"endpoint {result['app_ms_median']:.2f} ms, engine alone {result['engine_ms_median']:.2f} ms "
        f"(ratio {result['ratio']}×); target ≤ {TARGET_MS:.0f} ms: {'ok' if result['meets_target'] else 'MISSED'}"
    )
    write_results(args.out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
