"""What-if: the gain of each step, and the cheapest path to a target (checked against brute force)."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assess.instruments import Instrument, load_instrument
from assess.scoring import (
    _steps_from,
    cheapest_path,
    next_predikat,
    score,
    step_gains,
    threshold_for,
)

SPBE = load_instrument("spbe-2020")
PEMDI = load_instrument("pemdi-2026")


def test_step_gain_equals_score_difference_spbe() -> None:
    values = dict.fromkeys(SPBE.indicators, 2)
    base = score(SPBE, values).index
    gains = step_gains(SPBE, values)
    assert set(gains) == set(SPBE.indicators)
    for code, step in gains.items():
        assert step.to_value == 3
        assert step.gain == score(SPBE, {**values, code: 3}).index - base
    assert gains["I42"].gain == Fraction(3, 100)
    assert gains["I1"].gain == Fraction(13, 1000)


def test_step_gains_pemdi_move_to_the_next_level_boundary() -> None:
    values = {code: Fraction("1.25") for code in PEMDI.indicators}
    gains = step_gains(PEMDI, values)
    assert gains["I20"].to_value == Fraction("1.5")
    assert gains["I20"].gain == Fraction(15) * Fraction("0.25") / 100
    full = dict.fromkeys(PEMDI.indicators, Fraction(5))
    assert step_gains(PEMDI, full) == {}
    steps = _steps_from(PEMDI, "I1", Fraction("2.7"))
    assert [(s.to_value, s.level) for s in steps] == [(Fraction("3.5"), 3), (Fraction(4), 4), (Fraction(5), 5)]


def test_next_predikat() -> None:
    assert next_predikat(SPBE, "Cukup") == "Baik"
    assert next_predikat(SPBE, "Memuaskan") is None


def test_cheapest_path_already_there() -> None:
    values = dict.fromkeys(SPBE.indicators, 3)
    path = cheapest_path(SPBE, values, target_predikat="Baik")
    assert path.reached
    assert path.steps == ()


def test_cheapest_path_spbe_prefers_heaviest_steps() -> None:
    values = dict.fromkeys(SPBE.indicators, 3)  # 3.00 Baik
    path = cheapest_path(SPBE, values, target_predikat="Sangat Baik")  # needs +0.50
    assert path.reached
    # the heaviest steps are I42–I47 (weight 3.00: 12 steps, +0.36); the rest must come from
    # 0.0275 steps (A7): 5 more give 0.4975 < 0.50, so 18 is the minimum
    assert len(path.steps) == 18
    assert sum(1 for s in path.steps if s.gain == Fraction(3, 100)) == 12
    assert path.index_after >= Fraction("3.5")
    assert score(SPBE, {**values, **path.values_after}).index == path.index_after


def test_cheapest_path_prefers_indicators_with_evidence_on_ties() -> None:
    values = dict.fromkeys(SPBE.indicators, 3)
    values.update({"I42": 5, "I43": 5, "I44": 5, "I45": 5, "I46": 5, "I47": 5})  # no 3.00 steps left
    # every remaining A7 step is worth 0.0275; prefer I32 and I33
    path = cheapest_path(SPBE, values, target_index="3.42", prefer={"I32", "I33"})
    assert path.reached
    assert len(path.steps) == 2
    assert {s.indicator for s in path.steps} <= {"I32", "I33"}
    other = cheapest_path(SPBE, values, target_index="3.42", prefer={"I40"})
    assert {s.indicator for s in other.steps} == {"I40"}


def test_unreachable_target_reports_all_steps() -> None:
    values = dict.fromkeys(SPBE.indicators, 1)
    values.update({f"I{n}": 5 for n in range(1, 48) if n != 1})
    path = cheapest_path(SPBE, {**values, "I1": 1}, target_index="5.00")
    assert path.reached
    path = cheapest_path(PEMDI, dict.fromkeys(PEMDI.indicators, 1), target_index="5.01")
    assert not path.reached
    assert path.index_after == 5


def test_threshold_rules() -> None:
    assert threshold_for(SPBE, target_predikat="Baik", basis="exact") == Fraction("2.6")
    assert threshold_for(SPBE, target_predikat="Baik", basis="rounded") == Fraction("2.595")
    assert threshold_for(SPBE, target_index="3.00") == Fraction("2.995")
    with pytest.raises(ValueError, match="predikat tidak dikenal"):
        threshold_for(SPBE, target_predikat="Hebat")
    with pytest.raises(ValueError, match="tepat satu"):
        threshold_for(SPBE)


def brute_force_min_steps(inst: Instrument, values: dict[str, Fraction], threshold: Fraction) -> int | None:
    base = score(inst, values).index
    options = {code: _steps_from(inst, code, Fraction(values[code])) for code in values}
    options = {c: o for c, o in options.items() if o}
    best: int | None = None
    codes = sorted(options)
    for counts in itertools.product(*(range(len(options[c]) + 1) for c in codes)):
        gain = sum((s.gain for c, t in zip(codes, counts, strict=True) for s in options[c][:t]), Fraction(0))
        if base + gain >= threshold:
            k = sum(counts)
            best = k if best is None else min(best, k)
    return best


def _small_case(inst: Instrument, free: dict[str, Fraction]) -> dict[str, Fraction]:
    top = Fraction(inst.scale_max)
    return {code: free.get(code, top) for code in inst.indicators}


START_VALUES = {
    "spbe-2020": [Fraction(n) for n in range(5)],
    "pemdi-2026": [Fraction(0), Fraction(1), Fraction("1.25"), Fraction("2.5"), Fraction(7, 6), Fraction("3.75")],
}


@pytest.mark.parametrize("inst", [SPBE, PEMDI], ids=["spbe-2020", "pemdi-2026"])
@given(data=st.data())
def test_path_is_minimal_against_brute_force(inst: Instrument, data: st.DataObject) -> None:
    codes = data.draw(st.lists(st.sampled_from(sorted(inst.indicators)), min_size=2, max_size=4, unique=True))
    free = {c: data.draw(st.sampled_from(START_VALUES[inst.code])) for c in codes}
    values = _small_case(inst, free)
    base = score(inst, values).index
    target = base + Fraction(data.draw(st.integers(0, int((5 - base) * 1000) + 5)), 1000)
    path = cheapest_path(inst, values, target_index=target + Fraction(1, 200))
    expected = brute_force_min_steps(inst, values, target)
    if expected is None:
        assert not path.reached
    else:
        assert path.reached
        assert len(path.steps) == expected
        assert path.index_after >= target
        assert score(inst, {**values, **path.values_after}).index == path.index_after
