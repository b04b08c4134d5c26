"""validation_base_rates on the default district: the generated district lands within
every enforced national benchmark, and the dbt test fails the build when a generated
district's rate drifts outside its tolerance, but only shows it for a loaded district."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from dbt_runner import copy_db, run_dbt

pytestmark = pytest.mark.slow

MODELS = ("validation_district_rates", "validation_base_rates")
TEST = "generated_district_within_national_base_rates"


def _rates(db: Path) -> dict[tuple[str, str, object], dict[str, object]]:
    with duckdb.connect(str(db), read_only=True) as con:
        frame = con.execute("select * from validation.validation_base_rates").df()
    return {
        (r["measure"], r["population"], r["benchmark_school_year"]): r
        for r in frame.to_dict("records")
    }


def test_default_district_is_within_every_enforced_benchmark(national_built: Path) -> None:
    rows = _rates(national_built)
    assert len(rows) == 30  # every national benchmark has a row
    enforced = [r for r in rows.values() if r["is_enforced"]]
    for r in sorted(rows.values(), key=lambda r: (r["measure"], r["population"])):
        print(
            f"{r['measure']:<28} {r['population']:<32} national {r['benchmark_value']:.3f} "
            f"district {r['district_rate']:.3f} (n {r['district_students']:.0f}) "
            f"{r['check_result']}"
        )
    assert len(enforced) >= 18
    assert {r["check_result"] for r in enforced} == {"pass"}
    assert all(r["district_source"].startswith("generated (national profile") for r in enforced)
    acgr = rows[("acgr", "all students", 2022)]
    assert acgr["is_enforced"] and abs(acgr["district_rate"] - 0.87) <= 0.03
    # the CRDC 15-day counts use another definition: shown, never enforced
    assert not rows[("chronic_absence_rate_crdc", "high schools", 2014)]["is_enforced"]


def _doctored_copy(national_built: Path, work: Path) -> Path:
    """A copy of the built district in which every student-year is an English learner,
    with the parsed project of the shared build, so dbt need not parse it again."""
    db = copy_db(national_built, work, "doctored.duckdb")
    with duckdb.connect(str(db)) as con:
        con.execute("update ews.ews_student_year set is_english_learner = true")
    parsed = national_built.parent / "target" / "partial_parse.msgpack"
    if parsed.exists():
        (work / "target").mkdir(parents=True, exist_ok=True)
        shutil.copy(parsed, work / "target" / parsed.name)
    return db


def test_a_generated_district_outside_a_tolerance_fails_the_build_a_loaded_one_does_not(
    national_built: Path, tmp_path: Path
) -> None:
    db = _doctored_copy(national_built, tmp_path)
    generated = run_dbt(db, tmp_path, "build", "--select", *MODELS)
    assert generated.returncode != 0, generated.stdout[-3000:]
    assert f"Failure in test {TEST}" in generated.stdout, generated.stdout[-3000:]
    row = _rates(db)[("english_learner_share", "all students", 2022)]
    assert row["district_rate"] == pytest.approx(1.0)
    assert row["check_result"] == "fail"

    # the same data as a district's own load: the loader drops the truth schema
    with duckdb.connect(str(db)) as con:
        con.execute("drop schema truth cascade")
    loaded = run_dbt(db, tmp_path, "build", "--select", *MODELS)
    assert loaded.returncode == 0, loaded.stdout[-3000:]
    rows = _rates(db)
    assert not any(r["is_enforced"] for r in rows.values())
    assert {r["district_source"] for r in rows.values()} == {"loaded"}
    row = rows[("english_learner_share", "all students", 2022)]
    assert row["check_result"] == "outside tolerance (not enforced)"
