"""Who comments, edits a comment, resolves a thread and manages canned comments: the predicates of assess.permissions
that the comment service and views ask."""

from __future__ import annotations

from typing import Any

from assess import permissions as perm
from assess.models import AssessmentState, RoleName
from tests.factories import create_assessment, create_instansi, create_member


def test_comment_predicates_by_role_author_and_stage(db: Any) -> None:
    instansi = create_instansi()
    assessment = create_assessment(instansi)
    people = {role: create_member(instansi, role) for role in RoleName}
    other_pengisi = create_member(instansi, RoleName.PENGISI)
    outsider = create_member(create_instansi(), RoleName.KOORDINATOR)
    db.session.commit()
    author = people[RoleName.PENGISI]

    assert {role for role, user in people.items() if perm.may_comment(user, assessment)} == {
        RoleName.ADMIN,
        RoleName.KOORDINATOR,
        RoleName.PENGISI,
        RoleName.REVIEWER,
    }
    assert not perm.may_comment(outsider, assessment)
    assert perm.is_member(people[RoleName.PEMBACA], instansi.id)
    assert not perm.is_member(outsider, instansi.id)

    assert perm.can_edit_comment(author, assessment, author.id)
    assert not perm.can_edit_comment(other_pengisi, assessment, author.id)
    assert not perm.can_edit_comment(people[RoleName.KOORDINATOR], assessment, author.id)

    resolvers = {role for role, user in people.items() if perm.can_resolve_thread(user, assessment, author.id, True)}
    assert resolvers == {RoleName.PENGISI, RoleName.KOORDINATOR, RoleName.REVIEWER}  # the author, reviewer, koordinator
    assert not perm.can_resolve_thread(other_pengisi, assessment, author.id, True)
    assert not perm.can_resolve_thread(author, assessment, author.id, False)  # a reply is not a thread

    assert {role for role, user in people.items() if perm.can_manage_canned(user, instansi.id)} == {
        RoleName.ADMIN,
        RoleName.KOORDINATOR,
    }
    assert not perm.can_manage_canned(outsider, instansi.id)

    assessment.state = AssessmentState.FINAL
    assert perm.may_comment(author, assessment)  # the role still comments: the service says the stage is final
    assert not perm.can_comment(author, assessment)
    assert not perm.can_edit_comment(author, assessment, author.id)
    assert perm.may_resolve_thread(people[RoleName.REVIEWER], assessment, author.id)
    assert not perm.can_resolve_thread(people[RoleName.REVIEWER], assessment, author.id, True)
