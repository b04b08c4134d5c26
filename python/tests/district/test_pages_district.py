"""``k12ews pages`` on the default district's whole build (national_built), where the
risk models score, explain and plan: a teacher's pages hold none of her students'
explanation sentences whose feature is of a class she is not granted (a service-history
factor is disability and services, not core), and no student outside her rosters; a
principal's student page shows the trajectory, the explanation, the plan entry and the
services with their estimated effects. In headless Chromium (as the report, `make
browser-setup`): the caseload page and a student page load offline without a console
error, the trajectory is drawn, every link is to a page written beside it, and the page
prints (Chromium's print to PDF). Screenshots under test-artifacts/ (gitignored)."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from test_report_browser import ARTIFACTS, browser, console_errors, screenshot

from k12ews.pages.build import build_pages
from k12ews.pages.caseload import student_file

pytestmark = pytest.mark.slow
__all__ = ["browser"]  # the module fixture, shared with the report's browser test

TOKEN = re.compile(r"[A-Za-z0-9]+")


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    rows = con.execute(sql).fetchall()
    assert rows, sql
    return str(rows[0][0])


@pytest.fixture(scope="module")
def district(national_built: Path) -> Iterator[dict[str, object]]:
    con = duckdb.connect(str(national_built), read_only=True)
    # the teacher whose students have the most explanation factors of a service feature
    teacher = _one(
        con,
        """
        select a.staff_id from core.fct_staff_student_access as a
        join ml.ml_risk_explanations as e using (student_id)
        join seeds.access_column_classes as c
          on c.relation_name = 'ml.ml_features' and c.column_name = e.feature
        where a.role_class = 'teacher' and e.is_top_factor
          and c.field_class = 'disability_and_services'
        group by a.staff_id order by count(*) desc, a.staff_id limit 1
        """,
    )
    hidden = con.execute(
        """
        select e.student_id, e.sentence from ml.ml_risk_explanations as e
        join seeds.access_column_classes as c
          on c.relation_name = 'ml.ml_features' and c.column_name = e.feature
        where e.is_top_factor and c.field_class <> 'core_indicators'
          and e.student_id in (select student_id from core.fct_staff_student_access
                               where staff_id = ?)
        """,
        [teacher],
    ).fetchall()
    scope = {
        r[0]
        for r in con.execute(
            "select student_id from core.fct_staff_student_access where staff_id = ?", [teacher]
        ).fetchall()
    }
    everyone = {r[0] for r in con.execute("select student_id from core.dim_student").fetchall()}
    # a principal's student with a plan entry and a service
    principal, student = con.execute(
        """
        select a.staff_id, p.student_id from ews.ews_intervention_plan as p
        join core.fct_staff_student_access as a using (student_id)
        where a.role_class = 'principal' and a.field_class = 'disability_and_services'
          and p.student_id in (select student_id from core.fct_program_services)
        order by p.student_id limit 1
        """
    ).fetchall()[0]
    con.close()
    yield {
        "teacher": teacher,
        "hidden": hidden,
        "scope": scope,
        "outside": everyone - scope,
        "principal": principal,
        "student": student,
    }


def test_teacher_pages_hold_no_factor_of_a_class_not_granted(
    national_built: Path, district: dict[str, object], tmp_path: Path
) -> None:
    result = build_pages(national_built, str(district["teacher"]), tmp_path)
    assert result.students == len(district["scope"])
    assert district["hidden"], "no explanation of a service feature to hide"
    for student, sentence in district["hidden"]:
        page = (tmp_path / student_file(student)).read_text(encoding="utf-8")
        assert sentence not in page and sentence.replace("'", "&#x27;") not in page
    for page in tmp_path.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not set(TOKEN.findall(text)) & district["outside"], page.name
        assert "Services and supports" not in text and "<dt>IEP</dt>" not in text


def test_pages_in_chromium_load_offline_draw_and_print(
    browser, national_built: Path, district: dict[str, object], tmp_path: Path
) -> None:
    student = str(district["student"])
    build_pages(national_built, str(district["principal"]), tmp_path)
    page = tmp_path / student_file(student)
    text = page.read_text(encoding="utf-8")
    for heading in (
        "Indicators by year",
        "Risk trajectory",
        "Why: the explanation in words",
        "The plan",
        "Services and supports",
        "Their estimated effects",
    ):
        assert f">{heading}" in text, heading
    assert "Place in the school&#x27;s plan" in text
    for path in (page, tmp_path / "index.html"):
        html = path.read_text(encoding="utf-8")
        assert "<script" not in html and "url(" not in html
        for href in re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', html):
            assert "/" not in href and (tmp_path / href).exists(), href
    console_errors(browser)
    browser.get(page.as_uri())
    drawn = browser.execute_script(
        "const svg = document.querySelector('svg.trajectory');"
        "if (!svg) return null; const box = svg.getBoundingClientRect();"
        "return {width: box.width, lines: svg.querySelectorAll('polyline').length,"
        " points: svg.querySelectorAll('circle').length};"
    )
    assert drawn and drawn["width"] > 300 and drawn["lines"] >= 1 and drawn["points"] > 4
    shot = screenshot(browser, "pages_student")
    pdf = base64.b64decode(browser.print_page())
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    (ARTIFACTS / "pages_student.pdf").write_bytes(pdf)
    assert console_errors(browser) == []
    browser.get((tmp_path / "index.html").as_uri())
    rows = browser.execute_script("return document.querySelectorAll('td[data-student]').length")
    assert rows == len(list(tmp_path.glob("student_*.html")))
    screenshot(browser, "pages_caseload")
    assert shot.stat().st_size > 50_000
    assert console_errors(browser) == []
