"""The layout of ``k12ews.ml`` holds (docs/architecture.md): imports point down
(plan and timing use risk; risk and effects use neither each other nor them; the shared
top-level modules use no subpackage), no import cycle, no module over 600 lines and no
function over 120."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ML = Path(__file__).resolve().parents[2] / "k12ews" / "ml"
SUBPACKAGES = ("risk", "timing", "effects", "plan")
# subpackage -> the subpackages it may import (besides the shared top-level modules)
MAY_IMPORT = {
    "risk": {"risk"},
    "timing": {"timing", "risk"},
    "effects": {"effects"},
    "plan": {"plan", "risk"},
    "": set(),
}
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 120


def _module_name(path: Path) -> str:
    parts = path.relative_to(ML.parent.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(ML.rglob("*.py"))}


def _imports(path: Path) -> set[str]:
    """The k12ews.ml modules a module imports (``from pkg import module`` resolved)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("k12ews.ml"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                out.add(sub if sub in MODULES else node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("k12ews.ml")}
    return out


GRAPH = {name: _imports(path) for name, path in MODULES.items()}


def _subpackage(module: str) -> str:
    parts = module.split(".")
    return parts[2] if len(parts) > 3 and parts[2] in SUBPACKAGES else ""


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_point_down(module: str) -> None:
    allowed = MAY_IMPORT[_subpackage(module)]
    wrong = {m for m in GRAPH[module] if _subpackage(m) and _subpackage(m) not in allowed}
    assert not wrong, f"{module} imports {sorted(wrong)}"


def test_no_import_cycle() -> None:
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for dep in sorted(GRAPH.get(module, ())):
            if dep == module or dep not in GRAPH:
                continue
            if state.get(dep) == 1:
                raise AssertionError(" -> ".join([*path, module, dep]))
            if dep not in state:
                visit(dep, [*path, module])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [])


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_and_functions_stay_small(module: str) -> None:
    text = MODULES[module].read_text()
    assert text.count("\n") <= MAX_MODULE_LINES
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"{module}: {long}"
