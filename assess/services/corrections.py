"""Marking a butir the asesor asked to revise as corrected ("sudah dikoreksi", with what was changed), and opening
it again (the koordinator). Services flush; the caller commits. Both are in the audit trail."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from assess import texts
from assess.audit import record
from assess.errors import DomainError
from assess.models import Assessment, User
from assess.models.base import utcnow
from assess.queries.corrections import Row

#: The longest "what was changed" note.
NOTE_MAX = 2000


def _record(assessment: Assessment, row: Row, actor: User, action: str, old: tuple[datetime | None, str]) -> None:
    verdict = row.verdict
    record(
        assessment=assessment,
        actor=actor,
        object_type="correction",
        object_id=verdict.id,
        action=action,
        changes=[("corrected_at", old[0], verdict.corrected_at), ("correction_note", old[1], verdict.correction_note)],
        summary=texts.text("audit.correction", code=row.item.code),
        indicator_code=row.code,
    )


def mark_corrected(assessment: Assessment, row: Row, *, note: str, actor: User) -> None:
    """Mark the correction done now, by ``actor``, with what was changed (required, at most :data:`NOTE_MAX`)."""
    verdict = row.verdict
    note = (note or "").strip()
    if verdict.corrected_at is not None:
        raise DomainError(_l("Butir %(code)s sudah ditandai dikoreksi.", code=row.item.code))
    if not note:
        raise DomainError(_l("Tuliskan apa yang sudah diubah pada butir ini."), field="note")
    if len(note) > NOTE_MAX:
        raise DomainError(
            _l("Catatan koreksi paling panjang %(n)s karakter (sekarang %(len)s).", n=NOTE_MAX, len=len(note)),
            field="note",
        )
    old = (verdict.corrected_at, verdict.correction_note)
    verdict.corrected_at = utcnow()
    verdict.corrected_by_id = actor.id
    verdict.correction_note = note
    _record(assessment, row, actor, "correction.done", old)


def reopen(assessment: Assessment, row: Row, *, actor: User) -> None:
    """Open a correction marked done again (what its note said stays in the audit trail)."""
    verdict = row.verdict
    if verdict.corrected_at is None:
        raise DomainError(_l("Butir %(code)s belum ditandai dikoreksi.", code=row.item.code))
    old = (verdict.corrected_at, verdict.correction_note)
    verdict.corrected_at = None
    verdict.corrected_by_id = None
    verdict.correction_note = ""
    _record(assessment, row, actor, "correction.reopen", old)
