"""Order-independent checksums of every built table, to show a restructuring changed nothing.

``python -m k12ews.checksums DB > before.tsv``, change the code, rebuild, then
``python -m k12ews.checksums DB --compare before.tsv``: one line per table (schema,
table, rows, checksum), and on compare the tables that differ, appear or disappear.

Three things differ between two builds of the same code and are left out: the time a
run started and its id (``run_started_at``, ``dbt_invocation_id``), and the skops bytes
of a registered model, which are compared through
:func:`k12ews.ml.risk.registry.canonical_content` instead (a skops file names its members
by object ids and stamps them with the time of saving).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import duckdb

from k12ews.ml.risk.registry import canonical_content

SCHEMAS = ("stg", "int", "core", "ews", "ml", "validation")
VOLATILE_COLUMNS = frozenset({"run_started_at", "dbt_invocation_id"})


def _model_bytes_digest(con: duckdb.DuckDBPyConnection, table: str, column: str) -> str:
    rows = con.execute(f"select {column} from {table}").fetchall()
    digests = sorted(hashlib.sha256(canonical_content(r[0])).hexdigest() for r in rows if r[0])
    return hashlib.sha256("".join(digests).encode()).hexdigest()[:16]


def table_checksums(db: Path, schemas: tuple[str, ...] = SCHEMAS) -> dict[str, tuple[int, str]]:
    """``schema.table`` -> (rows, checksum) for every table and view in ``schemas``."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = con.execute(
            "select table_schema, table_name from information_schema.tables"
            " where table_schema in (select unnest(?)) order by 1, 2",
            [list(schemas)],
        ).fetchall()
        out: dict[str, tuple[int, str]] = {}
        for schema, name in names:
            table = f'"{schema}"."{name}"'
            columns = con.execute(
                "select column_name, data_type from information_schema.columns"
                " where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, name],
            ).fetchall()
            kept = [c for c, t in columns if c not in VOLATILE_COLUMNS and t != "BLOB"]
            blobs = [c for c, t in columns if t == "BLOB"]
            row = "row(" + ", ".join(f'"{c}"' for c in kept) + ")" if kept else "1"
            rows, digest = con.execute(
                f"select count(*), coalesce(bit_xor(hash({row})), 0) from {table}"
            ).fetchone()
            check = f"{digest:016x}"
            for column in blobs:
                check += ":" + _model_bytes_digest(con, table, f'"{column}"')
            out[f"{schema}.{name}"] = (int(rows), check)
        return out
    finally:
        con.close()


def _read(path: Path) -> dict[str, tuple[int, str]]:
    out = {}
    for line in path.read_text().splitlines():
        name, rows, check = line.split("\t")
        out[name] = (int(rows), check)
    return out


def compare(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> list[str]:
    """One line per table that differs, appeared or disappeared."""
    lines = []
    for name in sorted(before.keys() | after.keys()):
        if name not in after:
            lines.append(f"gone\t{name}")
        elif name not in before:
            lines.append(f"new\t{name}")
        elif before[name] != after[name]:
            lines.append(f"differs\t{name}\t{before[name]} -> {after[name]}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m k12ews.checksums", description=__doc__)
    parser.add_argument("db", type=Path, help="a built warehouse (DuckDB file)")
    parser.add_argument("--compare", type=Path, help="a checksum file written before")
    parser.add_argument("--schemas", default=",".join(SCHEMAS), help="comma-separated")
    args = parser.parse_args(argv)
    if not args.db.exists():
        print(f"k12ews: no database at {args.db}", file=sys.stderr)
        return 2
    now = table_checksums(args.db, tuple(args.schemas.split(",")))
    if args.compare is None:
        for name, (rows, check) in now.items():
            print(f"{name}\t{rows}\t{check}")
        return 0
    lines = compare(_read(args.compare), now)
    print("\n".join(lines) if lines else f"all {len(now)} tables equal")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
