"""Property tests: the engine equals the closed form, is monotonic, stays within the scale."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from assess.instruments import Instrument, load_instrument
from assess.scoring import score

SPBE = load_instrument("spbe-2020")
PEMDI = load_instrument("pemdi-2026")
settings.register_profile("mandiri", max_examples=150, deadline=None, derandomize=True)
settings.load_profile("mandiri")


def spbe_values() -> st.SearchStrategy[dict[str, int]]:
    return st.fixed_dictionaries({code: st.integers(0, 5) for code in SPBE.indicators})


def pemdi_value() -> st.SearchStrategy[Fraction]:
    return st.one_of(st.just(Fraction(0)), st.fractions(min_value=1, max_value=5, max_denominator=600))


def pemdi_values() -> st.SearchStrategy[dict[str, Fraction]]:
    return st.fixed_dictionaries({code: pemdi_value() for code in PEMDI.indicators})


def closed_form(inst: Instrument, values: dict[str, Fraction] | dict[str, int]) -> Fraction:
    return sum((Fraction(values[c]) * ind.weight for c, ind in inst.indicators.items()), Fraction(0)) / 100


def spbe_closed_form(values: dict[str, int]) -> Fraction:
    """PermenPANRB 59/2020 reduced: (1.3·S1 + 2.5·S2 + 1.5·S3 + 2.75·S7 + 3·S8) / 100."""
    s = {
        name: sum(values[f"I{n}"] for n in numbers)
        for name, numbers in {
            "S1": range(1, 11),
            "S2": range(11, 21),
            "S3": range(21, 32),
            "S7": range(32, 42),
            "S8": range(42, 48),
        }.items()
    }
    return (
        Fraction("1.3") * s["S1"]
        + Fraction("2.5") * s["S2"]
        + Fraction("1.5") * s["S3"]
        + Fraction("2.75") * s["S7"]
        + 3 * s["S8"]
    ) / 100


@given(spbe_values())
def test_spbe_engine_equals_closed_form(values: dict[str, int]) -> None:
    s = score(SPBE, values)
    assert s.index == spbe_closed_form(values) == closed_form(SPBE, values)
    assert s.domains["D1"].value == Fraction(sum(values[f"I{n}"] for n in range(1, 11)), 10)
    assert s.domains["D3"].value == Fraction(sum(values[f"I{n}"] for n in range(21, 32)), 11)


@given(pemdi_values())
def test_pemdi_engine_equals_closed_form(values: dict[str, Fraction]) -> None:
    assert score(PEMDI, values).index == closed_form(PEMDI, values)


@given(spbe_values())
def test_display_is_half_up_of_the_exact_value(values: dict[str, int]) -> None:
    s = score(SPBE, values)
    with localcontext() as ctx:
        ctx.prec = 50
        exact = Decimal(s.index.numerator) / Decimal(s.index.denominator)
        assert s.index_display == str(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@given(spbe_values(), st.sampled_from(sorted(SPBE.indicators)))
def test_spbe_monotonic(values: dict[str, int], code: str) -> None:
    before = score(SPBE, values)
    if values[code] == 5:
        return
    after = score(SPBE, {**values, code: values[code] + 1})
    assert after.index > before.index
    for key, part in after.aspects.items():
        assert part.value >= before.aspects[key].value
    for key, part in after.domains.items():
        assert part.value >= before.domains[key].value
    names = [b.name for b in SPBE.bands]
    assert names.index(after.predikat) >= names.index(before.predikat)


@given(pemdi_values(), st.sampled_from(sorted(PEMDI.indicators)), pemdi_value())
def test_pemdi_monotonic(values: dict[str, Fraction], code: str, other: Fraction) -> None:
    low, high = sorted((values[code], other))
    a = score(PEMDI, {**values, code: low})
    b = score(PEMDI, {**values, code: high})
    assert b.index >= a.index
    assert all(b.aspects[k].value >= a.aspects[k].value for k in a.aspects)


@given(spbe_values())
def test_spbe_within_scale(values: dict[str, int]) -> None:
    s = score(SPBE, values)
    assert 0 <= s.index <= 5
    parts = [*s.aspects.values(), *s.domains.values()]
    assert all(0 <= p.value <= 5 for p in parts)
    if all(v >= 1 for v in values.values()):
        assert s.index >= 1
    assert min(values.values()) <= s.index <= max(values.values())


@given(pemdi_values())
def test_pemdi_within_scale(values: dict[str, Fraction]) -> None:
    s = score(PEMDI, values)
    assert min(values.values()) <= s.index <= max(values.values())
    assert all(0 <= p.value <= 5 for p in s.aspects.values())
