"""Who may see what (docs/access.md), on the small district's whole build (small_built).

``core.fct_staff_student_access`` is recomputed here from the raw staff tables, the
seeds and the as-of date, role by role: a principal sees exactly her school's students
enrolled on the as-of date, a counsellor exactly his current caseload, a teacher exactly
the current rosters of the sections she teaches now and only the core indicators, a
district analyst every student, and a staff member whose every assignment has ended no
one. And every published relation with a ``student_id`` has each of its columns in seed
``access_column_classes``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[3]
PUBLISHED = ("core", "ews", "ml")


@pytest.fixture(scope="module")
def con(small_built: Path) -> duckdb.DuckDBPyConnection:
    c = duckdb.connect(str(small_built), read_only=True)
    yield c
    c.close()


def _as_of(con: duckdb.DuckDBPyConnection) -> dt.date:
    row = con.execute("select as_of_date from int.int_warehouse__as_of_date").fetchone()
    assert row is not None
    return row[0]


def _current(df: pd.DataFrame, as_of: dt.date, begin: str = "begin_date") -> pd.DataFrame:
    b = pd.to_datetime(df[begin]).dt.date
    e = pd.to_datetime(df["end_date"]).dt.date
    return df.loc[(b <= as_of) & (e.isna() | (e >= as_of))]


def _seed(name: str) -> pd.DataFrame:
    folder = "access" if name.startswith("access_") else "."
    return pd.read_csv(REPO / "seeds" / folder / f"{name}.csv", dtype=str)


@pytest.fixture(scope="module")
def expected(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """staff_id -> the students the rules give, recomputed from raw."""
    as_of = _as_of(con)
    raw = {
        t: con.execute(f"select * from raw.{t}").df()
        for t in (
            "staff_assignments",
            "staff_caseloads",
            "sections",
            "section_staff",
            "section_enrollments",
        )
    }
    roles = dict(_seed("xwalk_staff_roles")[["staff_role", "role_class"]].to_numpy())
    scope = dict(_seed("access_rules")[["role_class", "row_scope"]].drop_duplicates().to_numpy())
    students = set(con.execute("select student_id from core.dim_student").df()["student_id"])
    enr = con.execute(
        "select student_id, school_id, entry_date, exit_date from core.fct_enrollments"
    ).df()
    enr = _current(enr.rename(columns={"exit_date": "end_date"}), as_of, "entry_date")
    caseloads = _current(raw["staff_caseloads"], as_of)
    taught = _current(raw["section_staff"], as_of).merge(raw["sections"], on="section_id")
    rosters = _current(raw["section_enrollments"], as_of)
    out: dict[str, set[str]] = {}
    for a in _current(raw["staff_assignments"], as_of).itertuples(index=False):
        kind = scope.get(roles.get(a.staff_role, "other"))
        school = None if pd.isna(a.school_id) else int(a.school_id)
        if kind == "district":
            seen = set(students)
        elif kind == "school":
            seen = set(enr.loc[enr["school_id"] == school, "student_id"])
        elif kind == "caseload":
            mine = (caseloads["staff_id"] == a.staff_id) & (caseloads["school_id"] == school)
            seen = set(caseloads.loc[mine, "student_id"])
        elif kind == "section":
            secs = taught[(taught["staff_id"] == a.staff_id) & (taught["school_id"] == school)]
            seen = set(rosters.loc[rosters["section_id"].isin(secs["section_id"]), "student_id"])
        else:
            continue
        out.setdefault(a.staff_id, set()).update(seen & students)
    return out


@pytest.fixture(scope="module")
def access(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute("select * from core.fct_staff_student_access").df()


def _assignments(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    a = con.execute("select * from raw.staff_assignments").df()
    return a.merge(_seed("xwalk_staff_roles")[["staff_role", "role_class"]], on="staff_role")


def test_every_role_sees_exactly_the_students_its_rules_give(
    con: duckdb.DuckDBPyConnection, access: pd.DataFrame, expected: dict[str, set[str]]
) -> None:
    got = access.groupby("staff_id")["student_id"].agg(set).to_dict()
    granted = {k: v for k, v in expected.items() if v}
    assert got == granted
    current = _current(_assignments(con), _as_of(con))
    # every role class of the generated district is there, each seeing someone
    seen = {
        rc: [s for s in current.loc[current["role_class"] == rc, "staff_id"] if got.get(s)]
        for rc in ("principal", "counsellor", "teacher", "case_manager", "district_analyst")
    }
    assert all(seen.values()), seen


def test_a_principal_sees_her_school_and_an_analyst_everyone(
    con: duckdb.DuckDBPyConnection, access: pd.DataFrame
) -> None:
    as_of = _as_of(con)
    current = _current(_assignments(con), as_of)
    enr = con.execute("select * from core.fct_enrollments").df()
    enr = _current(enr.rename(columns={"exit_date": "end_date"}), as_of, "entry_date")
    for p in current[current["role_class"] == "principal"].itertuples(index=False):
        mine = set(access.loc[access["staff_id"] == p.staff_id, "student_id"])
        assert mine == set(enr.loc[enr["school_id"] == p.school_id, "student_id"]), p
        assert mine and len(mine) < len(set(enr["student_id"]))
    everyone = set(con.execute("select student_id from core.dim_student").df()["student_id"])
    for a in current[current["role_class"] == "district_analyst"].itertuples(index=False):
        assert set(access.loc[access["staff_id"] == a.staff_id, "student_id"]) == everyone


def test_field_classes_follow_the_role(access: pd.DataFrame) -> None:
    rules = _seed("access_rules")
    allowed = rules.groupby("role_class")["field_class"].agg(set).to_dict()
    for (role_class, scope), rows in access.groupby(["role_class", "row_scope"]):
        assert set(rows["field_class"]) <= allowed[role_class], (role_class, scope)
    teachers = access[access["role_class"] == "teacher"]
    assert len(teachers) and set(teachers["field_class"]) == {"core_indicators"}
    # one row per staff member x student x field class, every class of the role present
    per = access.groupby(["staff_id", "student_id", "role_class"])["field_class"].agg(set)
    for (_, _, role_class), classes in per.items():
        assert classes == allowed[role_class]


def test_an_ended_assignment_grants_nothing(
    con: duckdb.DuckDBPyConnection, access: pd.DataFrame
) -> None:
    as_of = _as_of(con)
    a = _assignments(con)
    ended = a[pd.to_datetime(a["end_date"]).dt.date < as_of]
    current = set(_current(a, as_of)["staff_id"])
    gone = set(ended["staff_id"]) - current
    # the generator ends some assignments this year, before the as-of date
    this_year = ended[pd.to_datetime(ended["end_date"]).dt.date > dt.date(as_of.year - 1, 7, 1)]
    assert len(gone) and len(this_year)
    assert not gone & set(access["staff_id"])
    # their sections and caseloads still exist in raw: only the dates keep them out
    cases = con.execute("select staff_id from raw.staff_caseloads").df()
    teach = con.execute("select staff_id from raw.section_staff").df()
    assert gone & (set(cases["staff_id"]) | set(teach["staff_id"]))


def test_every_published_column_with_student_data_has_a_field_class(
    con: duckdb.DuckDBPyConnection,
) -> None:
    cols = con.execute(
        f"""
        with published as (
            select table_schema || '.' || table_name as relation_name, column_name
            from information_schema.columns where table_schema in {PUBLISHED}
        )
        select * from published where relation_name in (
            select relation_name from published where column_name = 'student_id'
        )
        """
    ).df()
    classes = _seed("access_column_classes")
    known = set(zip(classes["relation_name"], classes["column_name"], strict=True))
    missing = sorted(
        f"{r}.{c}"
        for r, c in zip(cols["relation_name"], cols["column_name"], strict=True)
        if (r, c) not in known
    )
    assert not missing, f"published columns without a field class: {missing}"
    stale = known - set(zip(cols["relation_name"], cols["column_name"], strict=True))
    assert not stale, f"seed access_column_classes names columns that do not exist: {stale}"
    assert set(classes["field_class"]) <= set(_seed("access_field_classes")["field_class"])
