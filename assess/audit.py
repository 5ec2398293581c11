"""The append-only audit trail: services call :func:`record` in the same transaction as the change.

An entry says who, when, what (object type, id, action) and old → new per field. Nothing in the
application edits or deletes entries; a rolled-back change takes its entry with it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from assess.extensions import db
from assess.models import Assessment, AuditEntry, User


def plain(value: Any) -> Any:
    """A JSON-friendly form of a field value (decimals as text, dates as ISO strings, enums as their value)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, Fraction):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


class Snapshot:
    """Field values of an object before a change, to list old → new afterwards."""

    def __init__(self, obj: Any, fields: Iterable[str]) -> None:
        self.obj = obj
        self.before = {name: plain(getattr(obj, name)) for name in fields}

    def changes(self) -> list[tuple[str, Any, Any]]:
        out = []
        for name, old in self.before.items():
            new = plain(getattr(self.obj, name))
            if new != old:
                out.append((name, old, new))
        return out


def record(
    *,
    assessment: Assessment | None,
    actor: User | None,
    object_type: str,
    object_id: int | None,
    action: str,
    changes: Iterable[tuple[str, Any, Any]] = (),
    summary: str = "",
    indicator_code: str | None = None,
    evidence_id: int | None = None,
    instansi_id: int | None = None,
) -> AuditEntry:
    """Add one entry to the trail (flushed with the change; committed or rolled back with it)."""
    if instansi_id is None:
        if assessment is None:
            raise ValueError("an audit entry needs an instansi")
        instansi_id = assessment.instansi_id
    entry = AuditEntry(
        instansi_id=instansi_id,
        assessment_id=assessment.id if assessment is not None else None,
        actor_id=actor.id if actor is not None else None,
        object_type=object_type,
        object_id=object_id,
        action=action,
        changes=[{"field": f, "old": plain(o), "new": plain(n)} for f, o, n in changes if plain(o) != plain(n)],
        summary=summary,
        indicator_code=indicator_code,
        evidence_id=evidence_id,
    )
    db.session.add(entry)
    db.session.flush()
    return entry
