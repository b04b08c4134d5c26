"""A real district's export is often small, young or partial. ``dbt build`` must exit 0 on
each such district, and every table a BI tool reads must keep concrete, declared types:

- generated districts of 14, 300 and 1,300 students, one of a single school year;
- the 1,300-student district without services, and with each optional raw table emptied
  in turn (the table and its columns kept, as an export with no rows for it).

After each build: no column of type HUGEINT, UHUGEINT or (DuckDB's untyped) NULL in any
schema but raw, truth, audit, seeds and main; every model column with a ``data_type`` in
the yml has that type in the warehouse; every dbt Python model's table has its schema
(k12ews.ml.schemas), whether it has rows or not; and the registry lists why any model
was not trained. All cases build in one database file and one dbt target folder, one
after the other, so dbt parses the project once (partial parsing) for the whole file.

The 1,300-student district is built whole once; each emptied-table case (no services
among them) starts from a copy of that build and rebuilds, with their dbt tests, every
model the emptied table feeds (``--select source:sis.<table>+``): the rest is unchanged
from the whole build, whose tests passed, and the checks read the whole warehouse.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from dbt_runner import run_dbt

from k12ews import warehouse
from k12ews.ml import schemas
from k12ews.synth.config import District, GenerateConfig
from k12ews.synth.district import generate

# Schemas a BI tool may read (everything dbt builds but the seeds).
READ_SCHEMAS = ("stg", "int", "core", "ews", "ml", "validation")
BAD_TYPES = ("HUGEINT", "UHUGEINT", '"NULL"', "NULL")
OPTIONAL_TABLES = (
    "calendar_days",
    "attendance_events",
    "course_grades",
    "assessments",
    "program_services",
    "discipline_incidents",
    "extracurricular_participation",
    "parent_contacts",
)


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One dbt target folder for every case (dbt parses once) and one database path."""
    return tmp_path_factory.mktemp("partial")


def _write(district: District, db: Path) -> Path:
    db.unlink(missing_ok=True)
    with warehouse.connect(db) as con:
        warehouse.write_raw_and_truth(con, district.raw, district.truth)
    return db


def _empty(db: Path, *tables: str) -> None:
    with duckdb.connect(str(db)) as con:
        for table in tables:
            con.execute(f"delete from raw.{table}")


def _build(db: Path, work: Path, *select: str) -> dict[str, object]:
    """``dbt build`` (unit tests left out: they read fixtures, not the district), of
    ``select`` only when given, and what the checks read from the built warehouse."""
    args = ("--select", *select) if select else ()
    proc = run_dbt(db, work, "build", "--exclude-resource-type", "unit_test", *args)
    assert proc.returncode == 0, proc.stdout[-6000:]
    manifest = json.loads((work / "target" / "manifest.json").read_text())
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.sql(
            "select table_schema, table_name, column_name, data_type"
            " from information_schema.columns"
            f" where table_schema in {READ_SCHEMAS}"
        ).fetchall()
        registry = con.sql(
            "select model_id, status, status_reason from ml.ml_model_registry"
        ).fetchall()
    return {"columns": rows, "manifest": manifest, "registry": registry}


def _declared(manifest: dict) -> dict[tuple[str, str], str]:
    """(model, column) -> the yml data_type, for every model column that declares one."""
    out = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model":
            continue
        for name, col in node["columns"].items():
            if col.get("data_type"):
                out[(node["name"], name)] = col["data_type"]
    return out


def check_types(built: dict[str, object]) -> None:
    rows = built["columns"]
    bad = [r for r in rows if any(t in r[3].upper() for t in BAD_TYPES)]
    assert not bad, f"HUGEINT or NULL-typed columns a BI tool would read: {bad}"
    actual = {(t, c): d for _, t, c, d in rows}
    declared = _declared(built["manifest"])
    public = [
        (n["name"], c)
        for n in built["manifest"]["nodes"].values()
        if n["resource_type"] == "model"
        and n["original_file_path"].startswith(("models/marts/", "models/ml/"))
        for c in n["columns"]
    ]
    assert len(public) > 800 and not [k for k in public if k not in declared]
    wrong = {k: (v, actual.get(k)) for k, v in declared.items() if v.upper() != str(actual.get(k))}
    assert not wrong, f"declared data_type (yml) vs built: {wrong}"
    for table, schema in schemas.TABLES.items():
        built_schema = {c: d for (t, c), d in actual.items() if t == table}
        assert built_schema == dict(schema), table
    reasons = [r for r in built["registry"] if r[1] != "trained" and not r[2]]
    assert not reasons, f"models not trained without a reason: {reasons}"


def _generated(work: Path, config: GenerateConfig) -> dict[str, object]:
    db = _write(generate(config), work / "partial.duckdb")
    return _build(db, work)


def test_14_students(work: Path):
    """The generator's smallest district (one student a grade, 14 here), 3 years."""
    built = _generated(work, GenerateConfig(students=14, years=3, first_year=2022, seed=7))
    check_types(built)
    assert {r[1] for r in built["registry"]} == {"not_trained"}


def test_300_students(work: Path):
    check_types(_generated(work, GenerateConfig(students=300, years=3, first_year=2022, seed=7)))


@pytest.fixture(scope="module")
def built_1300(work: Path, small_db: Path) -> tuple[Path, dict[str, object]]:
    """The 1,300-student district (conftest's small district), built whole once."""
    db = Path(shutil.copy(small_db, work / "partial.duckdb"))
    built = _build(db, work)
    return Path(shutil.copy(db, work / "built_1300.duckdb")), built


# tables emptied -> what the checks read from that build: test_no_services and the
# program_services case are one district, built once
_EMPTIED: dict[tuple[str, ...], dict[str, object]] = {}


def _emptied(work: Path, built: Path, *tables: str) -> tuple[Path, dict[str, object]]:
    """The built 1,300-student district with ``tables`` emptied, and what they feed
    rebuilt (in the same database path as every other case)."""
    db = work / "partial.duckdb"
    if tables not in _EMPTIED:
        shutil.copy(built, db)
        _empty(db, *tables)
        _EMPTIED[tables] = _build(db, work, *(f"source:sis.{t}+" for t in tables))
    return db, _EMPTIED[tables]


def test_1300_students(built_1300: tuple[Path, dict[str, object]]):
    check_types(built_1300[1])


def test_one_school_year(work: Path):
    built = _generated(work, GenerateConfig(students=1300, years=1, first_year=2024, seed=7))
    check_types(built)
    assert {r[1] for r in built["registry"]} == {"not_trained"}


def test_no_services(work: Path, built_1300: tuple[Path, dict[str, object]]):
    _EMPTIED.pop(("program_services",), None)  # read the database of this very build
    db, built = _emptied(work, built_1300[0], "program_services")
    check_types(built)
    with duckdb.connect(str(db), read_only=True) as con:
        estimated = con.execute(
            "select count(*) from ml.ml_intervention_effects where is_estimated"
        ).fetchall()
        assert estimated == [(0,)]
        status = con.execute(
            "select distinct status from ml.ml_targeting_comparison"
            " where strategy = 'students_by_benefit'"
        ).fetchall()
    assert status == [("not_compared",)]


@pytest.mark.parametrize(
    "tables",
    # sections name their course: without the catalogue there are no sections either
    [(t,) for t in OPTIONAL_TABLES]
    + [("course_grades", "courses", "sections", "section_staff", "section_enrollments")],
    ids=[*OPTIONAL_TABLES, "course_grades_and_courses"],
)
def test_an_optional_table_emptied(
    work: Path, built_1300: tuple[Path, dict[str, object]], tables: tuple[str, ...]
):
    """An export with no rows for one optional table (course grades also with their
    courses emptied)."""
    check_types(_emptied(work, built_1300[0], *tables)[1])
