"""The comment panel embedded in the answer and document pages (no routes: any view may build one).

The answer and document pages show the threads with ``{% include "comments/_threads.html" %}`` and a
``comment_panel`` from :func:`answer_comments` / :func:`evidence_comments`; the threads pages of
:mod:`assess.views.comments` show the same panel, and posting goes to its routes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import request, url_for
from flask_security import current_user

from assess import permissions as perm
from assess.models import Answer, Assessment, Evidence
from assess.services import comments as service
from assess.services.comments import CannedOption, ThreadPage
from forms.comments import CommentForm


@dataclass
class CommentPanel:
    """Everything ``comments/_threads.html`` shows; the template decides nothing about permissions."""

    threads: ThreadPage
    form: CommentForm
    post_url: str
    next_url: str
    can_comment: bool
    final: bool
    editable: frozenset[int] = frozenset()
    resolvable: frozenset[int] = frozenset()
    canned: list[tuple[str, CannedOption]] = field(default_factory=list)
    canned_url: str | None = None
    threads_url: str = ""
    #: The threads page of the answer or document with query arguments (``hal``, ``diskusi``), to reach the rest.
    link: Callable[..., str] = field(default=lambda **_args: "")

    @property
    def open_count(self) -> int:
        return self.threads.open_count


def _canned_choices(options: list[CannedOption]) -> list[tuple[str, CannedOption]]:
    return [(str(o.id) if o.id is not None else f"bawaan-{n}", o) for n, o in enumerate(options, 1)]


def _panel(
    assessment: Assessment,
    threads: ThreadPage,
    *,
    post_url: str,
    next_url: str,
    items: list[tuple[int, str]],
    canned: list[CannedOption] | None,
    link: Callable[..., str],
    form: CommentForm | None = None,
) -> CommentPanel:
    allowed = perm.can_comment(current_user, assessment)
    keyed = _canned_choices(canned or []) if allowed else []
    if form is None:
        form = CommentForm(formdata=None, items=items, canned=[(k, o.title) for k, o in keyed])
    editable = frozenset(
        c.id for t in threads for c in t.comments if perm.can_edit_comment(current_user, assessment, c.author_id)
    )
    resolvable = frozenset(
        t.top.id
        for t in threads
        if perm.can_resolve_thread(current_user, assessment, t.top.author_id, t.top.parent_id is None)
    )
    canned_url = (
        url_for("comments.canned", instansi_id=assessment.instansi_id)
        if perm.can_manage_canned(current_user, assessment.instansi_id)
        else None
    )
    return CommentPanel(
        threads=threads,
        form=form,
        post_url=post_url,
        next_url=next_url,
        can_comment=allowed,
        final=assessment.state.value == "final",
        editable=editable,
        resolvable=resolvable,
        canned=keyed,
        canned_url=canned_url,
        threads_url=link(),
        link=link,
    )


def _item_choices(answer: Answer) -> list[tuple[int, str]]:
    return [(item.id, item.code) for item in answer.indicator.items if item.kind != "note"]


def answer_comments(
    assessment: Assessment,
    answer: Answer,
    *,
    form: CommentForm | None = None,
    page: int = 1,
    thread_id: int | None = None,
) -> CommentPanel:
    """The ``comment_panel`` for an answer page: a page of its threads (or one thread: ``thread_id``), the form,
    and the canned comments that fit."""
    canned = None
    if perm.can_comment(current_user, assessment):
        canned = service.canned_options(
            instansi_id=assessment.instansi_id,
            instrument_code=assessment.instrument.code,
            indicator_code=answer.indicator.code,
            level=service.answer_level(answer),
        )
    return _panel(
        assessment,
        service.load_threads(answer_id=answer.id, page=page, thread_id=thread_id),
        post_url=url_for("comments.answer_threads", assessment_id=assessment.id, answer_id=answer.id),
        next_url=request.path,
        items=_item_choices(answer) if assessment.instrument.value_type == "graded" else [],
        canned=canned,
        link=lambda **args: url_for(
            "comments.answer_threads", assessment_id=assessment.id, answer_id=answer.id, **args
        ),
        form=form,
    )


def evidence_comments(
    assessment: Assessment,
    evidence: Evidence,
    *,
    form: CommentForm | None = None,
    page: int = 1,
    thread_id: int | None = None,
) -> CommentPanel:
    """The ``comment_panel`` for a document page (a page of its threads, or one thread: ``thread_id``)."""
    canned = None
    if perm.can_comment(current_user, assessment):
        canned = service.canned_options(instansi_id=assessment.instansi_id, instrument_code=assessment.instrument.code)
    return _panel(
        assessment,
        service.load_threads(evidence_id=evidence.id, page=page, thread_id=thread_id),
        post_url=url_for("comments.evidence_threads", assessment_id=assessment.id, evidence_id=evidence.id),
        next_url=request.path,
        items=[],
        canned=canned,
        link=lambda **args: url_for(
            "comments.evidence_threads", assessment_id=assessment.id, evidence_id=evidence.id, **args
        ),
        form=form,
    )
