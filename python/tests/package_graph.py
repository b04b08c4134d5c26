"""The package's modules and the k12ews modules each imports, read from the source
(for the layout tests: test_package_layout.py, test_ml_layout.py)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "k12ews"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(root: Path = PACKAGE) -> dict[str, Path]:
    """Every module under ``root`` by its dotted name."""
    return {module_name(p): p for p in sorted(root.rglob("*.py"))}


def imports(path: Path, known: dict[str, Path], prefix: str = "k12ews") -> set[str]:
    """The modules under ``prefix`` that ``path`` imports, anywhere in it (a lazy import
    inside a function counts); ``from pkg import module`` resolves to the module."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(prefix):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                out.add(sub if sub in known else node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith(prefix)}
    return out
