"""How close a generated district comes to published K-12 figures.

Measures are computed straight from the raw tables with SQL of their own (not
from the dbt marts, so the check is independent of the warehouse) and
compared with ``seeds/synth_calibration_targets.csv``: each row names a
measure, the population, the profile it applies to, the target, the tolerance
and the published source.

Definitions used here:
- chronic absence: missed 10% or more of the instructional days enrolled in the
  district that year (all schools together), among students enrolled 10 days
  or more; absences weighted by the fraction of the day missed;
- on-time graduation (ACGR): first-time 9th graders in year c plus students
  who join the cohort later, minus documented transfers out, graduating with a
  regular diploma by the end of year c + 3; cohorts need their 9th-grade year
  observed after the first simulated year and their year c + 3 complete;
- groups for graduation (economically disadvantaged, English learner, with
  disabilities) are flagged if the status held in any high-school year.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

TARGETS_FILE = Path(__file__).resolve().parents[3] / "seeds" / "synth_calibration_targets.csv"


@dataclass(frozen=True)
class Target:
    measure: str
    population: str
    profile: str
    target: float
    tolerance: float
    enforced: bool
    source: str


def load_targets(path: Path = TARGETS_FILE) -> list[Target]:
    if not path.exists():
        raise FileNotFoundError(f"calibration targets not found at {path}")
    with path.open(newline="", encoding="utf-8") as f:
        return [
            Target(
                r["measure"],
                r["population"],
                r["profile"],
                float(r["target"]),
                float(r["tolerance"]),
                r["enforced"].strip().lower() == "true",
                r["source"],
            )
            for r in csv.DictReader(f)
        ]


_BASE = """
create or replace temp view _years as
select min(school_year) as first_year, max(school_year) as last_year from raw.enrollments;

create or replace temp view _spell_days as
select e.student_id, e.school_year, e.school_id, c.calendar_date
from raw.enrollments e
join raw.calendar_days c
  on c.school_id = e.school_id
 and c.calendar_date between e.entry_date and coalesce(e.exit_date, e.entry_date + 400)
 and c.is_instructional_day
where e.school_year < (select last_year from _years);

create or replace temp table _student_year_attendance as
with enrolled as (
    select student_id, school_year, count(*) as days_enrolled
    from _spell_days group by 1, 2
),
absent as (
    select a.student_id, a.school_year, sum(a.event_duration) as days_absent
    from raw.attendance_events a
    where a.event_type in ('EA', 'UA')
    group by 1, 2
)
select e.student_id, e.school_year, e.days_enrolled, coalesce(a.days_absent, 0) as days_absent,
       coalesce(a.days_absent, 0) / e.days_enrolled as absence_rate
from enrolled e left join absent a using (student_id, school_year)
where e.days_enrolled >= 10;

create or replace temp table _year_grade as
select student_id, school_year, max(grade_level) as grade_level
from raw.enrollments group by 1, 2;

create or replace temp table _last_exit as
select student_id, exit_code, school_year, grade_level
from raw.enrollments
qualify row_number() over (partition by student_id order by entry_date desc) = 1;

create or replace temp table _cohort as
with first9 as (
    select student_id, min(school_year) as y9
    from raw.enrollments where grade_level = 9 group by 1
),
joiners as (  -- entered the district in grades 10-12: join the cohort of their grade
    select student_id, min(school_year) - (min(grade_level) - 9) as y9
    from raw.enrollments
    where entry_type in ('TRANSFER_STATE', 'TRANSFER_OUT_OF_STATE', 'TRANSFER_PRIVATE')
      and grade_level between 10 and 12
    group by 1
),
members as (
    select student_id, y9 from first9
    union all
    select j.student_id, j.y9 from joiners j anti join first9 f using (student_id)
),
grads as (
    select student_id, min(school_year) as grad_year
    from raw.enrollments where exit_code = 'GRADUATED' group by 1
)
select m.student_id, m.y9 + 3 as cohort_year,
       coalesce(g.grad_year <= m.y9 + 3, false) as graduated_on_time,
       coalesce(l.exit_code in ('TRANSFER_STATE', 'TRANSFER_OUT_OF_STATE', 'TRANSFER_PRIVATE',
                                'HOMESCHOOL', 'DECEASED'), false)
           and coalesce(g.grad_year, 9999) > m.y9 + 3 as transferred_out
from members m
left join grads g using (student_id)
left join _last_exit l using (student_id)
where m.y9 > (select first_year from _years)
  and m.y9 + 3 < (select last_year from _years);

create or replace temp table _acgr as
with hs_status as (  -- statuses held in any high-school year
    select s.student_id,
           bool_or(s.frl_status in ('F', 'R')) as econ,
           bool_or(s.is_english_learner) as el,
           bool_or(s.has_iep) as swd
    from raw.student_characteristics s
    join _year_grade y using (student_id, school_year)
    where y.grade_level >= 9
    group by 1
)
select c.*, coalesce(h.econ, false) as econ, coalesce(h.el, false) as el,
       coalesce(h.swd, false) as swd
from _cohort c left join hs_status h using (student_id)
where not c.transferred_out;
"""

_MEASURES: dict[tuple[str, str], str] = {
    ("acgr", "all students"): "select avg(graduated_on_time::int) from _acgr",
    (
        "acgr",
        "economically disadvantaged",
    ): "select avg(graduated_on_time::int) from _acgr where econ",
    ("acgr", "english learners"): "select avg(graduated_on_time::int) from _acgr where el",
    (
        "acgr",
        "students with disabilities",
    ): "select avg(graduated_on_time::int) from _acgr where swd",
    ("chronic_absence_rate", "all students before 2020"): (
        "select avg((absence_rate >= 0.10)::int) from _student_year_attendance "
        "where school_year <= 2019"
    ),
    ("chronic_absence_rate", "all students 2022"): (
        "select avg((absence_rate >= 0.10)::int) from _student_year_attendance "
        "where school_year = 2022"
    ),
    ("chronic_absence_rate", "all students 2023"): (
        "select avg((absence_rate >= 0.10)::int) from _student_year_attendance "
        "where school_year = 2023"
    ),
    ("chronic_absence_rate_crdc", "elementary before 2020"): (
        "select avg((days_absent >= 15)::int) from _student_year_attendance a "
        "join _year_grade g using (student_id, school_year) "
        "where school_year <= 2019 and grade_level <= 5"
    ),
    ("chronic_absence_rate_crdc", "high school before 2020"): (
        "select avg((days_absent >= 15)::int) from _student_year_attendance a "
        "join _year_grade g using (student_id, school_year) "
        "where school_year <= 2019 and grade_level >= 9"
    ),
    ("chronic_absence_rate", "kindergarten minus grades 3-5 before 2020"): (
        "select avg((absence_rate >= 0.10)::int) filter (where grade_level = 0)"
        " - avg((absence_rate >= 0.10)::int) filter (where grade_level between 3 and 5)"
        " from _student_year_attendance a join _year_grade g using (student_id, school_year)"
        " where school_year <= 2019"
    ),
    ("chronic_absence_rate", "grade 12 minus grades 3-5 before 2020"): (
        "select avg((absence_rate >= 0.10)::int) filter (where grade_level = 12)"
        " - avg((absence_rate >= 0.10)::int) filter (where grade_level between 3 and 5)"
        " from _student_year_attendance a join _year_grade g using (student_id, school_year)"
        " where school_year <= 2019"
    ),
    ("english_learner_share", "all students"): (
        "select avg(is_english_learner::int) from raw.student_characteristics"
    ),
    ("idea_share", "all students"): "select avg(has_iep::int) from raw.student_characteristics",
    ("frl_share", "all students"): (
        "select avg((frl_status in ('F', 'R'))::int) from raw.student_characteristics"
    ),
    ("oss_rate", "all students"): (
        "with o as (select distinct student_id, school_year from raw.discipline_incidents "
        "where action = 'OSS') select avg((o.student_id is not null)::int) "
        "from raw.student_characteristics s left join o using (student_id, school_year) "
        "where s.school_year < (select last_year from _years)"
    ),
    ("oss_rate", "black students"): (
        "with o as (select distinct student_id, school_year from raw.discipline_incidents "
        "where action = 'OSS') select avg((o.student_id is not null)::int) "
        "from raw.student_characteristics s join raw.students st using (student_id) "
        "left join o using (student_id, school_year) "
        "where st.race_ethnicity = 'BL' and s.school_year < (select last_year from _years)"
    ),
    ("proficient_share", "grade 4 reading"): (
        "select avg(is_proficient::int) from raw.assessments "
        "where subject = 'ELA' and grade_level = 4"
    ),
    ("proficient_share", "grade 4 math"): (
        "select avg(is_proficient::int) from raw.assessments "
        "where subject = 'Math' and grade_level = 4"
    ),
    ("proficient_share", "grade 8 reading"): (
        "select avg(is_proficient::int) from raw.assessments "
        "where subject = 'ELA' and grade_level = 8"
    ),
    ("proficient_share", "grade 8 math"): (
        "select avg(is_proficient::int) from raw.assessments "
        "where subject = 'Math' and grade_level = 8"
    ),
}

_G3 = """
-- Grade-3 readers who went on to high school in the district, followed to the
-- spring a year after they were due to graduate (grade-3 year + 10: "by age 19",
-- as Hernandez 2011 counts), retained or not; those
-- who later transferred out with documentation are left out (outcome unknown).
with g3 as (
    select student_id, school_year as y3, is_proficient from raw.assessments
    where subject = 'ELA' and grade_level = 3
    qualify row_number() over (partition by student_id order by school_year) = 1
),
in_high_school as (select distinct student_id from raw.enrollments where grade_level >= 9),
grads as (
    select student_id, min(school_year) as grad_year
    from raw.enrollments where exit_code = 'GRADUATED' group by 1
)
select g3.is_proficient,
       1 - avg(coalesce(g.grad_year <= g3.y3 + 10, false)::int) as not_on_time
from g3
join in_high_school using (student_id)
left join grads g using (student_id)
left join _last_exit l using (student_id)
where g3.y3 + 10 < (select last_year from _years)
  and not (coalesce(l.exit_code, '') in ('TRANSFER_STATE', 'TRANSFER_OUT_OF_STATE',
           'TRANSFER_PRIVATE', 'HOMESCHOOL', 'DECEASED') and g.grad_year is null)
group by 1
"""

_GRADE6 = """
create or replace temp table _g6 as
with g6 as (
    select student_id, min(school_year) as y6 from raw.enrollments where grade_level = 6 group by 1
),
att as (
    select a.student_id, a.absence_rate from _student_year_attendance a
    join g6 on g6.student_id = a.student_id and g6.y6 = a.school_year
),
final_marks as (  -- year-final mark: mean of the two semesters' percentages
    select cg.student_id, c.subject, avg(cg.numeric_grade) as final_numeric
    from raw.course_grades cg
    join raw.courses c using (course_code)
    join g6 on g6.student_id = cg.student_id and g6.y6 = cg.school_year
    where c.subject in ('Math', 'ELA')
    group by 1, 2
),
oss as (
    select distinct d.student_id from raw.discipline_incidents d
    join g6 on g6.student_id = d.student_id and g6.y6 = d.school_year
    where d.action = 'OSS'
),
grads as (
    select student_id, min(school_year) as grad_year
    from raw.enrollments where exit_code = 'GRADUATED' group by 1
)
select g6.student_id,
       coalesce(att.absence_rate >= 0.20, false) as flag_attendance,
       exists (select 1 from final_marks f where f.student_id = g6.student_id
               and f.subject = 'Math' and f.final_numeric < 60) as flag_math,
       exists (select 1 from final_marks f where f.student_id = g6.student_id
               and f.subject = 'ELA' and f.final_numeric < 60) as flag_english,
       g6.student_id in (select student_id from oss) as flag_oss,
       not coalesce(g.grad_year <= g6.y6 + 6, false) as not_on_time
from g6
left join att using (student_id)
left join grads g using (student_id)
left join _last_exit l using (student_id)
where g6.y6 > (select first_year from _years)
  and g6.y6 + 6 < (select last_year from _years)
  and not (coalesce(l.exit_code, '') in ('TRANSFER_STATE', 'TRANSFER_OUT_OF_STATE',
           'TRANSFER_PRIVATE', 'HOMESCHOOL', 'DECEASED') and g.grad_year is null)
"""

_ON_TRACK = """
with g9 as (
    select student_id, min(school_year) as y9 from raw.enrollments where grade_level = 9 group by 1
),
marks as (
    select cg.student_id, sum(cg.credits_earned) as credits,
           sum(((cg.letter_grade = 'F') and c.is_core)::int) as core_fs
    from raw.course_grades cg
    join raw.courses c using (course_code)
    join g9 on g9.student_id = cg.student_id and g9.y9 = cg.school_year
    group by 1
),
grads as (
    select student_id, min(school_year) as grad_year
    from raw.enrollments where exit_code = 'GRADUATED' group by 1
)
select coalesce(m.credits >= 5 and m.core_fs <= 1, false) as on_track,
       avg(coalesce(g.grad_year <= g9.y9 + 3, false)::int) as grad_rate,
       count(*) as n
from g9
left join marks m using (student_id)
left join grads g using (student_id)
left join _last_exit l using (student_id)
where g9.y9 > (select first_year from _years)
  and g9.y9 + 3 < (select last_year from _years)
  and not (coalesce(l.exit_code, '') in ('TRANSFER_STATE', 'TRANSFER_OUT_OF_STATE',
           'TRANSFER_PRIVATE', 'HOMESCHOOL', 'DECEASED') and g.grad_year is null)
group by 1
"""


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> float:
    row = con.execute(sql).fetchone()
    return float("nan") if row is None or row[0] is None else float(row[0])


def compute(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], float]:
    """Every measure this module knows, on the database behind ``con``."""
    con.execute(_BASE)
    values = {k: _scalar(con, q) for k, q in _MEASURES.items()}
    g3 = dict(con.execute(_G3).fetchall())
    values[("not_graduating_on_time", "grade 3 readers proficient")] = float(
        g3.get(True, float("nan"))
    )
    values[("not_graduating_on_time", "grade 3 readers not proficient")] = float(
        g3.get(False, float("nan"))
    )
    con.execute(_GRADE6)
    for flag, label in (
        ("flag_attendance", "attended 80% or less"),
        ("flag_math", "failed math"),
        ("flag_english", "failed english"),
        ("flag_oss", "suspended out of school"),
    ):
        prec = _scalar(con, f"select avg(not_on_time::int) from _g6 where {flag}")
        sens = _scalar(con, f"select avg({flag}::int) from _g6 where not_on_time")
        values[("balfanz_grade6_precision", label)] = prec
        values[("balfanz_grade6_sensitivity", label)] = sens
    values[("not_graduating_on_time", "grade 6 cohort")] = _scalar(
        con, "select avg(not_on_time::int) from _g6"
    )
    ot = {bool(r[0]): float(r[1]) for r in con.execute(_ON_TRACK).fetchall()}
    values[("graduation_rate", "on track in grade 9")] = ot.get(True, float("nan"))
    values[("graduation_rate", "off track in grade 9")] = ot.get(False, float("nan"))
    return values


def profile_of(con: duckdb.DuckDBPyConnection) -> str:
    import json

    row = con.execute("select value from truth.generation where key = 'config'").fetchone()
    if row is None:
        raise ValueError("truth.generation has no config: was this database generated by k12ews?")
    return str(json.loads(row[0])["profile"])


def measure(con: duckdb.DuckDBPyConnection, profile: str | None = None) -> pd.DataFrame:
    """Measured value beside each target of the district's profile, with pass/fail."""
    prof = profile or profile_of(con)
    values = compute(con)
    rows = []
    for t in load_targets():
        if t.profile != prof:
            continue
        v = values.get((t.measure, t.population), float("nan"))
        rows.append(
            {
                "measure": t.measure,
                "population": t.population,
                "target": t.target,
                "tolerance": t.tolerance,
                "measured": v,
                "enforced": t.enforced,
                "passed": abs(v - t.target) <= t.tolerance,
                "source": t.source,
            }
        )
    return pd.DataFrame(rows)


def render(df: pd.DataFrame) -> str:
    """A fixed-width table; rows not enforced are marked ``shown`` (compared, not tested)."""
    lines = [f"{'measure':<28} {'population':<44} {'target':>7} {'+/-':>6} {'measured':>9}  ok"]
    for r in df.itertuples():
        ok = ("yes" if r.passed else "NO") if r.enforced else "shown"
        lines.append(
            f"{r.measure:<28} {r.population:<44} {r.target:>7.3f} {r.tolerance:>6.3f} "
            f"{r.measured:>9.3f}  {ok}"
        )
    enforced = df.loc[df["enforced"]]
    lines.append(
        f"{int(enforced['passed'].sum())} of {len(enforced)} enforced targets within tolerance"
    )
    return "\n".join(lines)


def all_enforced_pass(df: pd.DataFrame) -> bool:
    return bool(df.loc[df["enforced"], "passed"].all())
