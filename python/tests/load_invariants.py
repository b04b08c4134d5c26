"""What every load of a damaged export must satisfy, and the fuzz loop that checks it.

A tiny valid export (:mod:`tiny_export`) is damaged at random (:mod:`export_mutations`:
byte-level edits in ``test_load_fuzz_bytes.py``, field-level ones in
``test_load_fuzz_fields.py``, two files so that two test workers can share them) and
each damaged folder is loaded strictly, then in quarantine mode, into one database per
test that already holds a valid load. For every example:

- the loader raises nothing but its own ``LoadError``, whose problems each name a
  file of the export and a documented rule (a share of the examples goes through
  ``k12ews load`` itself: exit code 0 or 1, and no traceback on either stream);
- a failed load (strict, or quarantine on a file-level problem) leaves ``raw`` and
  ``audit`` exactly as they were (row counts and a hash of every row of every table);
- a quarantine load accounts for every record of every file: read = loaded +
  rejected + merged, read = the file's records (lines after the header, or Parquet
  rows), and ``raw`` and ``audit`` hold exactly what the counts say;
- no load puts a NUL byte or byte 0x01 in a text value of ``raw``.

Hypothesis runs derandomized with no example database, so every run (and CI) tries
the same examples; a failure prints the edits that make it.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import tiny_export
from export_mutations import Mutated
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from k12ews import cli, contract, warehouse
from k12ews.load import FileCounts, LoadError, load_folder
from k12ews.load.loader import Mode
from k12ews.load.rules import RULES

REPO = Path(__file__).resolve().parents[2]
CLI_SHARE = 5  # about one example in this many is loaded through `k12ews load`
MODES: tuple[Mode, ...] = ("strict", "quarantine")

FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


@dataclass(frozen=True)
class Snapshot:
    """What a database holds: row count and the sum of every row's hash of each table
    of ``raw`` and ``audit`` (``tables``), and the audit's counts of the last load."""

    tables: dict[str, tuple[int, int]]
    rejects: dict[str, int]  # audit.raw_rejects rows per file
    loads: list[dict[str, object]]  # audit.raw_loads, one dict per file
    control_values: int  # text values in raw holding a NUL byte or byte 0x01

    def rows(self, table: str) -> int:
        return self.tables[f"{warehouse.RAW}.{table}"][0]


def snapshot(con: duckdb.DuckDBPyConnection) -> Snapshot:
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema in (?, ?) order by 1, 2",
        [warehouse.RAW, warehouse.AUDIT],
    ).fetchall()
    sql = " union all ".join(
        f"select '{s}.{t}', count(*), coalesce(sum(hash(x)), 0) from {s}.\"{t}\" as x"
        for s, t in tables
    )
    hashed = {str(r[0]): (int(r[1]), int(r[2])) for r in con.execute(sql).fetchall()}
    rejects = con.execute("select file, count(*) from audit.raw_rejects group by file").fetchall()
    cur = con.execute("select * from audit.raw_loads")
    names = [d[0] for d in cur.description]
    loads = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    control = con.execute(_CONTROL_VALUES).fetchone()
    return Snapshot(
        hashed, {str(f): int(n) for f, n in rejects}, loads, int(control[0]) if control else 0
    )


_CONTROL_VALUES = "select " + " + ".join(
    f'(select count(*) from {warehouse.RAW}."{t.name}" where '
    + " or ".join(
        f'contains("{c.name}", chr(0)) or contains("{c.name}", chr(1))'
        for c in t.columns
        if c.type == "VARCHAR"
    )
    + ")"
    for t in contract.TABLES
)


def records(path: Path) -> int:
    """The records of a contract file: its rows (Parquet), or its lines after the
    header (CSV: lines end with LF, or with CR alone in a file without LF)."""
    if path.suffix == ".parquet":
        return pq.read_metadata(path).num_rows
    data = path.read_bytes()
    end = b"\n" if b"\n" in data else b"\r"
    return data.count(end) + (0 if data.endswith(end) else 1) - 1


@dataclass
class Workspace:
    """One test's database (a valid load already in it), a connection to it held open
    for the whole test (the loads' own connections share its database instance, so no
    load pays for opening the file), and the test's folders."""

    root: Path
    db: Path
    con: duckdb.DuckDBPyConnection
    before: Snapshot  # raw and audit as they are now
    examples: int = 0
    through_cli: int = 0
    with_rejects: int = 0  # quarantine loads that rejected rows (row checks were reached)

    def folder(self) -> Path:
        self.examples += 1
        return self.root / f"case{self.examples}"


@contextmanager
def workspace_in(tmp_path: Path) -> Iterator[Workspace]:
    """A workspace whose database holds the tiny export, loaded strictly."""
    clean = tmp_path / "clean"
    Mutated().write(clean)
    db = tmp_path / "fuzz.duckdb"
    with warehouse.connect(db) as con:
        result = load_folder(clean, db, as_of=tiny_export.AS_OF, project_dir=REPO)
        assert result.rows_rejected == 0 and result.rows_loaded == result.rows_read > 50
        yield Workspace(tmp_path, db, con, snapshot(con))


def _table_of(file: str) -> contract.Table:
    return contract.table(file.rsplit(".", 1)[0])


def _check_error(error: LoadError, mode: str, folder: Path) -> None:
    """Every problem names a file of the export, a documented rule, a line and column
    that exist; in quarantine mode only a file-level problem fails the load."""
    assert error.problems and error.total >= len(error.problems), error
    for p in error.problems:
        table = _table_of(p.file)  # a contract file (a missing one: <table>.csv)
        assert p.rule in RULES, p
        assert p.column is None or p.column in table.column_names, p
        if mode == "quarantine":
            assert p.line in (None, 1), f"a row problem failed a quarantine load: {p}"
        elif p.line is not None and p.line > 1:
            assert (folder / p.file).is_file(), p
            assert p.line <= records(folder / p.file) + 1, p


def check_loaded(
    folder: Path, files: list[FileCounts] | list[dict[str, object]], now: Snapshot
) -> None:
    """A load that succeeded: every record counted, raw and audit as the counts say,
    and no control byte in a text value of raw."""
    assert len(files) == len(contract.TABLES)
    assert now.control_values == 0, "a NUL byte or byte 0x01 reached raw"
    for f in files:
        c = f if isinstance(f, dict) else vars(f)
        file = str(c["file"])
        read, loaded, rejected = c["rows_read"], c["rows_loaded"], c["rows_rejected"]
        merged = c.get("rows_merged", 0)
        assert read == loaded + rejected + merged, c  # type: ignore[operator]
        assert read == records(folder / file), f"{file}: a record went uncounted"
        assert now.rows(_table_of(file).name) == loaded, c
        assert now.rejects.get(file, 0) == rejected, c


def _failed(ws: Workspace, mode: Mode) -> None:
    assert snapshot(ws.con).tables == ws.before.tables, f"a failed {mode} load changed raw or audit"


def _load_api(ws: Workspace, folder: Path, mode: Mode) -> None:
    try:
        result = load_folder(folder, ws.db, mode, tiny_export.AS_OF, REPO)
    except LoadError as e:
        _failed(ws, mode)
        _check_error(e, mode, folder)
        return
    ws.before = snapshot(ws.con)
    if mode == "strict":
        assert result.rows_rejected == 0
    ws.with_rejects += result.rows_rejected > 0
    check_loaded(folder, result.files, ws.before)


def _load_cli(ws: Workspace, folder: Path, mode: Mode) -> None:
    args = ["load", str(folder), "--db", str(ws.db), "--project-dir", str(REPO)]
    args += ["--as-of-date", tiny_export.AS_OF.isoformat()]
    if mode == "quarantine":
        args.append("--quarantine")
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(args)
    said = out.getvalue() + err.getvalue()
    assert "Traceback" not in said, said
    assert code in (0, 1), f"exit code {code}: {said}"
    if code == 1:
        assert err.getvalue().startswith("k12ews: load failed"), said
        if mode == "quarantine":
            assert "file problem" in err.getvalue(), (
                f"a row problem failed a quarantine load: {said}"
            )
        _failed(ws, mode)
        return
    ws.before = snapshot(ws.con)
    ws.with_rejects += any(f["rows_rejected"] for f in ws.before.loads)
    check_loaded(folder, ws.before.loads, ws.before)


def check_both_modes(ws: Workspace, mutated: Mutated, via_cli: bool) -> None:
    """Load the mutated export strictly, then in quarantine mode; check each load."""
    note("\n".join(mutated.done))
    folder = ws.folder()
    mutated.write(folder)
    ws.through_cli += via_cli
    try:
        for mode in MODES:
            (_load_cli if via_cli else _load_api)(ws, folder, mode)
    finally:
        shutil.rmtree(folder)


def fuzz(ws: Workspace, mutations: st.SearchStrategy[Mutated], examples: int) -> None:
    """Run ``examples`` mutated exports through both modes; check that they were all
    run, a share of them through the CLI, and that many reached the row checks (not
    just a file problem)."""

    @settings(FUZZ, max_examples=examples)
    @given(mutated=mutations, cli_pick=st.integers(0, CLI_SHARE - 1))
    def run(mutated: Mutated, cli_pick: int) -> None:
        check_both_modes(ws, mutated, via_cli=cli_pick == 0)

    run()
    assert ws.examples >= examples  # hypothesis ran every example asked for
    assert ws.through_cli >= examples // (3 * CLI_SHARE)
    assert ws.with_rejects >= examples // 3
