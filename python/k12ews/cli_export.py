"""``k12ews export``: a warehouse's raw tables as contract files (CSV or Parquet, clean
or messy on purpose) or as Ed-Fi API resources, or one staff member's slice of the
published tables (``--as-staff``, docs/access.md)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from k12ews import warehouse


def cmd_export(args: argparse.Namespace) -> int:
    from k12ews.export import export_raw

    db = args.db or warehouse.default_db_path()
    if args.as_staff is not None:
        return _export_slice(args, db)
    if args.format == "edfi-json":
        return _export_edfi(args, db)
    if not args.messy:
        if args.messy_seed is not None or args.drop_tables is not None:
            raise ValueError("--messy-seed and --drop-tables need --messy")
        written = export_raw(db, args.dir, args.format)
    else:
        written = _export_messy(args, db)
    print(
        f"wrote {sum(written.values()):,} rows in {len(written)} {args.format} files to {args.dir}"
    )
    for name, n in written.items():
        print(f"  {name}.{args.format:<40} {n:>12,}")
    return 0


def _export_slice(args: argparse.Namespace, db: Path) -> int:
    from k12ews.access.slice import MANIFEST, export_slice

    if args.messy or args.format == "edfi-json":
        raise ValueError("--as-staff writes the published tables as csv or parquet files")
    t0 = time.perf_counter()
    result = export_slice(db, args.dir, args.format, args.as_staff)
    scope = result.scope
    print(
        f"wrote the slice of staff member {scope.staff_id} "
        f"({', '.join(scope.role_classes)}; {len(scope.students):,} students; "
        f"{', '.join(sorted(scope.field_classes))}) as of {scope.as_of_date}: "
        f"{sum(f.rows for f in result.files):,} rows in {len(result.files)} "
        f"{args.format} files to {args.dir} in {time.perf_counter() - t0:.1f} s"
    )
    for f in result.files:
        left = f" ({len(f.left_out)} columns left out)" if f.left_out else ""
        print(f"  {f.relation + '.' + args.format:<52} {f.rows:>12,}{left}")
    print(f"what each file holds and leaves out: {Path(args.dir) / MANIFEST}")
    return 0


def _export_edfi(args: argparse.Namespace, db: Path) -> int:
    from k12ews.edfi.export import export_edfi
    from k12ews.load.loader import project_dir_default

    if args.messy:
        raise ValueError("--messy writes contract files, not Ed-Fi resources")
    written = export_edfi(db, args.dir, project_dir_default() / "seeds")
    print(f"wrote {sum(written.values()):,} records in {len(written)} files to {args.dir}")
    for name, n in written.items():
        print(f"  {name:<56} {n:>12,}")
    return 0


def _export_messy(args: argparse.Namespace, db: Path) -> dict[str, int]:
    from k12ews.messy import export_messy

    t0 = time.perf_counter()
    seed = args.messy_seed if args.messy_seed is not None else 0
    drop = args.drop_tables.split(",") if args.drop_tables is not None else []
    result = export_messy(db, args.dir, args.format, seed=seed, drop_tables=drop)
    print(f"messy export, seed {seed}, in {time.perf_counter() - t0:.1f} s; rows changed:")
    for o in result.outcomes:
        print(f"  {o.kind:<40} {len(o.changes):>9,} of {o.eligible:>12,}")
    if result.missing:
        print(f"  tables left out: {', '.join(result.missing)}")
    print(f"every change is listed in {result.manifest}")
    return result.written
