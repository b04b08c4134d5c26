"""Row-level checks of one staged table, and what it loads and rejects (DuckDB SQL).

For table ``t`` (staged by :mod:`k12ews.load.read`):

1. ``_ty_t`` (:func:`build_typed`), typed in one pass over the file: each value cast
   to its contract type (a value that does not cast is null) and ``_problems``, the
   list of row-level problems (structure, type, required, range, codes, cross-column
   rules, school year, future dates), built only for the rows that break a rule. A
   CSV file's typed rows are stored (``_tyb_t``; ``_ty_t`` adds ``_line`` for a plain
   read, where record k is line k + 2); a Parquet file, typed already, is read again
   through the view. ``_rp_t`` keeps the rows with problems.
2. The set checks (:mod:`k12ews.load.sets`) add at most one problem to each row left,
   in ``_sp_t``; ``_rej_t`` is the lines rejected so far.
3. ``_ok_t``, a view of the rows that load (written once, into ``raw``, when the load
   commits), and rows appended to ``_rejects`` (:func:`finish`: one per rejected
   line, its first problem and all of them, with the line's original text and
   values, read again from the file for the rejected lines only).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb

from k12ews import contract
from k12ews.load import rules
from k12ews.load.read import Staged, texts

Crosswalks = dict[str, tuple[str, ...]]  # seed name -> its codes
NO_DATE = "DATE '9999-12-31'"  # the last day of a spell with no exit date
# the temp table of adjusted and merged rows (audit.raw_adjustments once the load commits)
ADJUSTMENTS = "_adjustments"
ADJUSTMENT_COLUMNS = (
    "table_name VARCHAR, file VARCHAR, line BIGINT, rule VARCHAR, column_name VARCHAR, "
    "old_value VARCHAR, new_value VARCHAR, message VARCHAR"
)


def q(name: str) -> str:
    return f'"{name}"'


def lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _cast(column: contract.Column, source_type: str) -> str:
    """SQL casting the staged value to the contract type: null when it does not fit."""
    v = q(column.name)
    target = column.type.upper()
    if source_type.upper() == target:
        return v
    s = f"CAST({v} AS VARCHAR)"
    if target == "VARCHAR":
        return s
    if target in ("INTEGER", "BIGINT"):
        return f"CASE WHEN regexp_full_match({s}, '[+-]?[0-9]+') THEN TRY_CAST({s} AS {target}) END"
    if target == "DOUBLE":
        return (
            f"CASE WHEN isfinite(TRY_CAST({s} AS DOUBLE)) "
            f"AND NOT contains({s}, 'x') AND NOT contains({s}, 'X') "
            f"THEN TRY_CAST({s} AS DOUBLE) END"
        )
    if target == "DATE":
        return (
            f"CASE WHEN regexp_full_match({s}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') "
            f"THEN TRY_CAST({s} AS DATE) END"
        )
    if target == "BOOLEAN":
        t = ", ".join(lit(w) for w in rules.TRUE_WORDS)
        f = ", ".join(lit(w) for w in rules.FALSE_WORDS)
        return f"CASE WHEN lower({s}) IN ({t}) THEN true WHEN lower({s}) IN ({f}) THEN false END"
    raise ValueError(f"no loader cast for contract type {column.type}")


def _type_words(column: contract.Column) -> str:
    return {
        "INTEGER": "a whole number",
        "BIGINT": "a whole number",
        "DOUBLE": "a finite number",
        "DATE": "a date YYYY-MM-DD",
        "BOOLEAN": "true or false",
    }.get(column.type.upper(), column.type)


def _problem(cond: str, rule: str, column: str | None, value: str, message: str) -> tuple[str, str]:
    """(condition, struct expression) of one row-level check: the struct is the
    problem a row that meets the condition has."""
    col = lit(column) if column else "NULL"
    return cond, (
        f"{{'rule': {lit(rule)}, 'column_name': {col}, 'value': {value}, 'message': {message}}}"
    )


def _src(name: str) -> str:
    """The staged value of a column (text for CSV) beside its typed value ``name``."""
    return q("_s_" + name)


def _text(staged: Staged, name: str) -> str:
    """SQL of a column's value as text, as written (CSV) or rendered (Parquet)."""
    if staged.source_types[name].upper() == "VARCHAR":
        return _src(name)
    return f"CAST({_src(name)} AS VARCHAR)"


def _code_check(column: contract.Column, codes: tuple[str, ...]) -> str:
    """SQL true when the typed value is not one of ``codes`` (compared as text)."""
    v = q(column.name)
    if column.type.upper() in ("INTEGER", "BIGINT") and all(
        c.lstrip("-").isdigit() and str(int(c)) == c for c in codes
    ):
        # the text of an integer is its canonical digits: compare numbers, no casts
        return f"{v} NOT IN ({', '.join(codes)})"
    text = v if column.type.upper() == "VARCHAR" else f"CAST({v} AS VARCHAR)"
    return f"{text} NOT IN ({', '.join(lit(c) for c in codes)})"


def _column_problems(
    table: contract.Table, c: contract.Column, staged: Staged, crosswalks: Crosswalks
) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    v, text = q(c.name), _text(staged, c.name)
    if staged.source_types[c.name].upper() != c.type.upper():
        out.append(
            _problem(
                f"{_src(c.name)} IS NOT NULL AND {v} IS NULL",
                "type",
                c.name,
                text,
                lit(f"not {_type_words(c)}"),
            )
        )
    if c.required:
        out.append(_problem(f"{_src(c.name)} IS NULL", "required", c.name, "NULL", lit("empty")))
    rng = rules.RANGES.get((table.name, c.name))
    if c.name == "school_year":
        rng = rules.SCHOOL_YEAR_RANGE
    if rng is not None:
        conds = []
        if rng.low is not None:
            conds.append(f"{v} < {rng.low}")
        if rng.high is not None:
            conds.append(f"{v} > {rng.high}")
        out.append(
            _problem(" OR ".join(conds), "range", c.name, text, lit(f"allowed: {rng.describe()}"))
        )
    seed = c.codes
    if seed is None and (table.name, c.name) in rules.GRADE_COLUMNS:
        seed = "xwalk_grade_levels"
    if seed is not None:
        out.append(
            _problem(
                f"{v} IS NOT NULL AND {_code_check(c, crosswalks[seed])}",
                "unknown_code",
                c.name,
                text,
                lit(f"not in seed {seed}: add the code and its meaning to seeds/{seed}.csv"),
            )
        )
    fixed = rules.FIXED_CODES.get((table.name, c.name))
    if fixed is not None:
        out.append(
            _problem(
                f"{v} NOT IN ({', '.join(lit(x) for x in fixed)})",
                "unknown_code",
                c.name,
                text,
                lit(f"allowed: {', '.join(fixed)}"),
            )
        )
    return out


def _table_problems(
    table: contract.Table, staged: Staged, as_of: dt.date, settings: rules.LoadSettings
) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for rr in rules.ROW_RULES:
        if rr.table == table.name and not (rr.unless and getattr(settings, rr.unless)):
            value = " || ' ' || ".join(
                f"{lit(col + '=')} || coalesce({_text(staged, col)}, '')" for col in rr.columns
            )
            out.append(
                _problem(
                    f"NOT coalesce({rr.sql}, true)",
                    rr.rule,
                    rr.columns[-1],
                    value,
                    lit(f"needs {rr.text}"),
                )
            )
    for t, col in rules.SCHOOL_YEAR_DATES:
        if t == table.name:
            out.append(
                _problem(
                    _outside_school_year(q(col)),
                    "date_outside_school_year",
                    col,
                    _text(staged, col),
                    _school_year_words(),
                )
            )
    for t, col in rules.FUTURE_DATES:
        if t == table.name:
            out.append(
                _problem(
                    f"{q(col)} > DATE '{as_of.isoformat()}'",
                    "future_date",
                    col,
                    _text(staged, col),
                    lit(f"after the as-of date {as_of.isoformat()}"),
                )
            )
    return out


def _outside_school_year(d: str) -> str:
    """SQL true when date ``d`` is not in the row's ``school_year``: shifted by the days
    from the year's first day to 1 January, a date of school year Y falls in year Y."""
    m, day = rules.SCHOOL_YEAR_START
    assert m >= 3, "the shift below assumes the school year starts after February"
    shift = (dt.date(2001, 1, 1) - dt.date(2000, m, day)).days
    return f"year({d} + {shift}) <> school_year"


def _school_year_words() -> str:
    """SQL of the message: the school year's first and last days (no date is built, so
    a school year out of range is reported, never an error)."""
    m, day = rules.SCHOOL_YEAR_START
    last = dt.date(2001, m, day) - dt.timedelta(days=1)
    return (
        f"'outside school year ' || school_year || ' (' || "
        f"printf('%04d-{m:02d}-{day:02d}', school_year - 1) || ' to ' || "
        f"printf('%04d-{last.month:02d}-{last.day:02d}', school_year) || ')'"
    )


@dataclass(frozen=True)
class Context:
    """What every check of a load reads: the crosswalks' codes, the as-of date and the
    settings of the rules that resolve rather than reject."""

    crosswalks: Crosswalks
    as_of: dt.date
    settings: rules.LoadSettings = field(default_factory=rules.LoadSettings)


def _control_problem(table: contract.Table, staged: Staged) -> list[tuple[str, str]]:
    """A NUL byte or byte 0x01 in a text value, the first column holding one named: one
    check for all text columns (a Parquet file is scanned once for it). A plain CSV
    file holds neither (read.scan_csv); in other columns the value fails its type."""
    names = [c.name for c in table.columns if c.type.upper() == "VARCHAR"]
    if staged.plain or not names:
        return []
    holds = {n: f"(contains({q(n)}, chr(0)) OR contains({q(n)}, chr(1)))" for n in names}

    def first(value: Callable[[str], str]) -> str:
        return "CASE " + " ".join(f"WHEN {holds[n]} THEN {value(n)}" for n in names) + " END"

    message = (
        f"CASE WHEN contains({first(q)}, chr(0)) THEN 'holds a NUL byte' ELSE 'holds byte 0x01' END"
    )
    cond = " OR ".join(holds.values())
    return [
        (
            cond,
            f"{{'rule': 'control_character', 'column_name': {first(lit)}, "
            f"'value': {first(lambda n: _text(staged, n))}, 'message': {message}}}",
        )
    ]


def row_problems(table: contract.Table, staged: Staged, ctx: Context) -> list[tuple[str, str]]:
    """(condition, struct) SQL over the typed row (``c``, staged ``_s_c``): one per
    check, the struct being the problem of a row that meets the condition."""
    out: list[tuple[str, str]] = _control_problem(table, staged)
    for c in table.columns:
        out += _column_problems(table, c, staged, ctx.crosswalks)
    return out + _table_problems(table, staged, ctx.as_of, ctx.settings)


def typed_name(table: str) -> str:
    return f"_ty_{table}"


def _typed_rows(table: contract.Table, staged: Staged, source: str) -> str:
    """SQL of the typed values of ``source`` beside the staged ones (``_s_<column>``)."""
    keep = "" if staged.plain else "_line, _rule, _message, "
    casts = ", ".join(
        f"{_cast(c, staged.source_types[c.name])} AS {q(c.name)}, {q(c.name)} AS {_src(c.name)}"
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
    select = _typed_select(table, staged, source, ctx)
    judged = Judged(table, staged)
    if staged.fmt == "csv":
        judged.typed_rows = _rows(con.execute(f"CREATE TEMP TABLE _tyb_{t} AS {select}"))
        # a plain read keeps file order and skips nothing: record k is line k + 2
        line = "rowid + 2 AS _line, " if staged.plain else ""
        con.execute(f"CREATE TEMP VIEW {typed_name(t)} AS SELECT {line}* FROM _tyb_{t}")
        flagged = f"SELECT * FROM {typed_name(t)}"
    else:
        con.execute(f"CREATE TEMP VIEW {typed_name(t)} AS {select}")
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
    con.execute(
        f"CREATE TEMP TABLE _sp_{t} (line BIGINT, rule VARCHAR, column_name VARCHAR, "
        "value_columns VARCHAR, message VARCHAR)"
    )
    con.execute(f"CREATE TEMP TABLE _mg_{t} (line BIGINT, kept_line BIGINT)")
    return judged


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
