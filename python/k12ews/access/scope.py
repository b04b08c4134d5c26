"""One staff member's scope, read from the built warehouse: the students she may see and,
for each, the field classes (``core.fct_staff_student_access``), with the field class of
every published column (seed ``access_column_classes``). The same two tables ``k12ews
publish`` enforces on PostgreSQL: the rules are never copied here.

A student is in scope when the staff member may see her core indicators (the row policy
of ``publish``). A column is shown for a student only when the staff member holds its
field class for that student: a teacher who is also a counsellor sees social-emotional
columns for her caseload, not for her section rosters. A relation whose every row is a
record of a class (seed ``access_row_classes``: a service received, an incident) shows a
student's rows only when the staff member holds that class for her.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from k12ews import warehouse

ACCESS = "core.fct_staff_student_access"
COLUMN_CLASSES = "seeds.access_column_classes"
ROW_CLASSES = "seeds.access_row_classes"
CORE = "core_indicators"


class ScopeError(ValueError):
    """A scope that cannot be read: no warehouse, not built, no staff, unknown staff id,
    or a staff member who may see no student. The message is one line for the CLI."""


@dataclass(frozen=True)
class Scope:
    staff_id: str
    as_of_date: dt.date
    role_classes: tuple[str, ...]
    # student -> the field classes the staff member may see of her
    grants: dict[str, frozenset[str]]
    # (schema.relation, column) -> field class
    column_classes: dict[tuple[str, str], str]
    # schema.relation -> the class of its rows, where not core indicators
    row_classes: dict[str, str] = field(default_factory=dict)

    @property
    def students(self) -> list[str]:
        """The students in scope (core indicators granted), sorted."""
        return sorted(s for s, classes in self.grants.items() if CORE in classes)

    @property
    def field_classes(self) -> frozenset[str]:
        """Every field class granted for at least one student in scope."""
        return frozenset().union(*(self.grants[s] for s in self.students))

    def class_of(self, relation: str, column: str) -> str:
        """The field class of a published column; a column the seed does not class is an
        error (never shown by default)."""
        try:
            return self.column_classes[(relation, column)]
        except KeyError:
            raise ScopeError(
                f"{relation}.{column} has no field class in seed access_column_classes"
            ) from None

    def row_class(self, relation: str) -> str:
        """The field class a staff member must hold for a student to see her rows of
        ``relation``: core indicators unless seed access_row_classes names another."""
        return self.row_classes.get(relation, CORE)

    def may_see(self, student_id: str, relation: str, column: str) -> bool:
        """Whether the staff member may see this column of this student's rows."""
        classes = self.grants.get(student_id, frozenset())
        return CORE in classes and self.class_of(relation, column) in classes

    def holds(self, student_id: str, field_class: str) -> bool:
        classes = self.grants.get(student_id, frozenset())
        return CORE in classes and field_class in classes


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> object:
    """The first value of a one-row query, every result fetched (DuckDB refuses other
    work on a connection with a result left open)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


def relation_exists(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    schema, name = relation.split(".")
    return bool(
        scalar(
            con,
            "select count(*) from information_schema.tables where table_schema = ? "
            "and table_name = ?",
            [schema, name],
        )
    )


def check_built(con: duckdb.DuckDBPyConnection, db: Path) -> None:
    """Raise :class:`ScopeError` unless the warehouse has staff and its access tables."""
    for relation in (ACCESS, COLUMN_CLASSES, ROW_CLASSES):
        if not relation_exists(con, relation):
            raise ScopeError(
                f"{db} has no {relation}: the warehouse is not built with the access "
                "models (run `dbt build` on it first)"
            )
    if not relation_exists(con, f"{warehouse.RAW}.staff"):
        raise ScopeError(f"{db} has no raw.staff table: load a district export first")
    if not scalar(con, f"select count(*) from {warehouse.RAW}.staff"):
        raise ScopeError(
            f"{db} has no staff (raw.staff is empty: the export had no staff tables), "
            "so no one is granted any student"
        )


def read_scope(con: duckdb.DuckDBPyConnection, db: Path, staff_id: str) -> Scope:
    """The scope of ``staff_id`` in the built warehouse on ``con``."""
    check_built(con, db)
    if not scalar(
        con, f"select count(*) from {warehouse.RAW}.staff where staff_id = ?", [staff_id]
    ):
        raise ScopeError(f"no staff member {staff_id!r} in raw.staff of {db}")
    rows = con.execute(
        f"select student_id, field_class, role_class, as_of_date from {ACCESS} "
        "where staff_id = ? order by student_id, field_class",
        [staff_id],
    ).fetchall()
    as_of_date = scalar(con, f"select max(as_of_date) from {ACCESS}")
    grants: dict[str, set[str]] = {}
    roles: set[str] = set()
    for student, field_class, role_class, _ in rows:
        grants.setdefault(student, set()).add(field_class)
        roles.add(role_class)
    if not any(CORE in c for c in grants.values()):
        when = f" on the as-of date {as_of_date}" if as_of_date else ""
        raise ScopeError(
            f"staff member {staff_id!r} may see no student{when} (no current assignment "
            "grants access)"
        )
    classes = {
        (r, c): f
        for r, c, f in con.execute(
            f"select relation_name, column_name, field_class from {COLUMN_CLASSES}"
        ).fetchall()
    }
    row_classes = {
        str(r): str(f)
        for r, f in con.execute(f"select relation_name, field_class from {ROW_CLASSES}").fetchall()
    }
    return Scope(
        staff_id=staff_id,
        as_of_date=as_of_date,
        role_classes=tuple(sorted(roles)),
        grants={s: frozenset(c) for s, c in grants.items()},
        column_classes=classes,
        row_classes=row_classes,
    )


def load_scope(db: Path, staff_id: str) -> Scope:
    """:func:`read_scope` on the warehouse file ``db``, opened read-only."""
    if not Path(db).is_file():
        raise ScopeError(f"no warehouse at {db}")
    with warehouse.connect(db, read_only=True) as con:
        return read_scope(con, Path(db), staff_id)
