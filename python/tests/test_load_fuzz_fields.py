"""Fuzzing the loader with field-level damage: no crash, no half-load, every row counted.

Values blanked, swapped or replaced (text in numbers, dates far off, unknown codes),
rows repeated (exact copies and repeated keys) or deleted, dates shifted so spells
overlap, columns renamed, dropped or reordered, tables written as Parquet
(:func:`export_mutations.field_mutations`); the invariants each load must keep are in
:mod:`load_invariants`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from export_mutations import field_mutations
from load_invariants import Workspace, fuzz, workspace_in

EXAMPLES = 500


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    with workspace_in(tmp_path) as ws:
        yield ws


def test_field_level_mutations_never_crash_or_half_load(workspace: Workspace) -> None:
    fuzz(workspace, field_mutations(), EXAMPLES)
