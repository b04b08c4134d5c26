"""The messy export's working copies of raw tables, and what every kind of mess shares.

Each table some kind of mess may change is copied into a temporary table with a row
id ``_rid`` numbered in key order, so every random draw runs over the rows in the same
order and a seed gives the same mess. Tables no mess touches are read from ``raw`` as
they are. Every kind draws from its own random stream (seed, kind), so switching one
kind off leaves the others' draws as they were.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from k12ews import contract, warehouse

# Every kind of mess, in the order it is applied (a kind's stream is its position).
KINDS: tuple[str, ...] = (
    "transfer_overlaps",
    "prefilled_exits",
    "exits_next_year",
    "spells_without_school",
    "attendance_stops",
    "other_spellings",
    "duplicate_enrollments",
    "duplicate_characteristics",
    "duplicate_attendance",
)


@dataclass
class Outcome:
    """What one kind of mess did: how many rows could have been changed, and which were."""

    kind: str
    eligible: int
    changes: list[dict[str, object]] = field(default_factory=list)


def stream(seed: int, kind: str) -> np.random.Generator:
    """The random stream of one kind of mess under ``seed``."""
    return np.random.default_rng([seed, KINDS.index(kind)])


def pick(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    """Positions (0 to n-1) chosen each with probability ``rate``."""
    if rate <= 0 or n == 0:
        return np.empty(0, dtype=np.int64)
    return np.flatnonzero(rng.random(n) < rate)


def plain(value: object) -> object:
    """A value as JSON writes it: dates as YYYY-MM-DD, numpy numbers as Python's."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


class Work:
    """Temporary copies (``m_<table>``) of the raw tables that mess may change."""

    def __init__(self, con: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> None:
        self.con = con
        self.copied = frozenset(tables)
        for name in sorted(self.copied):
            t = contract.table(name)
            con.execute(
                f'CREATE TEMP TABLE "m_{name}" AS SELECT *, '
                f"row_number() OVER (ORDER BY {_quoted(t.keys)}) - 1 AS _rid "
                f'FROM {warehouse.RAW}."{name}"'
            )

    def relation(self, table: str) -> str:
        return f'"m_{table}"' if table in self.copied else f'{warehouse.RAW}."{table}"'

    def output_sql(self, table: str) -> str:
        """The table's rows as written: contract columns, ordered by the key, then by
        every other column (so exact duplicates sit together and ties never decide)."""
        t = contract.table(table)
        rest = [c for c in t.column_names if c not in t.keys]
        return (
            f"SELECT {_quoted(t.column_names)} FROM {self.relation(table)} "
            f"ORDER BY {_quoted([*t.keys, *rest])}"
        )

    def count(self, table: str) -> int:
        row = self.con.execute(f"SELECT count(*) FROM {self.relation(table)}").fetchone()
        return int(row[0]) if row else 0

    def rids(self, sql: str) -> np.ndarray:
        """The ``_rid`` column of a query, in the query's order."""
        return np.asarray(self.con.execute(sql).fetchnumpy()["_rid"], dtype=np.int64)

    def rows(self, table: str, rids: np.ndarray, columns: Sequence[str]) -> list[dict[str, object]]:
        """Columns of the rows with these row ids, in row-id order, as plain values."""
        if len(rids) == 0:
            return []
        self.con.register("_picked", pd.DataFrame({"_rid": np.asarray(rids, dtype=np.int64)}))
        try:
            got = self.con.execute(
                f"SELECT {_quoted(columns)} FROM {self.relation(table)} "
                "WHERE _rid IN (SELECT _rid FROM _picked) ORDER BY _rid"
            ).fetchall()
        finally:
            self.con.unregister("_picked")
        return [{c: plain(v) for c, v in zip(columns, row, strict=True)} for row in got]

    def update(self, table: str, column: str, rids: np.ndarray, values: Sequence[object]) -> None:
        """Set ``column`` of the rows with these row ids (values as text, or None)."""
        if len(rids) == 0:
            return
        col_type = contract.table(table).column(column).type
        text = [None if v is None else str(v) for v in values]
        new = pd.DataFrame({"_rid": np.asarray(rids, dtype=np.int64), "v": text}, dtype=object)
        new["_rid"] = new["_rid"].astype(np.int64)
        self.con.register("_new", new)
        try:
            self.con.execute(
                f'UPDATE "m_{table}" SET "{column}" = CAST(CAST(_new.v AS VARCHAR) AS {col_type}) '
                f'FROM _new WHERE "m_{table}"._rid = _new._rid'
            )
        finally:
            self.con.unregister("_new")
