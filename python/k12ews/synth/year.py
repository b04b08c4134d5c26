"""The state of one simulated school year (``Year``) as the phases of
``k12ews.synth.district.Simulation._year`` fill it in, phase by phase, and the statuses
of the simulated population."""

from __future__ import annotations

import numpy as np
import pandas as pd

from k12ews.synth.calendar import SchoolCalendar

# a student's status in the population (``pop["status"]``)
ACTIVE, GONE, DROPPED, GRADUATED, COMPLETED, NOT_YET = range(6)


class Year:
    """One school year's arrays, per roster row (``ri``: population index of each) unless
    noted; each group is written by the phase named in its comment and read by the later
    ones."""

    # school days: per school (``n_sch`` of them) and axis day (``n_days``)
    cals: list[SchoolCalendar]
    n_days: int
    n_sch: int
    cal_instr: np.ndarray  # instructional day (row 0: no school)
    cal_q: np.ndarray  # quarter of each day (row 0: no school)
    first_day: np.ndarray
    last_day: np.ndarray
    instr_lists: list[np.ndarray]  # each school's instructional days
    n_instr: np.ndarray
    instr_mat: np.ndarray  # the same, padded with the last
    q_start: np.ndarray  # first and last instructional day of each quarter
    q_end: np.ndarray
    # 1. roster
    ri: np.ndarray
    n: int
    grade: np.ndarray
    band: np.ndarray
    school: np.ndarray
    etype: np.ndarray
    entry_day: np.ndarray
    late_rows: np.ndarray
    # yearly characteristics
    pov: np.ndarray
    homeless: np.ndarray
    is_el: np.ndarray
    has_iep: np.ndarray
    gifted: np.ndarray
    # 2. exits decided from the state at the start of the year
    eng: np.ndarray  # engagement (again after each quarter's services)
    ability: np.ndarray
    age: np.ndarray
    trend: np.ndarray
    credits_behind: np.ndarray
    drop: np.ndarray
    out: np.ndarray
    move: np.ndarray
    tw: np.ndarray
    mid_drop: np.ndarray
    mid_out: np.ndarray
    exit_day: np.ndarray
    # spells
    spells: pd.DataFrame
    exit_code: np.ndarray
    out_kind: np.ndarray
    final_school: np.ndarray
    # enrolled-instructional mask and school of each day
    sod: np.ndarray
    enrolled: np.ndarray
    qmat: np.ndarray
    day_eff: np.ndarray
    year_frac: np.ndarray
    # 3. quarters: their inputs, and what they add up
    is_black: np.ndarray
    pov_c: np.ndarray
    excused_logit: np.ndarray
    tardy_logit: np.ndarray
    yr_shift: float
    ytd_enrolled: np.ndarray
    ytd_absent: np.ndarray
    ytd_expected: np.ndarray
    term_enrolled: np.ndarray
    term_absent: np.ndarray
    ytd_incidents: np.ndarray
    last_fails: np.ndarray
    served: np.ndarray
    cap: np.ndarray
    hs_credits_year: np.ndarray
    core_fail_terms: np.ndarray
    core_terms: np.ndarray
    svc_rows: list[pd.DataFrame]
    # 5. end of year
    abs_rate_y: np.ndarray
    summer_out: np.ndarray
    aged_out: np.ndarray
    grad: np.ndarray
    cert: np.ndarray
    retained: np.ndarray

    def __init__(self, y: int, first: bool, partial: bool) -> None:
        self.y = y
        self.first = first
        self.partial = partial
