"""Row-level checks of one staged table, and what it loads and rejects (DuckDB SQL).

For table ``t`` (staged by :mod:`k12ews.load.read`):

1. ``_ty_t`` (:func:`build_typed`), typed in one pass over the file: each value cast
   to its contract type (a value that does not cast is null) and whether the row
   breaks a row-level rule (structure, type, required, range, codes, cross-column
   rules, school year, future dates). A CSV file's typed rows are stored (``_tyb_t``;
   ``_ty_t`` adds ``_line`` for a plain read, where record k is line k + 2); a Parquet
   file, typed already, is read again through the view. ``_rp_t`` keeps the rows with
   problems and ``_problems``, the list of them, built in a second query over those
   rows only (most tables of a load have none: the list's wide SQL is not even planned).
2. The set checks (:mod:`k12ews.load.sets`) add at most one problem to each row left,
   in ``_sp_t``; ``_rej_t`` is the lines rejected so far.
3. ``_ok_t``, a view of the rows that load (written once, into ``raw``, when the load
   commits), and rows appended to ``_rejects`` (:func:`finish`: one per rejected
   line, its first problem and all of them, with the line's original text and
   values, read again from the file for the rejected lines only).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import duckdb

from k12ews import contract
from k12ews.load import rules
from k12ews.load.read import Staged, texts
from k12ews.load.row_sql import Context, Crosswalks, cast_sql, lit, q, row_problems, staged_sql

__all__ = ["Context", "Crosswalks", "lit", "q"]  # what other modules import from here
NO_DATE = "DATE '9999-12-31'"  # the last day of a spell with no exit date
# the temp table of adjusted and merged rows (audit.raw_adjustments once the load commits)
ADJUSTMENTS = "_adjustments"
# the type of ``_rp_<t>._problems``: the row-level problems of a line, in check order
PROBLEMS_TYPE = "STRUCT(rule VARCHAR, column_name VARCHAR, value VARCHAR, message VARCHAR)[]"
ADJUSTMENT_COLUMNS = (
    "table_name VARCHAR, file VARCHAR, line BIGINT, rule VARCHAR, column_name VARCHAR, "
    "old_value VARCHAR, new_value VARCHAR, message VARCHAR"
)


def typed_name(table: str) -> str:
    return f"_ty_{table}"


def _typed_rows(table: contract.Table, staged: Staged, source: str) -> str:
    """SQL of the typed values of ``source`` beside the staged ones (``_s_<column>``)."""
    keep = "" if staged.plain else "_line, _rule, _message, "
    casts = ", ".join(
        f"{cast_sql(c, staged.source_types[c.name])} AS {q(c.name)}, "
        f"{q(c.name)} AS {staged_sql(c.name)}"
        for c in table.columns
    )
    return f"SELECT {keep}{casts} FROM ({source})"


def _typed_select(table: contract.Table, staged: Staged, source: str, ctx: Context) -> str:
    """SQL of the typed rows of ``source`` with ``_problems``, their row-level problems."""
    found = row_problems(table, staged, ctx)
    # each condition is written (and bound, and evaluated) once, as a flag _p<i>; the
    # problem list is built only for rows that break a rule: most rows pay one OR of flags
    flags = ", ".join(f"coalesce({cond}, false) AS _p{i}" for i, (cond, _) in enumerate(found))
    problems = ",\n".join(
        f"CASE WHEN _p{i} THEN {struct} END" for i, (_, struct) in enumerate(found)
    )
    any_problem = " OR ".join(f"_p{i}" for i in range(len(found)))
    struct = f"CASE WHEN {any_problem} THEN list_filter([{problems}], lambda x: x IS NOT NULL) END"
    if not staged.plain:
        struct = (
            f"CASE WHEN _rule IS NOT NULL THEN [{{'rule': _rule, 'column_name': NULL::VARCHAR, "
            f"'value': NULL::VARCHAR, 'message': _message}}] ELSE {struct} END"
        )
    keep = "" if staged.plain else "_line, "
    kept = ", ".join(q(c.name) for c in table.columns)
    return f"""
        WITH typed AS ({_typed_rows(table, staged, source)}),
        flagged AS (SELECT *, {flags} FROM typed)
        SELECT {keep}{kept}, {struct} AS _problems FROM flagged
    """


def _typed_flags(table: contract.Table, staged: Staged, source: str, ctx: Context) -> str:
    """SQL of the typed rows of ``source`` (with ``_line`` unless a plain read) and
    ``_bad``: whether the row breaks a row rule (its problems are listed afterwards);
    for a plain read, ``_raw``: a bad row's values as read (the list of them)."""
    conds = [c for c, _ in row_problems(table, staged, ctx)]
    if not staged.plain:
        conds.insert(0, "_rule IS NOT NULL")
    bad = " OR ".join(f"coalesce({c}, false)" for c in conds) or "false"
    keep = "" if staged.plain else "_line, "
    kept = ", ".join(q(c.name) for c in table.columns)
    raw = ", ".join(staged_sql(c.name) for c in table.columns)
    raw = f", CASE WHEN _bad THEN [{raw}] END AS _raw" if staged.plain else ""
    flagged = f"SELECT *, {bad} AS _bad FROM ({_typed_rows(table, staged, source)})"
    return f"SELECT {keep}{kept}, _bad{raw} FROM ({flagged})"


def _flagged_lines(table: contract.Table, staged: Staged, source: str, ctx: Context) -> str:
    """SQL of the lines of ``source`` that break a row rule, one filter per rule: a file
    with statistics (Parquet) skips each row group where a rule cannot fail."""
    typed = _typed_rows(table, staged, source)
    conds = ["_rule IS NOT NULL"] + [c for c, _ in row_problems(table, staged, ctx)]
    return " UNION ".join(f"SELECT _line FROM ({typed}) WHERE coalesce({c}, false)" for c in conds)


@dataclass
class Judged:
    """A table's rows so far: typed in ``_ty_<t>``; ``_rp_<t>`` (line, _problems) the
    rows that break a row rule, ``_sp_<t>`` the set problems (one per row), counted
    here so that no query is spent asking."""

    table: contract.Table
    staged: Staged
    typed_rows: int | None = None  # rows stored by a CSV read (None: a view)
    row_problems: int = 0
    set_problems: int = 0
    merged: int = 0  # copies of an identical earlier row (``_mg_<t>``), loaded once

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def rejected(self) -> int:
        return self.row_problems + self.set_problems

    def alive(self) -> str:
        """SQL condition on ``_ty_<t>``: the row has no problem so far."""
        t = self.name
        found = [f"_line NOT IN (SELECT line FROM _rp_{t})"] if self.row_problems else []
        if self.set_problems:
            found.append(f"_line NOT IN (SELECT line FROM _sp_{t})")
        if self.merged:
            found.append(f"_line NOT IN (SELECT line FROM _mg_{t})")
        return " AND ".join(found) or "true"

    def rejected_lines(self) -> str:
        """SQL of a relation whose column ``line`` lists the rejected lines."""
        return f"(SELECT line FROM _rp_{self.name} UNION ALL SELECT line FROM _sp_{self.name})"

    def add_set_problems(self, con: duckdb.DuckDBPyConnection, select: str) -> None:
        """Insert (line, rule, column_name, value_columns, message) rows into ``_sp_<t>``."""
        self.set_problems += _rows(con.execute(f"INSERT INTO _sp_{self.name} {select}"))

    def add_merged(self, con: duckdb.DuckDBPyConnection, select: str) -> None:
        """Merge the lines of ``select`` (line, kept_line) into the earlier line they
        copy: recorded in ``_adjustments``, counted as merged, never loaded."""
        con.execute(f"CREATE OR REPLACE TEMP TABLE _mg_new AS {select}")
        self.merged += _rows(
            con.execute(f"INSERT INTO _mg_{self.name} SELECT line, kept_line FROM _mg_new")
        )
        self.add_adjustments(
            con,
            "SELECT line, 'exact_duplicate', NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR, "
            "'identical to line ' || kept_line || ': loaded once' FROM _mg_new",
        )
        con.execute("DROP TABLE _mg_new")

    def add_adjustments(self, con: duckdb.DuckDBPyConnection, select: str) -> None:
        """Record adjusted rows: ``select`` gives (line, rule, column_name, old_value,
        new_value, message)."""
        con.execute(
            f"INSERT INTO {ADJUSTMENTS} SELECT {lit(self.name)}, {lit(self.staged.file)}, * "
            f"FROM ({select})"
        )


def _rows(result: duckdb.DuckDBPyConnection) -> int:
    """The row count a CREATE TABLE AS or an INSERT reports."""
    row = result.fetchone()
    return int(row[0]) if row else 0


def build_typed(
    con: duckdb.DuckDBPyConnection,
    table: contract.Table,
    staged: Staged,
    source: str,
    ctx: Context,
) -> Judged:
    """``_ty_<t>``: the typed rows of ``source`` and their row-level problems.

    A CSV file's rows are stored (``_tyb_<t>``), typed in the one pass that parses
    them; a Parquet file is typed already, so ``_ty_<t>`` is a view over the file,
    read again by each check (cheaper than a copy).
    """
    t = table.name
    judged = Judged(table, staged)
    if staged.fmt == "csv":
        flagged = _typed_csv(con, judged, source, ctx)
        if flagged is None:  # no row breaks a row rule, or the careful read is needed
            return judged
    else:
        con.execute(
            f"CREATE TEMP VIEW {typed_name(t)} AS {_typed_select(table, staged, source, ctx)}"
        )
        lines = _flagged_lines(table, staged, source, ctx)
        found = _rows(con.execute(f"CREATE TEMP TABLE _rpl_{t} AS {lines}"))
        # the problems of the flagged lines only (none: an empty table of their type)
        flagged = _typed_select(
            table,
            staged,
            f"SELECT * FROM ({source}) WHERE "
            + (f"_line IN (SELECT _line FROM _rpl_{t})" if found else "false"),
            ctx,
        )
    judged.row_problems = _rows(
        con.execute(
            f"CREATE TEMP TABLE _rp_{t} AS SELECT _line AS line, _problems "
            f"FROM ({flagged}) WHERE _problems IS NOT NULL"
        )
    )
    _set_tables(con, t)
    return judged


def _typed_csv(
    con: duckdb.DuckDBPyConnection, judged: Judged, source: str, ctx: Context
) -> str | None:
    """Store a CSV file's typed rows (``_tyb_<t>``, the view ``_ty_<t>``) and the lines
    that break a row rule (``_rpl_<t>``); return the SQL of those lines' problems, or
    None when there are none (``_rp_<t>`` is then empty) or when a plain read lost a
    line (the careful read judges the file: loader._check_table)."""
    t, table, staged = judged.name, judged.table, judged.staged
    judged.typed_rows = _rows(
        con.execute(f"CREATE TEMP TABLE _tyb_{t} AS {_typed_flags(table, staged, source, ctx)}")
    )
    # a plain read keeps file order and skips nothing: record k is line k + 2
    line = "rowid + 2" if staged.plain else "_line"
    con.execute(
        f"CREATE TEMP VIEW {typed_name(t)} AS SELECT {line} AS _line, "
        f"* EXCLUDE ({'_raw' if staged.plain else '_line'}, _bad) FROM _tyb_{t}"
    )
    if staged.plain and judged.typed_rows != staged.rows_read:
        return None
    found = _rows(
        con.execute(f"CREATE TEMP TABLE _rpl_{t} AS SELECT {line} AS line FROM _tyb_{t} WHERE _bad")
    )
    if not found:
        con.execute(f"CREATE TEMP TABLE _rp_{t} (line BIGINT, _problems {PROBLEMS_TYPE})")
        _set_tables(con, t)
        return None
    # the flagged lines again, as staged (a plain read's values as the first pass kept
    # them; a careful read's relation filtered), and their problems
    again = f"SELECT * FROM ({source}) WHERE _line IN (SELECT line FROM _rpl_{t})"
    if staged.plain:
        values = ", ".join(f"_raw[{i}] AS {q(c.name)}" for i, c in enumerate(table.columns, 1))
        again = (
            f"SELECT rowid + 2 AS _line, NULL::VARCHAR AS _rule, NULL::VARCHAR AS _message, "
            f"{values} FROM _tyb_{t} WHERE _bad"
        )
    # a plain file holds no NUL byte or byte 0x01 (read.scan_csv): the careful form's
    # control check, and its structural problem (_rule), never fire on these rows
    return _typed_select(table, replace(staged, plain=False), again, ctx)


def _set_tables(con: duckdb.DuckDBPyConnection, t: str) -> None:
    """The empty ``_sp_<t>`` (set problems) and ``_mg_<t>`` (merged rows)."""
    con.execute(
        f"CREATE TEMP TABLE _sp_{t} (line BIGINT, rule VARCHAR, column_name VARCHAR, "
        "value_columns VARCHAR, message VARCHAR)"
    )
    con.execute(f"CREATE TEMP TABLE _mg_{t} (line BIGINT, kept_line BIGINT)")


def drop_typed(con: duckdb.DuckDBPyConnection, table: str) -> None:
    con.execute(f"DROP VIEW IF EXISTS {typed_name(table)}")
    for name in ("_tyb", "_rpl", "_rp", "_sp", "_mg"):
        con.execute(f"DROP TABLE IF EXISTS {name}_{table}")


# ---------------------------------------------------------------- rows that load, rejects


def _reject_copies_of_rejected(con: duckdb.DuckDBPyConnection, judged: Judged) -> None:
    """A row merged into an earlier copy that a later check rejected is rejected too,
    with the same problem: one record sent twice is one record."""
    if not judged.merged:
        return
    t = judged.name
    moved = _rows(
        con.execute(
            f"""
            INSERT INTO _sp_{t}
            SELECT m.line, sp.rule, sp.column_name, sp.value_columns,
                   sp.message || ' (a copy of line ' || m.kept_line || ')'
            FROM _mg_{t} AS m JOIN _sp_{t} AS sp ON sp.line = m.kept_line
            """
        )
    )
    if moved:
        con.execute(f"DELETE FROM _mg_{t} WHERE line IN (SELECT line FROM _sp_{t})")
        judged.merged -= moved
        judged.set_problems += moved


def adjusted(table: str, column: str) -> str:
    """SQL of a column's value as it loads: corrected by its value adjustments, if any."""
    value = q(column)
    for a in rules.VALUE_ADJUSTMENTS:
        if (a.table, a.column) == (table, column):
            value = f"CASE WHEN coalesce({a.when}, false) THEN {a.value} ELSE {value} END"
    return value


def finish(con: duckdb.DuckDBPyConnection, judged: Judged) -> None:
    """``_ok_<t>`` (rows that load, in file order, with their value adjustments), the
    adjustments' rows of ``_adjustments`` and this table's rows of ``_rejects``."""
    t = judged.name
    _reject_copies_of_rejected(con, judged)
    if judged.rejected:  # an adjustment of a row that is rejected after all is no change
        con.execute(
            f"DELETE FROM {ADJUSTMENTS} WHERE table_name = {lit(t)} "
            f"AND line IN {judged.rejected_lines()}"
        )
    cols = ", ".join(
        f"{adjusted(t, c)} AS {q(c)}" if adjusted(t, c) != q(c) else q(c)
        for c in judged.table.column_names
    )
    # a view, not a copy: the rows are written once, into raw, when the load commits
    # (in file order: _ty_<t> holds the file's records in order)
    con.execute(
        f"CREATE TEMP VIEW _ok_{t} AS SELECT {cols} FROM {typed_name(t)} WHERE {judged.alive()}"
    )
    for a in rules.VALUE_ADJUSTMENTS:
        if a.table == t:
            judged.add_adjustments(
                con,
                f"SELECT _line, {lit(a.rule)}, {lit(a.column)}, CAST({q(a.column)} AS VARCHAR), "
                f"CAST({a.value} AS VARCHAR), {a.message} FROM {typed_name(t)} "
                f"WHERE {judged.alive()} AND coalesce({a.when}, false)",
            )
    if judged.rejected:
        _insert_rejects(con, judged)


def _value_sql(column_lists: set[str]) -> str:
    """SQL of a set problem's value: its columns' text (``x``), joined by ', '."""
    cases = " ".join(
        f"WHEN {lit(names)} THEN "
        + " || ', ' || ".join(f"coalesce(CAST(x.{q(n)} AS VARCHAR), '')" for n in names.split(","))
        for names in sorted(column_lists)
    )
    return f"CASE s.value_columns {cases} END" if cases else "NULL::VARCHAR"


def _insert_rejects(con: duckdb.DuckDBPyConnection, judged: Judged) -> None:
    t, staged = judged.name, judged.staged
    rendered = " || ',' || ".join(
        f"coalesce(CAST(x.{q(c)} AS VARCHAR), '')" for c in judged.table.column_names
    )
    lists = {
        str(r[0]) for r in con.execute(f"SELECT DISTINCT value_columns FROM _sp_{t}").fetchall()
    }
    con.execute(
        f"""
        INSERT INTO _rejects
        WITH x AS ({texts(con, staged, judged.rejected_lines())}),
        problems AS (
            SELECT line, pp.problem, pp.ord
            FROM (
                SELECT line,
                       unnest(list_transform(_problems, lambda p, i: {{'problem': p, 'ord': i}}))
                           AS pp
                FROM _rp_{t}
            )
            UNION ALL
            SELECT s.line,
                   {{'rule': s.rule, 'column_name': s.column_name,
                     'value': {_value_sql(lists)}, 'message': s.message}},
                   1000
            FROM _sp_{t} AS s JOIN x ON x._line = s.line
        )
        -- the first problem whole: arg_min of one field skips a null value (a required
        -- column's) and would report a later problem's value instead
        SELECT {lit(t)}, {lit(staged.file)}, p.line,
               struct_extract(arg_min(problem, ord), 'rule'),
               struct_extract(arg_min(problem, ord), 'column_name'),
               struct_extract(arg_min(problem, ord), 'value'),
               struct_extract(arg_min(problem, ord), 'message'),
               string_agg(problem.rule || coalesce(' ' || problem.column_name, '')
                          || ': ' || problem.message, '; ' ORDER BY ord),
               coalesce(any_value(x._text), any_value({rendered}))
        FROM problems AS p JOIN x ON x._line = p.line
        GROUP BY p.line
        """
    )
