"""The risk models' features use only what was known on each decision date.

The same district is built twice: once with all its data, once as of a date D (the
as-of machinery hides everything dated after D, as a school's records on D would). Every
feature row whose decision date is on or before D must be identical in the two: a
feature that read anything dated after its decision point (a later mark, absence,
incident, test, service or school change, or a whole-year figure of the current year)
would differ.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from dbt_runner import copy_db, run_dbt

CUTOFF = "2023-03-15"


@pytest.mark.slow
def test_no_feature_uses_information_from_after_its_decision_point(
    small_db: Path, small_built: Path, tmp_path: Path
) -> None:
    # the whole build of the district beside one built as of the cutoff
    cut = copy_db(small_db, tmp_path / "cut", "cut.duckdb")
    extra = ("--vars", f"{{as_of_date: '{CUTOFF}'}}")
    for step in (("seed",), ("run", "--select", "+ml_features")):
        proc = run_dbt(cut, cut.parent, *step, *extra)
        assert proc.returncode == 0, proc.stdout[-3000:]
    con = duckdb.connect()
    con.execute(f"attach '{small_built}' as full_build (read_only)")
    con.execute(f"attach '{cut}' as cut (read_only)")
    con.execute("use full_build")
    known = f"where decision_date <= date '{CUTOFF}'"
    counts = con.execute(
        f"select (select count(*) from ml.ml_features {known}), "
        f"(select count(*) from cut.ml.ml_features {known}), "
        f"(select count(*) from ml.ml_features where decision_date > date '{CUTOFF}')"
    ).fetchone()
    assert counts is not None and counts[0] > 1000 and counts[2] > 1000
    assert counts[0] == counts[1]
    diff = con.execute(
        f"select count(*) from ((select * from ml.ml_features {known} "
        f"except all select * from cut.ml.ml_features {known}) union all "
        f"(select * from cut.ml.ml_features {known} "
        f"except all select * from ml.ml_features {known}))"
    ).fetchone()
    # decision points of the cut year after the cutoff exist in both, but see less in `cut`
    later = con.execute(
        f"select count(*) from ((select * from ml.ml_features where school_year = 2023 "
        f"and decision_date > date '{CUTOFF}') except all (select * from cut.ml.ml_features "
        f"where school_year = 2023 and decision_date > date '{CUTOFF}'))"
    ).fetchone()
    con.close()
    assert diff == (0,), f"{diff[0] if diff else '?'} feature rows differ"
    assert later is not None and later[0] > 0  # the test can tell data apart
