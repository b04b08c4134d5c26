"""The SQL layer builds unchanged on PostgreSQL and on Spark from the same generated
district, and every relation of schemas int, core and ews matches the DuckDB build
row for row (floats within k12ews.engines.compare's tolerance, order ignored).

The raw contract travels as Parquet (k12ews.export) and is loaded with each engine's
loader. Postgres is a throwaway server on loopback (k12ews.engines.postgres_server),
Spark a local session whose warehouse and metastore live in a temporary directory.
Both build with `--selector sql_layer` (everything but the ML models); Postgres runs
`dbt build` (data and unit tests included), Spark `dbt seed` + `dbt run`, since its
per-statement overhead makes the ~400 data tests cost minutes; the comparison is
Spark's check.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from dbt_runner import REPO, copy_db, run_dbt

from k12ews import warehouse
from k12ews.engines import compare, postgres_load
from k12ews.engines.postgres_server import running_postgres
from k12ews.engines.spark_session import spark_env
from k12ews.export import export_raw
from k12ews.synth.config import GenerateConfig
from k12ews.synth.district import generate

SQL_LAYER = ("--selector", "sql_layer")
# Small enough for CI on two cores, large enough for every grade band, a graduating
# cohort and a current (as-of) year: 800 students a year, 3 school years.
DISTRICT = GenerateConfig(students=800, years=3, first_year=2023, seed=11)
pytestmark = pytest.mark.engines


def _module(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO, env=env, capture_output=True, text=True
    )


def _tail(proc: subprocess.CompletedProcess[str]) -> str:
    return (proc.stdout[-3000:] + "\n" + proc.stderr[-3000:]).strip()


@pytest.fixture(scope="module")
def engines_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("engines_district") / "district.duckdb"
    with warehouse.connect(path) as con:
        district = generate(DISTRICT)
        warehouse.write_raw_and_truth(con, district.raw, district.truth)
    return path


@pytest.fixture(scope="module")
def contract_files(engines_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("contract_parquet")
    export_raw(engines_db, out, "parquet")
    return out


@pytest.fixture(scope="module")
def duckdb_dump(engines_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("engines_duckdb")
    db = copy_db(engines_db, work, "duck.duckdb")
    for command in (("seed",), ("run",)):
        proc = run_dbt(db, work, *command, *SQL_LAYER)
        assert proc.returncode == 0, proc.stdout[-4000:]
    dump = work / "dump"
    proc = _module(
        "k12ews.engines.dump", "duckdb", str(dump), "--db", str(db), env=dict(os.environ)
    )
    assert proc.returncode == 0, _tail(proc)
    return dump


@pytest.fixture(scope="module")
def postgres_env() -> Iterator[dict[str, str]]:
    with running_postgres() as server:
        yield {**os.environ, **server.env()}


def _dbt(env: dict[str, str], work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        return run_dbt(work / "unused.duckdb", work, *args)


def test_postgres_build_matches_duckdb(
    contract_files: Path, duckdb_dump: Path, postgres_env: dict[str, str], tmp_path: Path
) -> None:
    proc = _module("k12ews.engines.postgres_load", str(contract_files), env=postgres_env)
    assert proc.returncode == 0, _tail(proc)
    proc = _dbt(postgres_env, tmp_path, "build", "--target", "postgres", *SQL_LAYER)
    assert proc.returncode == 0, proc.stdout[-4000:]
    dump = tmp_path / "dump"
    proc = _module("k12ews.engines.dump", "postgres", str(dump), env=postgres_env)
    assert proc.returncode == 0, _tail(proc)
    differences = compare.compare_dirs(duckdb_dump, dump)
    assert not differences, "\n".join(map(str, differences))


def test_spark_build_matches_duckdb(
    contract_files: Path, duckdb_dump: Path, tmp_path: Path
) -> None:
    env = {
        **spark_env(),
        "K12EWS_SPARK_DIR": str(tmp_path / "spark"),
        # A small district: one shuffle partition, no adaptive re-planning (faster).
        "K12EWS_SPARK_SHUFFLE_PARTITIONS": "1",
        "K12EWS_SPARK_ADAPTIVE": "false",
    }
    proc = _module("k12ews.engines.spark_load", str(contract_files), env=env)
    assert proc.returncode == 0, _tail(proc)
    for command in (("seed",), ("run",)):
        proc = _dbt(env, tmp_path, *command, "--target", "spark", *SQL_LAYER)
        assert proc.returncode == 0, proc.stdout[-4000:]
    dump = tmp_path / "dump"
    proc = _module("k12ews.engines.dump", "spark", str(dump), env=env)
    assert proc.returncode == 0, _tail(proc)
    differences = compare.compare_dirs(duckdb_dump, dump)
    assert not differences, "\n".join(map(str, differences))
    assert not (REPO / "metastore_db").exists() and not (REPO / "spark-warehouse").exists()


def test_postgres_loader_names_the_file_and_column_of_a_bad_contract_file(
    contract_files: Path, tmp_path: Path
) -> None:
    import pyarrow.parquet as pq

    for path in contract_files.glob("*.parquet"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    table = pq.read_table(tmp_path / "schools.parquet").drop_columns(["school_level"])
    pq.write_table(table, tmp_path / "schools.parquet")
    with pytest.raises(postgres_load.ContractFileError, match=r"schools\.parquet.*school_level"):
        postgres_load.load_parquet(tmp_path, params={})
