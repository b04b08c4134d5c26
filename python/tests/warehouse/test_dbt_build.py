"""`dbt build` runs end to end on a small generated district (seeds, sources, staging, tests)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from k12ews.contract import TABLES


def test_dbt_build_passes_on_a_generated_district(small_built: Path) -> None:
    # the fixture's `dbt build` (models, seeds, data and unit tests) exited 0
    con = duckdb.connect(str(small_built), read_only=True)
    views = {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'stg'"
        ).fetchall()
    }
    con.close()
    assert views == {f"stg_sis__{t.name}" for t in TABLES}
