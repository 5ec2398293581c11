"""The evidence library's listing: one page of an assessment's live documents, filtered and sorted, with how many
answers each is linked to (three queries: the count, the page, the link counts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, literal, or_, select
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

    def page_links(self, around: int = 2) -> list[int | None]:
        """The page numbers to link: the first, the last and ``around`` either side of this one, ``None`` where
        pages are skipped (a library of thousands of documents gets a dozen links, not a hundred)."""
        shown = sorted({1, self.pages, *range(max(self.page - around, 1), min(self.page + around, self.pages) + 1)})
        out: list[int | None] = []
        for previous, number in zip([0, *shown], shown, strict=False):
            if number - previous > 1:
                out.append(None)
            out.append(number)
        return out


def library_page(assessment_id: int, wanted: LibraryFilter, *, stale_before: date) -> LibraryPage:
    """One page of the assessment's live documents matching ``wanted``; ``stale_before`` is the date before which a
    document counts as stale (the two-year rule for review and audit documents)."""
    query = select(Evidence).where(Evidence.assessment_id == assessment_id, Evidence.deleted_at.is_(None))
    if wanted.q:
        needle = wanted.q.lower()
        query = query.where(
            or_(
                func.lower(Evidence.title).contains(needle, autoescape=True),
                func.lower(Evidence.number).contains(needle, autoescape=True),
            )
        )
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


#: How many documents the indicator page's picker offers at a time, whatever the size of the library.
PICKER_LIMIT = 20
#: A search text is read up to this many characters.
PICKER_QUERY_MAX = 200


@dataclass(frozen=True)
class Candidate:
    """A document the picker offers: its id, title, number and the current file's name (a link has none)."""

    id: int
    title: str
    number: str
    file_name: str


def picker_text(text: str | None) -> str:
    """A search text as the picker reads it: trimmed, at most :data:`PICKER_QUERY_MAX` characters."""
    return (text or "").strip()[:PICKER_QUERY_MAX].strip()


def picker_documents(assessment_id: int, q: str = "", *, not_linked_to: int | None = None) -> list[Candidate]:
    """At most :data:`PICKER_LIMIT` live documents of the assessment, the most recently added or changed first; with
    ``q``, those whose title, number or current file name holds it (any case; ``%`` and ``_`` are plain characters),
    otherwise those not yet linked to the answer ``not_linked_to`` (without their file names, which the page does not
    show). One query; the file name is looked up per document of the assessment by its primary key, never by joining
    the deployment's every version."""
    needle = picker_text(q).lower()
    file_name = (
        select(EvidenceVersion.original_name)
        .where(EvidenceVersion.id == Evidence.current_version_id)
        .correlate(Evidence)
        .scalar_subquery()
        if needle
        else literal("")
    )
    query = select(Evidence.id, Evidence.title, Evidence.number, file_name.label("file_name")).where(
        Evidence.assessment_id == assessment_id, Evidence.deleted_at.is_(None)
    )
    if needle:
        query = query.where(
            or_(
                func.lower(Evidence.title).contains(needle, autoescape=True),
                func.lower(Evidence.number).contains(needle, autoescape=True),
                func.lower(file_name).contains(needle, autoescape=True),
            )
        )
    elif not_linked_to is not None:
        query = query.where(
            Evidence.id.not_in(select(AnswerEvidence.evidence_id).where(AnswerEvidence.answer_id == not_linked_to))
        )
    rows = db.session.execute(query.order_by(Evidence.updated_at.desc(), Evidence.id.desc()).limit(PICKER_LIMIT)).all()
    return [Candidate(row.id, row.title, row.number or "", row.file_name or "") for row in rows]


def live_document(assessment_id: int, evidence_id: int | None) -> Evidence | None:
    """The assessment's live document ``evidence_id``, or ``None`` (another assessment's, deleted, or none). One
    query."""
    if evidence_id is None:
        return None
    return db.session.scalar(
        select(Evidence).where(
            Evidence.id == evidence_id, Evidence.assessment_id == assessment_id, Evidence.deleted_at.is_(None)
        )
    )
