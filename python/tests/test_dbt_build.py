"""`dbt build` runs end to end on a small generated district (seeds, sources, staging, tests)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[2]


def test_dbt_build_passes_on_a_generated_district(small_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "dbt.duckdb"
    shutil.copy(small_db, db)
    env = {**os.environ, "K12EWS_DB": str(db), "DBT_PROFILES_DIR": str(REPO)}
    dbt = Path(os.environ.get("VIRTUAL_ENV", REPO / ".venv")) / "bin" / "dbt"
    proc = subprocess.run(
        [
            str(dbt if dbt.exists() else "dbt"),
            "build",
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:]
    con = duckdb.connect(str(db), read_only=True)
    views = {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'stg'"
        ).fetchall()
    }
    con.close()
    from k12ews.contract import TABLES

    assert views == {f"stg_sis__{t.name}" for t in TABLES}
