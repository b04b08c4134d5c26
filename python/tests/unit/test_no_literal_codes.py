"""No model compares a coded column with a literal code: every model reads a code's
meaning from its crosswalk seed (subject_area, service_kind, term_type, ...), so a
district's own codes, and the Ed-Fi descriptors, mean what their seed rows say.

The scan: every model's SQL with its comments and Jinja taken out, and every Python
model's source, searched for a coded column (a contract column with a crosswalk, and
every name a model gives it with ``as``) compared with a string literal (``=``, ``<>``,
``!=``, ``in (...)``, ``case ... when``, pandas ``==`` and ``isin``). A comparison of a
meaning column (``event_category = 'tardy'``) is what models should do and is not
flagged. The test of the scanner feeds it the comparisons the models made before this
rule (``service = 'TUTOR'``, ``subject in ('Math', 'ELA')``, ...), which it must find.
"""

from __future__ import annotations

import re
from pathlib import Path

from k12ews import contract
from k12ews.load import rules

REPO = Path(__file__).resolve().parents[3]
MODELS = REPO / "models"

_JINJA = re.compile(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", re.S)
_COMMENT = re.compile(r"--[^\n]*")


def coded_columns() -> set[str]:
    """Contract columns whose values are codes (a crosswalk or a fixed list)."""
    return {
        c.name
        for t in contract.TABLES
        for c in t.columns
        if c.codes is not None or (t.name, c.name) in rules.FIXED_CODES
    }


# cast(x as <type>), the type's Jinja already taken out: read as x
_CAST = re.compile(r"\bcast\(\s*([\w.]+)\s+as\s+[\w\s]*\)", re.I)


def sql_text(path: Path) -> str:
    text = _COMMENT.sub(" ", _JINJA.sub(" ", path.read_text(encoding="utf-8")))
    return _CAST.sub(r"\1", text)


def aliases(texts: list[str], names: set[str]) -> set[str]:
    """``names`` and every name a model gives one of them (``x as y``), to a fixed
    point."""
    found = set(names)
    while True:
        pattern = re.compile(r"(?:\b\w+\.)?\b(" + "|".join(sorted(found)) + r")\s+as\s+(\w+)", re.I)
        more = {m.group(2).lower() for text in texts for m in pattern.finditer(text)}
        if more <= found:
            return found
        found |= more


def literal_comparisons(sql: str, columns: set[str]) -> list[str]:
    """The comparisons of a column of ``columns`` with a string literal in ``sql``."""
    col = r"(?:\b\w+\.)?\b(?:" + "|".join(sorted(columns)) + r")\b"
    patterns = [
        col + r"\s*(?:=|<>|!=)\s*'",
        r"'[^']*'\s*(?:=|<>|!=)\s*" + col,
        col + r"\s+(?:not\s+)?in\s*\(\s*'",
        r"\bcase\s+" + col + r"\s+when\s+'",
    ]
    return [m.group(0) for p in patterns for m in re.finditer(p, sql, re.I)]


def python_comparisons(source: str, columns: set[str]) -> list[str]:
    """Pandas comparisons of a coded column with a literal (``df["service"] == "X"``,
    ``.eq("X")``, ``.isin(["X"])`` on such a column)."""
    col = r"\[\s*[\"'](?:" + "|".join(sorted(columns)) + r")[\"']\s*\]"
    patterns = [
        col + r"\s*(?:==|!=)\s*[\"']",
        col + r"\s*\.\s*(?:eq|ne|isin)\(\s*[\[(]?\s*[\"']",
    ]
    return [m.group(0) for p in patterns for m in re.finditer(p, source)]


def test_the_scanner_finds_the_comparisons_models_made_before() -> None:
    columns = coded_columns() | {"discipline_action"}
    before = [
        "max(case when service = 'TUTOR' then 1 else 0 end) = 1 as has_tutoring",
        "and courses.subject in ('Math', 'ELA')",
        "where renamed.term in ('Q1', 'Q2', 'Q3', 'Q4') then 'quarter'",
        "when renamed.term = 'SU' then 'summer'",
        "sum(case when contact_reason = 'attendance' then 1 else 0 end)",
        "assessments.subject = 'ELA'",
        "case when 'GIFTED' = service then 1 end",
        "case service when 'GIFTED' then 1 end",
    ]
    for line in before:
        assert literal_comparisons(line, columns), line
    assert python_comparisons('fits = c["service"] == "GIFTED"', columns)
    assert python_comparisons("c['subject'].isin(['ELA'])", columns)
    # meaning columns compared with their values are what models should do
    for line in (
        "coalesce(event_category = 'tardy', false)",
        "course_grades.term_type in ('quarter', 'semester')",
        "where subject_area = 'ela'",
        "max(case when service_kind = 'gifted' then 1 else 0 end)",
    ):
        assert not literal_comparisons(line, columns), line


def test_no_model_compares_a_coded_column_with_a_literal_code() -> None:
    sql_files = sorted(MODELS.rglob("*.sql"))
    texts = [sql_text(p) for p in sql_files]
    columns = aliases(texts, coded_columns())
    assert {"discipline_action", "attendance_event_type"} <= columns  # aliases are followed
    found = [
        f"{path.relative_to(REPO)}: {hit}"
        for path, text in zip(sql_files, texts, strict=True)
        for hit in literal_comparisons(text, columns)
    ]
    found += [
        f"{path.relative_to(REPO)}: {hit}"
        for path in sorted(MODELS.rglob("*.py"))
        for hit in python_comparisons(path.read_text(encoding="utf-8"), columns)
    ]
    assert not found, "models compare coded columns with literal codes:\n" + "\n".join(found)
