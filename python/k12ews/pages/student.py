"""One student's page: who she is (as far as the role may see), her indicators by year,
her risk trajectory, the explanation in words, her services and their estimated effects,
her incidents, and her entry in the school's plan. A section the role may not see is left
out whole; a value not on record says so."""

from __future__ import annotations

import html
from typing import Any

from k12ews.access.scope import Scope
from k12ews.pages import fields as fl
from k12ews.pages.chart import Line, trajectory_svg
from k12ews.pages.data import PagesData
from k12ews.pages.shell import cell, facts, page, rows_table, section, visible

DISABILITY = "disability_and_services"
DISCIPLINE = "discipline_detail"
DEMOGRAPHICS = "demographics"
# the trajectory's tables: the last school years (the chart shows them all)
RECENT_YEARS = 2


def outcome_words(outcome: str) -> str:
    text = outcome.replace("_", " ")
    return text[:1].upper() + text[1:]


def feature_visible(scope: Scope, student_id: str, feature: Any) -> bool:
    """Whether the role may see a model feature of this student: its ml_features column's
    class is held. A feature the seed does not class is not shown (fail closed)."""
    cls = scope.column_classes.get((fl.FEATURES, str(feature)))
    return cls is not None and scope.holds(student_id, cls)


def school_name(data: PagesData, school_id: Any) -> str:
    if school_id is None:
        return fl.NOT_ON_RECORD
    return data.schools.get(int(school_id), str(school_id))


def header(data: PagesData, student_id: str) -> str:
    scope = data.scope
    current = data.latest(fl.CURRENT, student_id) or data.latest(fl.YEAR, student_id) or {}
    school = school_name(data, current.get("school_id"))
    grade = current.get("grade_level")
    lines = [
        f"<p><strong>School:</strong> {html.escape(school)}; <strong>grade:</strong> "
        f"{html.escape(fl.NOT_ON_RECORD if grade is None else str(grade))}</p>"
    ]
    now = data.latest(fl.CURRENT, student_id)
    if now:
        fields = [f for f in fl.CURRENT_FIELDS if f.column not in ("grade_level", "school_id")]
        lines.append(facts(scope, student_id, fields, now))
    else:
        lines.append("<p>Not enrolled in the current school year.</p>")
    out = section("core_indicators", "Now", "".join(lines))
    student = data.latest(fl.STUDENT, student_id)
    if student:
        for cls, title in ((DEMOGRAPHICS, "Student groups"), (DISABILITY, "Disability")):
            fields = [f for f in fl.STUDENT_FIELDS if scope.class_of(f.relation, f.column) == cls]
            body = facts(scope, student_id, fields, student)
            if body:
                out += section(cls, title, body)
    return out


def indicators_by_year(data: PagesData, student_id: str) -> str:
    years = data.of(fl.YEAR, student_id)
    if not years:
        return section("core_indicators", "Indicators by year", "<p>No school year on record.</p>")
    scope = data.scope
    head = "".join(f"<th>{int(y['school_year'])}</th>" for y in years)
    body = "".join(
        f"<tr><th>{html.escape(f.label)}</th>"
        + "".join(cell(y.get(f.column), f.kind) for y in years)
        + "</tr>"
        for f in visible(scope, student_id, fl.YEAR_FIELDS)
    )
    table = (
        f'<div class="scroll"><table class="by-year"><thead><tr><th>School year (spring)</th>'
        f"{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )
    return section("core_indicators", "Indicators by year", table)


def trajectory(data: PagesData, student_id: str) -> str:
    scope = data.scope
    rows = data.of(fl.TRAJECTORY, student_id)
    if not rows:
        return section(
            "core_indicators",
            "Risk trajectory",
            "<p>No risk score on record: no model scores this student's grade yet.</p>",
        )
    keys = sorted(
        {(r["school_year"], r["decision_point_order"], r["decision_point"]) for r in rows}
    )
    points = [f"{y} {p}" for y, _, p in keys]
    index = {k: i for i, k in enumerate(keys)}
    by_outcome: dict[str, list[float | None]] = {}
    for r in rows:
        values = by_outcome.setdefault(r["outcome"], [None] * len(keys))
        values[index[(r["school_year"], r["decision_point_order"], r["decision_point"])]] = r[
            "risk_probability"
        ]
    svg = trajectory_svg(
        points,
        [Line(outcome_words(o), v) for o, v in by_outcome.items()],
        f"Risk trajectory of student {student_id}",
    )
    shown = []
    for r in rows:
        row = dict(r)
        if not feature_visible(scope, student_id, r.get("indicator_that_moved")):
            row["indicator_sentence"] = None
        shown.append(row)
    recent = sorted({r["school_year"] for r in rows})[-RECENT_YEARS:]
    tables = ""
    for outcome in by_outcome:
        table = rows_table(
            scope,
            student_id,
            fl.TRAJECTORY_FIELDS,
            [r for r in shown if r["outcome"] == outcome and r["school_year"] in recent],
        )
        if table:
            tables += f"<h3>{html.escape(outcome_words(outcome))}</h3>{table}"
    caption = (
        f"<figcaption>The risk at every scoring point on record; the tables give the last "
        f"{len(recent)} school year(s) point by point.</figcaption>"
    )
    return section("core_indicators", "Risk trajectory", f"<figure>{svg}{caption}</figure>{tables}")


def explanation(data: PagesData, student_id: str) -> str:
    scope = data.scope
    scores = data.of(fl.SCORES, student_id)
    if not scores:
        return ""
    parts = []
    for s in scores:
        outcome = s["outcome"]
        tier = s.get("risk_tier") or fl.NOT_ON_RECORD
        risk = s.get("risk_probability")
        risk_text = fl.NOT_ON_RECORD if risk is None else f"{float(risk):.0%}"
        reasons = [
            e["sentence"]
            for e in data.of(fl.EXPLANATION, student_id)
            if e["outcome"] == outcome
            and e.get("is_top_factor")
            and e.get("sentence")
            and feature_visible(scope, student_id, e["feature"])
        ]
        items = "".join(f"<li>{html.escape(str(t))}</li>" for t in reasons)
        recourse = [
            r["suggestion"]
            for r in data.of(fl.RECOURSE, student_id)
            if r["outcome"] == outcome and r.get("suggestion")
        ]
        parts.append(
            f"<h3>{html.escape(outcome_words(outcome))}: {html.escape(risk_text)} "
            f"({html.escape(str(tier))}, {html.escape(str(s.get('decision_point')))})</h3>"
            + (f'<ul class="reasons">{items}</ul>' if items else "<p>No top factor shown.</p>")
            + "".join(
                f"<p><strong>What would change it:</strong> {html.escape(str(t))}</p>"
                for t in recourse
            )
        )
    note = (
        "<p>What the model weighed, against a typical student of the same grade at the "
        "same point of the year: not a cause, and not proof that changing it would change "
        "the outcome (docs/explanations.md).</p>"
    )
    return section("core_indicators", "Why: the explanation in words", note + "".join(parts))


def _effect_text(data: PagesData, service: Any, grade_band: Any) -> str:
    found = [
        e
        for (svc, _, band), e in sorted(data.effects.items())
        if svc == service and band == grade_band
    ]
    if not found:
        return "No estimate for this service in this grade band."
    return " ".join(
        str(e["sentence"]) if e.get("sentence") else f"No estimate: {e.get('reason')}."
        for e in found
    )


def services(data: PagesData, student_id: str) -> str:
    scope = data.scope
    if not scope.holds(student_id, DISABILITY):
        return ""
    rows = data.of(fl.SERVICES, student_id)
    if not rows:
        return section(DISABILITY, "Services and supports", "<p>No service on record.</p>")
    bands = {y["school_year"]: y.get("grade_band") for y in data.of(fl.YEAR, student_id)}
    shown = []
    for r in rows:
        row = dict(r)
        row["effect"] = _effect_text(data, r.get("service"), bands.get(r.get("school_year")))
        shown.append(row)
    table = rows_table(scope, student_id, fl.SERVICE_FIELDS, shown)
    effects = "".join(
        f"<li>{html.escape(str(r.get('service_description')))}: {html.escape(r['effect'])}</li>"
        for r in {r["service"]: r for r in shown}.values()
    )
    return section(
        DISABILITY,
        "Services and supports",
        table
        + "<h3>Their estimated effects (district averages by grade band)</h3>"
        + f'<ul class="reasons">{effects}</ul>',
    )


def incidents(data: PagesData, student_id: str) -> str:
    if not data.scope.holds(student_id, DISCIPLINE):
        return ""
    rows = data.of(fl.DISCIPLINE, student_id)
    body = rows_table(data.scope, student_id, fl.DISCIPLINE_FIELDS, rows)
    return section(DISCIPLINE, "Discipline incidents", body or "<p>No incident on record.</p>")


def plan(data: PagesData, student_id: str) -> str:
    entry = data.latest(fl.PLAN, student_id)
    if entry is None:
        body = (
            "<p>Not in the school's plan at the current scoring point (the plan lists the "
            "students to reach first, within the school's capacity; docs/intervention_plan.md)."
            "</p>"
        )
    else:
        body = facts(data.scope, student_id, fl.PLAN_FIELDS, entry)
    return section("core_indicators", "The plan", body)


def render_student(data: PagesData, student_id: str, with_index: bool = True) -> str:
    """The whole page of one student in scope (``with_index``: a link back to the
    caseload page written beside it)."""
    body = (
        header(data, student_id)
        + indicators_by_year(data, student_id)
        + trajectory(data, student_id)
        + explanation(data, student_id)
        + plan(data, student_id)
        + services(data, student_id)
        + incidents(data, student_id)
    )
    back = '<p class="no-print"><a href="index.html">Back to the caseload</a></p>'
    back = back if with_index else ""
    return page(f"Student {student_id}", data.scope, back + body)
