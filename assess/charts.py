"""Chart geometry for the hand-made SVG charts (``_macros/charts.html``): pure functions, no formatting.

Each function turns values into coordinates; the values travel along unrounded so the template shows them
through :mod:`assess.display` (``|nilai``, ``|indikator``) like every other value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

#: The radar's labels: font size, line height and the longest line (in characters) before a label wraps.
LABEL_SIZE = 9
LABEL_LINE = 11
LABEL_WRAP = 22
LABEL_LINES = 3
#: Room kept around the labels, and the widest value printed under a label ("5,00").
LABEL_PAD = 4
VALUE_CHARS = 4


def text_extent(text: str, size: float) -> float:
    """A generous width of ``text`` at ``size`` in any sans-serif font (wide letters and capitals count more):
    never less than what a browser or WeasyPrint draws, so a box sized by it holds the text."""
    wide = sum(1 for ch in text if ch.isupper() or ch in "mwMW@%")
    return (0.62 * (len(text) - wide) + 0.9 * wide) * size


def wrap_label(label: str, width: int = LABEL_WRAP, lines: int = LABEL_LINES) -> tuple[str, ...]:
    """``label`` in at most ``lines`` lines of about ``width`` characters, broken between words; what does not fit
    ends the last line with "…"."""
    out: list[str] = []
    for word in label.split():
        if out and len(out[-1]) + 1 + len(word) <= width:
            out[-1] += " " + word
        else:
            out.append(word)
    if len(out) > lines:
        out = [*out[: lines - 1], " ".join(out[lines - 1 :])]
    return tuple(line if len(line) <= width else line[: width - 1].rstrip() + "…" for line in out)


@dataclass(frozen=True)
class RadarAxis:
    """One spoke: its label and value, the outer point (``x``, ``y``) and the label's lines, each at (``lx``, y in
    ``line_ys``) with ``anchor`` (``start``, ``middle`` or ``end``); the value goes on the line at ``value_y``."""

    label: str
    value: Fraction
    x: float
    y: float
    lx: float
    lines: tuple[str, ...]
    line_ys: tuple[float, ...]
    value_y: float
    anchor: str


@dataclass(frozen=True)
class Radar:
    """``view_box`` (min x, min y, width, height) holds the rings and every label (measured generously)."""

    size: int
    center: float
    rings: tuple[str, ...]
    axes: tuple[RadarAxis, ...]
    polygon: str
    view_box: tuple[float, float, float, float]

    @property
    def width(self) -> float:
        return self.view_box[2]

    @property
    def height(self) -> float:
        return self.view_box[3]


def _label(label: str, value: Fraction, x: float, y: float, lx: float, ly: float, cos: float, sin: float) -> RadarAxis:
    """The label of one spoke placed outside its end: to the right of it on the right, to the left on the left,
    centred at the top and bottom; its lines (and the value under them) grow away from the chart."""
    lines = wrap_label(label)
    anchor = "start" if cos > 0.3 else "end" if cos < -0.3 else "middle"
    count = len(lines) + 1  # the value's line
    if sin < -0.3:  # above the chart: the block ends at the label point
        first = ly - (count - 1) * LABEL_LINE
    elif sin > 0.3:  # below: it starts there
        first = ly + LABEL_SIZE * 0.7
    else:
        first = ly - (count - 1) * LABEL_LINE / 2 + LABEL_SIZE * 0.35
    ys = tuple(round(first + i * LABEL_LINE, 1) for i in range(count))
    return RadarAxis(label, value, x, y, lx, lines, ys[:-1], ys[-1], anchor)


def label_box(axis: RadarAxis) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) that surely holds the label's lines and value."""
    wide = max(text_extent(line, LABEL_SIZE) for line in (*axis.lines, "0" * VALUE_CHARS))
    left = {"start": axis.lx, "middle": axis.lx - wide / 2, "end": axis.lx - wide}[axis.anchor]
    return left, axis.line_ys[0] - LABEL_SIZE, left + wide, axis.value_y + LABEL_SIZE * 0.35


def radar(parts: Sequence[tuple[str, Fraction]], scale_max: int, size: int = 360) -> Radar:
    """A radar chart of (label, value) pairs: 0 at the centre, ``scale_max`` on the outer ring. The labels are
    whole (wrapped, not cut) and the view box grows to hold them."""
    c = size / 2
    r = c - 80
    n = max(len(parts), 1)

    def angle(i: int) -> float:
        return -math.pi / 2 + 2 * math.pi * i / n

    def point(i: int, frac: float) -> tuple[float, float]:
        return round(c + r * frac * math.cos(angle(i)), 1), round(c + r * frac * math.sin(angle(i)), 1)

    rings = tuple(
        " ".join(f"{x},{y}" for x, y in (point(i, k / scale_max) for i in range(n))) for k in range(1, scale_max + 1)
    )
    axes = []
    pts = []
    for i, (label, value) in enumerate(parts):
        x, y = point(i, 1.0)
        lx, ly = point(i, 1.08)
        axes.append(_label(label, value, x, y, lx, ly, math.cos(angle(i)), math.sin(angle(i))))
        pts.append(point(i, float(value) / scale_max))
    boxes = [label_box(a) for a in axes] + [(c - r, c - r, c + r, c + r)]
    left = math.floor(min(b[0] for b in boxes) - LABEL_PAD)
    top = math.floor(min(b[1] for b in boxes) - LABEL_PAD)
    right = math.ceil(max(b[2] for b in boxes) + LABEL_PAD)
    bottom = math.ceil(max(b[3] for b in boxes) + LABEL_PAD)
    view_box = (float(left), float(top), float(right - left), float(bottom - top))
    return Radar(size, c, rings, tuple(axes), " ".join(f"{x},{y}" for x, y in pts), view_box)


@dataclass(frozen=True)
class Bar:
    """One row of the bar chart: the value (``None`` when unanswered), its left ``x`` (its column's), its top ``y``
    and the bar's length."""

    code: str
    value: Fraction | None
    x: int
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


def bars(rows: Sequence[tuple[str, Fraction | None]], scale_max: int, width: int = 520, columns: int = 1) -> Bars:
    """A horizontal bar per (code, value): a code column, the bar (0 to ``scale_max``) and room for the value;
    the rows run down ``columns`` columns side by side (the first column is filled first)."""
    row_height, label_width = 16, 70
    per_column = max(1, math.ceil(len(rows) / max(1, columns)))
    column_width = width // max(1, columns)
    plot_width = column_width - label_width - 40 - (12 if columns > 1 else 0)
    out = tuple(
        Bar(
            code,
            value,
            (i // per_column) * column_width,
            (i % per_column) * row_height + 4,
            round(float(value or 0) / scale_max * plot_width, 1),
        )
        for i, (code, value) in enumerate(rows)
    )
    return Bars(width, min(len(out), per_column) * row_height + 10, row_height, label_width, plot_width, out)


def trend_points(indices: Sequence[Fraction], scale_max: int = 5, width: int = 480, height: int = 160) -> str:
    """SVG polyline points of an index per year (oldest first), 0 at the bottom and ``scale_max`` at the top."""
    if not indices:
        return ""
    step = width / max(len(indices) - 1, 1)
    return " ".join(
        f"{round(i * step, 1)},{round(height - float(index) / scale_max * height, 1)}"
        for i, index in enumerate(indices)
    )
