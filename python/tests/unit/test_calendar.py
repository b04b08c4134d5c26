"""School calendars: 180 days, no school on weekends and holidays, quarters in order."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from k12ews.synth.calendar import axis_dates, build_calendar


@pytest.mark.parametrize("year", [2016, 2020, 2024, 2027])
@pytest.mark.parametrize("level", ["Elementary", "Middle", "High"])
@pytest.mark.parametrize("variant", [0, 1, 2])
def test_calendar_shape(year: int, level: str, variant: int) -> None:
    cal = build_calendar(year, level, variant)
    dates = axis_dates(year)
    instr = dates[cal.instructional]
    assert cal.n_instructional == (179 if variant == 2 else 180)
    weekdays = (instr.astype("datetime64[D]").view("int64") - 4) % 7  # 1970-01-01 was a Thursday
    assert (weekdays < 5).all(), "no school on Saturdays or Sundays"
    first, last = instr[0].astype(dt.date), instr[-1].astype(dt.date)
    assert first.month == 8 and first.day >= 19
    assert dt.date(year, 5, 20) <= last <= dt.date(year, 6, 20)
    assert np.datetime64(dt.date(year - 1, 12, 25)) not in instr
    assert np.datetime64(dt.date(year, 1, 1)) not in instr
    q = cal.quarter[cal.instructional]
    assert (np.diff(q) >= 0).all() and set(q.tolist()) == {1, 2, 3, 4}
    assert np.bincount(q)[1:].min() >= 44


def test_calendars_differ_between_variants() -> None:
    a = build_calendar(2019, "Elementary", 0)
    b = build_calendar(2019, "Elementary", 1)
    c = build_calendar(2019, "High", 1)
    assert a.first_day != b.first_day, "a Wednesday start differs from a Monday start"
    assert not np.array_equal(b.instructional, c.instructional), "high-school spring break differs"
