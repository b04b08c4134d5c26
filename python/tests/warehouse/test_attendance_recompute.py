"""Attendance indicators agree with an independent recomputation from the raw tables.

`int_student_years__attendance` is built with dbt on a small generated district; days
enrolled, days absent and the chronic absence flag (default definition) are then
recomputed here with pandas straight from ``raw.enrollments``, ``raw.calendar_days``
and ``raw.attendance_events`` (no dbt model is read for them) and compared row for row.
The rules recomputed, as the warehouse documents them:

- the as-of date is the latest entry, exit or event date in raw; spells entered after
  it are dropped and exits after it are not known yet;
- an open spell runs to the earlier of the as-of date and the school's last
  instructional day; when a student's spells overlap, the earlier spell ends the day
  before the later one starts;
- a day counts when it is an instructional day of the spell's school and year, within
  the spell, and on or before the school's attendance-complete date (the last
  instructional day of a finished year; in the year under way the earlier of the as-of
  date and the school's last attendance event);
- an absence (excused or unexcused) counts its duration (half days 0.5); no event
  means present; an event on a day not counted is ignored;
- chronically absent: enrolled at least the seed's minimum days and missed at least the
  seed's share of them (inclusive).

The small district has one school per level, so before the build the copy gets a
second elementary school with the same calendar, and some students move to it during
the year (their later absences recorded there), or spend the whole next year there.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from dbt_runner import SECOND_ELEMENTARY_SCHOOL_SQL, picked_single_spell_years_sql, run_dbt

REPO = Path(__file__).resolve().parents[3]
KEY = ["student_id", "school_year"]
DEFAULT_DEFINITION = "edfacts_10pct"


def _dbt_build_attendance(db: Path, tmp_path: Path) -> None:
    proc = run_dbt(
        db,
        tmp_path,
        "build",
        "--select",
        "+int_student_years__attendance",
        "--indirect-selection",
        "cautious",
    )
    assert proc.returncode == 0, proc.stdout[-4000:]


def _add_moves(db: Path) -> None:
    """A second elementary school B, and students moving to it from school A."""
    con = duckdb.connect(str(db))
    try:
        con.execute(SECOND_ELEMENTARY_SCHOOL_SQL)
        con.execute(
            """

            insert into raw.calendar_days
            select school_b, school_year, calendar_date, is_instructional_day, calendar_event,
                   quarter, semester
            from raw.calendar_days join school_pair on school_id = school_a;

"""
            + picked_single_spell_years_sql(kinds=2, limit=80)
            + """

            -- kind 0: A until entry + 60, B from entry + 63 (events on the days between
            -- stay at A, where the student is no longer enrolled)
            insert into raw.enrollments
            select student_id, school_id, school_year, grade_level, entry_date,
                   cast(entry_date + 60 as date), entry_type, 'TRANSFER_DISTRICT'
            from picked where kind = 0;
            insert into raw.enrollments
            select p.student_id, school_b, p.school_year, p.grade_level,
                   cast(p.entry_date + 63 as date), p.exit_date, 'TRANSFER_DISTRICT',
                   p.exit_code
            from picked as p cross join school_pair where p.kind = 0;
            update raw.attendance_events as a
            set school_id = (select school_b from school_pair)
            from picked as p
            where p.kind = 0 and a.student_id = p.student_id
              and a.school_year = p.school_year and a.event_date >= p.entry_date + 63;

            -- kind 1: the whole year at B
            insert into raw.enrollments
            select p.student_id, school_b, p.school_year, p.grade_level, p.entry_date,
                   p.exit_date, p.entry_type, p.exit_code
            from picked as p cross join school_pair where p.kind = 1;
            update raw.attendance_events as a
            set school_id = (select school_b from school_pair)
            from picked as p
            where p.kind = 1 and a.student_id = p.student_id
              and a.school_year = p.school_year;
            """
        )
    finally:
        con.close()


def _read_raw(db: Path) -> dict[str, pd.DataFrame]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            "enrollments": con.execute(
                "select student_id, school_id, school_year, entry_date, exit_date "
                "from raw.enrollments"
            ).df(),
            "calendar_days": con.execute(
                "select school_id, school_year, calendar_date, is_instructional_day "
                "from raw.calendar_days"
            ).df(),
            "attendance_events": con.execute(
                "select student_id, school_id, school_year, event_date, event_type, "
                "event_duration "
                "from raw.attendance_events"
            ).df(),
            "warehouse": con.execute(
                "select student_id, school_year, days_enrolled, days_absent, "
                "is_chronically_absent, schools_with_counted_days "
                "from int.int_student_years__attendance"
            ).df(),
        }
    finally:
        con.close()


def _dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    return frame.assign(**{c: pd.to_datetime(frame[c]) for c in columns})


def _recompute(
    enrollments: pd.DataFrame, calendar_days: pd.DataFrame, events: pd.DataFrame
) -> pd.DataFrame:
    enrollments = _dates(enrollments, "entry_date", "exit_date")
    enrollments["student_id"] = enrollments["student_id"].astype(str)
    events = _dates(events, "event_date")
    events["student_id"] = events["student_id"].astype(str)
    days = _dates(calendar_days, "calendar_date")
    days = days.loc[days["is_instructional_day"].astype(bool)]

    as_of = max(
        enrollments["entry_date"].max(),
        enrollments["exit_date"].max(),
        events["event_date"].max(),
    )

    # how far each school's attendance counts
    bounds = days.groupby(["school_id", "school_year"])["calendar_date"].agg(["min", "max"])
    last_event = (
        events.loc[events["event_date"] <= as_of]
        .groupby(["school_id", "school_year"])["event_date"]
        .max()
    )
    complete: dict[tuple[int, int], pd.Timestamp | None] = {}
    for (school_id, school_year), row in bounds.iterrows():
        first_day, last_day = row["min"], row["max"]
        if as_of >= last_day:
            complete[(school_id, school_year)] = last_day
        elif as_of < first_day:
            complete[(school_id, school_year)] = None
        else:
            recorded = last_event.get((school_id, school_year), as_of)
            complete[(school_id, school_year)] = min(as_of, recorded)

    # enrollment spells as known on the as-of date, overlaps cut
    spells = enrollments.loc[enrollments["entry_date"] <= as_of].copy()
    spells.loc[spells["exit_date"] > as_of, "exit_date"] = pd.NaT
    spells = spells.sort_values(["student_id", "entry_date", "school_id"])
    spells["next_entry_date"] = spells.groupby("student_id")["entry_date"].shift(-1)
    last_day = spells.merge(
        bounds["max"].rename("last_day").reset_index(),
        on=["school_id", "school_year"],
        how="left",
    )["last_day"].to_numpy()
    open_exit = spells["exit_date"].to_numpy()
    open_exit = np.where(pd.isna(open_exit), np.minimum(as_of.to_datetime64(), last_day), open_exit)
    spells["open_exit_date"] = pd.to_datetime(open_exit)
    cut = spells["next_entry_date"] <= spells["open_exit_date"]
    spells["effective_exit_date"] = spells["open_exit_date"].where(
        ~cut, spells["next_entry_date"] - pd.Timedelta(days=1)
    )

    # counted days
    complete_through = pd.DataFrame(
        [(school, year, date) for (school, year), date in complete.items()],
        columns=["school_id", "school_year", "complete_through_date"],
    )
    spell_days = spells.merge(days, on=["school_id", "school_year"], how="inner").merge(
        complete_through, on=["school_id", "school_year"], how="left"
    )
    spell_days = spell_days.loc[
        (spell_days["calendar_date"] >= spell_days["entry_date"])
        & (spell_days["calendar_date"] <= spell_days["effective_exit_date"])
        & (spell_days["calendar_date"] <= spell_days["complete_through_date"])
    ]

    # absences on counted days
    xwalk = pd.read_csv(REPO / "seeds" / "xwalk_attendance_events.csv", dtype=str)
    absence_codes = set(xwalk.loc[xwalk["is_absence"].str.lower() == "true", "event_type"])
    assert absence_codes, "no absence codes in xwalk_attendance_events"
    absences = events.loc[events["event_type"].isin(absence_codes)].copy()
    absences["absence_days"] = absences["event_duration"].fillna(1.0).clip(0.0, 1.0)
    counted = spell_days.merge(
        absences[["student_id", "school_id", "event_date", "absence_days"]],
        left_on=["student_id", "school_id", "calendar_date"],
        right_on=["student_id", "school_id", "event_date"],
        how="left",
    )
    counted["absence_days"] = counted["absence_days"].fillna(0.0)
    per_year = counted.groupby(KEY).agg(
        days_enrolled=("calendar_date", "size"), days_absent=("absence_days", "sum")
    )

    student_years = spells[KEY].drop_duplicates().set_index(KEY)
    out = student_years.join(per_year).fillna({"days_enrolled": 0, "days_absent": 0.0})

    definitions = pd.read_csv(REPO / "seeds" / "ews_chronic_absence_definitions.csv")
    default = definitions.set_index("definition_id").loc[DEFAULT_DEFINITION]
    assert default["measure"] == "absence_rate"
    rated = out["days_enrolled"] >= int(default["min_enrolled_days"])
    rate = out["days_absent"] / out["days_enrolled"].where(out["days_enrolled"] > 0)
    out["is_chronically_absent"] = rated & (rate >= float(default["chronic_threshold"]))
    return out.reset_index()


def test_attendance_agrees_with_a_pandas_recomputation(small_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "attendance.duckdb"
    shutil.copy(small_db, db)
    _add_moves(db)
    _dbt_build_attendance(db, tmp_path)
    raw = _read_raw(db)

    expected = _recompute(raw["enrollments"], raw["calendar_days"], raw["attendance_events"])
    warehouse = raw["warehouse"]
    warehouse["student_id"] = warehouse["student_id"].astype(str)

    merged = expected.merge(
        warehouse, on=KEY, how="outer", suffixes=("_pandas", "_dbt"), indicator=True
    )
    unmatched = merged.loc[merged["_merge"] != "both"]
    assert unmatched.empty, f"student-years in one side only:\n{unmatched.head(10)}"
    assert len(merged) == len(warehouse) > 1000

    enrolled_differs = merged["days_enrolled_pandas"].astype(int) != merged[
        "days_enrolled_dbt"
    ].astype(int)
    assert not enrolled_differs.any(), (
        f"days_enrolled differs in {enrolled_differs.sum()} rows:\n"
        f"{merged.loc[enrolled_differs].head(10)}"
    )
    absent_differs = ~np.isclose(
        merged["days_absent_pandas"].astype(float), merged["days_absent_dbt"].astype(float)
    )
    assert not absent_differs.any(), (
        f"days_absent differs in {absent_differs.sum()} rows:\n"
        f"{merged.loc[absent_differs].head(10)}"
    )
    chronic_differs = merged["is_chronically_absent_pandas"].astype(bool) != merged[
        "is_chronically_absent_dbt"
    ].astype(bool)
    assert not chronic_differs.any(), (
        f"is_chronically_absent differs in {chronic_differs.sum()} rows:\n"
        f"{merged.loc[chronic_differs].head(10)}"
    )

    # the comparison means something: chronic absence, half days, students counted at
    # two schools in a year, and a school whose current-year attendance stops early
    assert merged["is_chronically_absent_dbt"].astype(bool).sum() > 50
    assert (merged["days_absent_dbt"] % 1 != 0).any()
    assert (merged["schools_with_counted_days"] >= 2).sum() >= 20
    events = raw["attendance_events"]
    current_year = events.loc[events["school_year"] == events["school_year"].max()]
    last_event_per_school = current_year.groupby("school_id")["event_date"].max()
    assert (last_event_per_school < last_event_per_school.max()).any()
