"""The audit trail of an assessment, read-only: the full list with filters, its CSV export, and the history
of one indicator or one document.

Every role of the instansi may read it; nothing here writes (entries are written by the services, in the
transaction of the change they describe, and nothing in the application edits or deletes them). The reading
is :mod:`assess.queries.audit`; this module parses the arguments and renders.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, abort, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_security import auth_required, current_user
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response

from assess import permissions as perm
from assess.audit import OBJECT_TYPE_LABELS
from assess.csvsafe import neutralise
from assess.models import Assessment
from assess.queries import audit as trail
from assess.views.util import assessment_or_404, page_arg

bp = Blueprint("audit", __name__, url_prefix="/penilaian/<int:assessment_id>")

CSV_COLUMNS = ("waktu", "pengguna", "surel", "jenis", "aksi", "indikator", "dokumen", "ringkasan", "perubahan")


def _pagination(page: trail.Page, endpoint: str, **args: Any) -> list[tuple[int, str] | None]:
    """Links to the first, last and nearby pages (``None`` where pages are skipped)."""
    if page.pages == 1:
        return []
    shown = sorted({1, page.pages, *range(max(page.page - 2, 1), min(page.page + 2, page.pages) + 1)})
    out: list[tuple[int, str] | None] = []
    for previous, number in zip([0, *shown], shown, strict=False):
        if number - previous > 1:
            out.append(None)
        out.append((number, url_for(endpoint, hal=number, **args)))
    return out


def _listing(assessment: Assessment, page: trail.Page, endpoint: str, **args: Any) -> dict[str, Any]:
    return {
        "assessment": assessment,
        "rows": page.rows,
        "total": page.total,
        "page": page.page,
        "pages": _pagination(page, endpoint, assessment_id=assessment.id, **args),
    }


@bp.get("/audit")
@auth_required()
def index(assessment_id: int) -> str:
    assessment = assessment_or_404(assessment_id, trail.with_instansi)
    filters = trail.Filters.from_args(request.args)
    page = trail.entry_page(assessment, filters.conditions(), page_arg())
    return render_template(
        "audit/index.html",
        **_listing(assessment, page, "audit.index", **filters.args()),
        filters=filters,
        people=trail.people(assessment.id),
        actions=trail.actions(assessment.id),
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
    page = trail.entry_page(assessment, trail.for_indicator(indicator.code), page_arg())
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
    page = trail.entry_page(assessment, trail.for_evidence(evidence.id), page_arg())
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
    """The export, a batch of rows at a time; every cell neutralised (whatever separator the spreadsheet uses)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def take() -> str:
        data = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return data

    writer.writerow(CSV_COLUMNS)
    yield "\ufeff" + take()
    for batch in trail.csv_batches(assessment, filters):
        for row in batch:
            cells = (
                row.at,
                row.person,
                row.email,
                row.object_type,
                row.action,
                row.indicator_code,
                row.evidence_title,
                row.summary,
                row.changes,
            )
            writer.writerow([neutralise(c) for c in cells])
        yield take()
