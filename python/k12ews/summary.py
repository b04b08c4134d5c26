"""The short summary ``make run`` prints: what the data supports (first), what was built
and where to find it."""

from __future__ import annotations

from pathlib import Path

import duckdb

from k12ews import warehouse
from k12ews.coverage import coverage_lines

# schemas the warehouse builds, in reading order; raw and truth come from the generator
_SCHEMAS = ("raw", "seeds", "stg", "int", "core", "ews", "ml")
# (mart, flag column, label) read when the early-warning marts exist
_FLAGS = (
    ("ews_student_current", "is_flagged", "flagged on at least one indicator"),
    ("ews_student_current", "is_chronically_absent", "chronically absent"),
)


def summary(db: Path) -> str:
    lines = [f"DuckDB file: {db.resolve()}"]
    with warehouse.connect(db, read_only=True) as con:
        present = {
            r[0]
            for r in con.execute("select schema_name from information_schema.schemata").fetchall()
        }
        if "core" in present:
            lines.extend(coverage_lines(con))
        for schema in _SCHEMAS:
            if schema not in present:
                continue
            counts = warehouse.table_counts(con, schema)
            if not counts:
                continue
            lines.append(f"schema {schema}: {len(counts)} relations, {sum(counts.values()):,} rows")
            if schema in ("core", "ews", "ml"):
                lines.extend(f"  {schema}.{name:<40} {n:>12,}" for name, n in counts.items())
        lines.extend(_flag_lines(con, present))
    docs = Path("target") / "index.html"
    if docs.exists():
        lines.append(f"dbt docs: {docs.resolve()} (serve with `make docs-serve`)")
    return "\n".join(lines)


def _flag_lines(con, present: set[str]) -> list[str]:  # type: ignore[no-untyped-def]
    if "ews" not in present:
        return ["early-warning marts: not built yet (schema ews absent)"]
    out = []
    for mart, col, label in _FLAGS:
        try:
            rows = con.execute(
                f"select grade_band, count(*) filter (where {col}), count(*) "
                f"from ews.{mart} group by 1 order by 1"
            ).fetchall()
        except duckdb.Error:  # a mart missing is reported, not fatal
            out.append(f"ews.{mart}: not available")
            continue
        for band, flagged, total in rows:
            out.append(f"  {band:<12} {label}: {flagged:,} of {total:,} students")
    return out
