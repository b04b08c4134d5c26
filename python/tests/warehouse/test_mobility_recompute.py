"""Mobility indicators agree with an independent recomputation from the raw tables.

`int_student_years__mobility` is built with dbt on a small generated district; the same
three indicators are then recomputed here with pandas straight from ``raw.enrollments``
and ``raw.calendar_days`` (no dbt model is read for them) and compared row for row:

- schools attended: distinct schools of the student's spells in the school year;
- mid-year school changes: spells of the year, in order of entry date, at a different
  school from the spell before them in the same year;
- late entry: the school of the year's first spell had held more than
  ``LATE_ENTRY_DAYS`` instructional days before the student's first entry.

The small district has one school per level, so it has no moves between schools. Before
the build, the copy gets a second elementary school (its calendar starts two days later)
and some elementary students' years are rewritten as moves: school A to B, A to B and
back to A, or a late entry at B.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
from dbt_runner import SECOND_ELEMENTARY_SCHOOL_SQL, picked_single_spell_years_sql, run_dbt

REPO = Path(__file__).resolve().parents[3]
LATE_ENTRY_DAYS = 10
KEY = ["student_id", "school_year"]


def _dbt_build_mobility(db: Path, tmp_path: Path) -> None:
    proc = run_dbt(
        db,
        tmp_path,
        "build",
        "--select",
        "+int_student_years__mobility",
        # only tests whose parents are all built (not relationships to other marts)
        "--indirect-selection",
        "cautious",
        "--vars",
        f"{{late_entry_days: {LATE_ENTRY_DAYS}}}",
    )
    assert proc.returncode == 0, proc.stdout[-4000:]


def _add_moves(db: Path) -> None:
    """A second elementary school, and students moving to it during the year."""
    con = duckdb.connect(str(db))
    try:
        con.execute(SECOND_ELEMENTARY_SCHOOL_SQL)
        con.execute(
            """

            -- B's calendar: A's, with the first two instructional days of each year
            -- turned into teacher days
            insert into raw.calendar_days
            select school_b, c.school_year, c.calendar_date,
                   c.is_instructional_day and coalesce(r.day_rank > 2, true),
                   case when r.day_rank <= 2 then 'teacher_day' else c.calendar_event end,
                   c.quarter, c.semester
            from raw.calendar_days as c
            join school_pair on c.school_id = school_a
            left join (
                select school_year, calendar_date,
                       row_number() over (partition by school_year order by calendar_date)
                           as day_rank
                from raw.calendar_days join school_pair on school_id = school_a
                where is_instructional_day
            ) as r using (school_year, calendar_date);

"""
            + picked_single_spell_years_sql(kinds=3, limit=60)
            + """

            insert into raw.enrollments  -- kind 0: A to B; kind 1: A to B and back to A
            select student_id, school_id, school_year, grade_level, entry_date,
                   cast(entry_date + 60 as date), entry_type, 'TRANSFER_DISTRICT'
            from picked where kind in (0, 1);
            insert into raw.enrollments
            select p.student_id, school_b, p.school_year, p.grade_level,
                   cast(p.entry_date + 63 as date),
                   case when p.kind = 0 then p.exit_date else cast(p.entry_date + 120 as date) end,
                   'TRANSFER_DISTRICT',
                   case when p.kind = 0 then p.exit_code else 'TRANSFER_DISTRICT' end
            from picked as p cross join school_pair where p.kind in (0, 1);
            insert into raw.enrollments
            select student_id, school_id, school_year, grade_level,
                   cast(entry_date + 123 as date), exit_date, 'TRANSFER_DISTRICT', exit_code
            from picked where kind = 1;
            insert into raw.enrollments  -- kind 2: the whole year at B, entered 20 days late
            select p.student_id, school_b, p.school_year, p.grade_level,
                   cast(p.entry_date + 20 as date), p.exit_date, p.entry_type, p.exit_code
            from picked as p cross join school_pair where p.kind = 2;
            """
        )
    finally:
        con.close()


def _recompute(enrollments: pd.DataFrame, calendar_days: pd.DataFrame) -> pd.DataFrame:
    spells = enrollments.assign(
        student_id=enrollments["student_id"].astype(str),
        entry_date=pd.to_datetime(enrollments["entry_date"]),
    ).sort_values(["student_id", "school_year", "entry_date", "school_id"])

    previous_school = spells.groupby(KEY)["school_id"].shift()
    spells["is_change"] = previous_school.notna() & (previous_school != spells["school_id"])
    per_year = spells.groupby(KEY).agg(
        schools_attended=("school_id", "nunique"),
        mid_year_school_changes=("is_change", "sum"),
    )

    first = spells.groupby(KEY, as_index=False).first()[[*KEY, "school_id", "entry_date"]]
    days = calendar_days.loc[calendar_days["is_instructional_day"]].assign(
        calendar_date=lambda d: pd.to_datetime(d["calendar_date"])
    )[["school_id", "school_year", "calendar_date"]]
    joined = first.merge(days, on=["school_id", "school_year"], how="left")
    joined["is_before"] = joined["calendar_date"] < joined["entry_date"]
    days_before = joined.groupby(KEY).agg(
        has_calendar=("calendar_date", lambda s: s.notna().any()),
        days_before_entry=("is_before", "sum"),
    )
    late = (days_before["days_before_entry"] > LATE_ENTRY_DAYS).astype(object)
    late[~days_before["has_calendar"]] = None
    out = per_year.join(late.rename("is_late_entry"))
    return out.reset_index()


def _normalise(values: pd.Series, kind: type) -> list[object]:
    """Python values for comparison: None for a missing value, else ``kind(value)``."""
    return [None if pd.isna(v) else kind(v) for v in values]


def test_mobility_agrees_with_a_pandas_recomputation(small_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "mobility.duckdb"
    shutil.copy(small_db, db)
    _add_moves(db)
    _dbt_build_mobility(db, tmp_path)

    con = duckdb.connect(str(db), read_only=True)
    try:
        enrollments = con.execute(
            "select student_id, school_id, school_year, entry_date from raw.enrollments"
        ).df()
        calendar_days = con.execute(
            "select school_id, school_year, calendar_date, is_instructional_day "
            "from raw.calendar_days"
        ).df()
        warehouse = con.execute(
            "select student_id, school_year, schools_attended, mid_year_school_changes, "
            "is_late_entry from int.int_student_years__mobility"
        ).df()
    finally:
        con.close()

    expected = _recompute(enrollments, calendar_days)
    warehouse["student_id"] = warehouse["student_id"].astype(str)

    merged = expected.merge(
        warehouse, on=KEY, how="outer", suffixes=("_pandas", "_dbt"), indicator=True
    )
    unmatched = merged.loc[merged["_merge"] != "both"]
    assert unmatched.empty, f"student-years in one side only:\n{unmatched.head(10)}"
    assert len(merged) == len(warehouse) > 1000

    for column, kind in [
        ("schools_attended", int),
        ("mid_year_school_changes", int),
        ("is_late_entry", bool),
    ]:
        pandas_values = _normalise(merged[f"{column}_pandas"], kind)
        dbt_values = _normalise(merged[f"{column}_dbt"], kind)
        differs = [
            i for i, (a, b) in enumerate(zip(pandas_values, dbt_values, strict=True)) if a != b
        ]
        sample = merged.iloc[differs[:10]]
        assert not differs, f"{column} differs in {len(differs)} rows:\n{sample}"

    # the comparison means something: the district has movers and late entries
    assert merged["mid_year_school_changes_dbt"].sum() > 0
    assert _normalise(merged["is_late_entry_dbt"], bool).count(True) > 0
