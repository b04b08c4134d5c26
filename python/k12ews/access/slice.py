"""``k12ews export --as-staff STAFF_ID``: one staff member's slice of the published
tables, for a district without a server (docs/access.md).

For every published relation with student rows (those seed ``access_column_classes``
classes), one file holding only the rows of the students in the staff member's scope and
only the columns of the field classes her role is granted; a column whose class she holds
for some of her students and not others (two roles) is blank for the others. A relation
whose rows are records of a class (seed ``access_row_classes``: services, incidents) keeps
only the rows of the students she holds that class for. Her rows of
``core.fct_staff_student_access`` are hers alone, as on the PostgreSQL peer. A column of a
published relation that the seed does not class stops the export before anything is
written, and the files are written to a temporary folder and moved in at the end.
``slice.json`` beside the files says whose slice it is, as of when, and which
columns each file leaves out.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from k12ews import warehouse
from k12ews.access.scope import ACCESS, CORE, Scope, read_scope, relation_exists, scalar
from k12ews.export import Format, check_format, write_query

MANIFEST = "slice.json"
GRANTS_VIEW = "k12ews_slice_grants"


@dataclass
class SliceFile:
    relation: str
    rows: int
    columns: list[str]
    left_out: list[str]


@dataclass
class SliceResult:
    scope: Scope
    files: list[SliceFile] = field(default_factory=list)


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    schema, name = relation.split(".")
    return [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema = ? "
            "and table_name = ? order by ordinal_position",
            [schema, name],
        ).fetchall()
    ]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _granted(field_class: str) -> str:
    return (
        f"(select student_id from {GRANTS_VIEW} where field_class = '"
        + field_class.replace("'", "''")
        + "')"
    )


def slice_select(scope: Scope, relation: str, columns: list[str]) -> tuple[str, list[str]]:
    """The SELECT of ``relation``'s slice and the columns it leaves out."""
    held = scope.field_classes
    keep, left_out = [], []
    for c in columns:
        cls = scope.class_of(relation, c)
        if cls not in held:
            left_out.append(c)
        elif cls == CORE or all(cls in scope.grants[s] for s in scope.students):
            keep.append(f"r.{_quote(c)}")
        else:
            masked = f"case when r.student_id in {_granted(cls)} then r.{_quote(c)} end"
            keep.append(f"{masked} as {_quote(c)}")
    if relation == ACCESS:
        where = "r.staff_id = " + "'" + scope.staff_id.replace("'", "''") + "'"
    else:
        where = f"r.student_id in {_granted(scope.row_class(relation))}"
    schema, name = relation.split(".")
    sql = (
        f"select {', '.join(keep)} from {_quote(schema)}.{_quote(name)} as r "
        f"where {where} order by all"
    )
    return sql, left_out


def _relations(con: duckdb.DuckDBPyConnection, scope: Scope) -> list[str]:
    named = sorted({r for r, _ in scope.column_classes})
    return [r for r in named if relation_exists(con, r)]


def export_slice(db: Path, out_dir: Path, fmt: Format, staff_id: str) -> SliceResult:
    """Write ``staff_id``'s slice of the warehouse at ``db`` to ``out_dir``."""
    check_format(fmt)
    if not Path(db).is_file():
        raise ValueError(f"no warehouse at {db}")
    with warehouse.connect(db, read_only=True) as con:
        scope = read_scope(con, Path(db), staff_id)
        grants = pd.DataFrame(
            [(s, c) for s in scope.students for c in sorted(scope.grants[s])],
            columns=["student_id", "field_class"],
        )
        con.register(GRANTS_VIEW, grants)
        plans = []
        for relation in _relations(con, scope):
            columns = _columns(con, relation)
            if "student_id" not in columns:
                continue
            sql, left_out = slice_select(scope, relation, columns)
            plans.append((relation, sql, [c for c in columns if c not in left_out], left_out))
        out_dir = Path(out_dir)
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        result = SliceResult(scope)
        # written beside the output and moved in at the end: a failure leaves it as it was
        with tempfile.TemporaryDirectory(dir=out_dir.parent, prefix=f".{out_dir.name}-") as tmp:
            for relation, sql, kept, left_out in plans:
                write_query(con, sql, Path(tmp) / f"{relation}.{fmt}", fmt)
                rows = int(scalar(con, f"select count(*) from ({sql})") or 0)
                result.files.append(SliceFile(relation, rows, kept, left_out))
            _write_manifest(result, Path(tmp), fmt)
            out_dir.mkdir(exist_ok=True)
            for f in Path(tmp).iterdir():
                os.replace(f, out_dir / f.name)
    return result


def _write_manifest(result: SliceResult, out_dir: Path, fmt: Format) -> None:
    scope = result.scope
    doc = {
        "staff_id": scope.staff_id,
        "as_of_date": str(scope.as_of_date),
        "role_classes": list(scope.role_classes),
        "students": len(scope.students),
        "field_classes": sorted(scope.field_classes),
        "files": [
            {
                "file": f"{f.relation}.{fmt}",
                "rows": f.rows,
                "columns": f.columns,
                "columns_left_out": f.left_out,
            }
            for f in result.files
        ],
    }
    (out_dir / MANIFEST).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
