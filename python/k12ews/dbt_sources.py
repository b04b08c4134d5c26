"""Render the dbt sources yml of the raw SIS tables from the raw contract.

``models/staging/sis/_sis__sources.yml`` is generated from :mod:`k12ews.contract`, the
one source of truth for the raw tables, so the two cannot drift apart:

    python -m k12ews.dbt_sources --write   # regenerate the committed file
    python -m k12ews.dbt_sources --check   # exit 1 if the committed file is stale

Every table and column gets its description (the table's grain and key included) and
the tests that hold the contract: ``not_null`` on required columns, uniqueness of the
table key (``unique``, or the project's ``unique_combination_of_columns`` for a
composite key), ``relationships`` for references between tables, and
``codes_in_crosswalk`` (macros/tests/) for coded columns, which fails on any code that
has no row in its crosswalk seed, naming it (severity: var ``unknown_code_severity``,
error by default, ``warn`` for a loaded district whose new codes should not stop a build).

Every table with a date (or a school year) gets source freshness (:data:`FRESHNESS`):
``dbt source freshness`` reports how old its last date with data is, judged against
var ``as_of_date`` when set and today otherwise (macro ``source_last_data_at``).
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from k12ews.contract import TABLES, Column, Table
from k12ews.warehouse import RAW as RAW_SCHEMA

SOURCE_NAME = "sis"
SOURCES_YML = Path("models/staging/sis/_sis__sources.yml")

# The code column of each crosswalk seed (seeds/xwalk_*.csv): what a coded raw column
# is matched against. A contract column naming a crosswalk missing here is an error.
CROSSWALK_CODE_COLUMNS: dict[str, str] = {
    "xwalk_school_levels": "school_level",
    "xwalk_sex": "sex",
    "xwalk_race_ethnicity": "race_ethnicity",
    "xwalk_frl_status": "frl_status",
    "xwalk_grade_levels": "grade_level",
    "xwalk_entry_types": "code",
    "xwalk_exit_codes": "exit_code",
    "xwalk_calendar_events": "calendar_event",
    "xwalk_attendance_events": "event_type",
    "xwalk_letter_grades": "letter_grade",
    "xwalk_subjects": "subject",
    "xwalk_behaviour_categories": "behaviour_category",
    "xwalk_discipline_actions": "action",
    "xwalk_services": "service",
    "xwalk_performance_levels": "performance_level",
    "xwalk_terms": "term",
    "xwalk_contact_reasons": "contact_reason",
    "xwalk_staff_roles": "staff_role",
}


@dataclass(frozen=True)
class Freshness:
    """When a raw table's data is too old: its date and the warn/error ages in days."""

    date: str  # a DATE column of the table, or "school_year" (1 July of that year)
    warn_days: int
    error_days: int
    why: str


# The documented choice of thresholds (docs/data_contract.md lists them): a table is
# judged on how often a district's SIS adds rows to it while school is in session.
# Between school years the daily tables are old by design: check them as of the last
# school day (var as_of_date). Tables with no date (schools, students, courses) are
# reference tables and have no freshness.
_DAILY = "recorded every school day"
_EVENTS = "events that happen every few days in a district, but not every day"
_YEARLY = "one set of rows per school year, dated 1 July"
FRESHNESS: dict[str, Freshness] = {
    "calendar_days": Freshness("calendar_date", 7, 30, "the calendar must reach the as-of date"),
    "attendance_events": Freshness("event_date", 7, 30, _DAILY),
    "enrollments": Freshness("entry_date", 30, 90, _EVENTS),
    "discipline_incidents": Freshness("incident_date", 30, 90, _EVENTS),
    "parent_contacts": Freshness("contact_date", 30, 90, _EVENTS),
    "program_services": Freshness("start_date", 60, 180, "services start a few times a term"),
    "assessments": Freshness("administration_date", 400, 760, "state tests once a year, spring"),
    "student_characteristics": Freshness("school_year", 400, 760, _YEARLY),
    "course_grades": Freshness("school_year", 400, 760, _YEARLY),
    "extracurricular_participation": Freshness("school_year", 400, 760, _YEARLY),
}

_HEADER = """\
# GENERATED FILE, do not edit by hand. Source: python/k12ews/contract.py.
# Regenerate with `python -m k12ews.dbt_sources --write`; `--check` fails when stale.
#
# The raw contract: the tables a district maps its SIS export to (schema raw). Each
# table states its grain and key; the tests below are the contract's rules.
"""


LINE_LENGTH = 100


def _quote(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _description(text: str, indent: int, nesting: int = 0) -> list[str]:
    """A ``description:`` entry at ``indent`` spaces, folded to the line length if long.

    ``nesting`` is the indentation the caller adds to the returned lines later.
    """
    pad = " " * indent
    line = f"{pad}description: {_quote(text)}"
    if nesting + len(line) <= LINE_LENGTH:
        return [line]
    body = textwrap.wrap(
        text,
        width=LINE_LENGTH - nesting - indent - 2,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return [f"{pad}description: >-", *(f"{pad}  {part}" for part in body)]


def _table_description(table: Table) -> str:
    parts = [
        table.description,
        f"Grain: {table.grain}.",
        f"Key: {', '.join(table.keys)}.",
    ]
    if table.ed_fi:
        parts.append(f"Ed-Fi: {table.ed_fi}.")
    if not table.required:
        parts.append(
            "Optional table: an export may leave it out (the load writes it empty, and "
            "the indicators it feeds are unknown: core.fct_data_coverage)."
        )
    return " ".join(parts)


def _column_description(column: Column) -> str:
    parts = [column.description]
    if column.codes:
        parts.append(f"Codes and their meaning: seed {column.codes}.")
    if not column.required:
        parts.append("Optional: may be null.")
    return " ".join(parts)


def _column_tests(table: Table, column: Column) -> list[str]:
    """YAML lines (relative indentation) of the data tests of one column."""
    lines: list[str] = []
    if column.required:
        lines.append("- not_null")
    if table.keys == (column.name,):
        lines.append("- unique")
    for ref_column, ref_table, ref_field in table.references:
        if ref_column == column.name:
            lines += [
                "- relationships:",
                "    arguments:",
                f"      to: source('{SOURCE_NAME}', '{ref_table}')",
                f"      field: {ref_field}",
            ]
    if column.codes:
        if column.codes not in CROSSWALK_CODE_COLUMNS:
            raise KeyError(
                f"{table.name}.{column.name} names crosswalk {column.codes!r}, "
                "which has no entry in CROSSWALK_CODE_COLUMNS"
            )
        lines += [
            "- codes_in_crosswalk:",
            "    arguments:",
            f"      to: ref('{column.codes}')",
            f"      field: {CROSSWALK_CODE_COLUMNS[column.codes]}",
            "    config:",
            "      severity: \"{{ var('unknown_code_severity', 'error') }}\"",
        ]
    return lines


def _indent(lines: Iterable[str], spaces: int) -> list[str]:
    return [" " * spaces + line for line in lines]


_TABLE_INDENT = 6  # the tables of the source are indented by this much


def _freshness_lines(table: Table) -> list[str]:
    """The ``config`` lines (relative indentation) of a table's source freshness."""
    fresh = FRESHNESS.get(table.name)
    if fresh is None:
        return ["    freshness: null"]
    if fresh.date == "school_year":
        table.column("school_year")
        date = "k12ews.source_school_year_start('school_year')"
    else:
        if table.column(fresh.date).type.upper() != "DATE":
            raise ValueError(f"{table.name}.{fresh.date} is not a DATE column")
        date = f"'{fresh.date}'"
    return [
        "    freshness:",
        f"      warn_after: {{count: {fresh.warn_days}, period: day}}",
        f"      error_after: {{count: {fresh.error_days}, period: day}}",
        f'    loaded_at_query: "{{{{ k12ews.source_last_data_at({date}) }}}}"',
    ]


def _render_table(table: Table) -> list[str]:
    for ref_column, ref_table, _ in table.references:
        table.column(ref_column)  # raises KeyError on a reference to a missing column
        if ref_table not in {t.name for t in TABLES}:
            raise KeyError(f"{table.name}.{ref_column} references unknown table {ref_table}")
    lines = [
        f"- name: {table.name}",
        *_description(_table_description(table), 2, _TABLE_INDENT),
        "  config:",
        "    meta:",
        f"      grain: {_quote(table.grain)}",
        f"      keys: [{', '.join(table.keys)}]",
        f"      ed_fi: {_quote(table.ed_fi)}",
        f"      required: {'true' if table.required else 'false'}",
        *_freshness_lines(table),
    ]
    if len(table.keys) > 1:
        lines += [
            "  data_tests:",
            "    - unique_combination_of_columns:",
            "        arguments:",
            f"          combination_of_columns: [{', '.join(table.keys)}]",
        ]
    lines.append("  columns:")
    for column in table.columns:
        lines += [
            f"    - name: {column.name}",
            *_description(_column_description(column), 6, _TABLE_INDENT),
            f"      data_type: {column.type.lower()}",
        ]
        tests = _column_tests(table, column)
        if tests:
            lines.append("      data_tests:")
            lines += _indent(tests, 8)
    return lines


def render_sources_yml() -> str:
    """The text of ``models/staging/sis/_sis__sources.yml``, rendered from the contract."""
    source_description = (
        "Raw SIS tables as the district exports them (or the synthetic district writes "
        f"them), in schema {RAW_SCHEMA}. Modelled on Ed-Fi entities; only staging models "
        "(stg_sis__*) read them."
    )
    lines = [
        "sources:",
        f"  - name: {SOURCE_NAME}",
        *_description(source_description, 4),
        f"    schema: {RAW_SCHEMA}",
        "    tables:",
    ]
    for table in TABLES:
        lines += _indent(_render_table(table), _TABLE_INDENT)
        lines.append("")
    return _HEADER + "\n" + "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m k12ews.dbt_sources",
        description=f"Render {SOURCES_YML} from the raw contract (k12ews.contract).",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="write the file")
    mode.add_argument(
        "--check", action="store_true", help="exit 1 if the file differs from the contract"
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=Path(),
        help="dbt project directory (default: the current directory)",
    )
    args = parser.parse_args(argv)

    text = render_sources_yml()
    if not (args.write or args.check):
        sys.stdout.write(text)
        return 0
    if not (args.project_dir / "dbt_project.yml").is_file():
        parser.error(f"{args.project_dir.resolve()} has no dbt_project.yml")
    path = args.project_dir / SOURCES_YML
    if args.write:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
        return 0
    current = path.read_text(encoding="utf-8") if path.is_file() else None
    if current != text:
        print(
            f"{path} is out of date with k12ews/contract.py; "
            "run `python -m k12ews.dbt_sources --write`",
            file=sys.stderr,
        )
        return 1
    print(f"{path} is current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
