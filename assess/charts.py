"""Chart geometry for the hand-made SVG charts (``_macros/charts.html``): pure functions, no formatting.

Each function turns values into coordinates; the values travel along unrounded so the template shows them
through :mod:`assess.display` (``|nilai``, ``|indikator``) like every other value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class RadarAxis:
    """One spoke: its label and value, the outer point (``x``, ``y``) and where the label goes (``lx``, ``ly``)."""

    label: str
    value: Fraction
    x: float
    y: float
    lx: float
    ly: float


@dataclass(frozen=True)
class Radar:
    size: int
    center: float
    rings: tuple[str, ...]
    axes: tuple[RadarAxis, ...]
    polygon: str


def radar(parts: Sequence[tuple[str, Fraction]], scale_max: int, size: int = 360) -> Radar:
    """A radar chart of (label, value) pairs: 0 at the centre, ``scale_max`` on the outer ring."""
    c = size / 2
    r = c - 80
    n = max(len(parts), 1)

    def point(i: int, frac: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        return round(c + r * frac * math.cos(angle), 1), round(c + r * frac * math.sin(angle), 1)

    rings = tuple(
        " ".join(f"{x},{y}" for x, y in (point(i, k / scale_max) for i in range(n))) for k in range(1, scale_max + 1)
    )
    axes = []
    pts = []
    for i, (label, value) in enumerate(parts):
        x, y = point(i, 1.0)
        lx, ly = point(i, 1.18)
        axes.append(RadarAxis(label, value, x, y, lx, ly))
        pts.append(point(i, float(value) / scale_max))
    return Radar(size, c, rings, tuple(axes), " ".join(f"{x},{y}" for x, y in pts))


@dataclass(frozen=True)
class Bar:
    """One row of the bar chart: the value (``None`` when unanswered), its top ``y`` and the bar's length."""

    code: str
    value: Fraction | None
    y: int
    length: float


@dataclass(frozen=True)
class Bars:
    width: int
    height: int
    row_height: int
    label_width: int
    plot_width: int
    rows: tuple[Bar, ...]


def bars(rows: Sequence[tuple[str, Fraction | None]], scale_max: int, width: int = 520) -> Bars:
    """A horizontal bar per (code, value): a code column, the bar (0 to ``scale_max``) and room for the value."""
    row_height, label_width = 16, 70
    plot_width = width - label_width - 40
    out = tuple(
        Bar(
            code,
            value,
            i * row_height + 4,
            round(float(value or 0) / scale_max * plot_width, 1),
        )
        for i, (code, value) in enumerate(rows)
    )
    return Bars(width, len(out) * row_height + 10, row_height, label_width, plot_width, out)


def trend_points(indices: Sequence[Fraction], scale_max: int = 5, width: int = 480, height: int = 160) -> str:
    """SVG polyline points of an index per year (oldest first), 0 at the bottom and ``scale_max`` at the top."""
    if not indices:
        return ""
    step = width / max(len(indices) - 1, 1)
    return " ".join(
        f"{round(i * step, 1)},{round(height - float(index) / scale_max * height, 1)}"
        for i, index in enumerate(indices)
    )
