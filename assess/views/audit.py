"""The audit trail of an assessment, read-only: the full list with filters, its CSV export, and the history
of one indicator or one document.

Every role of the instansi may read it; nothing here writes (entries are written by the services, in the
transaction of the change they describe, and nothing in the application edits or deletes them). The reading
is :mod:`assess.queries.audit`; this module parses the arguments and renders.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Blueprint, abort, render_template, request, stream_with_context, url_for
from flask_babel import format_number
from flask_babel import gettext as _
from flask_security import auth_required, current_user
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response

from assess import permissions as perm
from assess.audit import OBJECT_TYPE_LABELS
from assess.models import Assessment
from assess.queries import audit as trail
from assess.views.util import assessment_or_404

bp = Blueprint("audit", __name__, url_prefix="/penilaian/<int:assessment_id>")



def _page(assessment: Assessment, conditions: Any) -> trail.Page:
    """The page the query string asks for: older than ``sebelum``, newer than ``sesudah``, else the newest."""
    return trail.entry_page(
        assessment,
        conditions,
        before=trail.Cursor.parse(request.args.get("sebelum")),
        after=trail.Cursor.parse(request.args.get("sesudah")),
    )


def _listing(assessment: Assessment, page: trail.Page, endpoint: str, **args: Any) -> dict[str, Any]:
    """The rows, the bounded count and the links to the newest, newer and older pages (``None``: no such page)."""

    def link(**place: Any) -> str:
        return url_for(endpoint, assessment_id=assessment.id, **args, **place)

    return {
        "assessment": assessment,
        "rows": page.rows,
        "total": (
            _("Lebih dari %(n)s catatan", n=format_number(trail.COUNT_LIMIT))
            if page.more
            else _("%(n)s catatan", n=format_number(page.count))
        ),
        "newest_url": None if page.newest else link(),
        "newer_url": link(sesudah=page.newer.token()) if page.newer else None,
        "older_url": link(sebelum=page.older.token()) if page.older else None,
    }


@bp.get("/audit")
@auth_required()
def index(assessment_id: int) -> str:
    assessment = assessment_or_404(assessment_id, trail.with_instansi)
    filters = trail.Filters.from_args(request.args)
    page = _page(assessment, filters.conditions())
    return render_template(
        "audit/index.html",
        **_listing(assessment, page, "audit.index", **filters.args()),
        filters=filters,
        people=trail.people(assessment.instansi_id, filters.person),
        actions=trail.actions(),
        object_types=OBJECT_TYPE_LABELS,
        system=trail.SYSTEM,
        csv_url=url_for("audit.export", assessment_id=assessment.id, **filters.args()),
    )


@bp.get("/audit.csv")
@auth_required()
def export(assessment_id: int) -> Response:
    assessment = assessment_or_404(assessment_id, trail.with_instansi)
    filters = trail.Filters.from_args(request.args)
    name = f"audit-{secure_filename(assessment.instansi.slug) or 'instansi'}-{assessment.year}.csv"
    return Response(
        stream_with_context(_csv_lines(assessment, filters)),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@bp.get("/indikator/<code>/riwayat")
@auth_required()
def indicator_history(assessment_id: int, code: str) -> str:
    assessment = assessment_or_404(assessment_id, trail.with_instansi)
    indicator = trail.indicator_of(assessment, code)
    if indicator is None:
        abort(404)
    page = _page(assessment, trail.for_indicator(indicator.code))
    return render_template(
        "audit/history.html",
        **_listing(assessment, page, "audit.indicator_history", code=code),
        heading=_("Riwayat indikator %(code)s", code=indicator.code),
        subject=indicator.short_name or indicator.name,
        back_url=url_for("assessments.answer", assessment_id=assessment.id, code=indicator.code),
        back_label=_("Kembali ke indikator %(code)s", code=indicator.code),
    )


@bp.get("/pustaka/<int:evidence_id>/riwayat")
@auth_required()
def evidence_history(assessment_id: int, evidence_id: int) -> str:
    assessment = assessment_or_404(assessment_id, trail.with_instansi)
    evidence = trail.evidence_of(assessment, evidence_id)
    if evidence is None:
        abort(404)
    if evidence.deleted and not perm.can_read_deleted_history(current_user, assessment):
        abort(404)
    page = _page(assessment, trail.for_evidence(evidence.id))
    return render_template(
        "audit/history.html",
        **_listing(assessment, page, "audit.evidence_history", evidence_id=evidence.id),
        heading=_("Riwayat dokumen"),
        subject=evidence.title,
        back_url=(
            url_for("evidence.library", assessment_id=assessment.id)
            if evidence.deleted
            else url_for("evidence.detail", assessment_id=assessment.id, evidence_id=evidence.id)
        ),
        back_label=_("Kembali ke pustaka") if evidence.deleted else _("Kembali ke dokumen"),
    )


def _csv_lines(assessment: Assessment, filters: trail.Filters) -> Iterator[str]:
    """The export with the byte-order mark spreadsheet programs look for, a chunk per batch of rows as they come from
    the database (written and neutralised there)."""
    chunks = trail.csv_chunks(assessment, filters)
    yield "\ufeff" + next(chunks)
    yield from chunks
