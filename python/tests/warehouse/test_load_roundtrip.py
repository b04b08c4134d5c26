"""Round trip: generate, export, load into a fresh database, dbt build: same marts.

Also: loads are idempotent, a failed load leaves the previous state, and keyed-hash
identifiers keep every table joined.

Each export is loaded once per module and shared. The marts are compared after one
``dbt build`` of the loaded database (its data tests included) of what the compared
schemas are built from (the risk models behind ``ews_alerts`` too, not the other ML
models nor the unit tests, which read no data), against the run's shared whole build of
the generated district (``small_built``).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest
from dbt_runner import copy_db, start_dbt, wait_dbt
from mart_diff import differences

from k12ews import contract, warehouse
from k12ews.export import export_raw
from k12ews.load import LoadError, load_folder
from k12ews.privacy import keyed_hash

REPO = Path(__file__).resolve().parents[3]
COMPARED_SCHEMAS = ("core", "ews", "int")
# every dbt run uses this database path, relative to its own folder: the path is part
# of the profile, and an unchanged profile lets a build reuse an earlier parse
WAREHOUSE = "warehouse.duckdb"
# dbt selection of the models of those schemas and everything they are built from
MARTS = (
    "--select",
    "+path:models/marts +path:models/intermediate",
    "--exclude-resource-type",
    "unit_test",
)


@pytest.fixture(scope="module")
def exports(small_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("exports")
    for fmt in ("csv", "parquet"):
        export_raw(small_db, work / fmt, fmt)  # type: ignore[arg-type]
    return {"csv": work / "csv", "parquet": work / "parquet"}


@pytest.fixture(scope="module")
def loaded(exports: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each export loaded once into a fresh database (tests that change one copy it)."""
    out = {}
    for fmt, folder in exports.items():
        db = tmp_path_factory.mktemp(f"loaded_{fmt}") / "loaded.duckdb"
        result = load_folder(folder, db, project_dir=REPO)
        assert result.rows_rejected == 0 and result.rows_read == result.rows_loaded
        out[fmt] = db
    return out


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_then_load_gives_back_the_raw_tables(
    small_db: Path, loaded: dict[str, Path], fmt: str
) -> None:
    db = loaded[fmt]
    assert differences(small_db, db, ("raw",)) == []
    with warehouse.connect(db, read_only=True) as con:
        schemas = {r[0] for r in con.execute("select schema_name from duckdb_schemas()").fetchall()}
        types = con.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = 'raw' order by table_name, ordinal_position"
        ).fetchall()
    assert warehouse.TRUTH not in schemas  # a loaded district has no truth
    expected = sorted(
        ((t.name, c.name, c.type) for t in contract.TABLES for c in t.columns),
        key=lambda r: r[0],
    )
    assert sorted(types, key=lambda r: r[0]) == expected


def test_crlf_line_ends_and_quoted_fields_load_the_same_rows(
    small_db: Path, exports: dict[str, Path], tmp_path: Path
) -> None:
    """Windows line ends (read by DuckDB's parallel reader) and fields quoted without
    need (read line by line) give back the same raw tables."""
    folder = tmp_path / "files"
    shutil.copytree(exports["csv"], folder)
    events = folder / "attendance_events.csv"
    events.write_bytes(events.read_bytes().replace(b"\n", b"\r\n"))
    students = folder / "students.csv"
    with students.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    with students.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n").writerows(
            [[v or None for v in row] for row in rows]
        )
    db = tmp_path / "crlf.duckdb"
    result = load_folder(folder, db, project_dir=REPO)
    assert result.rows_rejected == 0
    assert differences(small_db, db, ("raw",)) == []


def test_marts_built_from_a_loaded_export_equal_the_direct_build(
    small_built: Path, loaded: dict[str, Path], tmp_path: Path
) -> None:
    # what the compared schemas are built from (the risk models behind ews_alerts
    # included), not the rest of the ML models; unit tests do not read the data. The
    # direct build is the run's shared whole build of the generated district.
    db = copy_db(loaded["csv"], tmp_path / "loaded", WAREHOUSE)
    wait_dbt(
        start_dbt(REPO, db.parent, WAREHOUSE, "build", *MARTS, "--indirect-selection", "cautious")
    )
    # the Parquet load gives the same raw tables as the CSV load (test above), so the
    # same marts: one build per format would add a minute for nothing
    # the loaded build is a selection: its relations, each against the whole build's
    assert differences(small_built, db, COMPARED_SCHEMAS, b_subset=True) == []


def test_loading_twice_gives_the_same_state_and_a_failed_load_changes_nothing(
    exports: dict[str, Path], loaded: dict[str, Path], tmp_path: Path
) -> None:
    first = loaded["parquet"]  # the state after one load
    db = copy_db(first, tmp_path / "twice", "twice.duckdb")
    load_folder(exports["parquet"], db, project_dir=REPO)
    assert differences(first, db, ("raw", "audit")) == []

    bad = tmp_path / "bad"
    bad.mkdir()
    for f in exports["csv"].iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    (bad / "courses.csv").write_text("course_code,course_title\n", encoding="utf-8")
    with pytest.raises(LoadError, match="missing_column"):
        load_folder(bad, db, project_dir=REPO)
    assert differences(first, db, ("raw", "audit")) == []


def test_keyed_hash_ids_replace_every_student_id_consistently(
    small_db: Path, exports: dict[str, Path], tmp_path: Path
) -> None:
    secret = b"a district secret of some length"
    db = tmp_path / "hashed.duckdb"
    result = load_folder(exports["parquet"], db, project_dir=REPO, id_secret=secret)
    assert result.rows_rejected == 0 and result.hashed_ids
    con = duckdb.connect(str(db), read_only=True)
    src = duckdb.connect(str(small_db), read_only=True)
    try:
        some = src.execute("select student_id from raw.students order by 1 limit 5").fetchall()
        for (sid,) in some:
            hashed = keyed_hash(sid, secret)
            assert hashed != sid
            assert con.execute(
                "select count(*) from raw.students where student_id = ?", [hashed]
            ).fetchone() == (1,)
        for t in contract.TABLES:
            if "student_id" not in t.column_names:
                continue
            plain = con.execute(
                f'select count(*) from raw."{t.name}" where length(student_id) <> 20'
            ).fetchone()
            assert plain == (0,), t.name
    finally:
        con.close()
        src.close()


def test_hash_ids_needs_a_secret_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from k12ews.privacy import secret_from_env

    monkeypatch.delenv("K12EWS_ID_SECRET", raising=False)
    with pytest.raises(ValueError, match="K12EWS_ID_SECRET"):
        secret_from_env()
    monkeypatch.setenv("K12EWS_ID_SECRET", "short")
    with pytest.raises(ValueError, match="at least"):
        secret_from_env()
    monkeypatch.setenv("K12EWS_ID_SECRET", "x" * 32)
    assert secret_from_env() == b"x" * 32
