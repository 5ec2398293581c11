"""The export's progress before the job has counted its steps (issue 16): "menyiapkan…", never "langkah 0 dari 0";
then "langkah x dari y", on the page and in the JSON its script polls, in the reader's language."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from assess.models import Export, ExportState, RoleName
from assess.models.base import utcnow
from tests.factories import create_assessment, create_instansi, create_member
from tests.functional.helpers import login


def test_progress_says_preparing_until_the_steps_are_counted(db: Any, client: FlaskClient) -> None:
    instansi = create_instansi()
    assessment = create_assessment(instansi)
    koordinator = create_member(instansi, RoleName.KOORDINATOR)
    export = Export(assessment_id=assessment.id, state=ExportState.RUNNING, heartbeat_at=utcnow())
    db.session.add(export)
    db.session.commit()
    login(client, koordinator.email)
    page_url = f"/penilaian/{assessment.id}/bundel/"
    status_url = f"/penilaian/{assessment.id}/bundel/{export.id}/status"

    html = client.get(page_url).get_data(as_text=True)
    assert "langkah 0 dari 0" not in html
    assert "data-export-step>menyiapkan…</span>" in html
    assert client.get(status_url).get_json()["progress_text"] == "menyiapkan…"

    export.step, export.total_steps = 3, 12
    db.session.commit()
    assert "data-export-step>langkah 3 dari 12</span>" in client.get(page_url).get_data(as_text=True)
    assert client.get(status_url).get_json()["progress_text"] == "langkah 3 dari 12"

    client.post("/bahasa", data={"lang": "en"})
    english = client.get(status_url).get_json()["progress_text"]
    export.total_steps = 0
    db.session.commit()
    assert (english, client.get(status_url).get_json()["progress_text"]) == ("step 3 of 12", "preparing…")
