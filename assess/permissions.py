"""Plain predicates about who may do what; views use them and pass booleans to templates.

Roles are held per instansi. Nothing of another instansi is visible: callers turn a ``False`` from
``can_view_*`` into a 404, never a 403. The rules:

- every role of the instansi reads its assessments and evidence;
- ``koordinator`` (and ``admin``) open assessments and assign indicators;
- ``pengisi`` edits the answers assigned to their unit(s) or to them, and evidence their unit owns or
  they uploaded; ``koordinator`` edits every answer and document;
- ``reviewer`` and ``pembaca`` change no answer or document;
- nothing changes in an assessment in the ``final`` state, and an answer that is ``siap direviu`` or
  ``disetujui`` is not edited (it is pulled back to draft first).
"""

from __future__ import annotations

from sqlalchemy import exists, select

from assess.extensions import db
from assess.models import (
    Answer,
    AnswerItem,
    AnswerState,
    Assessment,
    AssessmentState,
    Evidence,
    Instansi,
    InstansiGroup,
    RoleName,
    User,
    group_instansi,
    group_pembina,
)

EDITABLE_ANSWER_STATES = frozenset({AnswerState.BELUM_DIISI, AnswerState.DRAF, AnswerState.PERLU_PERBAIKAN})


def roles_in(user: User, instansi_id: int) -> set[RoleName]:
    return {m.role for m in user.memberships if m.instansi_id == instansi_id}


def unit_ids(user: User) -> set[int]:
    return {link.unit_id for link in user.unit_links}


def can_view_assessment(user: User, assessment: Assessment) -> bool:
    """Anyone holding a role in the assessment's instansi, or a pembina of a group holding it, may read it; others
    get a 404."""
    return bool(roles_in(user, assessment.instansi_id)) or pembina_of(user, assessment.instansi_id)


def can_manage_assessment(user: User, assessment: Assessment) -> bool:
    """Open, assign, set the deadline."""
    return assessment.state != AssessmentState.FINAL and bool(
        roles_in(user, assessment.instansi_id) & {RoleName.KOORDINATOR, RoleName.ADMIN}
    )


def can_open_assessment(user: User, instansi_id: int) -> bool:
    return bool(roles_in(user, instansi_id) & {RoleName.KOORDINATOR, RoleName.ADMIN})


def is_assigned(user: User, answer: Answer) -> bool:
    """The answer (or, for Pemdi, one of its evidence items) is assigned to the user or one of their units."""
    units = unit_ids(user)
    if answer.assignee_user_id == user.id or (answer.assignee_unit_id is not None and answer.assignee_unit_id in units):
        return True
    return any(item.assignee_user_id == user.id or item.assignee_unit_id in units for item in answer.items)


def can_edit_answer(user: User, answer: Answer, assessment: Assessment) -> bool:
    """Change the claimed value, the penjelasan and the evidence links."""
    if assessment.state == AssessmentState.FINAL or answer.state not in EDITABLE_ANSWER_STATES:
        return False
    roles = roles_in(user, assessment.instansi_id)
    if RoleName.KOORDINATOR in roles:
        return True
    return RoleName.PENGISI in roles and is_assigned(user, answer)


def can_edit_item(user: User, item: AnswerItem, answer: Answer, assessment: Assessment) -> bool:
    """Mark a Pemdi evidence item: the whole answer's editors, or the item's own assignee."""
    if not can_edit_answer(user, answer, assessment):
        return False
    roles = roles_in(user, assessment.instansi_id)
    if RoleName.KOORDINATOR in roles:
        return True
    units = unit_ids(user)
    answer_level = answer.assignee_user_id == user.id or answer.assignee_unit_id in units
    return answer_level or item.assignee_user_id == user.id or item.assignee_unit_id in units


def can_withdraw_answer(user: User, answer: Answer, assessment: Assessment) -> bool:
    """Pull an answer that is ``siap direviu`` back to draft (before a reviewer acts on it)."""
    if assessment.state == AssessmentState.FINAL or answer.state != AnswerState.SIAP_DIREVIU:
        return False
    roles = roles_in(user, assessment.instansi_id)
    return RoleName.KOORDINATOR in roles or (RoleName.PENGISI in roles and is_assigned(user, answer))


def can_upload_evidence(user: User, assessment: Assessment) -> bool:
    return assessment.state != AssessmentState.FINAL and bool(
        roles_in(user, assessment.instansi_id) & {RoleName.KOORDINATOR, RoleName.PENGISI}
    )


def can_edit_evidence(user: User, evidence: Evidence, assessment: Assessment) -> bool:
    """Edit metadata, replace the file, delete: the coordinator, the owning unit, or the uploader."""
    if assessment.state == AssessmentState.FINAL or evidence.deleted:
        return False
    roles = roles_in(user, assessment.instansi_id)
    if RoleName.KOORDINATOR in roles:
        return True
    if RoleName.PENGISI not in roles:
        return False
    return evidence.created_by_id == user.id or (
        evidence.owner_unit_id is not None and evidence.owner_unit_id in unit_ids(user)
    )


def can_see_access_note(user: User, evidence: Evidence, assessment: Assessment) -> bool:
    """The assessor's test account of a link: for those who check the service, and its author."""
    roles = roles_in(user, assessment.instansi_id)
    return bool(roles & {RoleName.KOORDINATOR, RoleName.REVIEWER}) or evidence.created_by_id == user.id


def can_review(user: User, assessment: Assessment) -> bool:
    """Set the reviewer value, approve, send back: the instansi's reviewers, while not final."""
    return assessment.state != AssessmentState.FINAL and RoleName.REVIEWER in roles_in(user, assessment.instansi_id)


def can_set_final(user: User, assessment: Assessment) -> bool:
    """The final value that goes into the submission: the koordinator, while not final."""
    return assessment.state != AssessmentState.FINAL and RoleName.KOORDINATOR in roles_in(user, assessment.instansi_id)


def can_change_state(user: User, assessment: Assessment) -> bool:
    """Start the review, finalise, go back, reopen (with a reason): the koordinator."""
    return RoleName.KOORDINATOR in roles_in(user, assessment.instansi_id)


def can_administer_any(user: User) -> bool:
    """Reach the administration pages: the user is the admin of at least one instansi."""
    return any(m.role == RoleName.ADMIN for m in user.memberships)


def can_export(user: User, assessment: Assessment) -> bool:
    """Start a submission-bundle export and name its signatory: the koordinator or admin (everyone who reads the
    assessment downloads the finished ones)."""
    return bool(roles_in(user, assessment.instansi_id) & {RoleName.KOORDINATOR, RoleName.ADMIN})


def can_administer(user: User, instansi_id: int) -> bool:
    """Manage the instansi's profile, units and users: its admins (everyone else gets a 404)."""
    return RoleName.ADMIN in roles_in(user, instansi_id)


def can_close_follow_up(user: User, assessment: Assessment, owner_unit_id: int | None) -> bool:
    """Mark a follow-up of the official result done or open again: the koordinator (or admin), or a pengisi of
    the follow-up's owner unit; also in a final assessment."""
    roles = roles_in(user, assessment.instansi_id)
    if roles & {RoleName.KOORDINATOR, RoleName.ADMIN}:
        return True
    return RoleName.PENGISI in roles and owner_unit_id is not None and owner_unit_id in unit_ids(user)


def can_record_verdicts(user: User, assessment: Assessment) -> bool:
    """Import or type in the external asesor's verdicts per butir, change or remove one: the koordinator (or admin);
    also in a final assessment, since the verdicts come after the submission."""
    return bool(roles_in(user, assessment.instansi_id) & {RoleName.KOORDINATOR, RoleName.ADMIN})


def can_read_deleted_history(user: User, assessment: Assessment) -> bool:
    """Read the history of a deleted document: the koordinator and the admin (others get a 404, as elsewhere)."""
    return bool(roles_in(user, assessment.instansi_id) & {RoleName.KOORDINATOR, RoleName.ADMIN})


def can_set_target(user: User, assessment: Assessment) -> bool:
    """Set the year's target on the dashboard: the koordinator, while not final."""
    return assessment.state != AssessmentState.FINAL and RoleName.KOORDINATOR in roles_in(user, assessment.instansi_id)


def can_save_scenario(user: User, assessment: Assessment) -> bool:
    """Save or delete a what-if scenario: every member but a pembaca, while not final."""
    roles = roles_in(user, assessment.instansi_id)
    return assessment.state != AssessmentState.FINAL and bool(roles - {RoleName.PEMBACA})


def is_member(user: User, instansi_id: int) -> bool:
    """The user holds a role in the instansi, or is a pembina of a group holding it (others get a 404 for its
    pages): a pembina holds no role, so every predicate that allows a change stays false for them."""
    return bool(roles_in(user, instansi_id)) or pembina_of(user, instansi_id)


def may_comment(user: User, assessment: Assessment) -> bool:
    """The role writes comments in the assessment's instansi, whatever its stage: every role but ``pembaca``."""
    roles = roles_in(user, assessment.instansi_id)
    return bool(roles & {RoleName.ADMIN, RoleName.KOORDINATOR, RoleName.PENGISI, RoleName.REVIEWER})


def can_comment(user: User, assessment: Assessment) -> bool:
    """Start a thread or reply: a commenting role, while not final."""
    return assessment.state != AssessmentState.FINAL and may_comment(user, assessment)


def can_edit_comment(user: User, assessment: Assessment, author_id: int | None) -> bool:
    """Change a comment: its author, while they may comment and the assessment is not final."""
    return author_id == user.id and can_comment(user, assessment)


def may_resolve_thread(user: User, assessment: Assessment, author_id: int | None) -> bool:
    """The role resolves and reopens a thread, whatever the stage: its author (with a commenting role), a
    reviewer or the koordinator."""
    if author_id == user.id and may_comment(user, assessment):
        return True
    return bool(roles_in(user, assessment.instansi_id) & {RoleName.KOORDINATOR, RoleName.REVIEWER})


def can_resolve_thread(user: User, assessment: Assessment, author_id: int | None, is_thread: bool) -> bool:
    """Resolve or reopen a thread (a top-level comment, not a reply): :func:`may_resolve_thread`, while not final."""
    return is_thread and assessment.state != AssessmentState.FINAL and may_resolve_thread(user, assessment, author_id)


def can_manage_canned(user: User, instansi_id: int) -> bool:
    """Add, change and switch off the instansi's canned comments: the koordinator or the admin."""
    return bool(roles_in(user, instansi_id) & {RoleName.KOORDINATOR, RoleName.ADMIN})


# --------------------------------------------------------------------------- pembina (issue 14)


def pembina_of(user: User, instansi_id: int) -> bool:
    """The user is a pembina of a group holding the (active) instansi: they read its assessments as a ``pembaca``
    would, and change nothing (they hold no role there). One query, asked only when the user holds no role."""
    if not getattr(user, "is_authenticated", True) or getattr(user, "id", None) is None:
        return False
    return bool(
        db.session.scalar(
            select(
                exists()
                .where(group_pembina.c.user_id == user.id)
                .where(group_instansi.c.group_id == group_pembina.c.group_id)
                .where(group_instansi.c.instansi_id == instansi_id)
                .where(Instansi.id == group_instansi.c.instansi_id, Instansi.active)
            )
        )
    )


def can_oversee(user: User, group: InstansiGroup) -> bool:
    """See a group's comparison page and export it: its pembina only (everyone else, operators too, gets a 404)."""
    return any(p.id == user.id for p in group.pembina)


def can_operate(user: User) -> bool:
    """Reach the operator's pages (``/operator/``: every instansi, create, deactivate, reactivate): the deployment's
    operators (everyone else gets a 404). It grants nothing inside an instansi: an operator reads its assessments,
    evidence and audit only with a role there."""
    return bool(getattr(user, "is_authenticated", False) and user.is_operator)


def can_send_reminders(user: User, assessment: Assessment) -> bool:
    """ "Kirim pengingat" to a unit or a person from the overview: the koordinator, while not final."""
    return assessment.state != AssessmentState.FINAL and RoleName.KOORDINATOR in roles_in(user, assessment.instansi_id)


def can_mark_correction(user: User, assessment: Assessment, answer: Answer, item: AnswerItem | None) -> bool:
    """Mark a butir the asesor asked to revise as corrected: whoever may edit the butir as :func:`can_edit_item` says
    — the koordinator, or a pengisi the answer or the butir is assigned to (in person or through a unit). Also once
    the answer is approved or the self-assessment final: the correction is made for the asesor, after both."""
    roles = roles_in(user, assessment.instansi_id)
    if RoleName.KOORDINATOR in roles:
        return True
    if RoleName.PENGISI not in roles:
        return False
    units = unit_ids(user)
    answer_level = answer.assignee_user_id == user.id or answer.assignee_unit_id in units
    return answer_level or (item is not None and (item.assignee_user_id == user.id or item.assignee_unit_id in units))


def can_reopen_correction(user: User, assessment: Assessment) -> bool:
    """Open a correction marked done again: the koordinator."""
    return RoleName.KOORDINATOR in roles_in(user, assessment.instansi_id)


def can_set_stages(user: User, assessment: Assessment) -> bool:
    """Set the evaluation cycle's current stage and its dates (Pemdi): the koordinator or the admin, also once the
    self-assessment is final (the external evaluation comes after it)."""
    return bool(roles_in(user, assessment.instansi_id) & {RoleName.KOORDINATOR, RoleName.ADMIN})


def offers_interview_pack(user: User, assessment: Assessment, answer: Answer | None = None) -> bool:
    """Offer the interview pack (everyone who reads the assessment may download it): the whole pack and every
    indicator's to the koordinator and the admin, an indicator's to the people it (or one of its butir) is assigned
    to."""
    if roles_in(user, assessment.instansi_id) & {RoleName.KOORDINATOR, RoleName.ADMIN}:
        return True
    return answer is not None and is_assigned(user, answer)
