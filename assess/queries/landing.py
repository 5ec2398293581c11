"""Where a user lands after signing in: a read, decided from their roles and the open assessments."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from assess.extensions import db
from assess.models import Assessment, AssessmentState, RoleName, User

#: Roles whose daily work is the queue of "Tugas saya".
WORK_QUEUE_ROLES = frozenset({RoleName.PENGISI, RoleName.REVIEWER})


@dataclass(frozen=True)
class Landing:
    endpoint: str
    #: The endpoint's URL values (an assessment id).
    values: Mapping[str, Any] = field(default_factory=dict)


def landing(user: User) -> Landing:
    """A koordinator lands on the overview of the one open assessment of the instansi they coordinate (the list
    when there are none or several); a pengisi or reviewer on "Tugas saya"; anyone else on the list."""
    coordinated = {m.instansi_id for m in user.memberships if m.role == RoleName.KOORDINATOR}
    if coordinated:
        open_ids = db.session.scalars(
            select(Assessment.id)
            .where(Assessment.instansi_id.in_(coordinated), Assessment.state != AssessmentState.FINAL)
            .limit(2)
        ).all()
        if len(open_ids) == 1:
            return Landing("assessments.detail", {"assessment_id": open_ids[0]})
        return Landing("assessments.index")
    if any(m.role in WORK_QUEUE_ROLES for m in user.memberships):
        return Landing("inbox.my_work")
    return Landing("assessments.index")
