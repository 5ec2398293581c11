"""One upload from a page, committed: the library's uploader and the indicator page's upload both come here."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import url_for

from assess import jobs
from assess.models import Assessment, Evidence
from assess.services import evidence as service
from assess.views.boundary import attempt
from uploads.errors import UploadRejectedError

log = logging.getLogger(__name__)


def check_later(blob_id: int | None) -> None:
    """Hand a newly stored PDF to qpdf's full check in the background (after the commit)."""
    if blob_id is None:
        return
    try:
        jobs.check_evidence(blob_id)
    except Exception:  # the upload is saved; an export checks the file itself when it is still unchecked
        log.exception("pemeriksaan latar untuk blob %s tidak dapat dijadwalkan", blob_id)


def upload_result(
    assessment: Assessment, name: str, store: Callable[[], tuple[Evidence, dict[str, Any]]]
) -> dict[str, Any]:
    """Run one upload (``store``: a service call giving the new document and what the answer adds about it) and
    commit it; returns a JSON-friendly result (never raises for bad files)."""

    def run() -> tuple[Evidence, int | None, dict[str, Any]]:
        evidence, extra = store()
        return evidence, service.pdf_to_check(evidence), extra

    try:
        outcome = attempt(run, quiet=True)
    except UploadRejectedError as exc:  # rolled back by attempt; the file is refused, nothing was kept
        return {"name": name, "ok": False, "code": exc.code, "message": exc.message}
    if isinstance(outcome.refusal, service.DuplicateEvidenceError):
        existing = outcome.refusal.existing
        return {
            "name": name,
            "ok": False,
            "code": "duplicate",
            "message": outcome.refusal.message,
            "existing_url": url_for("evidence.detail", assessment_id=assessment.id, evidence_id=existing.id),
        }
    if outcome.result is None:
        return {"name": name, "ok": False, "code": "invalid", "message": " ".join(m for _f, m in outcome.errors)}
    evidence, to_check, extra = outcome.result
    check_later(to_check)
    return {
        "name": name,
        "ok": True,
        "id": evidence.id,
        "title": evidence.title,
        "url": url_for("evidence.detail", assessment_id=assessment.id, evidence_id=evidence.id),
        **extra,
    }
