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
