"""Planning service functions without a database: coverage, gap, path presentation, scenario comparison."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from assess.instruments import Instrument, load_instrument
from assess.models import Target
from assess.scoring import cheapest_path, score
from assess.services import planning
from assess.services.planning import LinkedDoc

SPBE = load_instrument("spbe-2020")
PEMDI = load_instrument("pemdi-2026")
TODAY = date(2026, 6, 1)


def _aged_indicator(inst: Instrument) -> tuple[str, int, int]:
    """An indicator with a level that has a freshness rule: (code, level, years)."""
    for code, ind in inst.indicators.items():
        for lv in ind.levels:
            if lv.max_evidence_age_years:
                return code, lv.level, lv.max_evidence_age_years
    pytest.skip(f"{inst.key} has no freshness rule")


@pytest.mark.parametrize("inst", [SPBE, PEMDI], ids=["spbe", "pemdi"])
def test_coverage_without_evidence_and_stale(inst: Instrument) -> None:
    code, level, years = _aged_indicator(inst)
    other = next(c for c in inst.indicators if c != code)
    values = dict.fromkeys(inst.indicators) | {code: Fraction(level), other: Fraction(1)}
    old = date(TODAY.year - years - 1, 1, 1)
    links = [
        LinkedDoc(code, "Laporan reviu lama", old, level),
        LinkedDoc(code, "Laporan reviu baru", TODAY, level),
        LinkedDoc(other, "Tanpa tanggal", None, None),
    ]
    cov = planning.coverage(inst, values, links, today=TODAY)
    assert cov.total == len(inst.indicators)
    assert code not in cov.without_evidence
    assert other not in cov.without_evidence
    assert cov.covered == 2
    assert [(s.code, s.title, s.max_years) for s in cov.stale] == [(code, "Laporan reviu lama", years)]
    # below the level with the rule, age does not matter
    lower = planning.coverage(inst, values | {code: Fraction(level - 1)}, links, today=TODAY)
    assert lower.stale == ()


@pytest.mark.parametrize("inst", [SPBE, PEMDI], ids=["spbe", "pemdi"])
def test_gap_index_and_predikat(inst: Instrument) -> None:
    values = dict.fromkeys(inst.indicators, Fraction(2))
    s = score(inst, values, "exact")
    assert planning.gap(inst, s, None) is None
    g = planning.gap(inst, s, Target(target_index=Decimal("2.50")))
    assert g is not None
    assert not g.reached
    assert g.missing == Fraction(2495, 1000) - s.index
    assert g.target_display == "2,50"
    assert g.target_predikat == inst.band_for(Fraction(5, 2)).name
    reached = planning.gap(inst, s, Target(target_predikat=inst.bands[0].name))
    assert reached is not None
    assert reached.reached
    assert reached.missing_display == "0,00"


def test_gap_display_rounds_half_up_against_the_published_index() -> None:
    """Index 0 against target 3.00: the threshold is 2.995 (what displays as 3.00), shown as "3,00" missing."""
    s = score(SPBE, {}, "exact")
    g = planning.gap(SPBE, s, Target(target_index=Decimal("3.00")))
    assert g is not None
    assert g.missing == Fraction(2995, 1000)
    assert g.missing_display == "3,00"
    assert g.target_predikat == "Baik"


@pytest.mark.parametrize("inst", [SPBE, PEMDI], ids=["spbe", "pemdi"])
def test_path_view_carries_criteria_and_evidence(inst: Instrument) -> None:
    values = dict.fromkeys(inst.indicators, Fraction(1))
    current = score(inst, values, "exact")
    prefer = {next(iter(inst.indicators))}
    views = planning.plans(inst, values, current, Target(target_index=Decimal("2.00")), prefer)
    assert [v.kind for v in views] == ["next", "target"]
    for view in views:
        assert view.reached
        if view.kind == "target":
            path = cheapest_path(inst, values, predikat_basis="exact", prefer=prefer, target_index=Decimal("2.00"))
            assert len(view.steps) == len(path.steps)
        for step in view.steps:
            level = inst.indicators[step.code].level(step.level)
            assert step.criteria == level.criteria
            assert step.evidence == level.evidence
            assert step.gain > 0
            assert step.has_evidence is (step.code in prefer)


def test_unreachable_target_is_said() -> None:
    top = dict.fromkeys(SPBE.indicators, Fraction(5)) | {"I1": Fraction(0)}
    view = planning.path_view(SPBE, top, "exact", "target", "5.00", (), target_index=Decimal("5.00"))
    assert view.reached
    assert [s.code for s in view.steps] == ["I1"] * len(view.steps)
    low = dict.fromkeys(SPBE.indicators, Fraction(0))
    impossible = planning.path_view(SPBE, low, "exact", "target", "5.01", (), target_index=Decimal("5.01"))
    assert not impossible.reached


@pytest.mark.parametrize("inst", [SPBE, PEMDI], ids=["spbe", "pemdi"])
def test_compare_scenarios(inst: Instrument) -> None:
    codes = list(inst.indicators)
    base = dict.fromkeys(codes, Fraction(2))
    changed = base | {codes[0]: Fraction(4), codes[1]: None}
    result = planning.compare(inst, "exact", ("Klaim", base), ("Naik", changed))
    assert [r.code for r in result.rows] == codes[:2]
    assert result.rows[1].right == "–"
    assert result.left.index == score(inst, base, "exact").index
    assert result.right.index == score(inst, changed, "exact").index
    assert planning.differing(base, changed) == {codes[0]: Fraction(4), codes[1]: None}


@pytest.mark.parametrize("inst", [SPBE, PEMDI], ids=["spbe", "pemdi"])
def test_parse_values(inst: Instrument) -> None:
    code = next(iter(inst.indicators))
    values, errors = planning.parse_values(inst, {code: "3", "ZZ": "1"})
    assert values == {code: Fraction(3)}
    assert len(errors) == 1
    _values, errors = planning.parse_values(inst, {code: "7"})
    assert errors
    empty, errors = planning.parse_values(inst, {code: ""})
    assert empty == {code: None}
    assert not errors


def test_untouched_graded_value_stays_exact() -> None:
    code, other = list(PEMDI.indicators)[:2]
    claimed = {code: Fraction(7, 6), other: None}
    raw = {code: planning.input_value(PEMDI, Fraction(7, 6)), other: "2,5000"}
    assert raw[code] == "1,1667"
    assert planning.changed_input(PEMDI, claimed, raw) == {other: "2,5000"}
    assert planning.parse_values(PEMDI, raw) == ({code: Fraction(11667, 10000), other: Fraction(5, 2)}, [])
    assert planning.changed_input(SPBE, {"I1": Fraction(3)}, {"I1": "3", "I2": ""}) == {}
