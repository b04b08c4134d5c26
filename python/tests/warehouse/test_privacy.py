"""No name, birth date or address reaches a mart schema."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

PII_COLUMNS = {"first_name", "last_name", "birth_date", "street_address", "postal_code"}
MART_SCHEMAS = ("core", "ews", "ml")


@pytest.mark.slow
def test_no_personal_identifiers_in_marts(small_built: Path) -> None:
    con = duckdb.connect(str(small_built), read_only=True)
    cols = con.execute(
        "select table_schema, table_name, column_name, data_type from information_schema.columns "
        f"where table_schema in {MART_SCHEMAS}"
    ).fetchall()
    assert cols, "no mart was built"
    leaked = [c for c in cols if c[2] in PII_COLUMNS or ("name" in c[2] and "student" in c[2])]
    assert not leaked, leaked
    # values: no mart text column holds a student's last name next to their id, and no
    # date column holds birth dates
    for schema, table, column, dtype in cols:
        if dtype == "DATE":
            hits = con.execute(
                f'select count(*) from "{schema}"."{table}" t join raw.students s '
                f'on t."{column}" = s.birth_date '
                + (
                    "and t.student_id = s.student_id"
                    if any(c[1] == table and c[2] == "student_id" for c in cols)
                    else "and false"
                )
            ).fetchone()
            assert hits is not None and hits[0] == 0, f"{schema}.{table}.{column} holds birth dates"
    con.close()
