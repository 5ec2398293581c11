"""Chart geometry in assess.charts: pure functions of values, no formatting."""

from __future__ import annotations

from fractions import Fraction

from assess import charts


def test_radar_geometry_keeps_exact_values() -> None:
    r = charts.radar([("A", Fraction(5)), ("B", Fraction(0)), ("C", Fraction(9, 8))], 5, size=200)
    assert len(r.rings) == 5
    assert [a.value for a in r.axes] == [Fraction(5), Fraction(0), Fraction(9, 8)]
    assert r.polygon.split()[0] == f"{r.center},80.0"  # the full value reaches the outer ring straight up
    assert r.polygon.split()[1] == f"{r.center},{r.center}"  # zero sits in the centre


def test_bars_geometry() -> None:
    b = charts.bars([("I1", Fraction(5)), ("I2", None), ("I3", Fraction(9, 8))], 5, width=520)
    assert (b.plot_width, b.height) == (410, 3 * 16 + 10)
    assert [(row.code, row.y, row.length) for row in b.rows] == [("I1", 4, 410.0), ("I2", 20, 0.0), ("I3", 36, 92.2)]
    assert b.rows[1].value is None


def test_trend_points() -> None:
    assert charts.trend_points([]) == ""
    assert charts.trend_points([Fraction(5)], width=480, height=160) == "0.0,0.0"
    assert charts.trend_points([Fraction(0), Fraction(5, 2), Fraction(5)], width=480, height=160) == (
        "0.0,160.0 240.0,80.0 480.0,0.0"
    )


SPBE_ASPECTS = [
    "Kebijakan Internal Tata Kelola SPBE",
    "Perencanaan Strategis SPBE",
    "Teknologi Informasi dan Komunikasi",
    "Penyelenggara SPBE",
    "Penerapan Manajemen SPBE",
    "Pelaksanaan Audit Teknologi Informasi dan Komunikasi",
    "Layanan Administrasi Pemerintahan Berbasis Elektronik",
    "Layanan Publik Berbasis Elektronik",
]


def test_radar_labels_are_whole_and_inside_the_view_box() -> None:
    r = charts.radar([(name, Fraction(13, 5)) for name in SPBE_ASPECTS], 5)
    left, top, width, height = r.view_box
    for axis in r.axes:
        assert " ".join(axis.lines) == axis.label  # wrapped between words, nothing cut
        assert all(len(line) <= charts.LABEL_WRAP for line in axis.lines)
        x0, y0, x1, y1 = charts.label_box(axis)
        assert left <= x0, axis.label
        assert top <= y0, axis.label
        assert x1 <= left + width, axis.label
        assert y1 <= top + height, axis.label
    # Labels on the right start at their spoke, those on the left end there, top and bottom are centred.
    assert [a.anchor for a in r.axes] == ["middle", "start", "start", "start", "middle", "end", "end", "end"]


def test_text_extent_is_generous_and_long_labels_are_cut_only_past_three_lines() -> None:
    assert charts.text_extent("Mm", 10) > charts.text_extent("ii", 10) > 0
    assert charts.text_extent("W" * 10, 10) >= 10 * 0.9 * 10
    words = "Satu dua tiga empat lima enam tujuh delapan sembilan sepuluh sebelas duabelas tigabelas empatbelas"
    lines = charts.wrap_label(words)
    assert len(lines) == charts.LABEL_LINES
    assert lines[-1].endswith("…")


def test_bars_in_columns() -> None:
    rows = [(f"I{n}", Fraction(n % 6)) for n in range(1, 48)]
    b = charts.bars(rows, 5, width=640, columns=2)
    assert b.height == 24 * 16 + 10  # 24 rows in the first column, 23 in the second
    assert {row.x for row in b.rows[:24]} == {0}
    assert {row.x for row in b.rows[24:]} == {320}
    assert b.rows[24].y == b.rows[0].y
    assert b.label_width + b.plot_width + 40 + 12 == 320
