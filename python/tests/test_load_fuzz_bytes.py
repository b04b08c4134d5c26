"""Fuzzing the loader with byte-level damage: no crash, no half-load, every line counted.

Bytes inserted, deleted or replaced (line ends, NUL and control bytes, quotes, commas,
a byte-order mark, broken UTF-8), files cut short, lines repeated or swapped, every
line end changed (:func:`export_mutations.byte_mutations`); the invariants each load
must keep are in :mod:`load_invariants`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import tiny_export
from export_mutations import Mutated, byte_mutations
from load_invariants import MODES, REPO, Workspace, check_loaded, fuzz, snapshot, workspace_in

from k12ews.load import load_folder

EXAMPLES = 500


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    with workspace_in(tmp_path) as ws:
        yield ws


def test_the_tiny_export_loads_clean_in_both_modes(workspace: Workspace) -> None:
    folder = workspace.folder()
    Mutated().write(folder)
    for mode in MODES:
        result = load_folder(folder, workspace.db, mode, tiny_export.AS_OF, REPO)
        assert result.rows_rejected == 0 and result.rows_read == result.rows_loaded
        check_loaded(folder, result.files, snapshot(workspace.con))


def test_byte_level_mutations_never_crash_or_half_load(workspace: Workspace) -> None:
    fuzz(workspace, byte_mutations(), EXAMPLES)
