"""Groups of instansi and their pembina (issue 14): the operator's use cases, and the record of a pembina's look.

A group (a province and its kabupaten/kota, a ministry's units) holds instansi; its pembina read every member's
assessments and change nothing (:func:`assess.permissions.pembina_of`). Every change here is idempotent: asking for
what already holds changes nothing and says so. Services flush; the caller commits.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from sqlalchemy import func, select

from assess import audit, display
from assess.errors import DomainError
from assess.extensions import db
from assess.models import Assessment, Instansi, InstansiGroup, User
from assess.queries.pembina import STAGES, ComparisonRow
from assess.services.spreadsheets import GRADED_FORMAT, neutralise
from assess.workflow import answer_state_label

#: A group's slug: lowercase letters, digits and hyphens, as an instansi's.
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
#: The audit action of a pembina opening an instansi's assessment (its label is in ``assess.audit``).
VIEW_ACTION = "pembina.view"


def find_group(slug: str) -> InstansiGroup | None:
    return db.session.scalar(select(InstansiGroup).where(InstansiGroup.slug == slug))


def _group(slug: str) -> InstansiGroup:
    group = find_group(slug)
    if group is None:
        raise DomainError(_l("Grup %(slug)s tidak ada.", slug=slug), field="slug")
    return group


@dataclass(frozen=True)
class Created:
    group: InstansiGroup
    created: bool


def create_group(*, slug: str, name: str) -> Created:
    """A new group; the same slug and name again change nothing, another name for an existing slug is refused."""
    slug, name = slug.strip(), " ".join(name.split())
    if not SLUG.match(slug):
        raise DomainError(
            _l("Slug grup %(slug)s tidak sah: pakai huruf kecil, angka, dan tanda hubung (maks. 64).", slug=slug),
            field="slug",
        )
    if not name:
        raise DomainError(_l("Nama grup wajib diisi."), field="name")
    existing = find_group(slug)
    if existing is not None:
        if existing.name != name:
            raise DomainError(
                _l("Grup %(slug)s sudah ada dengan nama %(name)s; tidak diubah.", slug=slug, name=existing.name),
                field="name",
            )
        return Created(existing, False)
    group = InstansiGroup(slug=slug, name=name)
    db.session.add(group)
    db.session.flush()
    return Created(group, True)


@dataclass
class Changed:
    """What a change of a group's members did, by instansi slug or e-mail."""

    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _instansi(slugs: Iterable[str]) -> list[Instansi]:
    wanted = list(dict.fromkeys(s.strip() for s in slugs if s.strip()))
    if not wanted:
        raise DomainError(_l("Sebutkan paling sedikit satu slug instansi."), field="instansi")
    found = {i.slug: i for i in db.session.scalars(select(Instansi).where(Instansi.slug.in_(wanted)))}
    missing = [s for s in wanted if s not in found]
    if missing:
        raise DomainError(_l("Instansi tidak ada: %(slugs)s.", slugs=", ".join(missing)), field="instansi")
    return [found[s] for s in wanted]


def add_members(*, slug: str, instansi_slugs: Iterable[str]) -> Changed:
    """Put instansi in the group (those already in it stay as they are); nothing changes if one slug is unknown."""
    group = _group(slug)
    done = Changed()
    held = {i.id for i in group.members}
    for instansi in _instansi(instansi_slugs):
        if instansi.id in held:
            done.unchanged.append(instansi.slug)
        else:
            group.members.append(instansi)
            held.add(instansi.id)
            done.changed.append(instansi.slug)
    db.session.flush()
    return done


def remove_members(*, slug: str, instansi_slugs: Iterable[str]) -> Changed:
    """Take instansi out of the group (those not in it are reported unchanged); their pembina no longer read them."""
    group = _group(slug)
    done = Changed()
    for instansi in _instansi(instansi_slugs):
        if instansi in group.members:
            group.members.remove(instansi)
            done.changed.append(instansi.slug)
        else:
            done.unchanged.append(instansi.slug)
    db.session.flush()
    return done


def set_pembina(*, slug: str, email: str, remove: bool = False) -> bool:
    """Make the person (who must exist) a pembina of the group, or (``remove``) no longer one; True when it changed."""
    group = _group(slug)
    address = email.strip().lower()
    user = db.session.scalar(select(User).where(func.lower(User.email) == address))
    if user is None:
        raise DomainError(_l("Pengguna dengan surel %(email)s tidak ada.", email=address), field="email")
    present = user in group.pembina
    if remove:
        if present:
            group.pembina.remove(user)
    elif not present:
        group.pembina.append(user)
    db.session.flush()
    return present == remove


@dataclass(frozen=True)
class GroupSummary:
    slug: str
    name: str
    members: tuple[str, ...]
    pembina: tuple[str, ...]


def list_groups() -> list[GroupSummary]:
    """Every group with its instansi (slugs) and pembina (e-mails), by slug."""
    groups = db.session.scalars(select(InstansiGroup).order_by(InstansiGroup.slug)).all()
    return [
        GroupSummary(g.slug, g.name, tuple(i.slug for i in g.members), tuple(u.email for u in g.pembina))
        for g in groups
    ]


def record_view(*, user_id: int, assessment_id: int) -> bool:
    """Record in the instansi's audit trail that a pembina opened one of its assessments (flushes). False when the
    user or the assessment is gone by the time the job runs."""
    user = db.session.get(User, user_id)
    assessment = db.session.get(Assessment, assessment_id)
    if user is None or assessment is None:
        return False
    audit.record(
        assessment=assessment,
        actor=user,
        object_type="assessment",
        object_id=assessment.id,
        action=VIEW_ACTION,
        instansi_id=assessment.instansi_id,
    )
    return True


#: How Excel shows the evidence coverage (a percentage with one decimal, as the page does).
COVERAGE_FORMAT = "0.0"


def _index(value: Any) -> Decimal | None:
    return None if value is None else display.rounded(value, 2)


def comparison_rows(rows: Sequence[ComparisonRow]) -> list[list[Any]]:
    """The comparison's data rows as the sheet holds them: the index rounded half up to the two decimals the page
    shows (a Decimal), the coverage in percent rounded to one, counts and days as whole numbers, empty where none."""
    return [
        [
            row.instansi,
            row.instrument,
            row.year,
            *(row.stages[state] for state in STAGES),
            row.total,
            _index(row.claimed.index),
            row.claimed.predikat or "",
            _index(row.reviewer.index),
            row.reviewer.predikat or "",
            _index(row.verified.index),
            row.verified.predikat or "",
            None if row.coverage is None else display.rounded(row.coverage * 100, 1),
            row.days_left,
        ]
        for row in rows
    ]


def comparison_headers() -> list[str]:
    """The sheet's column titles, in the reader's language."""
    return [
        _("Instansi"),
        _("Instrumen"),
        _("Tahun"),
        *(answer_state_label(state) for state in STAGES),
        _("Jumlah indikator"),
        _("Indeks klaim"),
        _("Predikat klaim"),
        _("Indeks reviewer"),
        _("Predikat reviewer"),
        _("Indeks terverifikasi"),
        _("Predikat terverifikasi"),
        _("Cakupan dokumen (%)"),
        _("Hari menuju batas waktu"),
    ]


def comparison_xlsx(group: InstansiGroup, rows: Sequence[ComparisonRow]) -> bytes:
    """The comparison as an XLSX workbook (write-only mode), text cells neutralised against formulas."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Perbandingan"))
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 30
    bold = Font(bold=True)
    ws.append([neutralise(group.name)])
    header = []
    for title in comparison_headers():
        cell = WriteOnlyCell(ws, value=title)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    index_columns = {len(STAGES) + 4, len(STAGES) + 6, len(STAGES) + 8}
    coverage_column = len(STAGES) + 10
    for values in comparison_rows(rows):
        cells = []
        for position, value in enumerate(values):
            cell = WriteOnlyCell(ws, value=neutralise(value) if isinstance(value, str) else value)
            if isinstance(value, str):
                cell.data_type = "s"
            elif position in index_columns:
                cell.number_format = GRADED_FORMAT
            elif position == coverage_column:
                cell.number_format = COVERAGE_FORMAT
            cells.append(cell)
        ws.append(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
