"""Set-based checks of one staged table (DuckDB SQL, no loop over rows).

For table ``t`` (staged by :mod:`k12ews.load.read` as ``_in_t``, a view over the file
unless keyed hashes need a table):

1. ``_tyb_t``: each value cast to its contract type (a value that does not cast is
   null there, its text kept beside it) and ``_problems``: the list of row-level
   problems (structure, type, required, range, codes, cross-column rules, school
   year, future dates), computed in one pass. The view ``_ty_t`` adds the text of
   the columns whose value keeps it (``_v_<column>``), rendered only when read.
2. The set checks on the rows with no problem so far (``_sp_t``): duplicate keys,
   references to the valid rows of the tables already checked, enrollment and
   calendar checks, overlapping enrollment spells.
3. ``_ok_t``, a view of the rows that load (written once, into ``raw``, when the load
   commits), and rows appended to ``_rejects`` (one per rejected line: its first
   problem, and all of them).
"""

from __future__ import annotations

import datetime as dt

import duckdb

from k12ews import contract
from k12ews.load import rules
from k12ews.load.read import Staged, staging_name

Crosswalks = dict[str, str]  # seed name -> temp table of its codes (column "code")


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
            f"CASE WHEN isfinite(TRY_CAST({s} AS DOUBLE)) AND NOT regexp_matches({s}, '[xX]') "
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
    """(condition, struct expression) of one row-level check."""
    col = lit(column) if column else "NULL"
    return cond, (
        f"CASE WHEN {cond} THEN {{'rule': {lit(rule)}, 'column_name': {col}, "
        f"'value': {value}, 'message': {message}}} END"
    )


def row_problems(
    table: contract.Table, staged: Staged, crosswalks: Crosswalks, as_of: dt.date
) -> list[tuple[str, str]]:
    """(condition, struct) SQL over the typed row (``c``, text ``_v_c``): one per check."""
    out: list[tuple[str, str]] = []
    for c in table.columns:
        v, raw = q(c.name), q(f"_v_{c.name}")
        if c.type.upper() != "VARCHAR":
            out.append(
                _problem(
                    f"{raw} IS NOT NULL AND {v} IS NULL",
                    "type",
                    c.name,
                    raw,
                    lit(f"not {_type_words(c)}"),
                )
            )
        if c.required:
            out.append(_problem(f"{raw} IS NULL", "required", c.name, "NULL", lit("empty")))
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
                _problem(
                    " OR ".join(conds), "range", c.name, raw, lit(f"allowed: {rng.describe()}")
                )
            )
        seed = c.codes
        if seed is None and (table.name, c.name) in rules.GRADE_COLUMNS:
            seed = "xwalk_grade_levels"
        if seed is not None:
            out.append(
                _problem(
                    f"{v} IS NOT NULL AND CAST({v} AS VARCHAR) NOT IN "
                    f"(SELECT code FROM {crosswalks[seed]})",
                    "unknown_code",
                    c.name,
                    raw,
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
                    raw,
                    lit(f"allowed: {', '.join(fixed)}"),
                )
            )
    for rr in rules.ROW_RULES:
        if rr.table == table.name:
            value = " || ' ' || ".join(
                f"{lit(col + '=')} || coalesce({q('_v_' + col)}, '')" for col in rr.columns
            )
            out.append(
                _problem(
                    f"NOT coalesce({rr.sql}, true)",
                    "inconsistent",
                    rr.columns[-1],
                    value,
                    lit(f"needs {rr.text}"),
                )
            )
    for t, col in rules.SCHOOL_YEAR_DATES:
        if t == table.name:
            m, d = rules.SCHOOL_YEAR_START
            out.append(
                _problem(
                    f"{q(col)} < make_date(school_year - 1, {m}, {d}) "
                    f"OR {q(col)} >= make_date(school_year, {m}, {d})",
                    "date_outside_school_year",
                    col,
                    q("_v_" + col),
                    f"'outside school year ' || school_year || ' (' || "
                    f"make_date(school_year - 1, {m}, {d}) || ' to ' || "
                    f"(make_date(school_year, {m}, {d}) - 1) || ')'",
                )
            )
    for t, col in rules.FUTURE_DATES:
        if t == table.name:
            out.append(
                _problem(
                    f"{q(col)} > DATE '{as_of.isoformat()}'",
                    "future_date",
                    col,
                    q("_v_" + col),
                    lit(f"after the as-of date {as_of.isoformat()}"),
                )
            )
    return out


def build_typed(
    con: duckdb.DuckDBPyConnection,
    table: contract.Table,
    staged: Staged,
    crosswalks: Crosswalks,
    as_of: dt.date,
) -> None:
    """``_ty_<t>``: typed values, their text, and the row-level problems of each row."""
    casts = ", ".join(
        f"{_cast(c, staged.source_types[c.name])} AS {q(c.name)}, "
        f"CAST({q(c.name)} AS VARCHAR) AS {q('_v_' + c.name)}"
        for c in table.columns
    )
    found = row_problems(table, staged, crosswalks, as_of)
    problems = ",\n".join(p for _, p in found)
    # the list is built only for rows that break a rule: most rows pay one OR of tests
    any_problem = " OR ".join(f"coalesce({cond}, false)" for cond, _ in found)
    struct = (
        f"CASE WHEN _rule IS NOT NULL THEN [{{'rule': _rule, 'column_name': NULL::VARCHAR, "
        f"'value': NULL::VARCHAR, 'message': _message}}] "
        f"WHEN {any_problem} THEN list_filter([{problems}], lambda x: x IS NOT NULL) END"
    )
    # Stored: the typed values, the problems, and the original text only of the columns
    # whose cast can lose it (a text value typed to a number or date). Where the staged
    # type is already the contract type (Parquet, text columns), the view ``_ty_<t>``
    # renders the text from the value when a check or a reject needs it.
    lossy = [c.name for c in table.columns if _stores_text(c, staged)]
    kept = ", ".join(
        [
            "_line",
            "_text",
            *(q(c.name) for c in table.columns),
            *(q("_v_" + name) for name in lossy),
        ]
    )
    rendered = "".join(
        f", CAST({q(c.name)} AS VARCHAR) AS {q('_v_' + c.name)}"
        for c in table.columns
        if c.name not in lossy
    )
    con.execute(f"DROP VIEW IF EXISTS _ty_{table.name}")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _tyb_{table.name} AS
        WITH typed AS (SELECT _line, _text, _rule, _message, {casts}
                       FROM {staging_name(table.name)})
        SELECT {kept}, {struct} AS _problems FROM typed
        """
    )
    con.execute(f"CREATE TEMP VIEW _ty_{table.name} AS SELECT *{rendered} FROM _tyb_{table.name}")


def _stores_text(column: contract.Column, staged: Staged) -> bool:
    """Whether the typed table keeps the column's original text beside its value."""
    return staged.source_types[column.name].upper() != column.type.upper()


def _set_check(
    con: duckdb.DuckDBPyConnection,
    table: contract.Table,
    rule: str,
    where: str,
    message: str,
    column: str,
    value: str,
) -> None:
    """Add a problem to every still-valid row of ``_ty_t`` matching ``where``."""
    con.execute(
        f"""
        INSERT INTO _sp_{table.name}
        SELECT _line, {lit(rule)}, {lit(column)}, {value}, {message}
        FROM _ty_{table.name} AS r
        WHERE _problems IS NULL AND _line NOT IN (SELECT line FROM _sp_{table.name})
          AND ({where})
        """
    )


def set_checks(con: duckdb.DuckDBPyConnection, table: contract.Table) -> None:
    """Duplicate keys, references, enrollment, calendar and overlap checks."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _sp_{table.name} "
        "(line BIGINT, rule VARCHAR, column_name VARCHAR, value VARCHAR, message VARCHAR)"
    )
    t = table.name
    for ref_col, ref_table, ref_field in table.references:
        _set_check(
            con,
            table,
            "orphan_reference",
            f"{q(ref_col)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM _ok_{ref_table} AS p "
            f"WHERE p.{q(ref_field)} = r.{q(ref_col)})",
            lit(f"no such {ref_field} in {ref_table} (missing there, or rejected)"),
            ref_col,
            q("_v_" + ref_col),
        )
    for tt, col in rules.INSIDE_ENROLLMENT:
        if tt != t:
            continue
        if col is None:
            inside = "e.school_year = r.school_year"
            where_words = "school year"
            value, column = "CAST(r.school_year AS VARCHAR)", "school_year"
            _set_check(
                con,
                table,
                "outside_enrollment",
                "NOT EXISTS (SELECT 1 FROM _ok_enrollments AS e WHERE "
                f"e.student_id = r.student_id AND e.school_id = r.school_id AND {inside})",
                lit(f"the student has no enrollment at the school covering this {where_words}"),
                column,
                value,
            )
            continue
        # a spell belongs to one school year: equality on student, school and year
        # keeps this a hash join
        _set_check(
            con,
            table,
            "outside_enrollment",
            "NOT EXISTS (SELECT 1 FROM _ok_enrollments AS e WHERE e.student_id = r.student_id "
            "AND e.school_id = r.school_id AND e.school_year = r.school_year "
            f"AND r.{q(col)} BETWEEN e.entry_date AND coalesce(e.exit_date, DATE '9999-12-31'))",
            lit(f"the student has no enrollment at the school that school year covering {col}"),
            col,
            q("_v_" + col),
        )
    for tt, col in rules.INSTRUCTIONAL_DAY:
        if tt != t:
            continue
        con.execute(
            f"""
            INSERT INTO _sp_{t}
            SELECT r._line, 'not_instructional_day', {lit(col)}, r.{q("_v_" + col)},
                   'not an instructional day of school ' || r.school_id
                   || coalesce(' (' || c.calendar_event || ')', ' (no calendar day)')
            FROM (
                SELECT _line, school_id, {q(col)}, {q("_v_" + col)} FROM _ty_{t}
                WHERE _problems IS NULL AND _line NOT IN (SELECT line FROM _sp_{t})
            ) AS r
            LEFT JOIN _ok_calendar_days AS c
              ON c.school_id = r.school_id AND c.calendar_date = r.{q(col)}
            WHERE c.is_instructional_day IS NOT TRUE
            """
        )
    keys = ", ".join(q(k) for k in table.keys)
    key_text = " || ', ' || ".join(f"coalesce({q('_v_' + k)}, '')" for k in table.keys)
    on = " AND ".join(f"c.{q(k)} IS NOT DISTINCT FROM d.{q(k)}" for k in table.keys)
    con.execute(
        f"""
        INSERT INTO _sp_{t}
        WITH candidates AS (
            SELECT * FROM _ty_{t}
            WHERE _problems IS NULL AND _line NOT IN (SELECT line FROM _sp_{t})
        ),
        repeated AS (
            SELECT {keys} FROM candidates GROUP BY {keys} HAVING count(*) > 1
        ),
        rows AS (
            SELECT c._line, {key_text} AS key_text,
                   string_agg(c._line::VARCHAR, ', ' ORDER BY c._line)
                       OVER (PARTITION BY {", ".join("c." + q(k) for k in table.keys)}) AS lines
            FROM candidates AS c JOIN repeated AS d ON {on}
        )
        SELECT _line, 'duplicate_key', {lit(table.keys[-1])}, key_text,
               'key ({", ".join(table.keys)}) repeated on lines ' || lines
        FROM rows
        """
    )
    if t == "enrollments":
        con.execute(
            """
            INSERT INTO _sp_enrollments
            WITH spells AS (
                SELECT _line, student_id, entry_date,
                       coalesce(exit_date, DATE '9999-12-31') AS last_date,
                       _v_entry_date
                FROM _ty_enrollments
                WHERE _problems IS NULL AND _line NOT IN (SELECT line FROM _sp_enrollments)
            ),
            pairs AS (
                SELECT a._line, min(b._line) AS other_line, any_value(a._v_entry_date) AS v
                FROM spells AS a JOIN spells AS b
                  ON a.student_id = b.student_id AND a._line <> b._line
                 AND a.entry_date <= b.last_date AND b.entry_date <= a.last_date
                GROUP BY a._line
            )
            SELECT _line, 'overlapping_enrollment', 'entry_date', v,
                   'overlaps the spell on line ' || other_line
            FROM pairs
            """
        )


def finish(con: duckdb.DuckDBPyConnection, table: contract.Table, staged: Staged) -> None:
    """``_ok_<t>`` (rows that load, in file order) and this table's rows of ``_rejects``."""
    t = table.name
    cols = ", ".join(q(c.name) for c in table.columns)
    text = " || ',' || ".join(f"coalesce({q('_v_' + c.name)}, '')" for c in table.columns)
    # a view, not a copy: the rows are written once, into raw, when the load commits
    # (in file order: _tyb_<t> holds the file's records in order)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW _ok_{t} AS
        SELECT {cols} FROM _tyb_{t}
        WHERE _problems IS NULL AND _line NOT IN (SELECT line FROM _sp_{t})
        """
    )
    con.execute(
        f"""
        INSERT INTO _rejects
        WITH problems AS (
            SELECT _line, _text, rendered, pp.problem, pp.ord
            FROM (
                SELECT _line, _text, {text} AS rendered,
                       unnest(list_transform(_problems, lambda x, i: {{'problem': x, 'ord': i}}))
                           AS pp
                FROM _ty_{t} WHERE _problems IS NOT NULL
            )
            UNION ALL
            SELECT r._line, r._text, {text},
                   {{'rule': s.rule, 'column_name': s.column_name, 'value': s.value,
                     'message': s.message}}, 1000
            FROM _sp_{t} AS s JOIN _ty_{t} AS r ON r._line = s.line
        )
        SELECT {lit(t)}, {lit(staged.file)}, _line,
               arg_min(problem.rule, ord), arg_min(problem.column_name, ord),
               arg_min(problem.value, ord), arg_min(problem.message, ord),
               string_agg(problem.rule || coalesce(' ' || problem.column_name, '')
                          || ': ' || problem.message, '; ' ORDER BY ord),
               coalesce(any_value(_text), any_value(rendered))
        FROM problems
        GROUP BY _line
        """
    )
