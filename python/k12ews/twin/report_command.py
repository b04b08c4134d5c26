"""``k12ews twin-report --db DISTRICT --twin TWIN [--out FILE]``: fidelity, privacy and
utility of the twins in TWIN against the district (``report.py``), written as tables
(schema ``synthetic_twin_report`` of TWIN) and a self-contained HTML page."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb


def add_twin_report_command(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser(
        "twin-report", help="fidelity, privacy and utility of a twin against its district"
    )
    r.add_argument("--db", type=Path, required=True, help="the built district's DuckDB file")
    r.add_argument("--twin", type=Path, required=True, help="the twin's DuckDB file")
    r.add_argument("--out", type=Path, default=None, help="HTML page (default: TWIN with .html)")
    r.set_defaults(func=cmd_twin_report)


def cmd_twin_report(args: argparse.Namespace) -> int:
    # imported here: every `k12ews` command builds the parser that adds this one, and the
    # report's modules (scikit-learn, scipy) take seconds to import
    from k12ews.twin import report

    for p in (args.db, args.twin):
        if not p.exists():
            raise ValueError(f"no database at {p}")
    t0 = time.perf_counter()
    try:
        with (
            duckdb.connect(str(args.db), read_only=True) as real,
            duckdb.connect(str(args.twin)) as twin,
        ):
            rep = report.build(real, twin)
            report.write_tables(twin, rep)
    except duckdb.Error as e:
        first = str(e).splitlines()[0]
        raise ValueError(f"could not read or write {args.db} / {args.twin}: {first}") from None
    out = args.out or args.twin.with_suffix(".html")
    out.write_text(report.render_html(rep, args.db.name, args.twin.name), encoding="utf-8")
    print(f"wrote {out} and schema synthetic_twin_report in {time.perf_counter() - t0:.1f} s")
    print(rep.bars.to_string(index=False))
    return 0
