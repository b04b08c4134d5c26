"""School calendars: about 180 instructional days between late August and June.

Every school in a year shares the district's holidays and breaks; schools differ
in a start day, a teacher-only day or two, whether they close on Indigenous
Peoples' Day, and the spring break week of high schools, as real district
calendars do. Dates are held as day offsets on a per-year axis that starts on
1 August, so the generator can work with whole-year arrays.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

INSTRUCTIONAL_DAYS = 180
EVENT_CODES = ("instructional", "weekend", "holiday", "break", "teacher_day")
_INSTR, _WEEKEND, _HOLIDAY, _BREAK, _TEACHER = range(5)


def axis_start(school_year: int) -> dt.date:
    """First date of the year axis: 1 August of the fall year."""
    return dt.date(school_year - 1, 8, 1)


def axis_length(school_year: int) -> int:
    """Days from 1 August to 30 June inclusive."""
    return (dt.date(school_year, 6, 30) - axis_start(school_year)).days + 1


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The n-th (1-based) given weekday of a month; n = -1 gives the last."""
    if n > 0:
        first = dt.date(year, month, 1)
        shift = (weekday - first.weekday()) % 7
        return first + dt.timedelta(days=shift + 7 * (n - 1))
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    last = nxt - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


@dataclass(frozen=True)
class SchoolCalendar:
    """One school's calendar for one year, on the year axis."""

    school_year: int
    event: np.ndarray  # int8 event code per axis day (-1 outside first..last day)
    quarter: np.ndarray  # int8 1-4 per axis day inside the calendar, 0 outside
    first_day: int
    last_day: int

    @property
    def instructional(self) -> np.ndarray:
        return self.event == _INSTR

    @property
    def n_instructional(self) -> int:
        return int(self.instructional.sum())


def build_calendar(
    school_year: int,
    level: str,
    variant: int,
    target_days: int = INSTRUCTIONAL_DAYS,
) -> SchoolCalendar:
    """Build the calendar of a school of ``level`` with calendar ``variant`` (0-2)."""
    fall, spring = school_year - 1, school_year
    start = axis_start(school_year)
    n = axis_length(school_year)
    dates = [start + dt.timedelta(days=i) for i in range(n)]
    idx = {d: i for i, d in enumerate(dates)}
    ev = np.full(n, _INSTR, dtype=np.int8)
    weekday = np.array([d.weekday() for d in dates])
    ev[weekday >= 5] = _WEEKEND

    def mark(d: dt.date, code: int) -> None:
        i = idx.get(d)
        if i is not None and ev[i] == _INSTR:
            ev[i] = code

    def mark_range(a: dt.date, b: dt.date, code: int) -> None:
        d = a
        while d <= b:
            mark(d, code)
            d += dt.timedelta(days=1)

    # first day: the Monday on or after 19 August, a Wednesday start for variant 1
    first = _nth_weekday(fall, 8, 0, 3)
    if first.day < 19:
        first += dt.timedelta(days=7)
    if variant == 1:
        first += dt.timedelta(days=2)
    holidays = [
        _nth_weekday(fall, 9, 0, 1),  # Labor Day
        dt.date(fall, 11, 11),  # Veterans Day
        _nth_weekday(spring, 1, 0, 3),  # Martin Luther King Jr. Day
        _nth_weekday(spring, 2, 0, 3),  # Presidents' Day
        _nth_weekday(spring, 5, 0, -1),  # Memorial Day
    ]
    if variant != 2:
        holidays.append(_nth_weekday(fall, 10, 0, 2))  # Indigenous Peoples' Day
    for h in holidays:
        mark(h, _HOLIDAY)
    thanksgiving = _nth_weekday(fall, 11, 3, 4)
    mark_range(thanksgiving - dt.timedelta(days=1), thanksgiving + dt.timedelta(days=1), _BREAK)
    mark_range(dt.date(fall, 12, 22), dt.date(spring, 1, 1), _BREAK)
    spring_break = _nth_weekday(spring, 3, 0, 3)
    if level == "High" and variant == 1:
        spring_break += dt.timedelta(days=7)
    mark_range(spring_break, spring_break + dt.timedelta(days=4), _BREAK)
    # teacher-only days: one in October and one at the semester turn, by variant
    mark(_nth_weekday(fall, 10, 4, 3 + (variant == 2)), _TEACHER)
    mark(_nth_weekday(spring, 1, 4, 4 - (level == "Elementary")), _TEACHER)

    i_first = idx[first]
    ev[:i_first] = -1
    instr = np.flatnonzero(ev == _INSTR)
    instr = instr[instr >= i_first]
    target = target_days - (variant == 2)  # one school district-approved shorter year
    if len(instr) < target:
        raise ValueError(f"calendar {school_year} {level} has only {len(instr)} school days")
    i_last = int(instr[target - 1])
    ev[i_last + 1 :] = -1
    used = instr[:target]
    quarter = np.zeros(n, dtype=np.int8)
    bounds = np.linspace(0, target, 5).round().astype(int)
    for q in range(4):
        a = used[bounds[q]]
        b = used[bounds[q + 1] - 1] if q < 3 else i_last
        quarter[a : b + 1] = q + 1
    # non-instructional days between quarters belong to the quarter that follows
    for i in range(i_last, i_first - 1, -1):
        if quarter[i] == 0:
            quarter[i] = quarter[i + 1]
    return SchoolCalendar(school_year, ev, quarter, i_first, i_last)


def axis_dates(school_year: int) -> np.ndarray:
    """The year axis as numpy datetime64[D]."""
    start = np.datetime64(axis_start(school_year), "D")
    return start + np.arange(axis_length(school_year))
