"""Every model, seed and singular test is named by the one rule of docs/conventions.md
("Names"): a prefix per layer, `int_<grain>__<topic>` for the intermediates. Reads the
file names only (no dbt build, no parse)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
MODELS = REPO / "models"
SEEDS = REPO / "seeds"

WORD = r"[a-z0-9]+"  # lower-case letters and digits (grade_3_reading)
PART = rf"{WORD}(?:_{WORD})*"  # words joined by one underscore

# Top folder of models/ (and of marts/) -> the pattern its model names follow.
MODEL_PATTERNS = {
    "marts/core": rf"(?:fct|dim)_{PART}",
    "marts/early_warning": rf"ews_{PART}",
    "marts/actions": rf"ews_{PART}",
    "ml": rf"ml_{PART}",
    "validation": rf"validation_{PART}",
}
# Seed folder -> the pattern its seed names follow.
SEED_PATTERNS = {
    ".": rf"(?:xwalk|ews|synth)_{PART}",
    "ml": rf"ml_{PART}",
    # validation_*, or a published figure named after its source
    "validation": rf"(?:validation_{PART}|bowers2013_{PART}|national_benchmarks)",
    "access": rf"access_{PART}",
}
INTERMEDIATE = re.compile(rf"int_(?P<grain>{PART})(?:__(?P<topic>{PART}))?")


def _model_files() -> list[Path]:
    return sorted(p for p in MODELS.rglob("*") if p.suffix in (".sql", ".py"))


def _layer(path: Path) -> str:
    parts = path.relative_to(MODELS).parts
    return "/".join(parts[:2]) if parts[0] == "marts" else parts[0]


def _is_grain(grain: str) -> bool:
    """A grain is what one row is, in the plural (student_years), or `warehouse` (one row)."""
    return grain == "warehouse" or grain.endswith("s")


def name_problem(path: Path, all_names: set[str]) -> str | None:
    """Why the model file at `path` breaks the naming rule, or None."""
    name, layer = path.stem, _layer(path)
    if layer == "staging":
        source = path.relative_to(MODELS).parts[1]
        if not re.fullmatch(rf"stg_{source}__{PART}", name):
            return f"a staging model of source {source} is stg_{source}__<entity>"
        return None
    # intermediates: in models/intermediate, or beside the ml or validation models they
    # feed (private to that group)
    if layer == "intermediate" or (layer in ("ml", "validation") and name.startswith("int_")):
        match = INTERMEDIATE.fullmatch(name)
        if not match:
            return "an intermediate is int_<grain>__<topic>"
        grain = match["grain"]
        if not _is_grain(grain):
            return f"grain {grain!r} is not what one row is, in the plural"
        if match["topic"] is None and not any(n.startswith(f"{name}__") for n in all_names):
            return "int_<grain> alone is only a spine, which int_<grain>__<topic> models join to"
        return None
    if layer not in MODEL_PATTERNS:
        return f"no naming rule for folder {layer} (add it to docs/conventions.md)"
    if not re.fullmatch(MODEL_PATTERNS[layer], name):
        return f"a model in {layer} matches {MODEL_PATTERNS[layer]}"
    return None


MODEL_FILES = _model_files()
MODEL_NAMES = {p.stem for p in MODEL_FILES}


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: p.stem)
def test_model_name_follows_the_rule(path: Path) -> None:
    problem = name_problem(path, MODEL_NAMES)
    assert problem is None, f"{path.relative_to(REPO)}: {problem} (docs/conventions.md, Names)"


@pytest.mark.parametrize("path", sorted(SEEDS.rglob("*.csv")), ids=lambda p: p.stem)
def test_seed_name_follows_the_rule(path: Path) -> None:
    folder = str(path.parent.relative_to(SEEDS))
    assert folder in SEED_PATTERNS, f"no naming rule for seeds/{folder}"
    assert re.fullmatch(SEED_PATTERNS[folder], path.stem), (
        f"{path.relative_to(REPO)} does not match {SEED_PATTERNS[folder]} "
        "(docs/conventions.md, Names)"
    )


@pytest.mark.parametrize("path", sorted((REPO / "tests").glob("*.sql")), ids=lambda p: p.stem)
def test_singular_test_name_follows_the_rule(path: Path) -> None:
    assert re.fullmatch(rf"assert_{PART}", path.stem), f"{path.name}: assert_<what holds>"


@pytest.mark.parametrize(
    "name",
    [
        "int_student_daily_attendance",  # no topic and no model joins to it as a spine
        "int_student_year_attendance",
        "int_student_school_year__attendance",  # grain not plural
        "int_student_years___attendance",
        "int_Student_years__attendance",
    ],
)
def test_rule_catches_stragglers(name: str) -> None:
    path = MODELS / "intermediate" / "attendance" / f"{name}.sql"
    assert name_problem(path, MODEL_NAMES | {name}) is not None


def test_rule_accepts_the_shapes_it_states() -> None:
    for name in ("int_student_years", "int_warehouse__as_of_date", "int_course_grades__dated"):
        assert name_problem(MODELS / "intermediate" / f"{name}.sql", MODEL_NAMES) is None
    assert name_problem(MODELS / "staging" / "sis" / "stg_sis__students.sql", MODEL_NAMES) is None
    assert name_problem(MODELS / "marts" / "core" / "ews_high.sql", MODEL_NAMES) is not None
