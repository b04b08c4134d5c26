"""``export_raw``: contract files, one per raw table, columns in contract order."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb
import pytest

from k12ews import contract, warehouse
from k12ews.export import export_raw


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_writes_every_contract_table_with_its_columns_and_rows(
    small_db: Path, tmp_path: Path, fmt: str
) -> None:
    written = export_raw(small_db, tmp_path / fmt, fmt)  # type: ignore[arg-type]
    assert list(written) == [t.name for t in contract.TABLES]
    with warehouse.connect(small_db, read_only=True) as con:
        assert written == {
            name: n for name, n in warehouse.table_counts(con, "raw").items() if name in written
        }
    reader = duckdb.connect()
    for t in contract.TABLES:
        path = tmp_path / fmt / f"{t.name}.{fmt}"
        assert path.is_file(), path
        if fmt == "csv":
            with path.open(encoding="utf-8", newline="") as f:
                rows = list(csv.reader(f))
            assert rows[0] == t.column_names
            assert len(rows) - 1 == written[t.name]
        else:
            rel = reader.read_parquet(str(path))
            assert rel.columns == t.column_names
            assert [str(x) for x in rel.types] == [c.type for c in t.columns]
            assert len(rel) == written[t.name]


def test_export_refuses_an_unknown_format_and_a_missing_database(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown export format"):
        export_raw(tmp_path / "x.duckdb", tmp_path, "xlsx")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no database"):
        export_raw(tmp_path / "absent.duckdb", tmp_path, "csv")


def test_export_and_load_commands_report_counts_and_problems(
    small_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from k12ews import cli

    folder = tmp_path / "files"
    assert cli.main(["export", "--format", "csv", str(folder), "--db", str(small_db)]) == 0
    assert f"{len(contract.TABLES)} csv files" in capsys.readouterr().out
    path = folder / "attendance_events.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    fields = lines[2].split(",")
    fields[4] = "XX"  # event_type
    lines[2] = ",".join(fields)
    path.write_text("\n".join(lines), encoding="utf-8")
    db = tmp_path / "l.duckdb"
    seeds = str(Path(__file__).resolve().parents[3])
    assert cli.main(["load", str(folder), "--db", str(db), "--project-dir", seeds]) == 1
    err = capsys.readouterr().err
    assert "attendance_events.csv line 3, column event_type, value 'XX': unknown_code" in err
    if db.exists():  # the failed load wrote no raw schema
        with duckdb.connect(str(db)) as con:
            schemas = con.execute("select schema_name from duckdb_schemas()").fetchall()
        assert ("raw",) not in schemas
    code = cli.main(["load", str(folder), "--db", str(db), "--quarantine", "--project-dir", seeds])
    assert code == 0
    out = capsys.readouterr().out
    assert "rejected rows by file and rule:" in out
    assert re.search(r"attendance_events\.csv\s+unknown_code\s+1\n", out), out
    assert "audit.raw_rejects" in out
