"""Mess in enrollment spells: transfer overlaps, pre-filled exits, exits in the next
school year, and spells without a school.

Every change is listed with the spell's key as it was before the change
(student_id, school_id, entry_date) and the old and new values.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from k12ews import warehouse
from k12ews.messy.rates import PREFILLED_EXIT_CODE, YEAR_END_EXIT_CODES, MessRates
from k12ews.messy.work import Outcome, Work, pick, stream

KEY = ("student_id", "school_id", "entry_date")
# 1 July to 30 September of the next school year
NEXT_YEAR_DAYS = 92


def transfer_overlaps(work: Work, rates: MessRates, seed: int) -> Outcome:
    """Move the exit of the earlier spell of a mid-year move past the later one's entry."""
    moves = work.con.execute(
        """
        SELECT _rid, next_entry FROM (
            SELECT _rid, school_id, school_year, exit_date,
                lead(school_id) OVER w AS next_school,
                lead(school_year) OVER w AS next_year,
                lead(entry_date) OVER w AS next_entry
            FROM m_enrollments
            WINDOW w AS (PARTITION BY student_id ORDER BY entry_date, school_id)
        )
        WHERE next_year = school_year AND next_school <> school_id
            AND exit_date IS NOT NULL AND exit_date < next_entry
        ORDER BY _rid
        """
    ).fetchall()
    out = Outcome("transfer_overlaps", len(moves))
    rng = stream(seed, out.kind)
    chosen = pick(rng, len(moves), rates.transfer_overlap)
    if len(chosen) == 0:
        return out
    short = rng.random(len(chosen)) < rates.overlap_within_week
    days = np.where(short, rng.integers(1, 8, len(chosen)), rng.integers(8, 11, len(chosen)))
    rids = np.array([moves[i][0] for i in chosen], dtype=np.int64)
    new_exit = [moves[i][1] + dt.timedelta(days=int(d)) for i, d in zip(chosen, days, strict=True)]
    before = work.rows("enrollments", rids, [*KEY, "exit_date"])
    for row, nxt, new, d in zip(before, (moves[i][1] for i in chosen), new_exit, days, strict=True):
        out.changes.append(
            {
                **{k: row[k] for k in KEY},
                "old_exit_date": row["exit_date"],
                "new_exit_date": new.isoformat(),
                "next_entry_date": nxt.isoformat(),
                "days_past_next_entry": int(d),
            }
        )
    work.update("enrollments", "exit_date", rids, [d.isoformat() for d in new_exit])
    return out


def prefilled_exits(work: Work, rates: MessRates, seed: int) -> Outcome:
    """Give open spells an exit on the school's last instructional day of the year."""
    open_spells = work.con.execute(
        f"""
        SELECT e._rid, coalesce(c.last_day, make_date(e.school_year, 6, 30)) AS last_day
        FROM m_enrollments AS e
        LEFT JOIN (
            SELECT school_id, school_year, max(calendar_date) AS last_day
            FROM {warehouse.RAW}.calendar_days
            WHERE is_instructional_day
            GROUP BY school_id, school_year
        ) AS c ON e.school_id = c.school_id AND e.school_year = c.school_year
        WHERE e.exit_date IS NULL
        ORDER BY e._rid
        """
    ).fetchall()
    out = Outcome("prefilled_exits", len(open_spells))
    chosen = pick(stream(seed, out.kind), len(open_spells), rates.prefilled_exit)
    if len(chosen) == 0:
        return out
    rids = np.array([open_spells[i][0] for i in chosen], dtype=np.int64)
    last = [open_spells[i][1].isoformat() for i in chosen]
    for row, day in zip(work.rows("enrollments", rids, KEY), last, strict=True):
        out.changes.append({**row, "new_exit_date": day, "new_exit_code": PREFILLED_EXIT_CODE})
    work.update("enrollments", "exit_date", rids, last)
    work.update("enrollments", "exit_code", rids, [PREFILLED_EXIT_CODE] * len(rids))
    return out


def exits_next_year(work: Work, rates: MessRates, seed: int) -> Outcome:
    """Move some year-end exit dates into July-September of the next school year."""
    codes = ", ".join(f"'{c}'" for c in YEAR_END_EXIT_CODES)
    year_end = work.con.execute(
        "SELECT _rid, school_year FROM m_enrollments "
        f"WHERE exit_date IS NOT NULL AND exit_code IN ({codes}) ORDER BY _rid"
    ).fetchall()
    out = Outcome("exits_next_year", len(year_end))
    rng = stream(seed, out.kind)
    chosen = pick(rng, len(year_end), rates.exit_next_year)
    if len(chosen) == 0:
        return out
    offsets = rng.integers(0, NEXT_YEAR_DAYS, len(chosen))
    rids = np.array([year_end[i][0] for i in chosen], dtype=np.int64)
    new_exit = [
        (dt.date(year_end[i][1], 7, 1) + dt.timedelta(days=int(o))).isoformat()
        for i, o in zip(chosen, offsets, strict=True)
    ]
    before = work.rows("enrollments", rids, [*KEY, "exit_date"])
    for row, new in zip(before, new_exit, strict=True):
        out.changes.append(
            {
                **{k: row[k] for k in KEY},
                "old_exit_date": row["exit_date"],
                "new_exit_date": new,
            }
        )
    work.update("enrollments", "exit_date", rids, new_exit)
    return out


def spells_without_school(work: Work, rates: MessRates, seed: int) -> Outcome:
    """Write some spells with an empty school_id."""
    rids = work.rids("SELECT _rid FROM m_enrollments WHERE school_id IS NOT NULL ORDER BY _rid")
    out = Outcome("spells_without_school", len(rids))
    chosen = rids[pick(stream(seed, out.kind), len(rids), rates.spell_without_school)]
    out.changes = [{**row, "new_school_id": None} for row in work.rows("enrollments", chosen, KEY)]
    work.update("enrollments", "school_id", chosen, [None] * len(chosen))
    return out
