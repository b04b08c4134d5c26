"""Shared fixtures: generated districts, made once per test session.

- ``small_db``: 1,300 students a year for 4 years (seconds), for integrity and dbt.
- ``national_db`` / ``urban_db``: the default-size district of each profile
  (about 15 s each), for the realism tests that need full cohorts.
- ``national_built``: the default district after the whole ``dbt build`` (SQL layer and
  the dbt Python models, about 3 minutes), made once per run even with two xdist
  workers, shared read-only by every test that reads the product's marts and ML
  tables; a test that changes it copies it.
- ``small_built``: the small district after the whole ``dbt build``, made the same way
  (once per run, shared read-only): the direct build round trips compare with.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
from dbt_runner import run_dbt

from k12ews import warehouse
from k12ews.synth.config import District, GenerateConfig
from k12ews.synth.district import generate

REPO = Path(__file__).resolve().parents[2]
SMALL = GenerateConfig(students=1300, years=4, first_year=2021, seed=7)


def _write(district: District, path: Path) -> Path:
    with warehouse.connect(path) as con:
        warehouse.write_raw_and_truth(con, district.raw, district.truth)
    return path


@pytest.fixture(scope="session")
def small_district() -> District:
    return generate(SMALL)


@pytest.fixture(scope="session")
def small_db(small_district: District, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write(small_district, tmp_path_factory.mktemp("small") / "small.duckdb")


@pytest.fixture(scope="session")
def national_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    district = generate(GenerateConfig(profile="national"))
    return _write(district, tmp_path_factory.mktemp("national") / "national.duckdb")


@pytest.fixture(scope="session")
def urban_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    district = generate(GenerateConfig(profile="urban_high_poverty"))
    return _write(district, tmp_path_factory.mktemp("urban") / "urban.duckdb")


@pytest.fixture(params=["small", "national"])
def any_db(request: pytest.FixtureRequest) -> duckdb.DuckDBPyConnection:
    path = request.getfixturevalue(f"{request.param}_db")
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def _built_once(
    name: str, raw: Callable[[Path], object], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A district built whole with ``dbt build`` once per test run, also under
    ``pytest -n 2``: the first worker to ask writes its raw tables (``raw(path)``) and
    builds it in the run's shared temporary folder while holding a lock; the other waits
    and reuses it. Readers open it read-only; a test that changes it copies it."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    work = root / f"{name}_built"
    work.mkdir(exist_ok=True)
    db, done = work / f"{name}.duckdb", work / "built.ok"
    with (root / f"{name}_built.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not done.exists():
                db.unlink(missing_ok=True)
                raw(db)
                proc = run_dbt(db, work, "build")
                assert proc.returncode == 0, proc.stdout[-4000:]
                done.write_text("built\n")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return db


@pytest.fixture(scope="session")
def national_built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The default district, built whole once per run (``_built_once``).

    In the edit loop, ``K12EWS_TEST_NATIONAL_BUILT=path`` reuses a default district
    already built with the current code (``make run`` writes one to data/k12ews.duckdb);
    CI never sets it."""
    reuse = os.environ.get("K12EWS_TEST_NATIONAL_BUILT")
    if reuse:
        yield Path(reuse)
        return
    yield _built_once(
        "national",
        lambda db: _write(generate(GenerateConfig(profile="national")), db),
        tmp_path_factory,
    )


@pytest.fixture(scope="session")
def small_built(small_district: District, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small district (``small_db``'s raw tables), built whole once per run
    (``_built_once``): the direct build that round trips compare with, and the warehouse
    that read-only checks (privacy, the stg views, features) read."""
    return _built_once("small", lambda db: _write(small_district, db), tmp_path_factory)
