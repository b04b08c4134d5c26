"""Load a folder of contract files into ``raw``: strict (default) or quarantine.

1. Find one file per contract table (``<table>.csv`` or ``<table>.parquet``) and check
   its header (:mod:`k12ews.load.read`); file-level problems (a required table's file
   missing or without rows, a missing column, an empty file, a wrong delimiter) fail
   the load in either mode, since no row of such a file can be judged. An optional
   table's file may be left out: the table loads empty and is reported absent.
2. Optionally replace student identifiers with keyed hashes (:mod:`k12ews.privacy`):
   the files are then staged as tables, changed in place.
3. Type and check the tables in dependency order (:data:`k12ews.load.rules.LOAD_ORDER`;
   :mod:`k12ews.load.checks` for each row, :mod:`k12ews.load.sets` against other
   rows): a row whose parent row is rejected is rejected too (``orphan_reference``,
   ``outside_enrollment``, ``not_instructional_day``), so what loads is always
   consistent. A plain CSV file is read once, by DuckDB's parallel reader; if that
   reader refuses or skips a line, the file is read line by line instead.
   What a rule resolves is not rejected (:data:`k12ews.load.rules.ADJUSTMENTS`): a
   row sent twice is merged into its first copy, an exit typed after its school year
   ends on the year's last day, an overlap the warehouse resolves is recorded; each
   adjusted row goes to ``audit.raw_adjustments`` (file, line, rule, column, old and
   new value, why).
4. Strict: any rejected row fails the load with a report counting the problems per
   file and rule and naming, for each, the first lines (file, line, column, value),
   and nothing is written. Quarantine: valid rows load and every rejected row goes to
   ``audit.raw_rejects`` with its file, line, rule, message and original text. In both,
   rows read = rows loaded + rows rejected + rows merged for every file.
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
from pathlib import Path

import duckdb

from k12ews import contract, warehouse
from k12ews.dbt_sources import CROSSWALK_CODE_COLUMNS
from k12ews.load import checks, meanings, rules, sets
from k12ews.load.counts import counts, write_counts
from k12ews.load.infer import infer_spell_schools
from k12ews.load.notes import future_exit_notes, unknown_code_notes
from k12ews.load.read import (
    FileProblem,
    Staged,
    find_files,
    plain_source,
    read_carefully,
    stage,
    staging_name,
)
from k12ews.load.result import (
    LoadCrash,
    LoadError,
    LoadResult,
    Mode,
    Problem,
)
from k12ews.load.threads import one_thread_if_small

REJECT_COLUMNS = (
    "table_name VARCHAR, file VARCHAR, line BIGINT, rule VARCHAR, column_name VARCHAR, "
    "value VARCHAR, message VARCHAR, problems VARCHAR, original_text VARCHAR"
)


def project_dir_default() -> Path:
    """The dbt project whose seeds a load reads: ``$K12EWS_PROJECT_DIR``, else the
    project this package belongs to (its repository), else the current folder."""
    env = os.environ.get("K12EWS_PROJECT_DIR")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parents[3]
    return here if (here / "dbt_project.yml").is_file() else Path()


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


def load_crosswalks(seeds_dir: Path) -> checks.Crosswalks:
    """The codes of each crosswalk seed."""
    codes: checks.Crosswalks = {}
    for seed, column in CROSSWALK_CODE_COLUMNS.items():
        path = seeds_dir / f"{seed}.csv"
        if not path.is_file():
            raise ValueError(
                f"crosswalk seed {path} not found (give the dbt project with --project-dir "
                "or $K12EWS_PROJECT_DIR)"
            )
        codes[seed] = _seed_codes(path, column)
    return codes


@contextmanager
def _crash_names(file: str) -> Iterator[None]:
    """Re-raise an unexpected error inside the block as a :class:`LoadCrash` on ``file``."""
    try:
        yield
    except (FileProblem, LoadError):
        raise
    except Exception as e:
        raise LoadCrash(file, e) from e


def _file_problem(p: FileProblem) -> Problem:
    return Problem(p.file, p.line, p.column, None, p.rule, p.message)


def _fail(problems: list[Problem]) -> LoadError:
    counts: dict[tuple[str, str], int] = {}
    for p in problems:
        counts[(p.file, p.rule)] = counts.get((p.file, p.rule), 0) + 1
    return LoadError(
        f"load failed: {len(problems)} file problem(s); raw left unchanged",
        problems,
        len(problems),
        counts,
    )


def stage_absent(con: duckdb.DuckDBPyConnection, table: contract.Table) -> Staged:
    """An optional table without a file: staged as no rows (it loads empty)."""
    cols = ", ".join(f'NULL::VARCHAR AS "{c}"' for c in table.column_names)
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {staging_name(table.name)} AS SELECT NULL::BIGINT AS _line, "
        f"NULL::VARCHAR AS _text, NULL::VARCHAR AS _rule, NULL::VARCHAR AS _message, {cols} "
        "WHERE false"
    )
    return Staged(
        table=table.name,
        file=f"{table.name}.csv",
        fmt="absent",
        path=Path(),
        rows_read=0,
        source_types={c: "VARCHAR" for c in table.column_names},
    )


def stage_folder(
    con: duckdb.DuckDBPyConnection, folder: Path, materialize: bool
) -> tuple[dict[str, Staged], list[Problem]]:
    """Every contract table staged (an absent optional one as no rows), and the
    file-level problems, which fail a load in both modes."""
    found, missing = find_files(folder)
    # an optional table's file may be left out; two files for one table never
    problems = [
        _file_problem(p)
        for p in missing
        if p.rule != "missing_file" or contract.table(p.file.rsplit(".", 1)[0]).required
    ]
    staged: dict[str, Staged] = {}
    for t in contract.TABLES:
        if t.name not in found:
            staged[t.name] = stage_absent(con, t)
            continue
        try:
            # keyed hashes change the staged rows in place: those need tables
            with _crash_names(found[t.name].name):
                staged[t.name] = stage(con, t, found[t.name], materialize=materialize)
        except FileProblem as p:
            problems.append(_file_problem(p))
            continue
        if t.required and staged[t.name].rows_read == 0:
            problems.append(
                Problem(
                    staged[t.name].file,
                    None,
                    None,
                    None,
                    "no_rows",
                    f"the file has a header but no rows, and {t.name} is required",
                )
            )
    for child, parent in rules.REQUIRED_WITH:
        if (
            child in staged
            and staged[child].rows_read > 0
            and parent in staged
            and staged[parent].rows_read == 0
        ):
            problems.append(
                Problem(
                    staged[parent].file,
                    None,
                    None,
                    None,
                    "missing_file" if staged[parent].fmt == "absent" else "no_rows",
                    f"{staged[child].file} has rows, and each needs its row in {parent}: "
                    f"send {parent} too, or leave {child} out",
                )
            )
    return staged, problems


def load_folder(
    folder: Path,
    db_path: Path | None = None,
    mode: Mode = "strict",
    as_of: dt.date | None = None,
    project_dir: Path | None = None,
    id_secret: bytes | None = None,
    settings: rules.LoadSettings | None = None,
    line_sources: Path | None = None,
) -> LoadResult:
    """Check the contract files in ``folder`` and load them into ``raw`` of ``db_path``.

    Raises :class:`LoadError` (``raw`` unchanged) on file-level problems, or on any
    rejected row in strict mode. ``as_of`` (default today) is the date after which a
    dated record is a ``future_date``. ``id_secret`` set: student identifiers are
    replaced by keyed hashes before anything is checked or stored. ``project_dir``: the
    dbt project whose crosswalk seeds give the codes (:func:`project_dir_default`).
    ``line_sources``: a CSV file (table_name, line, source, note) naming where each line
    of the contract files came from (an Ed-Fi extract's records), kept as
    ``audit.raw_line_sources``.
    """
    if mode not in ("strict", "quarantine"):
        raise ValueError(f"unknown load mode {mode!r}")
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"no folder {folder}")
    seeds_dir = Path(project_dir or project_dir_default()) / "seeds"
    ctx = checks.Context(
        crosswalks=load_crosswalks(seeds_dir),
        as_of=as_of or dt.date.today(),
        settings=settings or rules.LoadSettings(),
    )
    with warehouse.connect(db_path) as con:
        con.execute(f"SET memory_limit = '{os.environ.get('K12EWS_MEMORY_LIMIT', '6GB')}'")
        staged, file_problems = stage_folder(con, folder, materialize=id_secret is not None)
        if file_problems:
            raise _fail(file_problems)
        with one_thread_if_small(con, staged):
            return _check_and_write(con, staged, ctx, mode, id_secret, seeds_dir, line_sources)


def _check_and_write(
    con: duckdb.DuckDBPyConnection,
    staged: dict[str, Staged],
    ctx: checks.Context,
    mode: Mode,
    id_secret: bytes | None,
    seeds_dir: Path,
    line_sources: Path | None,
) -> LoadResult:
    """Steps 2 to 5 of the module doc on the staged files: hash, check, judge, write."""
    hashed = None
    if id_secret is not None:
        from k12ews.privacy import hash_student_ids

        with_ids = [  # a table left out has no rows (and is a view): nothing to hash
            staging_name(t.name)
            for t in contract.TABLES
            if "student_id" in t.column_names and staged[t.name].fmt != "absent"
        ]
        hashed = hash_student_ids(con, with_ids, id_secret)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _rejects ({REJECT_COLUMNS})")
    meanings.write_meaning_tables(con, seeds_dir)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {checks.ADJUSTMENTS} ({checks.ADJUSTMENT_COLUMNS})")
    merged: dict[str, int] = {}
    for name in rules.LOAD_ORDER:
        with _crash_names(staged[name].file):
            if name == "enrollments":
                infer_spell_schools(con, staged)  # a spell sent without its school
            merged[name] = _check_table(con, contract.table(name), staged[name], ctx)
    result = counts(con, staged, merged, mode)
    result.hashed_ids = hashed
    result.notes += unknown_code_notes(con)
    result.notes += [
        f"{s.file}: no file; optional, so {s.table} loads empty (its indicators are unknown)"
        for s in staged.values()
        if s.fmt == "absent"
    ]
    result.notes += [
        f"{s.file}: a header and no rows; {s.table} loads empty (its indicators are unknown)"
        for s in staged.values()
        if s.fmt != "absent" and s.rows_read == 0
    ]
    result.notes += future_exit_notes(con, ctx.as_of)
    for s in staged.values():
        result.notes += s.notes
    if mode == "strict" and result.rows_rejected:
        drift = "".join(f"\n{n}" for n in result.notes if n.startswith("unknown code"))
        raise LoadError(
            f"load failed: {result.rows_rejected:,} of {result.rows_read:,} rows break "
            "the contract; raw left unchanged (--quarantine loads the valid rows)" + drift,
            result.problems,
            result.rows_rejected,
            result.rejects_by_file_rule,
        )
    write_counts(con, result)
    audits = {
        "raw_rejects": "(SELECT * FROM _rejects ORDER BY file, line)",
        "raw_adjustments": f"(SELECT * FROM {checks.ADJUSTMENTS} ORDER BY file, line, rule)",
        "raw_loads": "_counts",
    }
    if line_sources is not None:
        path = str(line_sources).replace("'", "''")
        audits["raw_line_sources"] = (
            f"(SELECT table_name, CAST(line AS BIGINT) AS line, source, note FROM "
            f"read_csv('{path}', header = true, all_varchar = true) ORDER BY table_name, line)"
        )
    warehouse.replace_raw_from_load(
        con,
        {name: f"_ok_{name}" for name in rules.LOAD_ORDER},
        audits,
    )
    return result


def _check_table(
    con: duckdb.DuckDBPyConnection, table: contract.Table, staged: Staged, ctx: checks.Context
) -> int:
    """Type, check and judge one table's rows (tables it depends on come first); return
    the rows merged into an identical earlier row."""
    judged = None
    if staged.plain:
        try:
            judged = checks.build_typed(con, table, staged, plain_source(staged), ctx)
        except duckdb.Error:
            judged = None
        if judged is None or judged.typed_rows != staged.rows_read:
            # a line the plain read refused or skipped: the careful read judges it
            checks.drop_typed(con, table.name)
            read_carefully(con, staged, materialize=False)
            judged = None
    if judged is None:
        source = f"SELECT * FROM {staging_name(table.name)}"
        judged = checks.build_typed(con, table, staged, source, ctx)
    sets.set_checks(con, judged, ctx.settings)
    meanings.record_daily_precedence(con, judged)
    checks.finish(con, judged)
    if table.name == "enrollments":
        sets.write_spells(con)  # what the checks of later tables read
    if staged.fmt == "csv":  # a Parquet file stays the source of _ok_<table>
        staged.drop(con)
    return judged.merged
