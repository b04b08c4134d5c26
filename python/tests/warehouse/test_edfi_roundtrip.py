"""The Ed-Fi test bed: a generated district written as Ed-Fi API resources
(``k12ews export --format edfi-json``) and loaded back (``k12ews load --edfi``) gives
the same raw tables and, after ``dbt build``, the same marts as the direct build; and a
district that renames every service and subject code in its seeds and its data gets the
same marts (its codes aside), since every model reads the codes' meanings.

Two builds of the small district run side by side, each from its own folder: the
Ed-Fi one and the renamed one (a copy of the project whose seeds carry the district's
codes), each with its data tests; both are compared with the run's shared whole build of
the generated district (``small_built``).
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from dbt_runner import start_dbt, wait_dbt
from mart_diff import differences

from k12ews.edfi.export import export_edfi
from k12ews.edfi.load import load_edfi

REPO = Path(__file__).resolve().parents[3]
WAREHOUSE = "warehouse.duckdb"
MARTS = (
    "--select",
    "+path:models/marts +path:models/intermediate",
    "--exclude-resource-type",
    "unit_test",
)
PROJECT_FILES = ("dbt_project.yml", "selectors.yml", "models", "macros", "seeds", "tests")


@pytest.fixture(scope="module")
def extract(small_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("edfi") / "extract"
    export_edfi(small_db, folder, REPO / "seeds")
    return folder


@pytest.fixture(scope="module")
def loaded(extract: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("edfi_loaded") / "loaded.duckdb"
    result = load_edfi(extract, db, project_dir=REPO)  # strict
    assert result.rows_rejected == 0 and result.rows_read == result.rows_loaded > 0
    return db


def test_the_extract_is_ed_fi_resources_with_the_districts_descriptors(extract: Path) -> None:
    names = {p.name for p in extract.iterdir()}
    assert {"students.json", "studentSchoolAssociations.json", "grades.json"} <= names
    assert {"parent_contacts.csv", "extracurricular_participation.csv"} <= names
    assert "studentCTEProgramAssociations.json" in names and "cte_participation.csv" not in names
    staff = {"staffs", "staffEducationOrganizationAssignmentAssociations", "cohorts"}
    staff |= {"staffCohortAssociations", "studentCohortAssociations", "sections"}
    staff |= {"staffSectionAssociations", "studentSectionAssociations"}
    assert {f"{r}.json" for r in staff} <= names
    assert not {"staff.csv", "sections.csv", "section_enrollments.csv"} & names
    ssa = json.loads((extract / "studentSchoolAssociations.json").read_text(encoding="utf-8"))
    assert ssa[0]["entryGradeLevelDescriptor"].startswith("uri://ed-fi.org/GradeLevelDescriptor#")
    assert ssa[0]["studentReference"]["studentUniqueId"]


def test_export_then_load_gives_back_the_raw_tables(small_db: Path, loaded: Path) -> None:
    assert differences(small_db, loaded, ("raw",)) == []
    with duckdb.connect(str(loaded), read_only=True) as con:
        sources = con.execute(
            "select count(*), count(distinct table_name) from audit.raw_line_sources"
        ).fetchone()
        loaded_rows = con.execute("select sum(rows_loaded) from audit.raw_loads").fetchone()
    # every line read from Ed-Fi names its record (the contract files have none): the 11
    # SIS tables, cte_participation and the six staff tables (the other success tables
    # are contract files)
    assert sources is not None and sources[0] > 0 and sources[1] == 18
    assert loaded_rows is not None and loaded_rows[0] > sources[0]


def test_an_ndjson_extract_loads_the_same(small_db: Path, extract: Path, tmp_path: Path) -> None:
    folder = tmp_path / "ndjson"
    folder.mkdir()
    for path in extract.iterdir():
        if path.suffix == ".json":
            records = json.loads(path.read_text(encoding="utf-8"))
            with (folder / f"{path.stem}.ndjson").open("w", encoding="utf-8") as f:
                f.writelines(json.dumps(r) + "\n" for r in records)
        else:
            shutil.copy(path, folder / path.name)
    db = tmp_path / "ndjson.duckdb"
    assert load_edfi(folder, db, project_dir=REPO).rows_rejected == 0
    assert differences(small_db, db, ("raw",)) == []


# ---------------------------------------------------------------- the marts


def _renamed_codes(seeds: Path) -> dict[str, str]:
    """Rename the contract's service and subject codes in a project copy's seeds: the
    district's own codes with the same meanings. Return old -> new."""
    renamed: dict[str, str] = {}
    for seed, prefix in (
        ("xwalk_services", "district-service-"),
        ("xwalk_subjects", "district-subject-"),
    ):
        path = seeds / f"{seed}.csv"
        with path.open(encoding="utf-8", newline="") as f:
            header, *rows = list(csv.reader(f))
        source = header.index("code_source")
        for i, row in enumerate(rows):
            if row[source] == "k12ews":
                renamed[row[0]] = f"{prefix}{i:02d}"
                row[0], row[source] = renamed[row[0]], "district"
        with path.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows([header, *rows])
    return renamed


def _rename_in_data(db: Path, renamed: dict[str, str]) -> None:
    with duckdb.connect(str(db)) as con:
        con.execute("create temp table renamed (old varchar, new varchar)")
        con.executemany("insert into renamed values (?, ?)", list(renamed.items()))
        for table, column in (
            ("program_services", "service"),
            ("courses", "subject"),
            ("assessments", "subject"),
        ):
            changed = con.execute(
                f"update raw.{table} set {column} = renamed.new from renamed "
                f"where raw.{table}.{column} = renamed.old"
            ).fetchone()
            assert changed and changed[0] > 0, table


def test_marts_of_the_ed_fi_load_and_of_renamed_codes_equal_the_direct_build(
    small_db: Path, small_built: Path, loaded: Path, tmp_path: Path
) -> None:
    renamed_project = tmp_path / "renamed_project"
    renamed_project.mkdir()
    for name in PROJECT_FILES:
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, renamed_project / name)
    renamed = _renamed_codes(renamed_project / "seeds")
    work = {name: tmp_path / name for name in ("edfi", "renamed")}
    for name, db in (("edfi", loaded), ("renamed", small_db)):
        work[name].mkdir()
        shutil.copy(db, work[name] / WAREHOUSE)
    _rename_in_data(work["renamed"] / WAREHOUSE, renamed)
    # the direct build is the run's shared whole build of the generated district
    builds = [
        start_dbt(
            REPO, work["edfi"], WAREHOUSE, "build", *MARTS, "--indirect-selection", "cautious"
        ),
        start_dbt(
            renamed_project,
            work["renamed"],
            WAREHOUSE,
            "build",
            *MARTS,
            "--indirect-selection",
            "cautious",
        ),
    ]
    for proc in builds:
        wait_dbt(proc)
    # the two builds are a selection: their relations, each against the whole build's
    edfi = work["edfi"] / WAREHOUSE
    assert differences(small_built, edfi, ("core", "ews", "int"), b_subset=True) == []
    back = {new: old for old, new in renamed.items()}
    renamed_db = work["renamed"] / WAREHOUSE
    assert differences(small_built, renamed_db, ("core", "ews"), back, b_subset=True) == []
