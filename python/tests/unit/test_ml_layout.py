"""The layout of ``k12ews.ml`` holds (docs/architecture.md): imports point down
(plan and timing use risk; lifecycle uses risk and timing; risk and effects use neither
each other nor them; the shared top-level modules use no subpackage). Cycles and sizes
are held package-wide by test_package_layout.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from package_graph import imports, modules

ML = Path(__file__).resolve().parents[2] / "k12ews" / "ml"
SUBPACKAGES = ("risk", "timing", "effects", "plan", "lifecycle")
# subpackage -> the subpackages it may import (besides the shared top-level modules)
MAY_IMPORT = {
    "risk": {"risk"},
    "timing": {"timing", "risk"},
    "effects": {"effects"},
    "plan": {"plan", "risk"},
    "lifecycle": {"lifecycle", "risk", "timing"},
    "": set(),
}


MODULES = modules(ML)
GRAPH = {name: imports(path, MODULES, "k12ews.ml") for name, path in MODULES.items()}


def _subpackage(module: str) -> str:
    parts = module.split(".")
    return parts[2] if len(parts) > 3 and parts[2] in SUBPACKAGES else ""


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_point_down(module: str) -> None:
    allowed = MAY_IMPORT[_subpackage(module)]
    wrong = {m for m in GRAPH[module] if _subpackage(m) and _subpackage(m) not in allowed}
    assert not wrong, f"{module} imports {sorted(wrong)}"
