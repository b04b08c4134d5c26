"""The row-level rules of a contract table as SQL: one (condition, problem) pair per
check (type, required, range, codes, cross-column rules, school year, future dates,
control bytes), over a typed row whose staged values are ``_s_<column>``; the checks
(:mod:`k12ews.load.checks`) evaluate them in the pass that types a file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from k12ews import contract
from k12ews.load import rules
from k12ews.load.read import Staged

Crosswalks = dict[str, tuple[str, ...]]  # seed name -> its codes


def q(name: str) -> str:
    return f'"{name}"'


def lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def cast_sql(column: contract.Column, source_type: str) -> str:
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


def staged_sql(name: str) -> str:
    """The staged value of a column (text for CSV) beside its typed value ``name``."""
    return q("_s_" + name)


def _text(staged: Staged, name: str) -> str:
    """SQL of a column's value as text, as written (CSV) or rendered (Parquet)."""
    if staged.source_types[name].upper() == "VARCHAR":
        return staged_sql(name)
    return f"CAST({staged_sql(name)} AS VARCHAR)"


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
                f"{staged_sql(c.name)} IS NOT NULL AND {v} IS NULL",
                "type",
                c.name,
                text,
                lit(f"not {_type_words(c)}"),
            )
        )
    if c.required:
        out.append(
            _problem(f"{staged_sql(c.name)} IS NULL", "required", c.name, "NULL", lit("empty"))
        )
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
