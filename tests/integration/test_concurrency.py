"""QUALITY.md R4: concurrent editors through the whole request stack (login, write intent, the form's version), on
the test database of the run (SQLite, or PostgreSQL with ``MANDIRI_TEST_DATABASE_URL``).

- 8 processes × 200 saves of different answers: every save lands (no conflict, no error, no "database is locked"),
  and each answer ends with the text and version its process wrote last.
- 2, 5 and 20 editors save the same answer at once, all from the same version: one wins, every other gets the
  conflict page with their own text in it, and the answer holds the winner's text.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select

from assess.database import writing
from assess.extensions import db
from assess.models import Answer, Indicator, RoleName
from tests.factories import PASSWORD, create_assessment, create_instansi, create_member

PROCESSES = 8
WRITES = 200


def _setup(app: Flask, editors: int) -> tuple[int, list[str], list[tuple[str, int]]]:
    """An assessment and ``editors`` koordinator accounts; its answers' codes and versions."""
    from assess.services.instruments import sync_instruments

    with app.app_context(), writing():
        upgrade()
        sync_instruments()
        instansi = create_instansi()
        assessment = create_assessment(instansi)
        emails = [create_member(instansi, RoleName.KOORDINATOR).email for _ in range(editors)]
        db.session.commit()
        answers = db.session.execute(
            select(Indicator.code, Answer.version)
            .join(Answer, Answer.indicator_id == Indicator.id)
            .where(Answer.assessment_id == assessment.id)
            .order_by(Indicator.position)
        ).all()
        result = assessment.id, emails, [(code, version) for code, version in answers]
        db.session.remove()
        db.engine.dispose()
    return result


def _client(app: Flask, email: str) -> Any:
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    return client


def _saves(args: tuple[str, str, str, int, list[tuple[str, int]], int]) -> dict[str, Any]:
    """One process: log in, then save its own answers round robin, the version carried from each save to the next."""
    from tests.conftest import make_test_app

    url, instance, email, assessment_id, mine, writes = args
    app = make_test_app(url, Path(instance))
    statuses: Counter[str] = Counter()
    errors: list[str] = []
    versions = dict(mine)
    last: dict[str, str] = {}
    client = _client(app, email)  # each request in an app context of its own, as in a server
    for n in range(writes):
        code = mine[n % len(mine)][0]
        text = f"{email} menulis {code} ke-{n}"
        try:
            response = client.post(
                f"/penilaian/{assessment_id}/indikator/{code}",
                data={"version": str(versions[code]), "level": str(1 + n % 5), "fakta": text, "analisis": "a"},
            )
        except Exception as exc:  # counted and reported: what the suite looks for
            errors.append(f"{type(exc).__name__}: {exc}"[:300])
            continue
        signed_out = "/login" in response.headers.get("Location", "")
        statuses["302 ke login" if signed_out else str(response.status_code)] += 1
        if response.status_code == 302 and not signed_out:
            versions[code] += 1
            last[code] = text
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return {"statuses": dict(statuses), "errors": errors, "versions": versions, "last": last}


def test_eight_processes_save_different_answers_and_nothing_is_lost(
    fresh_app: Callable[..., Flask], tmp_path: Path
) -> None:
    app = fresh_app()
    assessment_id, emails, answers = _setup(app, PROCESSES)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    shares = [answers[i::PROCESSES] for i in range(PROCESSES)]
    jobs = [(url, str(tmp_path / f"p{i}"), emails[i], assessment_id, shares[i], WRITES) for i in range(PROCESSES)]
    with multiprocessing.get_context("spawn").Pool(PROCESSES) as pool:
        results = pool.map(_saves, jobs)

    statuses: Counter[str] = Counter()
    for result in results:
        statuses.update(result["statuses"])
    errors = [e for result in results for e in result["errors"]]
    assert errors == [], errors[:5]  # no "database is locked", nothing else either
    assert statuses == {"302": PROCESSES * WRITES}
    with app.app_context():
        stored = {
            code: (version, fakta)
            for code, version, fakta in db.session.execute(
                select(Indicator.code, Answer.version, Answer.fakta)
                .join(Answer, Answer.indicator_id == Indicator.id)
                .where(Answer.assessment_id == assessment_id)
            )
        }
        db.session.remove()
        db.engine.dispose()
    for result in results:
        for code, text in result["last"].items():
            assert stored[code] == (result["versions"][code], text)  # no lost update


@pytest.mark.parametrize("editors", [2, 5, 20])
def test_editors_of_one_answer_at_once_get_one_winner_and_conflict_pages(
    fresh_app: Callable[..., Flask], editors: int
) -> None:
    app = fresh_app()
    assessment_id, emails, answers = _setup(app, editors)
    code, version = answers[0]
    url = f"/penilaian/{assessment_id}/indikator/{code}"
    clients = [_client(app, email) for email in emails]
    start = threading.Barrier(editors)
    outcomes: list[tuple[str, int, str]] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def edit(n: int) -> None:
        text = f"isian penyunting {n}"
        try:
            start.wait(timeout=60)
            response = clients[n].post(
                url, data={"version": str(version), "level": "2", "fakta": text, "analisis": "a"}
            )
            body = response.get_data(as_text=True)
            with lock:
                outcomes.append((text, response.status_code, body))
        except BaseException as exc:  # reported below
            with lock:
                failures.append(exc)

    threads = [threading.Thread(target=edit, args=(n,)) for n in range(editors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert sorted(status for _text, status, _body in outcomes) == [302] + [409] * (editors - 1)
    (winner,) = [text for text, status, _body in outcomes if status == 302]
    for text, status, body in outcomes:
        if status == 409:
            assert text in body  # the loser's own words are on the conflict page, nothing typed is lost
    with app.app_context():
        stored = db.session.execute(
            select(Answer.fakta, Answer.version)
            .join(Indicator, Indicator.id == Answer.indicator_id)
            .where(Answer.assessment_id == assessment_id, Indicator.code == code)
        ).one()
        db.session.remove()
        db.engine.dispose()
    assert tuple(stored) == (winner, version + 1)
