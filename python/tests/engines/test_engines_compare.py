"""The cross-engine comparison (k12ews.engines.compare) and the contract-file check the
loaders share (k12ews.engines.contract_files): what they accept and what they catch."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from k12ews.engines import compare
from k12ews.engines.contract_files import ContractFileError, check_dir
from k12ews.export import export_raw

REFERENCE = pd.DataFrame(
    {
        "student_id": ["A", "B", "C"],
        "days": [10, 20, None],
        "rate": [0.125, 1 / 3, None],
        "is_flagged": [True, False, None],
        "as_of": [dt.date(2025, 1, 1), None, dt.date(2025, 3, 1)],
    }
)


def test_the_same_rows_in_another_order_and_other_types_agree() -> None:
    other = pd.DataFrame(
        {
            "is_flagged": [None, False, True],
            "rate": [None, Decimal("0.33333333333333333"), Decimal("0.125")],
            "days": [None, 20.0, 10.0],
            "student_id": ["C", "B", "A"],
            "as_of": [dt.date(2025, 3, 1), None, dt.date(2025, 1, 1)],
        }
    )
    assert compare.compare_frames("t", REFERENCE, other) == []


@pytest.mark.parametrize(
    ("column", "row", "value"),
    [
        ("rate", 0, 0.125 + 1e-6),  # beyond the tolerance
        ("days", 1, 21),
        ("days", 2, 0),  # a value where a null was
        ("student_id", 0, "Z"),
        ("is_flagged", 1, True),
        ("as_of", 0, dt.date(2025, 1, 2)),
    ],
)
def test_one_changed_cell_is_reported(column: str, row: int, value: object) -> None:
    other = REFERENCE.copy()
    other[column] = other[column].astype(object)
    other.loc[row, column] = value
    differences = compare.compare_frames("t", REFERENCE, other)
    assert len(differences) == 1 and f"column {column}" in str(differences[0])


def test_float_noise_within_the_tolerance_agrees() -> None:
    other = REFERENCE.copy()
    other["rate"] = other["rate"] * (1 + 1e-12)
    assert compare.compare_frames("t", REFERENCE, other) == []


def test_missing_rows_columns_and_relations_are_reported(tmp_path: Path) -> None:
    assert "2 rows, expected 3" in str(compare.compare_frames("t", REFERENCE, REFERENCE[:2])[0])
    assert "missing ['rate']" in str(
        compare.compare_frames("t", REFERENCE, REFERENCE.drop(columns="rate"))[0]
    )
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    pq.write_table(pa.Table.from_pandas(REFERENCE), tmp_path / "a" / "core.t.parquet")
    pq.write_table(pa.Table.from_pandas(REFERENCE), tmp_path / "a" / "core.u.parquet")
    pq.write_table(pa.Table.from_pandas(REFERENCE), tmp_path / "b" / "core.t.parquet")
    differences = compare.compare_dirs(tmp_path / "a", tmp_path / "b")
    assert [str(d) for d in differences] == [f"core.u: missing from {tmp_path / 'b'}"]
    assert compare.main([str(tmp_path / "a"), str(tmp_path / "b")]) == 1


def test_contract_files_are_checked_by_file_and_column(small_db: Path, tmp_path: Path) -> None:
    export_raw(small_db, tmp_path, "parquet")
    assert set(check_dir(tmp_path)) >= {"students", "attendance_events"}

    students = pq.read_table(tmp_path / "students.parquet")
    retyped = students.set_column(
        students.schema.get_field_index("birth_date"),
        "birth_date",
        students["birth_date"].cast(pa.timestamp("s")),
    )
    pq.write_table(retyped, tmp_path / "students.parquet")
    with pytest.raises(ContractFileError, match=r"students\.parquet: column 'birth_date'"):
        check_dir(tmp_path)

    (tmp_path / "students.parquet").unlink()
    with pytest.raises(ContractFileError, match=r"students\.parquet: missing"):
        check_dir(tmp_path)
