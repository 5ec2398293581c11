"""The evidence library's listing: one page of an assessment's live documents, filtered and sorted, with how many
answers each is linked to (three queries: the count, the page, the link counts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from assess.extensions import db
from assess.models import AnswerEvidence, DocType, Evidence, EvidenceVersion

PER_PAGE = 25
#: The orders the library offers, by their key in the query string.
SORTS = {
    "baru": (Evidence.created_at.desc(),),
    "lama": (Evidence.created_at.asc(),),
    "tanggal": (Evidence.doc_date.desc().nulls_last(), Evidence.id.desc()),
    "judul": (Evidence.title.asc(),),
}
DEFAULT_SORT = "baru"
#: ``tampil`` values: documents linked to no answer, documents dated before ``stale_before``.
UNLINKED = "lepas"
STALE = "usang"


@dataclass(frozen=True)
class LibraryFilter:
    """What the library is asked for; unknown values mean "no filter" (and the default order)."""

    q: str = ""
    doc_type: str = ""
    unit_id: int | None = None
    show: str = ""
    sort: str = DEFAULT_SORT
    page: int = 1

    def order(self) -> str:
        return self.sort if self.sort in SORTS else DEFAULT_SORT


@dataclass(frozen=True)
class LibraryPage:
    documents: list[Evidence]
    total: int
    page: int
    link_counts: dict[int, int] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max((self.total + PER_PAGE - 1) // PER_PAGE, 1)


def library_page(assessment_id: int, wanted: LibraryFilter, *, stale_before: date) -> LibraryPage:
    """One page of the assessment's live documents matching ``wanted``; ``stale_before`` is the date before which a
    document counts as stale (the two-year rule for review and audit documents)."""
    query = select(Evidence).where(Evidence.assessment_id == assessment_id, Evidence.deleted_at.is_(None))
    if wanted.q:
        like = f"%{wanted.q.lower()}%"
        query = query.where(or_(func.lower(Evidence.title).like(like), func.lower(Evidence.number).like(like)))
    if wanted.doc_type in {t.value for t in DocType}:
        query = query.where(Evidence.doc_type == DocType(wanted.doc_type))
    if wanted.unit_id:
        query = query.where(Evidence.owner_unit_id == wanted.unit_id)
    if wanted.show == UNLINKED:
        query = query.where(Evidence.id.not_in(select(AnswerEvidence.evidence_id)))
    elif wanted.show == STALE:
        query = query.where(Evidence.doc_date < stale_before)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order = SORTS[wanted.order()]
    # The page's ids first (the offset walks the assessment's documents only), then their versions and files: the
    # joins never reach beyond the page, whatever the size of the deployment's tables.
    page_ids = (
        query.with_only_columns(Evidence.id).order_by(*order).limit(PER_PAGE).offset((wanted.page - 1) * PER_PAGE)
    )
    documents = list(
        db.session.scalars(
            select(Evidence)
            .where(Evidence.id.in_(page_ids.scalar_subquery()))
            .options(
                joinedload(Evidence.owner_unit),
                joinedload(Evidence.current_version).joinedload(EvidenceVersion.blob),
            )
            .order_by(*order)
        ).all()
    )
    return LibraryPage(documents=documents, total=total, page=wanted.page, link_counts=_link_counts(documents))


def _link_counts(documents: list[Evidence]) -> dict[int, int]:
    """How many answer links each document has (documents without any are left out)."""
    if not documents:
        return {}
    rows = db.session.execute(
        select(AnswerEvidence.evidence_id, func.count())
        .where(AnswerEvidence.evidence_id.in_([d.id for d in documents]))
        .group_by(AnswerEvidence.evidence_id)
    )
    return dict(rows.all())
