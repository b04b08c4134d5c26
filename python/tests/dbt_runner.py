"""Run dbt from tests against a throwaway copy of a generated district, and the SQL
that adds a second elementary school with students moved to it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def dbt_executable() -> str:
    candidate = Path(os.environ.get("VIRTUAL_ENV", REPO / ".venv")) / "bin" / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def run_dbt(db: Path, work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``dbt <args>`` on database ``db``, with target and logs under ``work``."""
    env = {**os.environ, "K12EWS_DB": str(db), "DBT_PROFILES_DIR": str(REPO)}
    return subprocess.run(
        [
            dbt_executable(),
            *args,
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def start_dbt(project: Path, work: Path, db_name: str, *args: str) -> subprocess.Popen[str]:
    """``dbt <args>`` of ``project`` in the background on ``work``/``db_name`` (target and
    logs under ``work``), so several builds run side by side; :func:`wait_dbt` ends one."""
    env = {**os.environ, "K12EWS_DB": db_name, "DBT_PROFILES_DIR": str(REPO)}
    return subprocess.Popen(
        [
            dbt_executable(),
            *args,
            "--project-dir",
            str(project),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
        ],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_dbt(proc: subprocess.Popen[str]) -> None:
    out, _ = proc.communicate()
    assert proc.returncode == 0, out[-4000:]


def copy_db(src: Path, dest_dir: Path, name: str) -> Path:
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / name
    shutil.copy(src, dest)
    return dest


SECOND_ELEMENTARY_SCHOOL_SQL = """
create temp table school_pair as
select school_id as school_a, (select max(school_id) + 1 from raw.schools) as school_b
from raw.schools where school_level = 'Elementary' order by school_id limit 1;

insert into raw.schools
select school_b, 'Second Elementary School', school_level, low_grade, high_grade, city
from raw.schools join school_pair on school_id = school_a;
"""


def picked_single_spell_years_sql(kinds: int, limit: int) -> str:
    """SQL taking ``limit`` whole, closed, single-spell years of grades 1-4 at school A
    out of raw.enrollments into temp table ``picked``, each with a ``kind`` 0..kinds-1,
    for a test to re-enrol as it needs (after SECOND_ELEMENTARY_SCHOOL_SQL)."""
    return f"""
create temp table picked as
select e.*, row_number() over (order by hash(e.student_id, e.school_year)) % {kinds}
    as kind
from raw.enrollments as e
join school_pair on e.school_id = school_a
where e.grade_level between 1 and 4
  and e.exit_date > e.entry_date + 150
  and (e.student_id, e.school_year) in (
      select (student_id, school_year) from raw.enrollments
      group by student_id, school_year having count(*) = 1
  )
order by hash(e.student_id, e.school_year)
limit {limit};

delete from raw.enrollments
where (student_id, school_id, entry_date) in (
    select (student_id, school_id, entry_date) from picked
);
"""
