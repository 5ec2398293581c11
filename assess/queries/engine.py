"""The engine's view of stored rows: an instrument version as the engine reads it, and a Pemdi answer's exact value."""

from __future__ import annotations

from fractions import Fraction

from assess import instruments as files
from assess.instruments import Instrument as EngineInstrument
from assess.models import Answer, AnswerState, Instrument
from assess.scoring import external_value, graded_value


def engine_instrument(row: Instrument) -> files.Instrument:
    """The engine's view of a synced version, built from the text stored with it."""
    return files.parse_cached(row.source_text, f"{row.code}.v{row.version}.yaml")


def graded_answer_value(inst: EngineInstrument, answer: Answer) -> Fraction | None:
    """The exact value of a Pemdi answer: from the fulfilled items, or converted from the external index."""
    ind = inst.indicators[answer.indicator.code]
    if ind.external is not None:
        if answer.source_value is None:
            return None
        converted = external_value(inst, ind.code, answer.source_value)
        if converted is None:  # no known conversion: the value itself was entered
            return Fraction(answer.source_value)
        return converted
    if answer.state == AnswerState.BELUM_DIISI and not answer.items:
        return None
    fulfilled = {mark.item.code for mark in answer.items if mark.fulfilled}
    return graded_value(inst, ind.code, fulfilled)
