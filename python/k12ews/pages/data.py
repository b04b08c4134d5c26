"""The columns the pages show, of the students in a staff member's scope, read from the
built warehouse in one read-only connection: one query per published relation for all
the students at once, grouped by student in memory (a school's pages read the warehouse
nine times, not nine times per student).

Only columns of the field classes the staff member holds for at least one of her students
are read; which of them a page shows for a given student is decided when it is drawn
(:meth:`k12ews.access.scope.Scope.may_see`). Every column read must have a field class in
seed ``access_column_classes``: one without stops the pages before any is written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from k12ews import warehouse
from k12ews.access.scope import Scope, ScopeError, read_scope, relation_exists
from k12ews.pages import fields as fl

Record = dict[str, Any]
STUDENTS_VIEW = "k12ews_pages_students"
EFFECTS = "ml.ml_intervention_effects"
SCHOOLS = "core.dim_school"

# relation -> (columns read beside the shown fields, order of the rows)
SUPPORT: dict[str, tuple[tuple[str, ...], str]] = {
    fl.YEAR: (("school_year", "grade_band"), "school_year"),
    fl.STUDENT: ((), "student_id"),
    fl.CURRENT: (("school_year", "attendance_rate", "core_failures"), "student_id"),
    fl.PLAN: (("school_id", "school_year"), "school_year"),
    fl.TRAJECTORY: (
        ("outcome", "decision_point_order", "indicator_that_moved", "grade_band"),
        "outcome, school_year, decision_point_order",
    ),
    fl.EXPLANATION: (
        (
            "outcome",
            "feature",
            "direction",
            "is_top_factor",
            "rank_raising",
            "rank_lowering",
            "sentence",
            "contribution",
        ),
        "outcome, rank_raising nulls last, rank_lowering nulls last",
    ),
    fl.RECOURSE: (("outcome", "risk_tier", "recourse_status", "suggestion"), "outcome"),
    fl.SCORES: (("outcome", "decision_point", "risk_probability", "risk_tier"), "outcome"),
    fl.SERVICES: (("service", "grade_level"), "start_date, service"),
    fl.DISCIPLINE: ((), "incident_date, incident_id"),
}

ALL_FIELDS = (
    fl.YEAR_FIELDS
    + fl.STUDENT_FIELDS
    + fl.CURRENT_FIELDS
    + fl.TRAJECTORY_FIELDS
    + fl.PLAN_FIELDS
    + fl.SERVICE_FIELDS
    + fl.DISCIPLINE_FIELDS
    + fl.CASELOAD_FIELDS
)


@dataclass(frozen=True)
class PagesData:
    scope: Scope
    students: list[str]
    # relation -> student -> its rows, in the relation's order
    rows: dict[str, dict[str, list[Record]]]
    schools: dict[int, str]
    # estimated effects by (service, outcome, grade band), pooled over the quarters
    effects: dict[tuple[str, str, str], Record]

    def of(self, relation: str, student_id: str) -> list[Record]:
        return self.rows.get(relation, {}).get(student_id, [])

    def latest(self, relation: str, student_id: str) -> Record | None:
        """The student's last row of the relation in its order (the latest school year)."""
        rows = self.of(relation, student_id)
        return rows[-1] if rows else None


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _read(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> list[Record]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [{n: _clean(v) for n, v in zip(names, row, strict=True)} for row in cur.fetchall()]


def columns_to_read(scope: Scope, relation: str) -> list[str]:
    """The relation's columns the pages need that the staff member may see for at least
    one student (every one of them classed by the seed)."""
    extra, _ = SUPPORT[relation]
    wanted = ["student_id", *extra, *fl.columns_of(relation, ALL_FIELDS)]
    held = scope.field_classes
    out: list[str] = []
    for c in wanted:
        if c not in out and scope.class_of(relation, c) in held:
            out.append(c)
    return out


def read_pages_data(
    con: duckdb.DuckDBPyConnection, db: Path, scope: Scope, students: list[str]
) -> PagesData:
    """The pages' rows of ``students`` (all in ``scope``) from the warehouse on ``con``."""
    outside = sorted(set(students) - set(scope.students))
    if outside:
        raise ScopeError(
            f"student {outside[0]!r} is not in the scope of staff member {scope.staff_id!r}"
        )
    for relation in (*SUPPORT, EFFECTS, SCHOOLS):
        if not relation_exists(con, relation):
            raise ScopeError(f"{db} has no {relation}: run `dbt build` on it first")
    con.register(STUDENTS_VIEW, pd.DataFrame({"student_id": students}, dtype=str))
    rows: dict[str, dict[str, list[Record]]] = {}
    for relation, (_, order) in SUPPORT.items():
        cols = ", ".join(f'"{c}"' for c in columns_to_read(scope, relation))
        grouped: dict[str, list[Record]] = {}
        for r in _read(
            con,
            f"select {cols} from {relation} where student_id in "
            f"(select student_id from {STUDENTS_VIEW}) order by student_id, {order}",
        ):
            grouped.setdefault(r["student_id"], []).append(r)
        rows[relation] = grouped
    con.unregister(STUDENTS_VIEW)
    schools = {
        int(r["school_id"]): str(r["school_name"])
        for r in _read(con, f"select school_id, school_name from {SCHOOLS}")
    }
    effects = {
        (r["service"], r["outcome"], r["grade_band"]): r
        for r in _read(
            con,
            f"select service, outcome, grade_band, n_treated, is_estimated, effect, ci_low, "
            f"ci_high, reason, sentence from {EFFECTS} "
            "where cell_level = 'grade_band_all_quarters'",
        )
    }
    return PagesData(scope, list(students), rows, schools, effects)


def load_pages_data(db: Path, staff_id: str, students: list[str] | None = None) -> PagesData:
    """The scope of ``staff_id`` and the pages' rows of ``students`` (default: all of
    hers), from the warehouse file ``db`` opened read-only."""
    if not Path(db).is_file():
        raise ScopeError(f"no warehouse at {db}")
    with warehouse.connect(db, read_only=True) as con:
        scope = read_scope(con, Path(db), staff_id)
        return read_pages_data(con, Path(db), scope, students or scope.students)
