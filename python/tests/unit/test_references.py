"""Every path the repository names points at a file that exists: docs, yml, code and the
Makefile cite files as `python/...`, `models/...`, `docs/...` and so on, and a move or a
rename that forgets one leaves a reader at nothing. Reads the tracked files only."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
TOP = ("python", "models", "docs", "seeds", "macros", "tests", "scripts", "analyses")
PATH = re.compile(rf"(?<![\w/.-])((?:{'|'.join(TOP)})/[\w./-]+\.(?:py|sql|md|yml|csv|sh|json))")


def _tracked() -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "*.md", "*.yml", "*.py", "*.sql", "Makefile", "*.toml"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [REPO / f for f in out]


def named_paths(text: str) -> set[str]:
    """Repository paths named in ``text`` (patterns and placeholders left out)."""
    return {m for m in PATH.findall(text) if not any(c in m for c in "*<>{}")}


def test_the_pattern_finds_paths_and_skips_placeholders() -> None:
    text = "see `docs/testing.md`, models/<folder>/x.sql and python/tests/unit/test_*.py"
    assert named_paths(text) == {"docs/testing.md"}


def test_every_named_path_exists() -> None:
    missing = sorted(
        (name, str(f.relative_to(REPO)))
        for f in _tracked()
        if f.is_file()
        for name in named_paths(f.read_text(encoding="utf-8", errors="replace"))
        if not (REPO / name).exists()
    )
    assert not missing, missing
