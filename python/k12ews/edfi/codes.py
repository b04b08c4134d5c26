"""Descriptors as data: what an Ed-Fi descriptor is in the crosswalk seeds.

A descriptor arrives as a URI (``uri://ed-fi.org/SexDescriptor#Female``) or as its
short code value (``Female``). The reader writes it into the contract column as the
seed knows it: the URI if the seed lists the URI, else the code value if the seed lists
that (so a district's own namespace carrying the seed's codes needs no new rows, as
edu_edfi_source reads every descriptor by its code value), else the URI as sent, which
the loader then rejects as ``unknown_code`` naming the seed to edit. A row for the full
URI wins over one for its code value, so a district can give its own namespace's code a
meaning of its own.

The integer columns (grade levels, performance levels) cannot hold a descriptor: seeds
``xwalk_grade_level_descriptors`` and ``xwalk_performance_level_descriptors`` give the
number each descriptor names.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from k12ews.dbt_sources import CROSSWALK_CODE_COLUMNS

Row = dict[str, str]


def _rows(path: Path) -> list[Row]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [{k: (v or "").strip() for k, v in r.items()} for r in csv.DictReader(f)]


@dataclass
class Codes:
    """The seeds' codes and meanings, read once per load."""

    seeds_dir: Path
    seeds: dict[str, dict[str, Row]] = field(default_factory=dict)  # seed -> code -> row

    def __post_init__(self) -> None:
        for seed, column in CROSSWALK_CODE_COLUMNS.items():
            self.seeds[seed] = {r[column]: r for r in _rows(self.seeds_dir / f"{seed}.csv")}
        for seed, column in (
            ("xwalk_grade_level_descriptors", "grade_level_descriptor"),
            ("xwalk_performance_level_descriptors", "performance_level_descriptor"),
        ):
            self.seeds[seed] = {r[column]: r for r in _rows(self.seeds_dir / f"{seed}.csv")}

    def resolve(self, seed: str, value: str | None) -> str | None:
        """The code ``value`` is written as (see the module doc)."""
        if value is None:
            return None
        if not isinstance(value, str):  # a number, list or object sent for a descriptor
            value = str(value)  # is an unknown code: the loader rejects it naming the seed
        codes = self.seeds[seed]
        if value in codes:
            return value
        short = value.rsplit("#", 1)[-1] if "#" in value else None
        if short is not None and short in codes:
            return short
        return value

    def meaning(self, seed: str, value: str | None) -> Row | None:
        """The seed row of ``value`` (after :meth:`resolve`), or None if unknown."""
        code = self.resolve(seed, value)
        return self.seeds[seed].get(code) if code is not None else None

    def grade(self, value: str | None) -> tuple[int | None, bool]:
        """(grade K = 0 .. 12 or None, whether the seed knows the descriptor)."""
        row = self.meaning("xwalk_grade_level_descriptors", value)
        if row is None:
            return None, False
        return (int(row["grade_level"]) if row["grade_level"] else None), True

    def performance(self, value: str | None) -> tuple[int | None, bool | None, bool]:
        """(level 1-4 or None, proficient or None, whether the seed knows it)."""
        row = self.meaning("xwalk_performance_level_descriptors", value)
        if row is None:
            return None, None, False
        level = int(row["performance_level"]) if row["performance_level"] else None
        return level, row["is_proficient"].lower() == "true", True

    def flag(self, program_type: str | None) -> str | None:
        """The student characteristic a program type sets (seed xwalk_services), if any."""
        row = self.meaning("xwalk_services", program_type)
        return (row.get("student_flag") or None) if row else None
