"""The pages and the slice on hand-made scopes and rows (no warehouse): values in words
(unknown is "not on record", never 0), fields shown only with their class held for that
student, explanations of a feature of a class not held left out, escaping, the caseload
order, the chart, and the slice's SELECT (rows in scope only, columns of the classes
held, masked per student for a staff member with two roles)."""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pandas as pd
import pytest

from k12ews.access.scope import Scope, ScopeError
from k12ews.access.slice import GRANTS_VIEW, slice_select
from k12ews.pages import fields as fl
from k12ews.pages.caseload import render_caseload, sort_key, student_file
from k12ews.pages.chart import Line, trajectory_svg
from k12ews.pages.data import PagesData
from k12ews.pages.shell import fmt
from k12ews.pages.student import render_student

CORE = "core_indicators"
DISABILITY = "disability_and_services"
SOCIAL = "social_emotional"


def _classes() -> dict[tuple[str, str], str]:
    out = {}
    for f in (
        fl.YEAR_FIELDS
        + fl.STUDENT_FIELDS
        + fl.CURRENT_FIELDS
        + fl.TRAJECTORY_FIELDS
        + fl.PLAN_FIELDS
        + fl.SERVICE_FIELDS
        + fl.DISCIPLINE_FIELDS
        + fl.CASELOAD_FIELDS
    ):
        out[(f.relation, f.column)] = CORE
    out[(fl.STUDENT, "has_iep")] = DISABILITY
    out[(fl.YEAR, "family_contacts")] = SOCIAL
    out[(fl.YEAR, "attendance_family_contacts")] = SOCIAL
    out[(fl.YEAR, "service_spells_this_year")] = DISABILITY
    for f in fl.SERVICE_FIELDS:
        out[(f.relation, f.column)] = DISABILITY
    out[(fl.FEATURES, "absence_rate_to_date")] = CORE
    out[(fl.FEATURES, "service_spells_before_this_year")] = DISABILITY
    return out


def _scope(grants: dict[str, set[str]]) -> Scope:
    return Scope(
        staff_id="E1",
        as_of_date=dt.date(2026, 12, 1),
        role_classes=("teacher",),
        grants={s: frozenset(c) for s, c in grants.items()},
        column_classes=_classes(),
    )


def test_values_in_words_unknown_is_not_zero() -> None:
    assert fmt(None, "int") == fl.NOT_ON_RECORD
    assert fmt(None, "rate") == fl.NOT_ON_RECORD
    assert fmt(None, "flag") == fl.NOT_ON_RECORD
    assert fmt(0, "int") == "0"
    assert fmt(0.0, "rate") == "0.0%"
    assert fmt(False, "flag") == "no"
    assert fmt(0.031, "pp") == "+3.1"
    assert fmt(None, "note") == fl.NOTHING and fmt("", "note") == fl.NOTHING
    assert fmt(dt.date(2026, 9, 1), "date") == "2026-09-01"


def test_scope_sees_a_column_only_with_its_class_for_that_student() -> None:
    scope = _scope({"A": {CORE, SOCIAL}, "B": {CORE}, "C": {SOCIAL}})
    assert scope.students == ["A", "B"]  # C: no core indicators, not in scope
    assert scope.may_see("A", fl.YEAR, "family_contacts")
    assert not scope.may_see("B", fl.YEAR, "family_contacts")
    assert not scope.may_see("C", fl.YEAR, "family_contacts")
    assert not scope.may_see("Z", fl.YEAR, "grade_level")
    with pytest.raises(ScopeError, match="no field class"):
        scope.class_of(fl.YEAR, "not_a_column")


def _data(scope: Scope, rows: dict[str, dict[str, list[dict]]]) -> PagesData:
    return PagesData(scope, scope.students, rows, {7: "Elm School"}, {})


def _year(student: str, **values: object) -> dict[str, object]:
    base = {c: None for c in fl.columns_of(fl.YEAR, fl.YEAR_FIELDS)}
    return {**base, "student_id": student, "school_year": 2027, "grade_band": "high", **values}


def test_student_page_shows_only_the_classes_held_and_says_not_on_record() -> None:
    scope = _scope({"A": {CORE}})
    explanations = [
        {
            "student_id": "A",
            "outcome": "on_time_graduation",
            "feature": feat,
            "is_top_factor": True,
            "sentence": text,
            "rank_raising": i,
            "rank_lowering": None,
        }
        for i, (feat, text) in enumerate(
            [
                ("absence_rate_to_date", "Missed 9% of days <b>so far</b>"),
                ("service_spells_before_this_year", "Received 4 support services"),
                ("not_a_classed_feature", "An unclassed factor"),
            ]
        )
    ]
    rows = {
        fl.YEAR: {
            "A": [
                _year(
                    "A",
                    grade_level=9,
                    days_absent=0.0,
                    family_contacts=3,
                    service_spells_this_year=2,
                )
            ]
        },
        fl.STUDENT: {"A": [{"student_id": "A", "has_iep": True}]},
        fl.SCORES: {
            "A": [
                {
                    "student_id": "A",
                    "outcome": "on_time_graduation",
                    "decision_point": "q1",
                    "risk_probability": 0.4,
                    "risk_tier": "Moderate",
                }
            ]
        },
        fl.EXPLANATION: {"A": explanations},
        fl.SERVICES: {
            "A": [
                {
                    "student_id": "A",
                    "school_year": 2027,
                    "service": "TUTOR",
                    "service_description": "Tutoring",
                }
            ]
        },
    }
    page = render_student(_data(scope, rows), "A")
    assert "Missed 9% of days &lt;b&gt;so far&lt;/b&gt;" in page  # escaped
    assert "support services" not in page  # a disability feature: not held
    assert "unclassed" not in page  # a feature the seed does not class: fail closed
    assert "<dt>IEP</dt>" not in page and "Tutoring" not in page
    assert "Family contacts" not in page and "Service spells" not in page
    assert set(re.findall(r'data-field-class="([a-z_]+)"', page)) == {CORE}
    # days absent 0 is zero, the GPA not recorded is "not on record"
    assert re.search(r"<th>Days absent</th><td[^>]*>0</td>", page)
    assert re.search(r"<th>GPA</th><td class=\"unknown\">not on record</td>", page)
    assert "<script" not in page

    wider = _scope({"A": {CORE, DISABILITY, SOCIAL}})
    page = render_student(_data(wider, rows), "A")
    assert "Received 4 support services" in page and "<dt>IEP</dt>" in page
    assert "Tutoring" in page and "<th>Family contacts</th>" in page


def test_caseload_is_sorted_by_the_plan_then_by_risk() -> None:
    scope = _scope({s: {CORE} for s in "ABCDE"})

    def plan(s: str, school: int, rank: int) -> dict[str, list[dict]]:
        return {s: [{"student_id": s, "school_id": school, "plan_rank": rank}]}

    def score(s: str, p: float) -> dict[str, list[dict]]:
        return {s: [{"student_id": s, "outcome": "x", "risk_probability": p}]}

    rows = {
        fl.PLAN: {**plan("C", 2, 1), **plan("D", 1, 2), **plan("E", 1, 1)},
        fl.SCORES: {**score("A", 0.2), **score("B", 0.7), **score("C", 0.1)},
    }
    data = _data(scope, rows)
    assert sorted(scope.students, key=lambda s: sort_key(data, s)) == ["E", "D", "C", "B", "A"]
    page = render_caseload(data)
    order = re.findall(r'data-student="([A-Z])"', page)
    assert order == ["E", "D", "C", "B", "A"]
    assert f'href="{student_file("E")}"' in page


def test_chart_is_inline_svg_without_scripts() -> None:
    svg = trajectory_svg(
        ["2026 q1", "2026 q2", "2027 q1"],
        [Line("On <time>", [0.2, None, 0.5]), Line("Next", [0.1, 0.2, 0.3])],
        "Risk of <x>",
    )
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<script" not in svg and "&lt;time&gt;" in svg and "&lt;x&gt;" in svg
    assert svg.count("<polyline") == 2 and svg.count("<circle") == 5
    assert ">2026<" in svg and ">2027<" in svg


def test_slice_keeps_rows_in_scope_and_columns_of_classes_held() -> None:
    con = duckdb.connect()
    con.execute("create schema core")
    con.execute(
        "create table core.dim_student as select * from (values "
        "('A', 9, true, 3), ('B', 10, false, 5), ('Z', 11, true, 7)) "
        "t(student_id, grade, has_iep, contacts)"
    )
    classes = {
        ("core.dim_student", "student_id"): CORE,
        ("core.dim_student", "grade"): CORE,
        ("core.dim_student", "has_iep"): DISABILITY,
        ("core.dim_student", "contacts"): SOCIAL,
    }
    # a teacher of A and B who is also the counsellor of B: social-emotional for B only
    scope = Scope(
        "E1",
        dt.date(2026, 12, 1),
        ("counsellor", "teacher"),
        {"A": frozenset({CORE}), "B": frozenset({CORE, SOCIAL})},
        classes,
    )
    con.register(
        GRANTS_VIEW,
        pd.DataFrame(
            [(s, c) for s in scope.students for c in scope.grants[s]],
            columns=["student_id", "field_class"],
        ),
    )
    sql, left_out = slice_select(
        scope, "core.dim_student", ["student_id", "grade", "has_iep", "contacts"]
    )
    assert left_out == ["has_iep"]
    assert con.execute(sql).fetchall() == [("A", 9, None), ("B", 10, 5)]
    with pytest.raises(ScopeError, match=r"core\.dim_student\.secret"):
        slice_select(scope, "core.dim_student", ["student_id", "secret"])


def test_slice_keeps_a_record_row_only_for_students_whose_row_class_is_held() -> None:
    """A service row is itself a disability-and-services record (seed
    access_row_classes): a case manager of B who also teaches A gets B's service rows
    only, although the row's student, school and year are core columns."""
    con = duckdb.connect()
    con.execute("create schema core")
    con.execute(
        "create table core.fct_program_services as select * from (values "
        "('A', 2026, 'READ'), ('B', 2026, 'IEP'), ('B', 2025, 'IEP'), ('Z', 2026, 'IEP')) "
        "t(student_id, school_year, service)"
    )
    relation = "core.fct_program_services"
    classes = {
        (relation, "student_id"): CORE,
        (relation, "school_year"): CORE,
        (relation, "service"): DISABILITY,
    }
    grants = {"A": frozenset({CORE}), "B": frozenset({CORE, DISABILITY})}
    con.register(
        GRANTS_VIEW,
        pd.DataFrame(
            [(s, c) for s in sorted(grants) for c in grants[s]],
            columns=["student_id", "field_class"],
        ),
    )
    scope = Scope(
        "E1",
        dt.date(2026, 12, 1),
        ("case_manager", "teacher"),
        grants,
        classes,
        row_classes={relation: DISABILITY},
    )
    sql, left_out = slice_select(scope, relation, ["student_id", "school_year", "service"])
    assert left_out == []
    assert con.execute(sql).fetchall() == [("B", 2025, "IEP"), ("B", 2026, "IEP")]
    # without the row class the same relation's rows are core: A's row is kept, unlabelled
    plain = Scope("E1", dt.date(2026, 12, 1), ("case_manager", "teacher"), grants, classes)
    sql, _ = slice_select(plain, relation, ["student_id", "school_year", "service"])
    assert [r[0] for r in con.execute(sql).fetchall()] == ["A", "B", "B"]
