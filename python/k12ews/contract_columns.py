"""The parts of the raw contract (:mod:`k12ews.contract`): a table, a column, and the
columns many tables share."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB type name
    description: str
    required: bool = True
    codes: str | None = None  # name of the crosswalk seed that gives the codes a meaning


@dataclass(frozen=True)
class Table:
    name: str
    grain: str
    description: str
    keys: tuple[str, ...]
    columns: tuple[Column, ...]
    ed_fi: str = ""
    references: tuple[tuple[str, str, str], ...] = field(default=())  # (column, table, column)
    # A required table must have a file with at least one row; an optional one may be
    # absent (its indicators are then unknown: core.fct_data_coverage).
    required: bool = False

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name}")


STUDENT_ID = Column(
    "student_id", "VARCHAR", "The district's own student identifier, as staff use it."
)
SCHOOL_ID = Column("school_id", "INTEGER", "School identifier (Ed-Fi SchoolId).")
STAFF_ID = Column("staff_id", "VARCHAR", "The district's own staff identifier.")
SCHOOL_YEAR = Column(
    "school_year", "INTEGER", "School year, named by its spring year (2024-25 is 2025)."
)
