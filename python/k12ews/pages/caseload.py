"""The caseload page: every student the staff member may see, one row each, sorted by
the plan: the students in their school's plan first (by school, then place in the plan),
then the others by their highest current risk, highest first, then by id. Each row links
to the student's page."""

from __future__ import annotations

import html
from typing import Any

from k12ews.pages import fields as fl
from k12ews.pages.data import PagesData, Record
from k12ews.pages.shell import cell, page, section


def highest_score(data: PagesData, student_id: str) -> Record | None:
    scores = [s for s in data.of(fl.SCORES, student_id) if s.get("risk_probability") is not None]
    return max(scores, key=lambda s: s["risk_probability"]) if scores else None


def sort_key(data: PagesData, student_id: str) -> tuple[Any, ...]:
    entry = data.latest(fl.PLAN, student_id)
    if entry is not None and entry.get("plan_rank") is not None:
        return (0, int(entry.get("school_id") or 0), int(entry["plan_rank"]), 0.0, student_id)
    top = highest_score(data, student_id)
    risk = -float(top["risk_probability"]) if top else 1.0
    return (1, 0, 0, risk, student_id)


def safe_name(text: str) -> str:
    """An id as a file name: letters, digits, - and _ kept, anything else written as _."""
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in text)


def student_file(student_id: str) -> str:
    """The file name of a student's page."""
    return f"student_{safe_name(student_id)}.html"


def render_caseload(data: PagesData, linked: set[str] | None = None) -> str:
    """The caseload page; ``linked`` are the students whose page was written (default all)."""
    scope = data.scope
    students = sorted(data.students, key=lambda s: sort_key(data, s))
    linked = set(students) if linked is None else linked
    shown = [
        f
        for f in fl.CASELOAD_FIELDS
        if any(scope.may_see(s, f.relation, f.column) for s in students)
    ]
    head = "<th>Student</th><th>School</th>" + "".join(
        f"<th>{html.escape(f.label)}</th>" for f in shown
    )
    rows = []
    for s in students:
        sources = {
            fl.CURRENT: data.latest(fl.CURRENT, s) or {},
            fl.PLAN: data.latest(fl.PLAN, s) or {},
            fl.SCORES: highest_score(data, s) or {},
        }
        name = html.escape(s)
        link = f'<a href="{student_file(s)}">{name}</a>' if s in linked else name
        school = sources[fl.CURRENT].get("school_id")
        school_text = data.schools.get(int(school), str(school)) if school is not None else None
        cells = [f'<td data-student="{name}">{link}</td>', cell(school_text, "text")]
        for f in shown:
            if scope.may_see(s, f.relation, f.column):
                cells.append(cell(sources[f.relation].get(f.column), f.kind))
            else:
                cells.append("<td></td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    planned = sum(1 for s in students if sort_key(data, s)[0] == 0)
    intro = (
        f"<p>{len(students):,} students; {planned:,} in their school's plan at the current "
        "scoring point, listed first by school and place in the plan (the students to "
        "reach first within the school's capacity, ranked by the expected benefit of a "
        "service: docs/intervention_plan.md); then the others by their highest current "
        "risk. A value not on record is shown as such, never as zero.</p>"
    )
    table = (
        f'<div class="scroll"><table class="caseload"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )
    title = f"Caseload of staff member {scope.staff_id}"
    return page(title, scope, section("core_indicators", "Students, by the plan", intro + table))
