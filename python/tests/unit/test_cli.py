"""The command line: one-line errors for bad arguments, atomic writes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from k12ews import cli, warehouse
from k12ews.synth.config import District


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["generate", "--students", "-5"], "must not be negative"),
        (["generate", "--students", "ten"], "not a whole number"),
        (["generate", "--students", "12"], "at least 13"),
        (["generate", "--profile", "rural"], "invalid choice"),
        (["generate", "--years", "0"], "between 1 and 40"),
        (["generate", "--as-of-date", "2019-02-30"], "not a date"),
        (["generate", "--as-of-date", "2019-01-01"], "outside the last school year"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_arguments_get_a_one_line_error(args: list[str], fragment: str, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "k12ews.cli", *args, "--db", str(tmp_path / "x.duckdb")]
        if args[0] == "generate"
        else [sys.executable, "-m", "k12ews.cli", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], proc.stderr
    assert not (tmp_path / "x.duckdb").exists()


def test_generate_command_writes_raw_and_truth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "g.duckdb"
    code = cli.main(
        ["generate", "--students", "300", "--years", "2", "--first-year", "2024", "--db", str(db)]
    )
    assert code == 0
    assert "raw.enrollments" in capsys.readouterr().out
    with warehouse.connect(db, read_only=True) as con:
        assert warehouse.table_counts(con, "raw")["students"] > 300
        assert warehouse.table_counts(con, "truth")["student_years"] > 0


def test_a_failed_write_leaves_the_previous_tables(
    small_district: District, tmp_path: Path
) -> None:
    db = tmp_path / "atomic.duckdb"
    with warehouse.connect(db) as con:
        warehouse.write_raw_and_truth(con, small_district.raw, small_district.truth)
        before = warehouse.table_counts(con, "raw")
        broken = dict(small_district.raw)
        bad = broken["enrollments"].copy()
        bad["entry_date"] = "not a date"
        broken["enrollments"] = bad
        with pytest.raises(duckdb.Error):
            warehouse.write_raw_and_truth(con, broken, small_district.truth)
        assert warehouse.table_counts(con, "raw") == before
