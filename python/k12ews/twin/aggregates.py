"""The only thing the fitted twin reads from a district: small-cell-suppressed aggregates
of its built marts (``ews_student_year`` and ``ml_labels``).

Every aggregate is a share: ``events`` of ``cells`` student-years. An aggregate is
suppressed (``NaN`` share, never used) unless both the events and the non-events number
at least ``min_cell_size`` (dbt var, default 10): a share of 1 in 9, or 9 in 10, would
tell about one student. The caller keeps the national profile's value for every
parameter whose aggregate is suppressed (``fit.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from k12ews.ml.vocabulary import GRADUATION

# ews_student_year.race_ethnicity_reporting_group (seed xwalk_race_ethnicity) -> the
# generator's race codes (params.RACE_CODES); Asian and Pacific Islander are reported as
# one group, split back at the national profile's ratio.
RACE_GROUP_CODES: dict[str, tuple[str, ...]] = {
    "white": ("WH",),
    "hispanic": ("HI",),
    "black": ("BL",),
    "asian or pacific islander": ("AS", "PI"),
    "two or more races": ("TW",),
    "american indian or alaska native": ("AM",),
}

# flag column of ews_student_year -> aggregate name
FLAG_SHARES: dict[str, str] = {
    "is_economically_disadvantaged": "frl_share",
    "is_english_learner": "english_learner_share",
    "has_iep": "iep_share",
    "has_504_plan": "section504_share",
    "is_gifted": "gifted_share",
}


@dataclass(frozen=True)
class Aggregates:
    """One row per aggregate: name, key (a year, grade or group; '' if none), events,
    cells, share (NaN when suppressed) and whether it was suppressed."""

    table: pd.DataFrame
    min_cell_size: int

    def share(self, name: str, key: str = "") -> float:
        t = self.table
        row = t[(t["name"] == name) & (t["key"] == key)]
        return float(row["share"].iloc[0]) if len(row) else math.nan

    def shares(self, name: str) -> dict[str, float]:
        t = self.table[(self.table["name"] == name) & self.table["share"].notna()]
        return dict(zip(t["key"], t["share"].astype(float), strict=True))

    def published(self) -> pd.DataFrame:
        """What leaves the district: the aggregates with suppressed counts blanked."""
        out = self.table.copy()
        out.loc[out["is_suppressed"], ["events", "cells"]] = pd.NA
        return out


def min_cell_size(project_dir: Path | None = None) -> int:
    """The dbt var ``min_cell_size`` of the project (dbt_project.yml)."""
    root = project_dir or Path(__file__).resolve().parents[3]
    with (root / "dbt_project.yml").open() as fh:
        return int(yaml.safe_load(fh)["vars"]["min_cell_size"])


def suppress(table: pd.DataFrame, k: int) -> pd.DataFrame:
    """Add ``share`` and ``is_suppressed`` to rows of name, key, events, cells."""
    out = table.copy()
    ev = out["events"].astype(float)
    ce = out["cells"].astype(float)
    out["is_suppressed"] = (ev < k) | ((ce - ev) < k)
    out["share"] = (ev / ce).where(~out["is_suppressed"])
    return out.reset_index(drop=True)


_QUERIES: dict[str, str] = {
    "race": """
        select 'race_share' as name, race_ethnicity_reporting_group as key,
               count(*) as events, sum(count(*)) over () as cells
        from {y} where race_ethnicity_reporting_group is not null
        group by 2""",
    "chronic_by_year": """
        select 'chronic_absence' as name, 'year ' || school_year as key,
               count(*) filter (where is_chronically_absent) as events, count(*) as cells
        from {y} where is_rated_for_chronic_absence group by school_year""",
    "chronic_by_grade": """
        select 'chronic_absence' as name, 'grade ' || grade_level as key,
               count(*) filter (where is_chronically_absent) as events, count(*) as cells
        from {y} where is_rated_for_chronic_absence group by grade_level""",
    "chronic_all": """
        select 'chronic_absence' as name, '' as key,
               count(*) filter (where is_chronically_absent) as events, count(*) as cells
        from {y} where is_rated_for_chronic_absence""",
    "oss": """
        select 'oss_rate' as name, '' as key,
               count(*) filter (where out_of_school_suspensions > 0) as events,
               count(*) as cells
        from {y} where out_of_school_suspensions is not null""",
    "moves": """
        select 'midyear_move_rate' as name, '' as key,
               count(*) filter (where mid_year_school_changes > 0) as events,
               count(*) as cells
        from {y} where mid_year_school_changes is not null""",
    "proficiency": """
        select 'proficient_share' as name, subject || ' grade ' || grade_level as key,
               count(*) filter (where proficient) as events, count(*) as cells
        from (
            select grade_level, 'reading' as subject, is_reading_proficient as proficient
            from {y} where is_reading_proficient is not null
            union all
            select grade_level, 'math', is_math_proficient
            from {y} where is_math_proficient is not null
        ) where grade_level in (4, 8) group by grade_level, subject""",
    "graduation": """
        select 'not_graduating_on_time' as name, 'grade 9' as key,
               count(*) filter (where l.is_adverse_outcome) as events, count(*) as cells
        from {y} y
        join {m}.ml_labels l using (student_id, school_year)
        where l.outcome = '{graduation}' and y.grade_level = 9
          and l.is_adverse_outcome is not null""",
    "students": """
        select 'students_per_year' as name, '' as key,
               cast(round(avg(n)) as bigint) as events, cast(round(avg(n)) as bigint) as cells
        from (select count(*) as n from {full} group by school_year)""",
}


def _flag_query(col: str, name: str) -> str:
    return (
        f"select '{name}' as name, '' as key, count(*) filter (where {col}) as events, "
        f"count({col}) as cells from {{y}}"
    )


def schema_of(con: duckdb.DuckDBPyConnection, table: str) -> str:
    row = con.execute(
        "select table_schema from information_schema.tables where table_name = ? "
        "order by table_schema = 'main' desc limit 1",
        [table],
    ).fetchall()
    if not row:
        raise ValueError(
            f"the district has no {table} table: build it with `dbt build` before a twin"
        )
    return str(row[0][0])


def measure(con: duckdb.DuckDBPyConnection, k: int, members: pd.Series | None = None) -> Aggregates:
    """The district's aggregates, suppressed under ``k`` (the district size,
    ``students_per_year``, is a count, not suppressed: it is the twin's size). With
    ``members`` (student ids), only those students' rows are counted: the rest are the
    privacy figures' holdout."""
    s, m = schema_of(con, "ews_student_year"), schema_of(con, "ml_labels")
    y = f"{s}.ews_student_year"
    # the twin's size is the whole district's (a count of students, not about any one)
    if members is not None:
        ids = pd.DataFrame({"student_id": members.astype(str).unique()})
        con.register("twin_members", ids)
        y = f"(select * from {y} where student_id in (select student_id from twin_members))"
    queries = list(_QUERIES.values()) + [_flag_query(c, n) for c, n in FLAG_SHARES.items()]
    full = f"{s}.ews_student_year"
    parts = [
        con.execute(q.format(y=y, m=m, full=full, graduation=GRADUATION)).df() for q in queries
    ]
    table = pd.concat([p.astype({"key": str}) for p in parts], ignore_index=True)
    out = suppress(table, k)
    size = out["name"] == "students_per_year"
    out.loc[size, "is_suppressed"] = False
    out.loc[size, "share"] = 1.0
    return Aggregates(out, k)


def district_years(con: duckdb.DuckDBPyConnection) -> tuple[int, int, str]:
    """First and last school year of the district's marts, and its as-of date."""
    s = schema_of(con, "ews_student_year")
    row = con.execute(
        "select min(school_year), max(school_year), cast(max(as_of_date) as varchar) "
        f"from {s}.ews_student_year"
    ).fetchall()[0]
    if row[0] is None:
        raise ValueError("the district's ews_student_year is empty: nothing to fit a twin to")
    return int(row[0]), int(row[1]), str(row[2])
