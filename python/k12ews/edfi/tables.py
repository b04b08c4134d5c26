"""The contract rows a reader makes, each with the Ed-Fi record it came from."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from k12ews import contract
from k12ews.edfi.records import text

# the file beside the contract files that names each line's Ed-Fi source
SOURCES_FILE = "_edfi_sources.csv"


@dataclass
class Tables:
    """Rows per contract table (column -> value) and where each came from."""

    rows: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    sources: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # (table, row index) -> a note on a value the reader could not turn into the
    # contract's (an unknown grade descriptor, ...), reported with the row's problem
    row_notes: dict[tuple[str, int], str] = field(default_factory=dict)

    def add(self, table: str, row: dict[str, object], where: str, note: str | None = None) -> None:
        rows = self.rows.setdefault(table, [])
        if note:
            self.row_notes[(table, len(rows))] = note
        rows.append(row)
        self.sources.setdefault(table, []).append(where)

    def count(self, table: str) -> int:
        return len(self.rows.get(table, []))

    def write(self, folder: Path, tables: Iterable[str]) -> None:
        """``<table>.csv`` for each of ``tables`` (a header only when no row), and the
        sources file: table, line, source, note."""
        folder.mkdir(parents=True, exist_ok=True)
        for name in tables:
            columns = contract.table(name).column_names
            with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as f:
                w = csv.writer(f, lineterminator="\n")
                w.writerow(columns)
                for row in self.rows.get(name, []):
                    w.writerow([text(row.get(c)) or "" for c in columns])
        with (folder / SOURCES_FILE).open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["table_name", "line", "source", "note"])
            for name in tables:
                for i, where in enumerate(self.sources.get(name, [])):
                    w.writerow([name, i + 2, where, self.row_notes.get((name, i), "")])
