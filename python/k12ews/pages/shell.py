"""What the two pages share: values in words (unknown is "not on record", never 0), the
page around them with the report's stylesheet and a print stylesheet, and a table of the
fields a staff member may see. Every value is escaped."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from typing import Any

from k12ews.access.scope import Scope
from k12ews.pages.fields import NOT_ON_RECORD, NOTHING, Field, Kind
from k12ews.report.style import CSS as REPORT_CSS

CSS = (
    REPORT_CSS
    + """
.notice { border: 1px solid #c9c9c9; background: #fafafa; padding: 0.4rem 0.8rem;
          font-size: 0.85rem; }
.unknown { color: #777; font-style: italic; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 0.15rem 1.2rem;
           font-size: 0.9rem; }
dl.facts dt { color: #555; }
dl.facts dd { margin: 0; }
ul.reasons li { margin: 0.2rem 0; }
svg.trajectory { max-width: 100%; height: auto; }
@page { margin: 1.5cm; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  a { color: inherit; text-decoration: none; }
  .no-print { display: none; }
  section, table, figure { break-inside: avoid; }
  .scroll { overflow: visible; }
  th { background: #eee; }
  table { font-size: 7.5pt; }
  th, td { padding: 0.1rem 0.3rem; }
}
"""
)


def fmt(value: Any, kind: Kind) -> str:
    """A value in words, unescaped; None is "not on record" (a note's is a dash)."""
    if kind == "note":
        return NOTHING if value is None or str(value).strip() == "" else str(value)
    if value is None:
        return NOT_ON_RECORD
    if kind == "flag":
        return "yes" if value else "no"
    if kind == "rate":
        return f"{float(value):.1%}"
    if kind == "percent":
        return f"{float(value):.0%}"
    if kind == "points":
        return f"{float(value):+.1f}"
    if kind == "pp":
        return f"{100 * float(value):+.1f}"
    if kind == "number":
        v = float(value)
        return f"{v:.0f}" if v.is_integer() else f"{v:.2f}"
    if kind == "int":
        return f"{int(value):d}"
    if kind == "date":
        return value.isoformat()[:10] if isinstance(value, dt.date) else str(value)[:10]
    return str(value)


def cell(value: Any, kind: Kind, tag: str = "td") -> str:
    text = html.escape(fmt(value, kind))
    if value is None and kind != "note":
        return f'<{tag} class="unknown">{text}</{tag}>'
    num = ' class="num"' if kind in ("int", "number", "rate", "percent", "points", "pp") else ""
    return f"<{tag}{num}>{text}</{tag}>"


def visible(scope: Scope, student_id: str, fields: Sequence[Field]) -> list[Field]:
    """The fields the staff member may see of this student."""
    return [f for f in fields if scope.may_see(student_id, f.relation, f.column)]


def rows_table(
    scope: Scope, student_id: str, fields: Sequence[Field], rows: Sequence[dict[str, Any]]
) -> str:
    """A table of ``rows`` with a column per visible field; empty when none is visible."""
    shown = visible(scope, student_id, fields)
    if not shown or not rows:
        return ""
    head = "".join(f"<th>{html.escape(f.label)}</th>" for f in shown)
    body = "".join(
        "<tr>" + "".join(cell(r.get(f.column), f.kind) for f in shown) + "</tr>" for r in rows
    )
    return (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def facts(scope: Scope, student_id: str, fields: Sequence[Field], row: dict[str, Any]) -> str:
    """A definition list of the visible fields of one row."""
    items = []
    for f in visible(scope, student_id, fields):
        value = row.get(f.column)
        cls = ' class="unknown"' if value is None and f.kind != "note" else ""
        items.append(
            f"<dt>{html.escape(f.label)}</dt><dd{cls}>{html.escape(fmt(value, f.kind))}</dd>"
        )
    return f'<dl class="facts">{"".join(items)}</dl>' if items else ""


def section(field_class: str, title: str, body: str) -> str:
    """A section of the page, marked with the field class its data belongs to."""
    return (
        f'<section data-field-class="{html.escape(field_class)}">'
        f"<h2>{html.escape(title)}</h2>{body}</section>"
    )


def who_for(scope: Scope) -> str:
    classes = ", ".join(c.replace("_", " ") for c in sorted(scope.field_classes))
    roles = ", ".join(r.replace("_", " ") for r in scope.role_classes)
    return (
        f"Prepared for staff member {html.escape(scope.staff_id)} ({html.escape(roles)}) "
        f"from the warehouse as of {html.escape(str(scope.as_of_date))}. It shows only the "
        f"students and the kinds of data this role may see ({html.escape(classes)}; "
        "seeds access_rules and access_column_classes). Confidential student records: share "
        "only with staff who have a legitimate educational interest (FERPA)."
    )


def page(title: str, scope: Scope, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{html.escape(title)}</title>
<style>{CSS}</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<p class="notice">{who_for(scope)}</p>
{body}
</body>
</html>
"""
