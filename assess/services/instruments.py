"""Sync instrument files into the catalogue tables, idempotently, never altering a version in use.

"Altering" means what a value depends on (the file's digest). The indicators' descriptions are explanatory texts
outside the digest: a changed description reaches a version in use in place, and no score moves.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import exists, select

from assess import instruments as files
from assess.errors import InstrumentInUseError
from assess.extensions import db
from assess.models import Aspect, Assessment, Domain, EvidenceItem, Indicator, IndicatorLevel, Instrument
from assess.queries.engine import engine_instrument

log = logging.getLogger(__name__)


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def sync_instruments(directory: str | Path | None = None) -> SyncReport:
    """Load every instrument file of the folder into the database."""
    report = SyncReport()
    for _code, _version, path in files.instrument_files(directory):
        text = path.read_text(encoding="utf-8")
        inst = files.parse_cached(text, path.name)
        outcome = sync_instrument(inst, text)
        getattr(report, outcome).append(inst.key)
    return report


def sync_instrument(inst: files.Instrument, text: str) -> str:
    """Create or update one version; returns ``created``, ``updated`` or ``unchanged``."""
    row = db.session.scalar(select(Instrument).where(Instrument.code == inst.code, Instrument.version == inst.version))
    if row is not None and row.digest == inst.digest:
        return _update_descriptions(row, inst, text)
    if row is not None:
        used = db.session.scalar(select(exists().where(Assessment.instrument_id == row.id)))
        if used:
            raise InstrumentInUseError(
                _(
                    "%(source)s: isi instrumen %(key)s berubah, padahal versi ini sudah dipakai penilaian. "
                    "Versi yang dipakai tidak boleh diubah; terbitkan versi baru (%(next)s).",
                    source=inst.source,
                    key=inst.key,
                    next=f"{inst.code}.v{inst.version + 1}.yaml",
                )
            )
        for child in (*row.indicators, *row.aspects, *row.domains):
            db.session.delete(child)
        db.session.flush()
        outcome = "updated"
    else:
        row = Instrument(code=inst.code, version=inst.version)
        db.session.add(row)
        outcome = "created"
    row.title = inst.title
    row.regulation = inst.regulation
    row.provisional = inst.provisional
    row.provisional_note = inst.provisional_note
    row.value_type = inst.value_type
    row.digest = inst.digest
    row.source_text = text
    _populate(row, inst)
    db.session.flush()
    log.info("instrumen %s: %s", inst.key, outcome)
    return outcome


def _update_descriptions(row: Instrument, inst: files.Instrument, text: str) -> str:
    """Same digest: only the descriptions can differ from what is stored; write them (and the text) in place."""
    stored = engine_instrument(row)
    if _descriptions(stored) == _descriptions(inst):
        return "unchanged"
    for indicator in row.indicators:
        indicator.description = inst.indicators[indicator.code].description
    row.source_text = text
    db.session.flush()
    log.info("instrumen %s: deskripsi indikator diperbarui", inst.key)
    return "updated"


def _descriptions(inst: files.Instrument) -> dict[str, tuple[str, str]]:
    return {code: (ind.description, ind.description_en) for code, ind in inst.indicators.items()}


def _populate(row: Instrument, inst: files.Instrument) -> None:
    domains: dict[str, Domain] = {}
    for pos, d in enumerate(inst.domains.values()):
        domains[d.code] = Domain(code=d.code, name=d.name, weight=_dec(d.weight), position=pos)
        row.domains.append(domains[d.code])
    aspects: dict[str, Aspect] = {}
    for pos, a in enumerate(inst.aspects.values()):
        aspects[a.code] = Aspect(
            code=a.code,
            name=a.name,
            weight=_dec(a.weight),
            position=pos,
            domain=domains[a.domain] if a.domain else None,
        )
        row.aspects.append(aspects[a.code])
    for pos, ind in enumerate(inst.indicators.values()):
        scale = inst.level_scales[ind.scale]
        indicator = Indicator(
            aspect=aspects[ind.aspect],
            code=ind.code,
            asesor_code=ind.asesor_code,
            name=ind.name,
            short_name=ind.short_name,
            weight=_dec(ind.weight),
            scale=ind.scale,
            question=ind.question,
            description=ind.description,
            hint_fakta=ind.hint_fakta,
            hint_analisis=ind.hint_analisis,
            is_external=ind.external is not None,
            position=pos,
        )
        row.indicators.append(indicator)
        for lvl in ind.levels:
            indicator.levels.append(
                IndicatorLevel(
                    level=lvl.level,
                    name=scale.level(lvl.level).name,
                    criteria=lvl.criteria,
                    evidence=lvl.evidence,
                    max_evidence_age_years=lvl.max_evidence_age_years,
                )
            )
            for item in lvl.items:
                indicator.items.append(
                    EvidenceItem(level=item.level, nn=item.nn, code=item.code, kind=item.kind, text=item.text)
                )


def _dec(value: Fraction) -> Decimal:
    """Weights in the files are finite decimals, so this division is exact."""
    return Decimal(value.numerator) / Decimal(value.denominator)


def latest_version(code: str) -> Instrument | None:
    return db.session.scalar(select(Instrument).where(Instrument.code == code).order_by(Instrument.version.desc()))
