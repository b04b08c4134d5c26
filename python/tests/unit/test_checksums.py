"""The restructuring check: table checksums are order-independent and see any change."""

from __future__ import annotations

from pathlib import Path

import duckdb

from k12ews import checksums


def _db(path: Path, rows: list[tuple[int, str]], started: str) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema core")
    con.execute("create table core.t (id integer, name varchar, run_started_at timestamp)")
    con.executemany(f"insert into core.t values (?, ?, '{started}')", rows)
    con.close()
    return path


def test_same_rows_in_another_order_and_another_run_time_are_equal(tmp_path: Path) -> None:
    a = _db(tmp_path / "a.duckdb", [(1, "x"), (2, "y")], "2026-01-01")
    b = _db(tmp_path / "b.duckdb", [(2, "y"), (1, "x")], "2026-02-01")
    assert checksums.table_checksums(a) == checksums.table_checksums(b)
    assert checksums.table_checksums(a)["core.t"][0] == 2


def test_a_changed_value_or_a_missing_table_is_reported(tmp_path: Path) -> None:
    a = checksums.table_checksums(_db(tmp_path / "a.duckdb", [(1, "x"), (2, "y")], "2026-01-01"))
    b = checksums.table_checksums(_db(tmp_path / "b.duckdb", [(1, "x"), (2, "z")], "2026-01-01"))
    assert [line.split("\t")[:2] for line in checksums.compare(a, b)] == [["differs", "core.t"]]
    assert checksums.compare(a, {}) == ["gone\tcore.t"]


def test_the_command_compares_with_a_file_written_before(tmp_path: Path, capsys) -> None:
    db = _db(tmp_path / "a.duckdb", [(1, "x")], "2026-01-01")
    assert checksums.main([str(db)]) == 0
    before = tmp_path / "before.tsv"
    before.write_text(capsys.readouterr().out)
    assert checksums.main([str(db), "--compare", str(before)]) == 0
    assert "all 1 tables equal" in capsys.readouterr().out
    assert checksums.main([str(tmp_path / "none.duckdb")]) == 2
