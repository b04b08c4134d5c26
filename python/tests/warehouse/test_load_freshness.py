"""Freshness and drift of a district's raw tables.

- ``fct_school_data_freshness`` names the school whose attendance extract lags (the
  generator holds one school's attendance back, ``truth.generation``) and no other.
- ``dbt source freshness`` covers every raw table with a date or school year and judges
  it against var ``as_of_date``: fresh on the generation date, warn and error later.
- A code the crosswalks do not know fails the source test by default and is a warning
  with ``unknown_code_severity: warn``; both name the code, the table and the seed.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest
from dbt_runner import copy_db, run_dbt

from k12ews.dbt_sources import FRESHNESS


@pytest.fixture(scope="module")
def built(small_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    work = tmp_path_factory.mktemp("freshness")
    db = copy_db(small_db, work, "fresh.duckdb")
    proc = run_dbt(
        db,
        work,
        "build",
        "--select",
        "+fct_school_data_freshness",
        "--indirect-selection",
        "cautious",
    )
    assert proc.returncode == 0, proc.stdout[-4000:]
    return db, work


def _generation(db: Path) -> dict[str, str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return dict(con.execute("select key, value from truth.generation").fetchall())


def test_school_data_freshness_names_the_lagging_school(built: tuple[Path, Path]) -> None:
    db, _ = built
    gen = _generation(db)
    lag_school = int(gen["attendance_lag_school_id"])
    complete_through = dt.date.fromisoformat(gen["attendance_complete_through"])
    with duckdb.connect(str(db), read_only=True) as con:
        lagging = con.execute(
            "select school_id, source_table from core.fct_school_data_freshness where is_lagging"
        ).fetchall()
        attendance = dict(
            con.execute(
                "select school_id, last_data_date from core.fct_school_data_freshness "
                "where source_table = 'attendance_events'"
            ).fetchall()
        )
        district = con.execute(
            "select max(event_date) from raw.attendance_events "
            "where event_date <= (select as_of_date from int.int_warehouse__as_of_date)"
        ).fetchone()
        n_schools = con.execute("select count(*) from raw.schools").fetchone()
        n_rows = con.execute("select count(*) from core.fct_school_data_freshness").fetchone()
    assert lagging == [(lag_school, "attendance_events")]
    assert attendance[lag_school] <= complete_through < district[0]
    assert all(d == district[0] for s, d in attendance.items() if s != lag_school)
    # every school with every dated table (7), even where a school has no rows
    assert n_rows[0] == n_schools[0] * 7


def _freshness(db: Path, work: Path, as_of: dt.date) -> dict[str, str]:
    proc = run_dbt(db, work, "source", "freshness", "--vars", f"{{as_of_date: '{as_of}'}}")
    assert "Done." in proc.stdout, proc.stdout[-4000:]
    results = json.loads((work / "target" / "sources.json").read_text())["results"]
    return {r["unique_id"].rsplit(".", 1)[-1]: r["status"] for r in results}


def test_source_freshness_judges_every_dated_table_against_the_as_of_date(
    built: tuple[Path, Path],
) -> None:
    db, work = built
    as_of = dt.date.fromisoformat(_generation(db)["as_of_date"])
    on_the_day = _freshness(db, work, as_of)
    assert set(on_the_day) == set(FRESHNESS)
    assert set(on_the_day.values()) == {"pass"}, on_the_day
    # 45 days on: attendance (daily, error after 30 days) is stale, enrollments (last
    # entry mid-November; warn after 30 days, error after 90) are getting old
    later = _freshness(db, work, as_of + dt.timedelta(days=45))
    assert later["attendance_events"] == "error"
    assert later["enrollments"] == "warn"
    assert later["calendar_days"] == "pass"  # the calendar runs to the end of June
    assert later["assessments"] == "pass"  # yearly: a spring test is months old anyway


def test_unknown_code_fails_by_default_and_warns_with_the_var(built: tuple[Path, Path]) -> None:
    db, work = built  # the same database and target as above: dbt parses once
    with duckdb.connect(str(db)) as con:
        con.execute("create table raw._saved_events as select * from raw.attendance_events")
        con.execute("update raw.attendance_events set event_type = 'NEWCODE' where rowid % 97 = 0")
        n = con.execute(
            "select count(*) from raw.attendance_events where event_type = 'NEWCODE'"
        ).fetchone()[0]
    try:
        select = ("--select", "source:sis.attendance_events,test_name:codes_in_crosswalk")
        named = (
            f'unknown code "NEWCODE" in raw.attendance_events.event_type ({n} rows): '
            "add it and its meaning to seeds/xwalk_attendance_events.csv"
        )
        failed = run_dbt(db, work, "test", *select)
        assert failed.returncode == 1, failed.stdout[-3000:]
        assert named in failed.stdout and "FAIL 1" in failed.stdout
        warned = run_dbt(db, work, "test", *select, "--vars", "{unknown_code_severity: warn}")
        assert warned.returncode == 0, warned.stdout[-3000:]
        assert named in warned.stdout and "WARN 1" in warned.stdout
    finally:
        with duckdb.connect(str(db)) as con:
            con.execute("create or replace table raw.attendance_events as from raw._saved_events")
            con.execute("drop table raw._saved_events")


def test_the_loader_names_each_unknown_code_and_its_seed(tmp_path: Path) -> None:
    """A new year's codes at load time: named in the report (strict) and the notes
    (quarantine) with their table, column, row count and seed, never dropped silently."""
    import csv

    from k12ews import warehouse
    from k12ews.export import export_raw
    from k12ews.load import LoadError, load_folder
    from k12ews.synth.config import GenerateConfig
    from k12ews.synth.district import generate

    repo = Path(__file__).resolve().parents[3]
    district = generate(GenerateConfig(students=300, years=1, first_year=2024, seed=5))
    with warehouse.connect(tmp_path / "gen.duckdb") as con:
        warehouse.write_raw_and_truth(con, district.raw, district.truth)
    export_raw(tmp_path / "gen.duckdb", tmp_path / "csv", "csv")
    path = tmp_path / "csv" / "attendance_events.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    column = rows[0].index("event_type")
    for r in rows[1:4]:
        r[column] = "NEW1"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    note = (
        "unknown code 'NEW1' in attendance_events.event_type (3 rows): not in seed "
        "xwalk_attendance_events: add the code and its meaning to "
        "seeds/xwalk_attendance_events.csv"
    )
    with pytest.raises(LoadError) as info:
        load_folder(tmp_path / "csv", tmp_path / "d.duckdb", project_dir=repo)
    assert note in str(info.value)
    result = load_folder(tmp_path / "csv", tmp_path / "d.duckdb", "quarantine", project_dir=repo)
    assert note in result.notes and note in result.render()
    assert result.rejects_by_rule == {"unknown_code": 3}
