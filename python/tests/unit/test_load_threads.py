"""A small export loads in one DuckDB thread (k12ews.load.threads), a large one with
the database's own setting; either way the setting is as it was after the load, also
after a load that fails (the database instance is shared with the caller's connections)."""

from __future__ import annotations

from pathlib import Path

import pytest
import tiny_export
from export_mutations import Mutated

from k12ews import warehouse
from k12ews.load import LoadError, checks, load_folder, threads

REPO = Path(__file__).resolve().parents[3]


def _threads_seen(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The DuckDB threads setting each time a table is typed during a load."""
    seen: list[int] = []
    typed = checks.build_typed

    def spy(con, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(int(con.execute("SELECT current_setting('threads')").fetchone()[0]))
        return typed(con, *args, **kwargs)

    monkeypatch.setattr(checks, "build_typed", spy)
    return seen


@pytest.mark.parametrize("limit, during", [(threads.ONE_THREAD_BYTES, 1), (1, 2)])
def test_a_small_export_loads_in_one_thread_and_the_setting_is_put_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int, during: int
) -> None:
    folder, db = tmp_path / "export", tmp_path / "d.duckdb"
    Mutated().write(folder)
    monkeypatch.setattr(threads, "ONE_THREAD_BYTES", limit)
    seen = _threads_seen(monkeypatch)
    with warehouse.connect(db) as con:
        con.execute("SET threads = 2")
        result = load_folder(folder, db, "strict", tiny_export.AS_OF, REPO)
        assert result.rows_rejected == 0 and result.rows_loaded > 50
        assert seen and set(seen) == {during}
        assert con.execute("SELECT current_setting('threads')").fetchone() == (2,)


def test_a_failed_load_puts_the_threads_setting_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, db = tmp_path / "export", tmp_path / "d.duckdb"
    Mutated().write(folder)
    schools = folder / "schools.csv"
    header, first, rest = schools.read_text(encoding="utf-8").split("\n", 2)
    bad = "x," + first.split(",", 1)[1]  # school_id, a whole number, as text
    schools.write_text(f"{header}\n{bad}\n{rest}", encoding="utf-8")
    seen = _threads_seen(monkeypatch)
    with warehouse.connect(db) as con:
        con.execute("SET threads = 2")
        with pytest.raises(LoadError, match="break the contract"):
            load_folder(folder, db, "strict", tiny_export.AS_OF, REPO)
        assert seen and set(seen) == {1}
        assert con.execute("SELECT current_setting('threads')").fetchone() == (2,)
