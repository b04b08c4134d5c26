"""``k12ews pages``: the printable pages of the students a staff member may see and her
caseload page (docs/access.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from k12ews import warehouse


def cmd_pages(args: argparse.Namespace) -> int:
    from k12ews.pages.build import INDEX, build_pages

    db = args.db or warehouse.default_db_path()
    result = build_pages(db, args.as_staff, args.out, args.student)
    roles = ", ".join(result.role_classes)
    what = (
        f"{result.pages - 1:,} student pages and the caseload page {result.out_dir / INDEX}"
        if args.student is None
        else f"{result.pages:,} student page(s) to {result.out_dir}"
    )
    print(
        f"staff member {result.staff_id} ({roles}), {result.students:,} students in scope: "
        f"wrote {what} ({result.bytes / 1e6:.1f} MB) in {result.seconds:.2f} s "
        f"(read {result.read_seconds:.2f} s, drawn and written {result.render_seconds:.2f} s)"
    )
    if result.removed:
        print(f"removed {result.removed:,} pages of students no longer in scope")
    return 0


def add_pages_command(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "pages",
        help="printable HTML pages of the students a staff member may see, and her "
        "caseload page sorted by the plan (docs/access.md)",
    )
    p.add_argument("--as-staff", required=True, metavar="STAFF_ID", help="the staff member")
    p.add_argument("--db", type=Path, default=None)
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder to write to (default target/pages/<STAFF_ID>)",
    )
    p.add_argument(
        "--student",
        action="append",
        default=None,
        metavar="STUDENT_ID",
        help="write only this student's page (repeatable; no caseload page)",
    )
    p.set_defaults(func=cmd_pages)
