"""Year to year: the index, aspects and predikat of an instansi's assessments over the years.

The official result is in :mod:`assess.services.official`, next year's assessment in
:mod:`assess.services.carry_over`, the crosswalk to another instrument in :mod:`assess.services.crosswalk`.
"""

from __future__ import annotations

from dataclasses import dataclass

from assess.models import Assessment
from assess.queries import load_assessment, project_all
from assess.scoring import Score, score
from assess.services.official import official_values


@dataclass(frozen=True)
class TrendRow:
    assessment_id: int
    year: int
    instrument: str
    claimed: Score
    final: Score | None
    official: Score | None

    @property
    def best(self) -> Score:
        """The most authoritative score there is: official, then final, then claimed."""
        return self.official or self.final or self.claimed


def trend(assessments: list[Assessment]) -> list[TrendRow]:
    """Index, aspects and predikat of each assessment (oldest year first). Read-only."""
    rows = []
    for assessment in sorted(assessments, key=lambda a: (a.year, a.instrument.code)):
        loaded = load_assessment(assessment.id)
        if loaded is None:
            continue
        projections = project_all(loaded)
        has_final = any(a.final_value is not None for a in loaded.answers)
        official = official_values(loaded.id)
        rows.append(
            TrendRow(
                assessment_id=loaded.id,
                year=loaded.year,
                instrument=loaded.instrument.code,
                claimed=projections.claimed,
                final=projections.final if has_final else None,
                official=score(projections.instrument, official, loaded.predikat_basis.value) if official else None,
            )
        )
    return rows
