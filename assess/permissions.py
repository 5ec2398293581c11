"""Plain predicates about who may do what; views use them and pass booleans to templates."""

from __future__ import annotations

from assess.models import Assessment, RoleName, User


def roles_in(user: User, instansi_id: int) -> set[RoleName]:
    return {m.role for m in user.memberships if m.instansi_id == instansi_id}


def can_view_assessment(user: User, assessment: Assessment) -> bool:
    """Anyone holding a role in the assessment's instansi may read it; others get a 404."""
    return bool(roles_in(user, assessment.instansi_id))
