"""The whole package stays easy to change (docs/architecture.md, #12): no module over
600 lines, no function over 120, no SQL model over 300 lines, and no import cycle among
its modules (imports inside functions counted too: a lazy import hides a cycle, it does
not remove it). The direction of imports inside ``k12ews.ml`` is held by
test_ml_layout.py."""

from __future__ import annotations

import ast
from pathlib import Path

from package_graph import imports, modules

MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 120
# A model past this splits along its seams into intermediates with one job each
# (docs/conventions.md); it also keeps every model under sqlfluff's default file size.
MAX_SQL_MODEL_LINES = 300
MODELS = Path(__file__).resolve().parents[3] / "models"
MODULES = modules()
GRAPH = {name: imports(path, MODULES) for name, path in MODULES.items()}


def test_no_import_cycle() -> None:
    # a package's __init__ importing its own modules is not a cycle of the code
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for dep in sorted(GRAPH.get(module, ())):
            if dep == module or dep not in GRAPH or module.startswith(dep + "."):
                continue
            if state.get(dep) == 1:
                raise AssertionError(" -> ".join([*path, module, dep]))
            if dep not in state:
                visit(dep, [*path, module])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [])


def test_modules_and_functions_stay_small() -> None:
    too_big = []
    for module, path in MODULES.items():
        text = path.read_text()
        if text.count("\n") > MAX_MODULE_LINES:
            too_big.append(f"{module}: {text.count(chr(10))} lines")
        too_big += [
            f"{module}.{node.name}: {node.end_lineno - node.lineno + 1} lines"
            for node in ast.walk(ast.parse(text))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
        ]
    assert not too_big, too_big


def test_sql_models_stay_small() -> None:
    models = sorted(MODELS.rglob("*.sql"))
    assert len(models) > 50, MODELS
    too_big = [
        f"{path.relative_to(MODELS)}: {lines} lines"
        for path in models
        if (lines := len(path.read_text().splitlines())) > MAX_SQL_MODEL_LINES
    ]
    assert not too_big, too_big


def test_the_checks_see_the_whole_package() -> None:
    assert len(MODULES) > 100
    assert {"k12ews.cli", "k12ews.synth.district", "k12ews.ml.risk.training"} <= set(MODULES)
