"""``make bench-pages``: how long ``k12ews pages`` takes on a built warehouse (bars: one
student's page under a second, the pages of a school under a minute; docs/access.md).

It times, each in a fresh read of the warehouse as the command does: one student's page
(five students of the largest school, each timed alone: open, read the scope and the
rows, draw, write), then every page of the principal of the largest school (her whole
school and the caseload page). Not a test: the figures depend on the machine and its
load, which are printed with them.

    python -m k12ews.pages.bench --db data/k12ews.duckdb
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path

from k12ews import warehouse
from k12ews.access.scope import ACCESS, CORE, ScopeError, scalar
from k12ews.bench import machine
from k12ews.pages.build import build_pages

STUDENT_BAR_SECONDS = 1.0
SCHOOL_BAR_SECONDS = 60.0


def largest_school_principal(db: Path) -> tuple[str, list[str]]:
    """The principal with the most students in scope, and five of her students."""
    with warehouse.connect(db, read_only=True) as con:
        staff = scalar(
            con,
            f"select staff_id from {ACCESS} where role_class = 'principal' "
            f"and field_class = '{CORE}' group by staff_id order by count(*) desc, staff_id "
            "limit 1",
        )
        if staff is None:
            raise ScopeError(f"{db} has no principal with students in scope")
        students = [
            r[0]
            for r in con.execute(
                f"select student_id from {ACCESS} where staff_id = ? and field_class = "
                f"'{CORE}' order by hash(student_id) limit 5",
                [staff],
            ).fetchall()
        ]
    return str(staff), students


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


def bench_pages(db: Path) -> str:
    staff, students = largest_school_principal(db)
    lines = [f"k12ews pages benchmark on {db}", f"machine: {machine()}", f"before: {load()}"]
    with tempfile.TemporaryDirectory() as tmp:
        times = [build_pages(db, staff, Path(tmp) / f"one_{s}", [s]).seconds for s in students]
        met = "met" if max(times) < STUDENT_BAR_SECONDS else "NOT met"
        lines.append(
            f"one student's page (principal {staff}, {len(times)} students, each alone): "
            f"median {statistics.median(times):.2f} s, max {max(times):.2f} s "
            f"(bar {STUDENT_BAR_SECONDS:.0f} s: {met})"
        )
        r = build_pages(db, staff, Path(tmp) / "school")
        met = "met" if r.seconds < SCHOOL_BAR_SECONDS else "NOT met"
        lines.append(
            f"the school's pages (principal {staff}: {r.students:,} students, {r.pages:,} "
            f"pages, {r.bytes / 1e6:.1f} MB): {r.seconds:.1f} s (read {r.read_seconds:.1f} s, "
            f"drawn and written {r.render_seconds:.1f} s; "
            f"{1000 * r.render_seconds / r.pages:.1f} ms a page; bar "
            f"{SCHOOL_BAR_SECONDS:.0f} s: {met})"
        )
    lines.append(f"after: {load()}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=warehouse.default_db_path())
    args = parser.parse_args(argv)
    try:
        print(bench_pages(args.db))
    except ScopeError as e:
        print(f"k12ews: error: {e}")
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
