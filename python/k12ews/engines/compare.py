"""Compare the tables of two builds row for row, ignoring row order (``dump`` files).

    python -m k12ews.engines.compare REFERENCE_DIR OTHER_DIR

Values are normalised before comparing, because engines type the same result
differently (DuckDB's DOUBLE is Postgres's numeric or Spark's decimal after decimal
literals, integer widths differ, dates come back as dates or strings): every numeric
column becomes float64, booleans stay booleans, dates and timestamps become ISO text.
Rows are sorted by all columns (floats rounded to ``SORT_DECIMALS`` for the sort key
only), then compared cell by cell: exactly, except floats, which agree when
``|a - b| <= ATOL + RTOL * |b|`` (numpy.isclose). Nulls match nulls only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

RTOL = 1e-9
ATOL = 1e-9
SORT_DECIMALS = 6


@dataclass(frozen=True)
class Difference:
    relation: str
    message: str

    def __str__(self) -> str:
        return f"{self.relation}: {self.message}"


def _normalise_column(values: pd.Series) -> pd.Series:
    non_null = values.dropna()
    if non_null.empty:
        return pd.Series([None] * len(values), dtype=object, index=values.index)
    sample = non_null.iloc[0]
    if isinstance(sample, bool | np.bool_):
        return values.astype(object).where(values.notna(), None)
    if isinstance(sample, int | float | Decimal | np.integer | np.floating):
        return pd.to_numeric(values.astype(object), errors="raise").astype("float64")
    if isinstance(sample, dt.datetime | pd.Timestamp):
        return values.map(lambda v: None if pd.isna(v) else pd.Timestamp(v).isoformat())
    if isinstance(sample, dt.date):
        return values.map(lambda v: None if pd.isna(v) else v.isoformat())
    return values.astype(object).where(values.notna(), None)


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns in name order, values normalised, rows sorted by all columns."""
    frame = frame[sorted(frame.columns)]
    data = {c: _normalise_column(frame[c]) for c in frame.columns}
    out = pd.DataFrame(data, index=range(len(frame)))
    if out.empty or not len(out.columns):
        return out
    keys = pd.DataFrame(
        {
            c: out[c].round(SORT_DECIMALS)
            if out[c].dtype == "float64"
            else out[c].map(lambda v: "\x00" if v is None else str(v))
            for c in out.columns
        }
    )
    order = keys.sort_values(list(keys.columns), na_position="first", kind="stable").index
    return out.loc[order].reset_index(drop=True)


def _same(x: object, y: object) -> bool:
    x_null, y_null = bool(pd.isna(x)), bool(pd.isna(y))
    return x_null and y_null if x_null or y_null else bool(x == y)


def compare_frames(relation: str, expected: pd.DataFrame, actual: pd.DataFrame) -> list[Difference]:
    """Differences between two results of one relation (empty when they agree)."""
    wanted, got = set(expected.columns), set(actual.columns)
    if wanted != got:
        return [
            Difference(
                relation,
                f"columns differ: missing {sorted(wanted - got)}, extra {sorted(got - wanted)}",
            )
        ]
    if len(expected) != len(actual):
        return [Difference(relation, f"{len(actual)} rows, expected {len(expected)}")]
    left, right = normalise(expected), normalise(actual)
    differences = []
    for column in left.columns:
        a, b = left[column], right[column]
        if a.dtype == "float64" or b.dtype == "float64":
            a_num = pd.to_numeric(a, errors="coerce").to_numpy(dtype="float64")
            b_num = pd.to_numeric(b, errors="coerce").to_numpy(dtype="float64")
            same = np.isclose(b_num, a_num, rtol=RTOL, atol=ATOL, equal_nan=True)
        else:
            same = np.array([_same(x, y) for x, y in zip(a, b, strict=True)], dtype=bool)
        if not same.all():
            first = int(np.flatnonzero(~same)[0])
            differences.append(
                Difference(
                    relation,
                    f"column {column}: {int((~same).sum())} of {len(same)} rows differ; "
                    f"first at sorted row {first}: expected {a.iloc[first]!r}, "
                    f"got {b.iloc[first]!r}",
                )
            )
    return differences


def compare_dirs(reference: Path, other: Path) -> list[Difference]:
    """Every relation of ``reference`` must be in ``other`` with the same rows."""
    reference_files = {p.name: p for p in sorted(Path(reference).glob("*.parquet"))}
    other_files = {p.name: p for p in sorted(Path(other).glob("*.parquet"))}
    if not reference_files:
        return [Difference(str(reference), "no relations to compare")]
    differences = []
    for name, path in reference_files.items():
        relation = name.removesuffix(".parquet")
        if name not in other_files:
            differences.append(Difference(relation, f"missing from {other}"))
            continue
        expected = pq.read_table(path).to_pandas(types_mapper=None)
        actual = pq.read_table(other_files[name]).to_pandas(types_mapper=None)
        differences += compare_frames(relation, expected, actual)
    for name in sorted(set(other_files) - set(reference_files)):
        differences.append(Difference(name.removesuffix(".parquet"), f"not in {reference}"))
    return differences


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m k12ews.engines.compare")
    parser.add_argument("reference", type=Path)
    parser.add_argument("other", type=Path)
    args = parser.parse_args(argv)
    differences = compare_dirs(args.reference, args.other)
    for difference in differences:
        print(difference)
    count = len(list(Path(args.reference).glob("*.parquet")))
    print(f"{count} relations compared, {len(differences)} differences")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
