"""`dbt build` runs end to end on a small generated district (seeds, sources, staging, tests)."""

from __future__ import annotations

from pathlib import Path

import duckdb
from dbt_runner import copy_db, run_dbt

from k12ews.contract import TABLES


def test_dbt_build_passes_on_a_generated_district(small_db: Path, tmp_path: Path) -> None:
    db = copy_db(small_db, tmp_path, "dbt.duckdb")
    proc = run_dbt(db, tmp_path, "build")
    assert proc.returncode == 0, proc.stdout[-4000:]
    con = duckdb.connect(str(db), read_only=True)
    views = {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'stg'"
        ).fetchall()
    }
    con.close()
    assert views == {f"stg_sis__{t.name}" for t in TABLES}
