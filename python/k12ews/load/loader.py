"""Load a folder of contract files into ``raw``: strict (default) or quarantine.

1. Find one file per contract table (``<table>.csv`` or ``<table>.parquet``) and check
   its header (:mod:`k12ews.load.read`); file-level problems (missing file or column,
   empty file, wrong delimiter) fail the load in either mode, since no row of such a
   file can be judged.
2. Optionally replace student identifiers with keyed hashes (:mod:`k12ews.privacy`):
   the files are then staged as tables, changed in place.
3. Type and check the tables in dependency order (:data:`k12ews.load.rules.LOAD_ORDER`;
   :mod:`k12ews.load.checks` for each row, :mod:`k12ews.load.sets` against other
   rows): a row whose parent row is rejected is rejected too (``orphan_reference``,
   ``outside_enrollment``, ``not_instructional_day``), so what loads is always
   consistent. A plain CSV file is read once, by DuckDB's parallel reader; if that
   reader refuses or skips a line, the file is read line by line instead.
4. Strict: any rejected row fails the load with a report naming file, line, column,
   value and rule, and nothing is written. Quarantine: valid rows load and every
   rejected row goes to ``audit.raw_rejects`` with its file, line, rule, message and
   original text. In both, rows read = rows loaded + rows rejected for every file.
5. ``raw`` (and ``audit``) are replaced in one transaction
   (:func:`k12ews.warehouse.replace_raw_from_load`): a failure leaves the previous
   state, and loading the same folder twice gives the same state.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import duckdb

from k12ews import contract, warehouse
from k12ews.dbt_sources import CROSSWALK_CODE_COLUMNS
from k12ews.load import checks, rules, sets
from k12ews.load.read import (
    FileProblem,
    Staged,
    find_files,
    plain_source,
    read_carefully,
    stage,
    staging_name,
)

Mode = Literal["strict", "quarantine"]
REPORT_LIMIT = 50  # problems listed in a strict-mode report (all are counted)
REJECT_COLUMNS = (
    "table_name VARCHAR, file VARCHAR, line BIGINT, rule VARCHAR, column_name VARCHAR, "
    "value VARCHAR, message VARCHAR, problems VARCHAR, original_text VARCHAR"
)


@dataclass(frozen=True)
class FileCounts:
    table: str
    file: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    column: str | None
    value: str | None
    rule: str
    message: str

    def __str__(self) -> str:
        where = f" line {self.line}" if self.line is not None else ""
        col = f", column {self.column}" if self.column else ""
        val = f", value {self.value!r}" if self.value is not None else ""
        return f"{self.file}{where}{col}{val}: {self.rule}: {self.message}"


@dataclass
class LoadResult:
    mode: Mode
    files: list[FileCounts]
    notes: list[str] = field(default_factory=list)
    rejects_by_rule: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # the first REPORT_LIMIT
    hashed_ids: int | None = None

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    def render(self) -> str:
        lines = [
            f"{'file':<36} {'read':>10} {'loaded':>10} {'rejected':>10}",
            *(
                f"{f.file:<36} {f.rows_read:>10,} {f.rows_loaded:>10,} {f.rows_rejected:>10,}"
                for f in self.files
            ),
            f"{'total':<36} {self.rows_read:>10,} {self.rows_loaded:>10,} "
            f"{self.rows_rejected:>10,}",
        ]
        if self.rejects_by_rule:
            lines.append(
                "rejected rows by rule: "
                + ", ".join(f"{r} {n:,}" for r, n in self.rejects_by_rule.items())
            )
        if self.hashed_ids is not None:
            lines.append(f"student identifiers replaced by keyed hashes: {self.hashed_ids:,}")
        lines += self.notes
        return "\n".join(lines)


class LoadCrash(RuntimeError):  # noqa: N818 (the loader's own failure, named as such)
    """The loader itself failed (a bug, not a data problem) on ``file``; ``raw`` is as
    it was. The original exception is the cause."""

    def __init__(self, file: str, error: BaseException) -> None:
        self.file = file
        first = (str(error).strip().splitlines() or [""])[0]
        super().__init__(f"{file}: {type(error).__name__}: {first}")


@contextmanager
def _crash_names(file: str) -> Iterator[None]:
    """Re-raise an unexpected error inside the block as a :class:`LoadCrash` on ``file``."""
    try:
        yield
    except (FileProblem, LoadError):
        raise
    except Exception as e:
        raise LoadCrash(file, e) from e


class LoadError(ValueError):
    """The load failed; ``raw`` is as it was. ``problems`` lists what was found."""

    def __init__(self, summary: str, problems: list[Problem], total: int) -> None:
        self.summary = summary
        self.problems = problems
        self.total = total
        listed = "\n".join(f"  {p}" for p in problems)
        more = f"\n  ... and {total - len(problems):,} more" if total > len(problems) else ""
        super().__init__(f"{summary}\n{listed}{more}")


def _seed_codes(path: Path, column: str) -> tuple[str, ...]:
    """The distinct codes in ``column`` of a seed CSV file (trimmed, blanks dropped)."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = csv.reader(f)
        header = [h.strip().lower() for h in next(rows, [])]
        if column.lower() not in header:
            raise ValueError(f"crosswalk seed {path} has no column {column}")
        i = header.index(column.lower())
        codes = {row[i].strip(" ") for row in rows if len(row) > i}
    return tuple(sorted(c for c in codes if c))


def _load_crosswalks(seeds_dir: Path) -> checks.Crosswalks:
    """The codes of each crosswalk seed."""
    codes: checks.Crosswalks = {}
    for seed, column in CROSSWALK_CODE_COLUMNS.items():
        path = seeds_dir / f"{seed}.csv"
        if not path.is_file():
            raise ValueError(f"crosswalk seed {path} not found (use --project-dir)")
        codes[seed] = _seed_codes(path, column)
    return codes


def _file_problem(p: FileProblem) -> Problem:
    return Problem(p.file, p.line, p.column, None, p.rule, p.message)


def load_folder(
    folder: Path,
    db_path: Path | None = None,
    mode: Mode = "strict",
    as_of: dt.date | None = None,
    project_dir: Path = Path(),
    id_secret: bytes | None = None,
) -> LoadResult:
    """Check the contract files in ``folder`` and load them into ``raw`` of ``db_path``.

    Raises :class:`LoadError` (``raw`` unchanged) on file-level problems, or on any
    rejected row in strict mode. ``as_of`` (default today) is the date after which a
    dated record is a ``future_date``. ``id_secret`` set: student identifiers are
    replaced by keyed hashes before anything is checked or stored.
    """
    if mode not in ("strict", "quarantine"):
        raise ValueError(f"unknown load mode {mode!r}")
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"no folder {folder}")
    as_of = as_of or dt.date.today()
    found, missing = find_files(folder)
    if missing:
        problems = [_file_problem(p) for p in missing]
        raise LoadError(
            f"load failed: {len(problems)} file problem(s); raw left unchanged",
            problems,
            len(problems),
        )
    with warehouse.connect(db_path) as con:
        con.execute(f"SET memory_limit = '{os.environ.get('K12EWS_MEMORY_LIMIT', '6GB')}'")
        crosswalks = _load_crosswalks(Path(project_dir) / "seeds")
        staged: dict[str, Staged] = {}
        file_problems: list[Problem] = []
        for t in contract.TABLES:
            try:
                # keyed hashes change the staged rows in place: those need tables
                with _crash_names(found[t.name].name):
                    staged[t.name] = stage(con, t, found[t.name], materialize=id_secret is not None)
            except FileProblem as p:
                file_problems.append(_file_problem(p))
        if file_problems:
            raise LoadError(
                f"load failed: {len(file_problems)} file problem(s); raw left unchanged",
                file_problems,
                len(file_problems),
            )
        hashed = None
        if id_secret is not None:
            from k12ews.privacy import hash_student_ids

            with_ids = [
                staging_name(t.name) for t in contract.TABLES if "student_id" in t.column_names
            ]
            hashed = hash_student_ids(con, with_ids, id_secret)
        con.execute(f"CREATE OR REPLACE TEMP TABLE _rejects ({REJECT_COLUMNS})")
        for name in rules.LOAD_ORDER:
            t = contract.table(name)
            with _crash_names(staged[name].file):
                _check_table(con, t, staged[name], crosswalks, as_of)
        result = _counts(con, staged, mode)
        result.hashed_ids = hashed
        result.notes += unknown_code_notes(con)
        for s in staged.values():
            result.notes += s.notes
        if mode == "strict" and result.rows_rejected:
            drift = "".join(f"\n{n}" for n in result.notes if n.startswith("unknown code"))
            raise LoadError(
                f"load failed: {result.rows_rejected:,} of {result.rows_read:,} rows break "
                "the contract; raw left unchanged (--quarantine loads the valid rows)" + drift,
                result.problems,
                result.rows_rejected,
            )
        _write_counts(con, result)
        warehouse.replace_raw_from_load(
            con,
            {name: f"_ok_{name}" for name in rules.LOAD_ORDER},
            {"raw_rejects": "(SELECT * FROM _rejects ORDER BY file, line)", "raw_loads": "_counts"},
        )
    return result


def _check_table(
    con: duckdb.DuckDBPyConnection,
    table: contract.Table,
    staged: Staged,
    crosswalks: checks.Crosswalks,
    as_of: dt.date,
) -> None:
    """Type, check and judge one table's rows (tables it depends on come first)."""
    judged = None
    if staged.plain:
        try:
            judged = checks.build_typed(con, table, staged, plain_source(staged), crosswalks, as_of)
        except duckdb.Error:
            judged = None
        if judged is None or judged.typed_rows != staged.rows_read:
            # a line the plain read refused or skipped: the careful read judges it
            checks.drop_typed(con, table.name)
            read_carefully(con, staged, materialize=False)
            judged = None
    if judged is None:
        source = f"SELECT * FROM {staging_name(table.name)}"
        judged = checks.build_typed(con, table, staged, source, crosswalks, as_of)
    sets.set_checks(con, judged)
    checks.finish(con, judged)
    if table.name == "enrollments":
        sets.write_spells(con)  # what the checks of later tables read
    if staged.fmt == "csv":  # a Parquet file stays the source of _ok_<table>
        staged.drop(con)


def _counts(con: duckdb.DuckDBPyConnection, staged: dict[str, Staged], mode: Mode) -> LoadResult:
    loaded = dict(
        con.execute(
            " UNION ALL ".join(
                f"SELECT {checks.lit(t.name)}, count(*) FROM _ok_{t.name}" for t in contract.TABLES
            )
        ).fetchall()
    )
    rejected = dict(
        con.execute("SELECT table_name, count(*) FROM _rejects GROUP BY table_name").fetchall()
    )
    files = []
    for t in contract.TABLES:
        s = staged[t.name]
        counts = FileCounts(
            t.name, s.file, s.rows_read, int(loaded[t.name]), int(rejected.get(t.name, 0))
        )
        if counts.rows_read != counts.rows_loaded + counts.rows_rejected:
            raise AssertionError(f"{s.file}: rows read != loaded + rejected ({counts})")
        files.append(counts)
    order = {name: i for i, name in enumerate(rules.LOAD_ORDER)}
    rule_order = {name: i for i, name in enumerate(rules.RULES)}
    by_rule = dict(
        sorted(
            (
                (str(r), int(n))
                for r, n in con.execute(
                    "SELECT rule, count(*) FROM _rejects GROUP BY rule"
                ).fetchall()
            ),
            key=lambda kv: rule_order.get(kv[0], 99),
        )
    )
    first = con.execute(
        "SELECT table_name, file, line, column_name, value, rule, message FROM _rejects "
        "ORDER BY list_position(?, table_name), line LIMIT ?",
        [sorted(order, key=order.__getitem__), REPORT_LIMIT],
    ).fetchall()
    problems = [Problem(r[1], r[2], r[3], r[4], r[5], r[6]) for r in first]
    return LoadResult(mode=mode, files=files, rejects_by_rule=by_rule, problems=problems)


def unknown_code_notes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """One line per code the crosswalks do not know (drift: a new year's codes).

    Each names the code, the table and column, how many rows carry it, and the seed to
    edit, so new codes are a warning in the report, never rows silently gone.
    """
    rows = con.execute(
        "SELECT table_name, column_name, value, any_value(message), count(*) FROM _rejects "
        "WHERE rule = 'unknown_code' GROUP BY ALL ORDER BY table_name, column_name, value"
    ).fetchall()
    return [
        f"unknown code {value!r} in {table}.{column} ({n:,} rows): {message}"
        for table, column, value, message, n in rows
    ]


def _write_counts(con: duckdb.DuckDBPyConnection, result: LoadResult) -> None:
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _counts (table_name VARCHAR, file VARCHAR, "
        "mode VARCHAR, rows_read BIGINT, rows_loaded BIGINT, rows_rejected BIGINT)"
    )
    con.executemany(
        "INSERT INTO _counts VALUES (?, ?, ?, ?, ?, ?)",
        [
            [f.table, f.file, result.mode, f.rows_read, f.rows_loaded, f.rows_rejected]
            for f in result.files
        ],
    )
