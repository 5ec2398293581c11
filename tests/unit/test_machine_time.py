"""The ``<time datetime>`` attribute: one UTC form with its offset, whichever engine returned the stored time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from assess.display import machine_time


def test_a_naive_stored_time_is_utc_with_its_offset() -> None:
    # SQLite gives back the stored UTC time without an offset; PostgreSQL gives it with one.
    assert machine_time(datetime(2026, 12, 6, 7, 20, 59, 194441)) == "2026-12-06T07:20:59+00:00"
    assert machine_time(datetime(2026, 12, 6, 7, 20, 59, 194441, tzinfo=UTC)) == "2026-12-06T07:20:59+00:00"


def test_another_offset_is_turned_into_utc() -> None:
    jakarta = timezone(timedelta(hours=7))
    assert machine_time(datetime(2026, 12, 6, 14, 20, tzinfo=jakarta)) == "2026-12-06T07:20:00+00:00"
