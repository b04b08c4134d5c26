"""One yml per model, the same way everywhere (docs/conventions.md, Names): every model
`X.sql` / `X.py` has `X.yml` beside it that describes X and only X (its config,
description, columns, data tests and dbt unit tests). Reads the files only (no dbt)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
MODELS = REPO / "models"

# yml files that describe no single model: sources, groups, exposures.
NOT_A_MODEL_YML = ("_*__sources.yml", "_groups.yml", "exposures.yml")
# Settings that several models' configs repeat (one JSON string each): the copies agree.
SHARED_SETTINGS = ("ml_settings", "ml_lifecycle", "lead_time_settings", "plan_settings")

MODEL_FILES = sorted(p for p in MODELS.rglob("*") if p.suffix in (".sql", ".py"))
MODEL_NAMES = {p.stem for p in MODEL_FILES}


def _load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text()) or {}


def _is_model_yml(path: Path) -> bool:
    return not any(path.match(pattern) for pattern in NOT_A_MODEL_YML)


YMLS = sorted(p for p in MODELS.rglob("*.yml") if _is_model_yml(p))


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: p.stem)
def test_each_model_has_its_own_yml(path: Path) -> None:
    yml = path.with_suffix(".yml")
    assert yml.exists(), f"{path.relative_to(REPO)} has no {yml.name} beside it"
    content = _load(yml)
    assert set(content) <= {"models", "unit_tests"}, f"{yml.name}: {sorted(content)}"
    assert [m["name"] for m in content.get("models", [])] == [path.stem], (
        f"{yml.name} describes {[m['name'] for m in content.get('models', [])]}"
    )
    others = {t["name"] for t in content.get("unit_tests", []) if t["model"] != path.stem}
    assert not others, f"{yml.name} has unit tests of other models: {sorted(others)}"


@pytest.mark.parametrize("path", YMLS, ids=lambda p: str(p.relative_to(MODELS)))
def test_every_yml_is_named_after_the_model_it_describes(path: Path) -> None:
    assert path.stem in MODEL_NAMES, (
        f"{path.relative_to(REPO)} is named after no model: what it describes belongs in "
        "<model>.yml beside the model (sources, groups and exposures excepted)"
    )


@pytest.mark.parametrize("key", SHARED_SETTINGS)
def test_repeated_settings_agree(key: str) -> None:
    copies = {
        m["name"]: m["config"][key]
        for p in YMLS
        for m in _load(p).get("models", [])
        if key in (m.get("config") or {})
    }
    assert len(copies) >= 2, f"{key} is set in {sorted(copies)}: no longer repeated?"
    assert len(set(copies.values())) == 1, f"the copies of {key} differ: {sorted(copies)}"
