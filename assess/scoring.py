"""The index engine: pure and exact.

No Flask, no database, no floats. Values are :class:`fractions.Fraction`; nothing is rounded
until it is displayed, and then ROUND_HALF_UP to two decimals, as KemenPANRB publishes.

Formulas (PermenPANRB 59/2020 Lampiran II.B; the Pemdi 2026 method as reported):
aspect = Σ(indicator value × indicator weight) / aspect weight;
domain = Σ(aspect × aspect weight) / domain weight;
index  = Σ(domain × domain weight) / 100 (or Σ(aspect × aspect weight) / 100 without domains).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from assess.instruments import Instrument

Number = int | Fraction | Decimal | str
HUNDRED = Fraction(100)
HALF_CENT = Fraction(1, 200)
#: Written numbers beyond 10^±30 are refused: ``1e999999999`` would take forever to become a Fraction.
MAX_EXPONENT = 30


def to_fraction(value: Number | float) -> Fraction:
    """An exact Fraction from an int, Fraction, Decimal or decimal string (floats via their repr)."""
    if isinstance(value, bool):
        raise TypeError("nilai boolean tidak dapat dipakai sebagai nilai indikator")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int | Decimal):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(Decimal(repr(value)))
    if isinstance(value, str):
        return Fraction(read_decimal(value))
    raise TypeError(f"bukan angka: {value!r}")


def read_decimal(text: str) -> Decimal:
    """A number as people type it, with a decimal comma or point: the one reader of typed numbers (forms, imports,
    what-if). Anything else, and anything beyond 10^±30, is a :class:`ValueError` at once."""
    try:
        number = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"bukan angka: {text!r}") from None
    if not number.is_finite() or abs(number.adjusted()) > MAX_EXPONENT:
        raise ValueError(f"bukan angka yang wajar: {text!r}")
    return number


def round_half_up(value: Fraction, places: int = 2) -> Decimal:
    """``value`` rounded half away from zero to ``places`` decimals, computed exactly."""
    q = 10**places
    scaled = abs(value) * q
    n = math.floor(scaled + Fraction(1, 2))
    return Decimal(n if value >= 0 else -n).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def display(value: Fraction, places: int = 2) -> str:
    return f"{round_half_up(value, places):.{places}f}"


def weighted_average(pairs: Iterable[tuple[Fraction, Fraction]]) -> Fraction:
    """Σ(value × weight) / Σ weight, exactly: the one formula behind aspects, domains and the index."""
    pairs = list(pairs)
    total_weight = sum((w for _v, w in pairs), Fraction(0))
    if total_weight <= 0:
        raise ValueError("jumlah bobot harus positif")
    return sum((v * w for v, w in pairs), Fraction(0)) / total_weight


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Part:
    """An aspect or a domain: exact value, 2-dp display, predikat and weight."""

    code: str
    name: str
    weight: Fraction
    value: Fraction
    display: str
    predikat: str


@dataclass(frozen=True)
class BandWarning:
    """The rounded display and the exact value fall in different predikat bands."""

    exact_value: Fraction
    display: str
    predikat_exact: str
    predikat_rounded: str
    basis: str

    def __str__(self) -> str:
        used = self.predikat_exact if self.basis == "exact" else self.predikat_rounded
        return (
            f"Indeks tampil {self.display} (predikat {self.predikat_rounded} bila dibulatkan), "
            f"tetapi nilai tepatnya {float(self.exact_value):.4f} (predikat {self.predikat_exact}). "
            f"Dasar predikat: {self.basis} → {used}."
        )


@dataclass(frozen=True)
class Score:
    instrument: str
    basis: str
    values: Mapping[str, Fraction]
    unanswered: tuple[str, ...]
    aspects: Mapping[str, Part]
    domains: Mapping[str, Part]
    index: Fraction
    index_display: str
    predikat: str
    predikat_exact: str
    predikat_rounded: str
    band_warning: BandWarning | None


# --------------------------------------------------------------------------- scoring


def check_value(inst: Instrument, code: str, value: Number | float | None) -> Fraction | None:
    """Validate one indicator value for the instrument; ``None`` means not answered."""
    if code not in inst.indicators:
        raise ValueError(f"indikator {code} tidak ada di instrumen {inst.key}")
    if value is None:
        return None
    try:
        v = to_fraction(value)
    except (TypeError, ValueError, ArithmeticError):
        raise ValueError(f"{code}: nilai {value!r} bukan angka") from None
    if inst.value_type == "level":
        if v.denominator != 1 or not (0 <= v <= inst.scale_max):
            raise ValueError(f"{code}: level harus bilangan bulat 0–{inst.scale_max}, tertulis {value}")
    elif v != 0 and not (inst.scale_min <= v <= inst.scale_max):
        raise ValueError(
            f"{code}: nilai harus 0 atau di antara {inst.scale_min} dan {inst.scale_max}, tertulis {value}"
        )
    return v


def resolve_basis(inst: Instrument, predikat_basis: str | None, year: int | None = None) -> str:
    basis = predikat_basis or inst.basis_for_year(year)
    if basis not in ("exact", "rounded"):
        raise ValueError(f"dasar predikat tidak dikenal: {basis}")
    return basis


def score(
    inst: Instrument,
    values: Mapping[str, Number | float | None],
    predikat_basis: str | None = None,
    *,
    year: int | None = None,
) -> Score:
    """Aspects, domains, index and predikat from indicator values (missing ones count as 0)."""
    basis = resolve_basis(inst, predikat_basis, year)
    unknown = sorted(set(values) - set(inst.indicators), key=_code_key)
    if unknown:
        raise ValueError(f"indikator tidak dikenal di instrumen {inst.key}: {', '.join(unknown)}")
    checked: dict[str, Fraction] = {}
    unanswered: list[str] = []
    for code in inst.indicators:
        v = check_value(inst, code, values.get(code))
        if v is None:
            unanswered.append(code)
            v = Fraction(0)
        checked[code] = v

    # The aspect weight equals the sum of its indicators' weights (checked on load), and likewise for
    # domains and the index (100), so each level is the weighted average of the level below.
    aspects: dict[str, Part] = {}
    for a in inst.aspects.values():
        value = weighted_average((checked[c], inst.indicators[c].weight) for c in a.indicators)
        aspects[a.code] = _part(inst, a.code, a.name, a.weight, value)

    domains: dict[str, Part] = {}
    if inst.has_domains:
        for d in inst.domains.values():
            value = weighted_average((aspects[c].value, aspects[c].weight) for c in d.aspects)
            domains[d.code] = _part(inst, d.code, d.name, d.weight, value)
        parts: Iterable[Part] = domains.values()
    else:
        parts = aspects.values()
    index = weighted_average((p.value, p.weight) for p in parts)

    shown = round_half_up(index)
    predikat_exact = inst.band_for(index).name
    predikat_rounded = inst.band_for(Fraction(shown)).name
    warning = None
    if predikat_exact != predikat_rounded:
        warning = BandWarning(index, f"{shown:.2f}", predikat_exact, predikat_rounded, basis)
    return Score(
        instrument=inst.key,
        basis=basis,
        values=checked,
        unanswered=tuple(unanswered),
        aspects=aspects,
        domains=domains,
        index=index,
        index_display=f"{shown:.2f}",
        predikat=predikat_exact if basis == "exact" else predikat_rounded,
        predikat_exact=predikat_exact,
        predikat_rounded=predikat_rounded,
        band_warning=warning,
    )


def _part(inst: Instrument, code: str, name: str, weight: Fraction, value: Fraction) -> Part:
    return Part(code, name, weight, value, display(value), inst.band_for(value).name)


def _code_key(code: str) -> tuple[str, int]:
    head = code.rstrip("0123456789")
    tail = code[len(head) :]
    return head, int(tail) if tail else 0


# --------------------------------------------------------------------------- graded values (Pemdi)


def graded_value(
    inst: Instrument,
    indicator: str,
    accepted: Collection[str],
    *,
    rule: str = "band",
) -> Fraction:
    """An evidence-based indicator's value from its accepted evidence items (butir).

    Levels are sequential: the value is the lower edge of the first incomplete level's band plus
    the accepted share of that level's counted items times the band's width; items above an
    incomplete level do not count. ``rule="whole"`` counts completed levels only (at least the
    scale minimum).
    """
    ind = inst.indicators[indicator]
    if inst.value_type != "graded" or ind.external is not None:
        raise ValueError(f"{indicator} tidak dinilai dari butir bukti")
    if rule not in ("band", "whole"):
        raise ValueError(f"aturan nilai tidak dikenal: {rule}")
    known = {item.code for item in ind.items}
    stray = sorted(set(accepted) - known)
    if stray:
        raise ValueError(f"butir bukan milik {indicator}: {', '.join(stray)}")
    completed = 0
    for level, band in zip(ind.levels, inst.level_bands, strict=True):
        counted = level.counted_items
        done = sum(1 for item in counted if item.code in accepted)
        if done < len(counted):
            if rule == "whole":
                return Fraction(max(completed, inst.scale_min))
            return band.lower + (band.upper - band.lower) * Fraction(done, len(counted))
        completed = level.level
    return Fraction(inst.scale_max)


def external_value(inst: Instrument, indicator: str, source_value: Number | float) -> Fraction | None:
    """The indicator value converted from another agency's index; ``None`` when no conversion is known."""
    ind = inst.indicators[indicator]
    ext = ind.external
    if ext is None:
        raise ValueError(f"{indicator} bukan indikator indeks eksternal")
    v = to_fraction(source_value)
    if not (ext.source_min <= v <= ext.source_max):
        raise ValueError(
            f"{indicator}: nilai {ext.source} harus di antara {display(ext.source_min)} dan {display(ext.source_max)}"
        )
    if ext.conversion == "none":
        return None
    converted = v if ext.conversion == "identity" else (ext.offset or 0) + v / (ext.divisor or 1)
    return min(max(converted, Fraction(inst.scale_min)), Fraction(inst.scale_max))


# --------------------------------------------------------------------------- what-if


@dataclass(frozen=True)
class Step:
    """Raising one indicator by one step: one level, or (graded) to the top of the next level's band."""

    indicator: str
    from_value: Fraction
    to_value: Fraction
    level: int
    gain: Fraction


def _step_targets(inst: Instrument) -> list[Fraction]:
    if inst.value_type == "level":
        return [Fraction(n) for n in range(inst.scale_min, inst.scale_max + 1)]
    return [Fraction(inst.scale_min), *(b.upper for b in inst.level_bands)]


def _steps_from(inst: Instrument, code: str, value: Fraction) -> list[Step]:
    """Every step above ``value`` in order, with the index gain of each."""
    weight = inst.indicators[code].weight
    steps: list[Step] = []
    current = value
    for target in _step_targets(inst):
        if target > current:
            level = min(
                max(math.ceil(target) if inst.value_type == "level" else _level_of(inst, target), 1), inst.scale_max
            )
            steps.append(Step(code, current, target, level, weight * (target - current) / HUNDRED))
            current = target
    return steps


def _level_of(inst: Instrument, value: Fraction) -> int:
    """The level whose band ``value`` completes (graded instruments)."""
    for band in inst.level_bands:
        if value <= band.upper:
            return band.level
    return inst.scale_max


def step_gains(inst: Instrument, values: Mapping[str, Number | float | None]) -> dict[str, Step]:
    """For each indicator not yet at the top, the next step and its gain in the index."""
    checked = {code: check_value(inst, code, values.get(code)) or Fraction(0) for code in inst.indicators}
    out: dict[str, Step] = {}
    for code, v in checked.items():
        steps = _steps_from(inst, code, v)
        if steps:
            out[code] = steps[0]
    return out


@dataclass(frozen=True)
class Path:
    """The fewest steps that lift the index to a threshold."""

    steps: tuple[Step, ...]
    index_before: Fraction
    index_after: Fraction
    threshold: Fraction
    reached: bool

    @property
    def values_after(self) -> dict[str, Fraction]:
        return {s.indicator: s.to_value for s in self.steps}


def threshold_for(
    inst: Instrument, *, target_predikat: str | None = None, target_index: Number | None = None, basis: str = "exact"
) -> Fraction:
    """The smallest exact index that counts as reaching the target.

    A target predikat on the ``exact`` basis needs the exact index at the band's edge; on the
    ``rounded`` basis, and for a numeric target (compared with the published 2-dp index), half a
    hundredth below is enough.
    """
    if target_predikat is not None:
        if target_index is not None:
            raise ValueError("sebutkan tepat satu: target predikat atau target indeks")
        band = next((b for b in inst.bands if b.name == target_predikat), None)
        if band is None:
            raise ValueError(f"predikat tidak dikenal: {target_predikat}")
        return band.min if basis == "exact" else band.min - HALF_CENT
    if target_index is None:
        raise ValueError("sebutkan tepat satu: target predikat atau target indeks")
    return to_fraction(target_index) - HALF_CENT


def next_predikat(inst: Instrument, current: str) -> str | None:
    names = [b.name for b in inst.bands]
    i = names.index(current)
    return names[i + 1] if i + 1 < len(names) else None


def cheapest_path(
    inst: Instrument,
    values: Mapping[str, Number | float | None],
    *,
    target_predikat: str | None = None,
    target_index: Number | None = None,
    predikat_basis: str | None = None,
    year: int | None = None,
    prefer: Collection[str] = (),
) -> Path:
    """The smallest set of steps whose gains lift the index to the target.

    Steps within an indicator are taken in order. Among the shortest paths it takes the one with
    the most steps on ``prefer`` indicators (e.g. those the units already have evidence for),
    then the largest gain. ``reached`` is False when even every step is not enough.
    """
    basis = resolve_basis(inst, predikat_basis, year)
    threshold = threshold_for(inst, target_predikat=target_predikat, target_index=target_index, basis=basis)
    current = score(inst, values, basis)
    need = threshold - current.index
    if need <= 0:
        return Path((), current.index, current.index, threshold, True)

    options = [_steps_from(inst, code, v) for code, v in current.values.items()]
    options = [o for o in options if o]
    scale = math.lcm(*(s.gain.denominator for o in options for s in o)) if options else 1
    need_units = math.ceil(need * scale)
    prefer_set = set(prefer)

    # 1. fewest steps: best[k] = largest gain with exactly k steps (grouped knapsack, integer units)
    total_steps = sum(len(o) for o in options)
    neg = -1
    best = [0] + [neg] * total_steps
    for o in options:
        prefix = _prefix_units(o, scale)
        new = best[:]
        for k, g in enumerate(best):
            if g == neg:
                continue
            for t in range(1, len(o) + 1):
                if g + prefix[t] > new[k + t]:
                    new[k + t] = g + prefix[t]
        best = new
    k_min = next((k for k, g in enumerate(best) if g >= need_units), None)
    if k_min is None:
        every = tuple(s for o in options for s in o)
        after = current.index + sum((s.gain for s in every), Fraction(0))
        return Path(every, current.index, after, threshold, False)

    # 2. among k_min-step paths that reach the threshold: most preferred steps, then largest gain
    table: dict[int, dict[int, tuple[int, tuple[tuple[int, int], ...]]]] = {0: {0: (0, ())}}
    for oi, o in enumerate(options):
        prefix = _prefix_units(o, scale)
        pref = o[0].indicator in prefer_set
        new_table = {k: dict(row) for k, row in table.items()}
        for k, row in table.items():
            for p, (g, picks) in row.items():
                for t in range(1, min(len(o), k_min - k) + 1):
                    nk, np_, ng = k + t, p + (t if pref else 0), g + prefix[t]
                    slot = new_table.setdefault(nk, {})
                    if np_ not in slot or ng > slot[np_][0]:
                        slot[np_] = (ng, (*picks, (oi, t)))
        table = new_table
    candidates: list[tuple[tuple[int, int], tuple[tuple[int, int], ...]]] = [  # ((preferred, gain), picks)
        ((p, g), picks) for p, (g, picks) in table.get(k_min, {}).items() if g >= need_units
    ]
    _key, picks = max(candidates, key=lambda c: c[0])
    chosen = tuple(s for oi, t in picks for s in options[oi][:t])
    after = current.index + sum((s.gain for s in chosen), Fraction(0))
    return Path(chosen, current.index, after, threshold, True)


def _prefix_units(steps: list[Step], scale: int) -> list[int]:
    out = [0]
    for s in steps:
        units = s.gain * scale
        out.append(out[-1] + units.numerator // units.denominator)
    return out
