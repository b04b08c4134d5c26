"""Render ``docs/data_contract.md`` from the raw contract, the loader rules and the seeds.

One source of truth: :mod:`k12ews.contract` (tables, columns, types, keys,
references, Ed-Fi entities), :mod:`k12ews.load.rules` (what the loader checks) and
``seeds/xwalk_*.csv`` (the codes and their meanings, which a district edits):

    python -m k12ews.contract_docs --write   # regenerate the committed file
    python -m k12ews.contract_docs --check   # exit 1 if it is stale (make lint)
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from k12ews import contract
from k12ews.dbt_sources import CROSSWALK_CODE_COLUMNS, FRESHNESS
from k12ews.load import rules

DOC = Path("docs/data_contract.md")

_INTRO = """\
<!-- GENERATED FILE, do not edit by hand. Sources: python/k12ews/contract.py,
python/k12ews/load/rules.py and seeds/xwalk_*.csv.
Regenerate with `python -m k12ews.contract_docs --write`; `--check` fails when stale. -->

# The raw data contract

What a district's SIS export must look like for `k12ews load` to put it in schema
`raw`, where the dbt project reads it. One file per table, named `<table>.csv` or
`<table>.parquet`, in one folder; `k12ews export --format csv DIR` writes an example
from any warehouse (the synthetic district included).

**CSV format.** UTF-8 (a byte-order mark is allowed), comma-delimited, one header
line with the column names (any order, case-insensitive), one record per line (no
line breaks inside fields), fields quoted with `"` when they hold a comma (`""` is a
quote inside a quoted field). Lines end with LF or CRLF, or with CR alone throughout
a file that has no LF (as Excel on older Macs writes); a carriage return anywhere
else, a NUL byte or byte 0x01 rejects its line (`control_character`). An empty field
is null. Values are taken as written: no padding spaces. Dates are `YYYY-MM-DD`;
numbers use a `.` decimal point; booleans are `true`/`false` (also `t`/`f`, `1`/`0`,
`yes`/`no`, `y`/`n`). Columns not in the contract are ignored (the load says so); an
optional column may be left out.
**Parquet** files carry their own types; a column of another type than the
contract's is cast through text with the same checks.

**Codes.** A coded column's codes get their meaning from a crosswalk seed in
`seeds/`; a district whose SIS uses other codes adds rows (its code and the meaning
columns) to the seed, then runs `dbt seed`. The loader reads the same seeds, so a
code missing from its seed is rejected with the seed to edit.

**Tables.** `schools`, `students` and `enrollments` are required: each needs a file
with at least one row. Every other table is optional: an export may leave its file
out (or send a header and no rows); the table then loads empty, the load says so, and
the indicators it feeds are unknown, never zero (mart `core.fct_data_coverage` says
what the data supports for each school and year). Optional columns may be left out
of a file too: a de-identified extract needs no names, birth dates, sex, race or
entry and exit codes.

**Rules.** Each check has a name; a strict load's report (a count per file and rule,
then the first lines of each) and `audit.raw_rejects` use it. File-level problems fail
the load in both modes; every other problem rejects its row.

| rule | what it means |
|---|---|
"""

_ADJUST = """
**Rules that resolve.** What a rule can resolve is loaded, not rejected, and every
such row is a row of `audit.raw_adjustments` (table, file, line, rule, column, the
value sent, the value used, why); the report counts them per file and rule.

| rule | what it does |
|---|---|
"""

_SETTINGS = """
Their tolerances are settings of `k12ews load` (and `k12ews check`):
`--max-overlap-days N` rejects an overlap of two spells longer than N days as
`overlapping_enrollment` (default: any overlap of a later-entered spell is resolved:
transfers recorded days late and exits pre-filled to the year's end are common in SIS
exports); `--allow-weekend-instruction` accepts Saturdays and Sundays marked as
instructional days (default: rejected as `weekend_instructional`). Exit dates after
the load's as-of date load as sent (often pre-filled with the year's last day): the
warehouse treats those spells as still open until it is built as of a later date, and
the load notes how many there are.
"""

_CASCADE = """
**Cascade.** Tables are checked in dependency order
({order}): a row whose parent was rejected is rejected too (`orphan_reference`,
`outside_enrollment`, `not_instructional_day`), so the loaded tables are always
consistent with each other. Every line of every file is counted: rows read = rows
loaded + rows rejected + rows merged, per file (`audit.raw_loads`, which also says
whether each file was loaded, empty or absent).

A school year `Y` (named by its spring year: 2024-25 is 2025) runs from 1 July of
`Y-1` to 30 June of `Y`.

**Freshness.** `dbt source freshness` judges every raw table with a date (or a
school year, dated 1 July) by its last date with data: each table's warn and error
ages are listed below, chosen by how often a SIS adds rows to it while school is in
session. Ages count to var `as_of_date` when it is set (a district generated or
rebuilt as of a date: `dbt source freshness --vars '{{as_of_date: 2026-12-01}}'`),
otherwise to today. Between school years the daily tables are old by design: check
them as of the last school day. Tables without a date (schools, students, courses)
have none. School by school, mart `core.fct_school_data_freshness` gives each
school's last date in each dated table beside the district's, and flags a school
lagging on attendance or its calendar (var `lagging_school_days`, default 3).

**Drift.** A code a crosswalk does not know (a new school year's new code) is named
with its table, column, row count and seed to edit: by the loader (rule
`unknown_code`, in the strict report and, with `--quarantine`, in the printed notes)
and by the dbt test `codes_in_crosswalk` on the sources, which fails the build by
default and is a warning with `--vars '{{unknown_code_severity: warn}}'`, so a loaded
district's build goes on while the code is added. Never a silent null: until the
seed has the code, its meaning is null in staging and the marts.
"""


def _seed_rows(seeds_dir: Path, seed: str) -> tuple[list[str], list[list[str]]]:
    with (seeds_dir / f"{seed}.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _column_rules(table: contract.Table, column: contract.Column) -> str:
    parts: list[str] = []
    if column.name in table.keys:
        parts.append("key")
    for ref_col, ref_table, ref_field in table.references:
        if ref_col == column.name:
            parts.append(f"references {ref_table}.{ref_field}")
    seed = column.codes
    if seed is None and (table.name, column.name) in rules.GRADE_COLUMNS:
        seed = "xwalk_grade_levels"
    if seed:
        parts.append(f"codes: seed `{seed}`")
    fixed = rules.FIXED_CODES.get((table.name, column.name))
    if fixed:
        parts.append("one of " + ", ".join(f"`{c}`" for c in fixed))
    rng = rules.RANGES.get((table.name, column.name))
    if column.name == "school_year":
        rng = rules.SCHOOL_YEAR_RANGE
    if rng:
        parts.append(rng.describe())
    if (table.name, column.name) in rules.SCHOOL_YEAR_DATES:
        parts.append("inside the school year")
    if (table.name, column.name) in rules.FUTURE_DATES:
        parts.append("not after the as-of date")
    if (table.name, column.name) in rules.INSIDE_ENROLLMENT:
        parts.append("inside an enrollment of the student at the school")
    if (table.name, column.name) in rules.INSTRUCTIONAL_DAY:
        parts.append("an instructional day of the school")
    return "; ".join(parts)


def render(seeds_dir: Path) -> str:
    out = [_INTRO.rstrip("\n")]
    out += [f"| `{name}` | {_cell(text)} |" for name, text in rules.RULES.items()]
    out.append(_ADJUST.rstrip("\n"))
    out += [f"| `{name}` | {_cell(text)} |" for name, text in rules.ADJUSTMENTS.items()]
    out.append(_SETTINGS.rstrip("\n"))
    out.append(_CASCADE.format(order=", ".join(rules.LOAD_ORDER)).rstrip("\n"))
    out.append("\n## Tables\n")
    for t in contract.TABLES:
        out.append(f"### {t.name}\n")
        out.append(f"{t.description}\n")
        out.append(f"- **Grain:** {t.grain}; **key:** {', '.join(t.keys)}")
        out.append(f"- **{'Required' if t.required else 'Optional'} table**")
        out.append(f"- **Ed-Fi:** {t.ed_fi or '(none)'}")
        fresh = FRESHNESS.get(t.name)
        if fresh is not None:
            date = "its school year" if fresh.date == "school_year" else f"`{fresh.date}`"
            out.append(
                f"- **Freshness:** last {date}; warn after {fresh.warn_days} days, error "
                f"after {fresh.error_days} ({fresh.why})"
            )
        for rr in rules.ROW_RULES:
            if rr.table == t.name:
                out.append(f"- **Rule** (`{rr.rule}`): {rr.text}")
        for a in rules.VALUE_ADJUSTMENTS:
            if a.table == t.name:
                out.append(f"- **Resolved** (`{a.rule}`): {rules.ADJUSTMENTS[a.rule]}")
        if (t.name, None) in rules.INSIDE_ENROLLMENT:
            out.append("- **Rule:** the student has an enrollment at the school that year")
        if t.name in rules.ENROLLED_IN_YEAR:
            out.append("- **Rule:** the student has an enrollment that school year")
        out.append("")
        out.append("| column | type | required | meaning | checks |")
        out.append("|---|---|---|---|---|")
        for c in t.columns:
            out.append(
                f"| `{c.name}` | {c.type} | {'yes' if c.required else 'optional'} | "
                f"{_cell(c.description)} | {_cell(_column_rules(t, c))} |"
            )
        out.append("")
    out.append("## Crosswalks: codes and their meaning\n")
    out.append(
        "Edit these seeds to map a district's own codes; the first column is the code the "
        "raw column holds.\n"
    )
    for seed, code_column in CROSSWALK_CODE_COLUMNS.items():
        header, rows = _seed_rows(seeds_dir, seed)
        used = sorted(
            f"{t.name}.{c.name}"
            for t in contract.TABLES
            for c in t.columns
            if c.codes == seed
            or (seed == "xwalk_grade_levels" and (t.name, c.name) in rules.GRADE_COLUMNS)
        )
        out.append(f"### {seed}\n")
        out.append(f"Code column `{code_column}`; used by {', '.join(used)}.\n")
        out.append("| " + " | ".join(header) + " |")
        out.append("|" + "---|" * len(header))
        out += ["| " + " | ".join(_cell(v) for v in r) + " |" for r in rows]
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m k12ews.contract_docs", description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="write the file")
    mode.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    parser.add_argument("--project-dir", type=Path, default=Path())
    args = parser.parse_args(argv)
    text = render(args.project_dir / "seeds")
    path = args.project_dir / DOC
    if args.write:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
        return 0
    if args.check:
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            print(
                f"{path} is out of date; run `python -m k12ews.contract_docs --write`",
                file=sys.stderr,
            )
            return 1
        print(f"{path} is current")
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
