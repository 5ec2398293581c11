"""Comment threads on answers and documents, and the koordinator's canned comments.

The answer and document pages show the threads with ``{% include "comments/_threads.html" %}`` and a
``comment_panel`` built by :mod:`assess.views.panels`. Posting goes to the routes here; a post that fails comes
back on this blueprint's own page, with the typed text kept.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_security import auth_required, current_user
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from assess import mail
from assess import permissions as perm
from assess.extensions import db
from assess.models import Answer, Assessment, CannedComment, Comment, Evidence, EvidenceItem, Instansi
from assess.services import comments as service
from assess.views.boundary import attempt
from assess.views.nav import forget_nav_counts
from assess.views.panels import CommentPanel, answer_comments, evidence_comments
from assess.views.util import assessment_or_404, int_arg, page_arg, safe_next
from forms import BaseForm
from forms.comments import CannedActiveForm, CannedCommentForm, CommentForm, EditCommentForm

bp = Blueprint("comments", __name__)
bp.record_once(lambda _state: mail.init_mail())

#: http(s) links in text that is already HTML-escaped: ``&amp;`` belongs to the link, any other entity
#: (an escaped quote or angle bracket) ends it.
_LINK = re.compile(r"https?://(?:[^\s&<>\"']|&amp;)+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}"


@bp.app_template_filter("comment_text")
def comment_text(value: str | None) -> Markup:
    """Plain comment text as HTML: escaped, then links made clickable and line breaks kept."""
    escaped = str(escape(value or ""))

    def link(match: re.Match[str]) -> str:
        url, tail = match.group(0), ""
        while url and url[-1] in _TRAILING:
            url, tail = url[:-1], url[-1] + tail
        return f'<a href="{url}" rel="nofollow noopener" target="_blank">{url}</a>{tail}'

    html = _LINK.sub(link, escaped).replace("\r\n", "\n").replace("\n", "<br>\n")
    return Markup(html)  # noqa: S704 — built from escaped text only


# --------------------------------------------------------------------------- loading and checking


def _answer_or_404(assessment: Assessment, answer_id: int) -> Answer:
    answer = db.session.get(Answer, answer_id)
    if answer is None or answer.assessment_id != assessment.id:
        abort(404)
    return answer


def _evidence_or_404(assessment: Assessment, evidence_id: int) -> Evidence:
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None or evidence.assessment_id != assessment.id or evidence.deleted:
        abort(404)
    return evidence


def _comment_or_404(assessment: Assessment, comment_id: int) -> Comment:
    """A comment of the assessment, or 404 (also when it is on a deleted document)."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.assessment_id != assessment.id:
        abort(404)
    if comment.evidence_id is not None:
        _evidence_or_404(assessment, comment.evidence_id)
    return comment


def _back_to(comment: Comment) -> str:
    target = safe_next(service.comment_path(comment))
    return target if "#" in target else f"{target}#komentar-{comment.id}"


def _target_page(comment: Comment) -> str:
    if comment.answer_id is not None:
        return url_for("comments.answer_threads", assessment_id=comment.assessment_id, answer_id=comment.answer_id)
    return url_for("comments.evidence_threads", assessment_id=comment.assessment_id, evidence_id=comment.evidence_id)


# --------------------------------------------------------------------------- threads


def _failed(panel_for: Any, form: CommentForm) -> CommentPanel:
    """The panel for a comment that was not saved: a failed reply shows its thread on its own (wherever it is among
    the pages), so that the typed text comes back next to it."""
    parent_id = form.parent_id.data if not form.parent_id.errors else None
    return panel_for(form=form, thread_id=parent_id or None)


def _post(
    assessment: Assessment, panel_for: Any, page: dict[str, Any], **target: Any
) -> str | Response | tuple[str, int]:
    """Shared by the answer and document routes: GET shows the threads page (``hal``: a page of older threads,
    ``diskusi``: one thread and its replies), POST adds a comment."""
    if request.method == "GET":
        shown = panel_for(page=page_arg(), thread_id=int_arg("diskusi"))
        return render_template("comments/page.html", comment_panel=shown, **page)
    panel: CommentPanel = panel_for()
    if not perm.may_comment(current_user, assessment):
        abort(403)
    keyed = dict(panel.canned)
    items = [choice for choice in panel.form.item_id.choices if choice[0]]
    form = CommentForm(items=items, canned=[(k, o.title) for k, o in keyed.items()])
    if not form.validate_on_submit():
        return render_template("comments/page.html", comment_panel=_failed(panel_for, form), **page), 400
    if form.action.data == "insert":  # no JavaScript: put the canned text in the box and show the form again
        option = keyed.get(form.canned_id.data or "")
        if option is not None:
            typed = (form.body.data or "").rstrip()
            form.body.data = f"{typed}\n\n{option.body}" if typed else option.body
        return render_template("comments/page.html", comment_panel=panel_for(form=form), **page)
    parent = None
    if form.parent_id.data:
        parent = db.session.get(Comment, form.parent_id.data)
        if parent is None or parent.assessment_id != assessment.id:
            abort(404)
    item = db.session.get(EvidenceItem, form.item_id.data) if form.item_id.data else None
    comment = attempt(
        lambda: service.add_comment(
            assessment=assessment, author=current_user, body=form.body.data or "", parent=parent, item=item, **target
        ),
        done=_("Komentar dikirim."),
        form=form,
    ).result
    if comment is None:
        return render_template("comments/page.html", comment_panel=_failed(panel_for, form), **page), 400
    forget_nav_counts()
    return redirect(_back_to(comment))


@bp.route("/penilaian/<int:assessment_id>/komentar/jawaban/<int:answer_id>", methods=["GET", "POST"])
@auth_required()
def answer_threads(assessment_id: int, answer_id: int) -> str | Response | tuple[str, int]:
    assessment = assessment_or_404(assessment_id)
    answer = _answer_or_404(assessment, answer_id)
    page = {
        "assessment": assessment,
        "title": _("Diskusi indikator %(code)s", code=answer.indicator.code),
        "back_url": url_for("assessments.answer", assessment_id=assessment.id, code=answer.indicator.code),
        "back_label": _("Kembali ke jawaban %(code)s", code=answer.indicator.code),
    }
    return _post(
        assessment,
        lambda **shown: answer_comments(assessment, answer, **shown),
        page,
        answer=answer,
    )


@bp.route("/penilaian/<int:assessment_id>/komentar/dokumen/<int:evidence_id>", methods=["GET", "POST"])
@auth_required()
def evidence_threads(assessment_id: int, evidence_id: int) -> str | Response | tuple[str, int]:
    assessment = assessment_or_404(assessment_id)
    evidence = _evidence_or_404(assessment, evidence_id)
    page = {
        "assessment": assessment,
        "title": _("Diskusi dokumen “%(title)s”", title=evidence.title),
        "back_url": url_for("evidence.detail", assessment_id=assessment.id, evidence_id=evidence.id),
        "back_label": _("Kembali ke dokumen"),
    }
    return _post(
        assessment,
        lambda **shown: evidence_comments(assessment, evidence, **shown),
        page,
        evidence=evidence,
    )


@bp.route("/penilaian/<int:assessment_id>/komentar/<int:comment_id>/ubah", methods=["GET", "POST"])
@auth_required()
def edit(assessment_id: int, comment_id: int) -> str | Response | tuple[str, int]:
    assessment = assessment_or_404(assessment_id)
    comment = _comment_or_404(assessment, comment_id)
    if comment.author_id != current_user.id or not perm.may_comment(current_user, assessment):
        abort(403)
    form = EditCommentForm()
    status = 200
    if request.method == "GET":
        form.body.data = comment.body
        form.next.data = request.args.get("next", "")
    elif form.validate_on_submit():
        outcome = attempt(
            lambda: service.edit_comment(comment=comment, author=current_user, body=form.body.data or ""),
            done=_("Komentar diubah."),
            form=form,
        )
        if outcome.ok:
            return redirect(_back_to(comment))
        status = 400
    else:
        status = 400
    return render_template(
        "comments/edit.html", assessment=assessment, comment=comment, form=form, back_url=_target_page(comment)
    ), status


def _thread_action(assessment_id: int, comment_id: int, action: Any, done: str) -> Response:
    """Resolve or reopen: load (404), authorise for the comment's thread (403), then the service says why it
    cannot change (a reply on its own, a final assessment, already so)."""
    assessment = assessment_or_404(assessment_id)
    comment = _comment_or_404(assessment, comment_id)
    thread = comment if comment.parent_id is None else _comment_or_404(assessment, comment.parent_id)
    if not perm.may_resolve_thread(current_user, assessment, thread.author_id):
        abort(403)
    if not BaseForm().validate_on_submit():
        abort(400)
    if attempt(lambda: action(comment=comment, actor=current_user), done=done).ok:
        forget_nav_counts()
    return redirect(_back_to(comment))


@bp.post("/penilaian/<int:assessment_id>/komentar/<int:comment_id>/selesai")
@auth_required()
def resolve(assessment_id: int, comment_id: int) -> Response:
    return _thread_action(assessment_id, comment_id, service.resolve, _("Diskusi ditandai selesai."))


@bp.post("/penilaian/<int:assessment_id>/komentar/<int:comment_id>/buka")
@auth_required()
def reopen(assessment_id: int, comment_id: int) -> Response:
    return _thread_action(assessment_id, comment_id, service.reopen, _("Diskusi dibuka lagi."))


# --------------------------------------------------------------------------- canned comments (koordinator)


def _instansi_for_canned(instansi_id: int) -> Instansi:
    instansi = db.session.get(Instansi, instansi_id)
    if instansi is None or not perm.is_member(current_user, instansi_id):
        abort(404)
    if not perm.can_manage_canned(current_user, instansi_id):
        abort(403)
    return instansi


def _canned_input(form: CannedCommentForm) -> service.CannedInput:
    return service.CannedInput(
        title=form.title.data or "",
        body=form.body.data or "",
        instrument_code=form.instrument_code.data or None,
        indicator_code=form.indicator_code.data or None,
        level=form.level.data or None,
        active=bool(form.active.data),
    )


@bp.route("/instansi/<int:instansi_id>/komentar-siap/", methods=["GET", "POST"])
@auth_required()
def canned(instansi_id: int) -> str | Response | tuple[str, int]:
    instansi = _instansi_for_canned(instansi_id)
    form = CannedCommentForm(instruments=service.instrument_codes())
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            outcome = attempt(
                lambda: service.save_canned(instansi_id=instansi.id, data=_canned_input(form), actor=current_user),
                done=_("Komentar siap ditambahkan."),
                form=form,
            )
            if outcome.ok:
                return redirect(url_for("comments.canned", instansi_id=instansi.id))
        status = 400
    rows = service.list_canned(instansi.id)
    # Until the instansi has its own, the default set is shown (and offered on the comment form) unsaved.
    defaults = [] if rows else service.default_canned()
    return render_template("comments/canned.html", instansi=instansi, rows=rows, defaults=defaults, form=form), status


@bp.post("/instansi/<int:instansi_id>/komentar-siap/bawaan")
@auth_required()
def canned_defaults(instansi_id: int) -> Response:
    """Store the default set, to change or switch off one of its comments."""
    instansi = _instansi_for_canned(instansi_id)
    if not BaseForm().validate_on_submit():
        abort(400)
    attempt(lambda: service.ensure_canned_defaults(instansi.id), done=_("Komentar siap bawaan disimpan."))
    return redirect(url_for("comments.canned", instansi_id=instansi.id))


@bp.route("/instansi/<int:instansi_id>/komentar-siap/<int:canned_id>", methods=["GET", "POST"])
@auth_required()
def canned_edit(instansi_id: int, canned_id: int) -> str | Response | tuple[str, int]:
    instansi = _instansi_for_canned(instansi_id)
    row = db.session.get(CannedComment, canned_id)
    if row is None or row.instansi_id != instansi.id:
        abort(404)
    form = CannedCommentForm(obj=row if request.method == "GET" else None, instruments=service.instrument_codes())
    status = 200
    if request.method == "GET":
        form.instrument_code.data = row.instrument_code or ""
        form.level.data = row.level or 0
    elif form.validate_on_submit():
        outcome = attempt(
            lambda: service.save_canned(
                instansi_id=instansi.id, data=_canned_input(form), actor=current_user, canned=row
            ),
            done=_("Komentar siap disimpan."),
            form=form,
        )
        if outcome.ok:
            return redirect(url_for("comments.canned", instansi_id=instansi.id))
        status = 400
    else:
        status = 400
    return render_template("comments/canned_edit.html", instansi=instansi, row=row, form=form), status


@bp.post("/instansi/<int:instansi_id>/komentar-siap/<int:canned_id>/aktif")
@auth_required()
def canned_toggle(instansi_id: int, canned_id: int) -> Response:
    instansi = _instansi_for_canned(instansi_id)
    row = db.session.get(CannedComment, canned_id)
    if row is None or row.instansi_id != instansi.id:
        abort(404)
    form = CannedActiveForm()
    if not form.validate_on_submit():
        abort(400)
    active = form.switched_on
    attempt(
        lambda: service.set_canned_active(canned=row, active=active, actor=current_user),
        done=_("Komentar siap diaktifkan.") if active else _("Komentar siap dinonaktifkan."),
    )
    return redirect(url_for("comments.canned", instansi_id=instansi.id))
