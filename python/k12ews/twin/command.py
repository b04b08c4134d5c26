"""``k12ews twin --db DISTRICT --out TWIN [--method fitted|learned|both]``: the twin of a
built district, written to a new DuckDB file (docs/twin.md).

- The fitted twin is raw tables (and the generator's truth schema), like any generated
  district: ``dbt build`` builds it, ``k12ews export`` writes it as contract files for
  ``k12ews load``. Schema ``synthetic_twin`` holds what left the district for it: the suppressed
  aggregates and the profile fitted to them.
- The learned twin is one table, ``synthetic_twin.learned_student_years`` (``learned.py``):
  synthetic student-years with their outcomes, for analysis and model training, not a
  district to build.

Both learn only from a random ``1 - holdout`` of the district's students; the rest are
the holdout the privacy figures compare with (``synthetic_twin.settings`` records the split's seed,
never a student id, and how many learned student-years were redrawn for equalling a real one).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb
import pandas as pd

from k12ews import warehouse
from k12ews.twin.aggregates import min_cell_size

METHODS = ("fitted", "learned", "both")


def add_twin_command(sub: argparse._SubParsersAction) -> None:
    t = sub.add_parser("twin", help="a built district's synthetic twin, in a new DuckDB file")
    t.add_argument("--db", type=Path, required=True, help="the built district's DuckDB file")
    t.add_argument("--out", type=Path, required=True, help="the twin's DuckDB file (new)")
    t.add_argument("--method", choices=METHODS, default="both")
    t.add_argument("--seed", type=int, default=1, help="the twin's random seed (default 1)")
    t.add_argument(
        "--holdout",
        type=float,
        default=0.2,
        help="share of students the twin does not learn from, for the privacy figures "
        "(default 0.2; 0 learns from all)",
    )
    t.add_argument(
        "--min-cell-size",
        type=int,
        default=None,
        help="suppress aggregates under this many students (default: dbt var min_cell_size)",
    )
    t.set_defaults(func=cmd_twin)
    from k12ews.twin.report_command import add_twin_report_command

    add_twin_report_command(sub)


def _check(args: argparse.Namespace) -> int:
    if not args.db.exists():
        raise ValueError(f"no district database at {args.db}")
    if args.out.exists():
        raise ValueError(f"{args.out} exists: the twin is written to a new file")
    if not 0 <= args.holdout < 1:
        raise ValueError(f"--holdout must be in [0, 1), got {args.holdout}")
    if args.seed < 0:
        raise ValueError(f"--seed must be a non-negative integer, got {args.seed}")
    k = args.min_cell_size if args.min_cell_size is not None else min_cell_size()
    if k < 1:
        raise ValueError(f"--min-cell-size must be at least 1, got {k}")
    return k


def _table(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    con.register("_frame", frame)
    con.execute(f"create table {name} as select * from _frame")
    con.unregister("_frame")


def cmd_twin(args: argparse.Namespace) -> int:
    try:
        return _twin(args)
    except duckdb.Error as e:
        first = str(e).splitlines()[0]
        raise ValueError(f"could not read {args.db} or write {args.out}: {first}") from None


def _twin(args: argparse.Namespace) -> int:
    # imported here, not at the top: every `k12ews` command builds the parser that adds
    # this one, and the twin's modules (scipy, the synthesizers) take seconds to import
    from k12ews.twin import learned
    from k12ews.twin.fitted import fitted_twin, profile_table
    from k12ews.twin.sources import real_frames

    k = _check(args)
    t0 = time.perf_counter()
    tmp = args.out.with_name(args.out.name + ".partial")
    tmp.unlink(missing_ok=True)
    settings = pd.DataFrame(
        [{"method": args.method, "seed": args.seed, "holdout": args.holdout, "min_cell_size": k}]
    )
    with duckdb.connect(str(args.db), read_only=True) as con:
        feats, labels = real_frames(con)
        member = learned.members(feats["student_id"], 1 - args.holdout, args.seed)
        member_ids = feats.loc[member, "student_id"]
        fitted = (
            fitted_twin(con, k, args.seed, member_ids)
            if args.method in ("fitted", "both")
            else None
        )
    lines = []
    try:
        with warehouse.connect(tmp) as out:
            out.execute("create schema synthetic_twin")
            if fitted is not None:
                warehouse.write_raw_and_truth(out, fitted.district.raw, fitted.district.truth)
                _table(out, "synthetic_twin.aggregates", fitted.aggregates.published())
                _table(out, "synthetic_twin.fitted_profile", profile_table(fitted.profile))
                agg = fitted.aggregates.table
                lines.append(
                    f"fitted: {fitted.config.students:,} students a year for "
                    f"{fitted.config.years} years (raw); {int(agg['is_suppressed'].sum())} of "
                    f"{len(agg)} aggregates suppressed under {k}"
                )
            if args.method in ("learned", "both"):
                rows = learned.student_years(feats, labels)
                learn = rows[learned.members(rows["student_id"], 1 - args.holdout, args.seed)]
                drawn = learned.fit_and_sample(
                    learn, len(rows), learned.LearnedSettings(seed=args.seed), avoid=rows
                )
                _table(out, "synthetic_twin.learned_student_years", drawn.frame)
                settings["learned_copies_redrawn"] = drawn.copies_found
                lines.append(
                    f"learned: {len(rows):,} synthetic student-years "
                    f"(synthetic_twin.learned_student_years), from {len(learn):,} real ones; "
                    f"{drawn.copies_found} drawn equal to a real one, redrawn"
                )
            _table(out, "synthetic_twin.settings", settings)
        tmp.rename(args.out)
    finally:
        tmp.unlink(missing_ok=True)
    print(f"wrote the twin of {args.db} to {args.out} in {time.perf_counter() - t0:.1f} s")
    for line in lines:
        print("  " + line)
    return 0
