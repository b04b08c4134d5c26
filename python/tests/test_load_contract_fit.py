"""What the Ed-Fi issue found in the loader's contract, each a named test on a tiny
district's CSV export: a rejected row's reported value is its own column's, never
another's.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from k12ews import warehouse
from k12ews.export import export_raw
from k12ews.load import LoadError, load_folder
from k12ews.synth.district import GenerateConfig, generate

REPO = Path(__file__).resolve().parents[2]
TINY = GenerateConfig(students=300, years=2, first_year=2023, seed=5)


def read_rows(folder: Path, table: str) -> list[list[str]]:
    with (folder / f"{table}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def write_rows(folder: Path, table: str, rows: list[list[str]]) -> None:
    with (folder / f"{table}.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def set_value(folder: Path, table: str, line: int, column: str, value: str) -> None:
    rows = read_rows(folder, table)
    rows[line - 1][rows[0].index(column)] = value
    write_rows(folder, table, rows)


@pytest.fixture(scope="module")
def clean_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("fit")
    district = generate(TINY)
    with warehouse.connect(work / "gen.duckdb") as con:
        warehouse.write_raw_and_truth(con, district.raw, district.truth)
    export_raw(work / "gen.duckdb", work / "csv", "csv")
    return work / "csv"


@pytest.fixture
def folder(clean_export: Path, tmp_path: Path) -> Path:
    shutil.copytree(clean_export, tmp_path / "files")
    return tmp_path / "files"


def load(folder: Path, mode: str = "strict", **kwargs: object):  # type: ignore[no-untyped-def]
    db = folder.parent / "d.duckdb"
    return load_folder(folder, db, mode=mode, project_dir=REPO, **kwargs), db  # type: ignore[arg-type]


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_required_problem_reports_its_own_empty_value_not_a_later_columns(
    folder: Path,
) -> None:
    # an empty required column first, then a bad date on the same row: the first
    # problem (required) is reported with no value, never the date's
    set_value(folder, "assessments", 2, "assessment_id", "")
    set_value(folder, "assessments", 2, "administration_date", "2019-01-01")
    with pytest.raises(LoadError) as strict:
        load(folder)
    first = next(p for p in strict.value.problems if p.file == "assessments.csv" and p.line == 2)
    assert (first.rule, first.column, first.value) == ("required", "assessment_id", None)
    _, db = load(folder, mode="quarantine")
    rule, column, value, problems = query(
        db,
        "select rule, column_name, value, problems from audit.raw_rejects "
        "where file = 'assessments.csv' and line = 2",
    )[0]
    assert (rule, column, value) == ("required", "assessment_id", None)
    assert "date_outside_school_year administration_date" in problems
