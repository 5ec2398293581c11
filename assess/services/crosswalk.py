"""The crosswalk from one instrument to another (``spbe-2020`` → ``pemdi-2026``): its file, read and checked
against both instruments, and the new assessment opened through it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import yaml
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from assess import instruments as files
from assess import texts
from assess.audit import record_assessment
from assess.errors import DomainError
from assess.extensions import db
from assess.models import Answer, AnswerEvidence, Assessment, Indicator, Instrument, User
from assess.queries.engine import engine_instrument
from assess.services.assessments import open_assessment
from assess.services.carry_over import copy_library, live_links
from assess.services.instruments import latest_version

log = logging.getLogger(__name__)


CROSSWALK_DIR = Path(__file__).resolve().parent.parent.parent / "seeds" / "crosswalk"
CROSSWALK_STATUSES = {"reuse", "update", "new"}


@dataclass(frozen=True)
class Crosswalk:
    source: str
    target: str
    #: target indicator code -> source indicator codes whose evidence carries over
    mapping: dict[str, tuple[str, ...]]
    status: dict[str, str]


def load_crosswalk(source: str, target: str, directory: Path | None = None) -> Crosswalk:
    """Read and validate ``seeds/crosswalk/<source>_<target>.yaml`` against both instruments' codes."""
    path = (directory or CROSSWALK_DIR) / f"{source}_{target}.yaml"
    if not path.is_file():
        raise DomainError(_l("Tidak ada crosswalk %(source)s → %(target)s.", source=source, target=target))
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("from") != source or data.get("to") != target:
        raise ValueError(f"{path.name}: 'from'/'to' harus {source}/{target}")
    raw = data.get("map")
    if not isinstance(raw, dict) or not raw:
        raise ValueError(f"{path.name}: 'map' kosong")
    src_codes = set(_instrument_codes(source))
    dst_codes = set(_instrument_codes(target))
    mapping: dict[str, tuple[str, ...]] = {}
    status: dict[str, str] = {}
    for code, entry in raw.items():
        code = str(code)
        if code not in dst_codes:
            raise ValueError(f"{path.name}: indikator {target} '{code}' tidak dikenal")
        if not isinstance(entry, dict) or entry.get("status") not in CROSSWALK_STATUSES:
            raise ValueError(f"{path.name}: {code}: status harus salah satu dari {sorted(CROSSWALK_STATUSES)}")
        sources = [str(s) for s in entry.get("from") or []]
        unknown = [s for s in sources if s not in src_codes]
        if unknown or len(set(sources)) != len(sources):
            raise ValueError(f"{path.name}: {code}: kode {source} tidak dikenal atau ganda: {unknown or sources}")
        mapping[code] = tuple(sources)
        status[code] = str(entry["status"])
    return Crosswalk(source, target, mapping, status)


def _instrument_codes(code: str) -> list[str]:
    row = latest_version(code)
    if row is None:
        raise DomainError(_l("Instrumen %(code)s belum dimuat.", code=code))
    return list(engine_instrument(row).indicators)


def default_year(previous: Assessment, instrument: Instrument) -> int:
    """The year a crosswalk to ``instrument`` offers: never before the instrument's first year, and the source's own
    year once the instrument applies to it (an SPBE 2026 assessment is redone as Pemdi 2026, an SPBE 2025 one
    continues as Pemdi 2026). The year after the source's when the instrument's code names no year."""
    first = files.first_year(instrument.code)
    if first is None:
        return previous.year + 1
    return max(first, previous.year)


def open_crosswalk(*, previous: Assessment, instrument: Instrument, year: int, actor: User | None) -> Assessment:
    """A ``pemdi-2026`` assessment from an ``spbe-2020`` one: the library is copied (same blobs) and each
    document is linked to the Pemdi indicators the crosswalk maps its SPBE indicator to, marked for re-check.
    No value is copied. ``previous`` is only read."""
    crosswalk = load_crosswalk(previous.instrument.code, instrument.code)
    new = open_assessment(instansi=previous.instansi, instrument=instrument, year=year, created_by=actor)
    new.previous_id = previous.id
    docs = copy_library(previous, new)
    old_codes: dict[int, str] = {
        row.id: row.code
        for row in db.session.execute(
            select(Answer.id, Indicator.code)
            .join(Indicator, Indicator.id == Answer.indicator_id)
            .where(Answer.assessment_id == previous.id)
        )
    }
    evidence_by_source: dict[str, list[int]] = {}
    for link in live_links(previous.id):
        ids = evidence_by_source.setdefault(old_codes[link.answer_id], [])
        if link.evidence_id not in ids:
            ids.append(link.evidence_id)
    links = 0
    for answer in new.answers:
        target = answer.indicator.code
        linked: set[int] = set()
        for source in crosswalk.mapping.get(target, ()):
            for evidence_id in evidence_by_source.get(source, []):
                if evidence_id in linked or evidence_id not in docs:
                    continue
                linked.add(evidence_id)
                answer.links.append(
                    AnswerEvidence(
                        evidence=docs[evidence_id],
                        note=_("dari indikator SPBE %(code)s", code=source),
                        created_by_id=actor.id if actor else None,
                    )
                )
        if linked:
            answer.needs_recheck = True
            links += len(linked)
    db.session.flush()
    record_assessment(
        new,
        actor=actor,
        action="assessment.crosswalk",
        summary=texts.text(
            "audit.crosswalk",
            code=previous.instrument.code,
            year=previous.year,
            id=previous.id,
            docs=len(docs),
            links=links,
        ),
        changes=[("previous_id", None, previous.id)],
    )
    log.info("penilaian %s dibuka lewat crosswalk dari %s: %s tautan", new.id, previous.id, links)
    return new
