"""Round trip: generate, export, load into a fresh database, dbt build: same marts.

Also: loads are idempotent, a failed load leaves the previous state, and keyed-hash
identifiers keep every table joined.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from dbt_runner import copy_db, run_dbt

from k12ews import contract, warehouse
from k12ews.export import export_raw
from k12ews.load import LoadError, load_folder
from k12ews.privacy import keyed_hash

REPO = Path(__file__).resolve().parents[2]
COMPARED_SCHEMAS = ("core", "ews", "int")


def _tables(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...]) -> list[tuple[str, str]]:
    return [
        (str(r[0]), str(r[1]))
        for r in con.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_schema in {schemas} order by 1, 2"
        ).fetchall()
    ]


def _differences(a: Path, b: Path, schemas: tuple[str, ...]) -> list[str]:
    con = duckdb.connect()
    con.execute(f"attach '{a}' as a (read_only)")
    con.execute(f"attach '{b}' as b (read_only)")
    con.execute("use a")
    left = _tables(con, schemas)
    con.execute("use b")
    right = _tables(con, schemas)
    assert left == right, "different tables"
    assert left, "nothing to compare"
    out = []
    for schema, name in left:
        for x, y in (("a", "b"), ("b", "a")):
            n = con.execute(
                f'select count(*) from (select * from {x}."{schema}"."{name}" except all '
                f'select * from {y}."{schema}"."{name}")'
            ).fetchone()
            if n and n[0]:
                out.append(f"{schema}.{name}: {n[0]} rows of {x} not in {y}")
    con.close()
    return out


@pytest.fixture(scope="module")
def exports(small_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("exports")
    for fmt in ("csv", "parquet"):
        export_raw(small_db, work / fmt, fmt)  # type: ignore[arg-type]
    return {"csv": work / "csv", "parquet": work / "parquet"}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_then_load_gives_back_the_raw_tables(
    small_db: Path, exports: dict[str, Path], tmp_path: Path, fmt: str
) -> None:
    db = tmp_path / "loaded.duckdb"
    result = load_folder(exports[fmt], db, project_dir=REPO)
    assert result.rows_rejected == 0 and result.rows_read == result.rows_loaded
    assert _differences(small_db, db, ("raw",)) == []
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


def test_marts_built_from_a_loaded_export_equal_the_direct_build(
    small_db: Path, exports: dict[str, Path], tmp_path: Path
) -> None:
    direct = copy_db(small_db, tmp_path / "direct", "direct.duckdb")
    loaded = tmp_path / "loaded" / "loaded.duckdb"
    loaded.parent.mkdir()
    load_folder(exports["csv"], loaded, project_dir=REPO)
    for db in (direct, loaded):
        proc = run_dbt(db, db.parent, "build")
        assert proc.returncode == 0, proc.stdout[-4000:]
    # the Parquet load gives the same raw tables as the CSV load (test above), so the
    # same marts: one build per format would add a minute for nothing
    assert _differences(direct, loaded, COMPARED_SCHEMAS) == []


def test_loading_twice_gives_the_same_state_and_a_failed_load_changes_nothing(
    exports: dict[str, Path], tmp_path: Path
) -> None:
    db = tmp_path / "twice.duckdb"
    load_folder(exports["parquet"], db, project_dir=REPO)
    first = copy_db(db, tmp_path / "first", "first.duckdb")
    load_folder(exports["parquet"], db, project_dir=REPO)
    assert _differences(first, db, ("raw", "audit")) == []

    bad = tmp_path / "bad"
    bad.mkdir()
    for f in exports["csv"].iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    (bad / "courses.csv").write_text("course_code,course_title\n", encoding="utf-8")
    with pytest.raises(LoadError, match="missing_column"):
        load_folder(bad, db, project_dir=REPO)
    assert _differences(first, db, ("raw", "audit")) == []


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
