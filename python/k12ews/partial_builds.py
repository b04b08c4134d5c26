"""Build a district with each optional table left out in turn: a recorded check.

    python -m k12ews.partial_builds --db data/k12ews.duckdb [--tables t1,t2] [--work DIR]

The district's raw tables are exported once (Parquet); for each optional table the
export is loaded without that table's file (strict mode: leaving out an optional table
rejects nothing) and the whole project is built with ``dbt build``. Each row of the
report gives the load's and the build's exit, the seconds, the columns of a schema a BI
tool reads whose type is HUGEINT or untyped NULL, and whether every ML table has the
same columns and types as the full district's build (``--db`` must be built). The
default district takes about five minutes a table on two cores: this is a check run
and recorded in docs/data_coverage.md, not a test (the test suite builds the 1,300-
student district the same way: python/tests/test_partial_districts.py).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from k12ews import contract, warehouse
from k12ews.dbt_command import run_dbt
from k12ews.export import export_raw
from k12ews.load import LoadError, load_folder
from k12ews.load.loader import project_dir_default

OPTIONAL = (
    "calendar_days",
    "attendance_events",
    "course_grades",
    "assessments",
    "program_services",
    "discipline_incidents",
    "extracurricular_participation",
    "parent_contacts",
)
_BI_SCHEMAS = ("stg", "int", "core", "ews", "ml", "validation")


@dataclass(frozen=True)
class Outcome:
    table: str
    load_ok: bool
    build_exit: int
    seconds: float
    untyped_columns: int
    ml_schema_same: bool
    note: str = ""


def column_types(db: Path, schemas: tuple[str, ...]) -> dict[tuple[str, str, str], str]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select table_schema, table_name, column_name, data_type "
            "from information_schema.columns where table_schema in "
            f"({', '.join('?' for _ in schemas)})",
            list(schemas),
        ).fetchall()
    return {(str(s), str(t), str(c)): str(d) for s, t, c, d in rows}


def _untyped(types: dict[tuple[str, str, str], str]) -> int:
    return sum(1 for d in types.values() if d in ("HUGEINT", "UHUGEINT") or "NULL" in d)


def build_without(table: str, export: Path, work: Path, project: Path, reference: dict) -> Outcome:
    folder = work / "files"
    folder.mkdir(parents=True)
    for t in contract.TABLES:
        if t.name != table:
            os.symlink(export / f"{t.name}.parquet", folder / f"{t.name}.parquet")
    db = work / "warehouse.duckdb"
    t0 = time.perf_counter()
    try:
        load_folder(folder, db, "strict", project_dir=project)
    except LoadError as e:
        return Outcome(table, False, -1, time.perf_counter() - t0, 0, False, str(e)[:200])
    proc = run_dbt(db, project, work, "build")
    seconds = time.perf_counter() - t0
    types = column_types(db, _BI_SCHEMAS)
    ml = {k: v for k, v in types.items() if k[0] == "ml"}
    note = "" if proc.returncode == 0 else proc.stdout.strip().splitlines()[-1][:200]
    return Outcome(table, True, proc.returncode, seconds, _untyped(types), ml == reference, note)


def run(db: Path, tables: tuple[str, ...], work: Path, project: Path) -> list[Outcome]:
    reference = {k: v for k, v in column_types(db, ("ml",)).items()}
    if not reference:
        raise ValueError(f"{db} has no ml schema: build it first (make run)")
    export = work / "export"
    export_raw(db, export, "parquet")
    out = []
    for table in tables:
        o = build_without(table, export, work / table, project, reference)
        print(
            f"{o.table:<32} load {'ok' if o.load_ok else 'FAILED'}  dbt build exit "
            f"{o.build_exit}  {o.seconds:6.0f} s  untyped columns {o.untyped_columns}  "
            f"ML schema {'same' if o.ml_schema_same else 'DIFFERENT'} {o.note}",
            flush=True,
        )
        out.append(o)
        if o.load_ok and o.build_exit == 0:  # a failed build's logs are kept to read
            shutil.rmtree(work / table, ignore_errors=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m k12ews.partial_builds", description=__doc__)
    parser.add_argument("--db", type=Path, default=warehouse.default_db_path())
    parser.add_argument("--tables", default=",".join(OPTIONAL))
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args(argv)
    tables = tuple(t for t in args.tables.split(",") if t)
    unknown = [t for t in tables if t not in OPTIONAL]
    if unknown:
        parser.error(f"not an optional table: {', '.join(unknown)}")
    work = args.work or Path(tempfile.mkdtemp(prefix="k12ews-partial-"))
    outcomes = run(args.db, tables, work, project_dir_default())
    ok = all(
        o.load_ok and o.build_exit == 0 and o.ml_schema_same and not o.untyped_columns
        for o in outcomes
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
