"""``k12ews``: the one entry point.

    k12ews generate [--students N] [--years Y] [--first-year YYYY] [--seed S]
                    [--profile P] [--as-of-date YYYY-MM-DD] [--db PATH]
    k12ews realism  [--db PATH]          generated rates vs published targets
    k12ews bench    [--students N ...]   seconds, rows/s per table, peak memory
    k12ews bench    --load DIR [--as-of-date D]   load time vs DuckDB reading the files
    k12ews summary  [--db PATH]          rows per mart, students flagged, where things are
    k12ews export   --format csv|parquet DIR [--db PATH]   raw tables as contract files
    k12ews export   --format csv|parquet DIR [--db PATH] --messy [--messy-seed N]
                    [--drop-tables T1,T2]   the same, messy on purpose as real SIS extracts
                    arrive, with messy_manifest.json listing every change
                    (docs/messy_exports.md)
    k12ews load     DIR [--db PATH] [--strict | --quarantine] [--as-of-date D]
                    [--hash-ids] [--project-dir P] [--max-overlap-days N]
                    [--allow-weekend-instruction] [--edfi]   check a district's files
                    (or, with --edfi, its Ed-Fi extract: docs/edfi.md), load raw
    k12ews export   --format edfi-json DIR [--db PATH]   raw tables as Ed-Fi API resources
    k12ews export   --format csv|parquet DIR --as-staff STAFF_ID [--db PATH]   one staff
                    member's slice of the published tables: only the students in her
                    scope and the columns her role may see (docs/access.md)
    k12ews check    DIR [--as-of-date D] [--project-dir P] [...]   readiness report before a
                    load: tables, years, problems by rule, what the data supports
    k12ews report   [--db PATH] [--out FILE]   self-contained HTML report of a built warehouse
    k12ews pages    --as-staff STAFF_ID [--db PATH] [--out DIR] [--student ID ...]   printable
                    pages of the students a staff member may see and her caseload page,
                    only the fields her role may see (docs/access.md)
    k12ews twin     --db DISTRICT --out TWIN [--method fitted] [--seed S]   a built
                    district's synthetic twin in a new DuckDB file (docs/twin.md)
    k12ews twin-report --db DISTRICT --twin TWIN [--out FILE]   fidelity, privacy and
                    utility of the twin against the district: tables and an HTML page
    k12ews futures  [--db PATH] [--replicas N] [--worlds W] [--school-years Y ...]
                    true on-time graduation probabilities by replaying a generated
                    district's future (truth.graduation_probabilities)

Bad arguments get a one-line error and exit code 2; a load that finds data problems
prints its report (file, line, column, value, rule) and exits 1; a load that fails for
any other reason (a bug in the loader, a database it cannot write) prints one line, the
file it was on if any, and exits 2, raw left unchanged: never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from k12ews import warehouse
from k12ews.cli_export import cmd_export
from k12ews.cli_pages import add_pages_command
from k12ews.cli_publish import add_publish_command


class _OneLineParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"k12ews: error: {message}\n")


def _date(s: str) -> dt.date:
    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {s!r}") from None


def _positive(s: str) -> int:
    try:
        v = int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {s!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {s!r}")
    return v


def _add_generate_args(p: argparse.ArgumentParser) -> None:
    from k12ews.synth.params import PROFILES

    p.add_argument(
        "--students",
        type=_positive,
        default=10_000,
        help="students enrolled per year (default 10000)",
    )
    p.add_argument(
        "--years", type=_positive, default=12, help="school years to simulate (default 12)"
    )
    p.add_argument(
        "--first-year", type=_positive, default=2016, help="first spring year (default 2016)"
    )
    p.add_argument("--seed", type=_positive, default=42, help="random seed (default 42)")
    p.add_argument("--profile", choices=sorted(PROFILES), default="national")
    p.add_argument(
        "--as-of-date",
        type=_date,
        default=None,
        help="where the last year stops (default 1 Dec of its fall)",
    )


def _config(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from k12ews.synth.config import GenerateConfig

    return GenerateConfig(
        students=args.students,
        years=args.years,
        first_year=args.first_year,
        seed=args.seed,
        profile=args.profile,
        as_of_date=args.as_of_date,
    )


def cmd_generate(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from k12ews.synth.district import generate

    cfg = _config(args)
    t0 = time.perf_counter()
    with tqdm(
        total=cfg.years, desc="simulating school years", unit="year", disable=None, file=sys.stderr
    ) as bar:
        district = generate(cfg, progress=bar.update)
    with warehouse.connect(args.db) as con:
        warehouse.write_raw_and_truth(con, district.raw, district.truth)
        counts = warehouse.table_counts(con, warehouse.RAW)
    secs = time.perf_counter() - t0
    db = args.db or warehouse.default_db_path()
    print(
        f"wrote {sum(counts.values()):,} raw rows in {len(counts)} tables to {db} in {secs:.1f} s"
    )
    for name, c in counts.items():
        print(f"  raw.{name:<32} {c:>12,}")
    return 0


def cmd_realism(args: argparse.Namespace) -> int:
    from k12ews.synth.realism import all_enforced_pass, measure, render

    with warehouse.connect(args.db, read_only=True) as con:
        result = measure(con)
    print(render(result))
    return 0 if all_enforced_pass(result) else 1


def cmd_bench(args: argparse.Namespace) -> int:
    from k12ews.bench import bench_generate, bench_load

    if args.load is not None:
        print(bench_load(args.load, args.as_of_date))
        return 0
    print(bench_generate(_config(args), args.db))
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    from k12ews.summary import summary

    print(summary(args.db or warehouse.default_db_path()))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from k12ews.report.build import build_report
    from k12ews.report.data import MissingWarehouseTableError

    db = args.db or warehouse.default_db_path()
    try:
        result = build_report(db, args.out)
    except (FileNotFoundError, MissingWarehouseTableError) as e:
        print(f"k12ews: {e}", file=sys.stderr)
        return 1
    print(
        f"wrote {result.path} ({result.bytes / 1e6:.1f} MB, {len(result.figures)} figures) "
        f"in {result.seconds:.1f} s"
    )
    return 0


def _add_rule_settings(p: argparse.ArgumentParser) -> None:
    """The options every command that checks contract files shares."""
    p.add_argument(
        "--project-dir",
        type=Path,
        default=None,
        help="dbt project whose seeds/xwalk_*.csv give the known codes (default: "
        "$K12EWS_PROJECT_DIR, else the project this package is installed from)",
    )
    p.add_argument(
        "--max-overlap-days",
        type=_positive,
        default=None,
        help="reject an overlap of two enrollment spells longer than this many days "
        "(default: resolve any overlap; docs/data_contract.md)",
    )
    p.add_argument(
        "--allow-weekend-instruction",
        action="store_true",
        help="accept Saturdays and Sundays marked as instructional days",
    )
    p.add_argument(
        "--no-grade-span-check",
        action="store_true",
        help="accept enrollments in grades outside their school's span in schools.csv "
        "(a school whose grades changed over the years)",
    )
    p.add_argument(
        "--edfi",
        action="store_true",
        help="DIR is an Ed-Fi extract: API resources as JSON or NDJSON, or interchange "
        "XML (docs/edfi.md)",
    )


def _settings(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from k12ews.load import LoadSettings

    return LoadSettings(
        max_overlap_days=args.max_overlap_days,
        allow_weekend_instruction=args.allow_weekend_instruction,
        check_grade_span=not args.no_grade_span_check,
    )


def cmd_load(args: argparse.Namespace) -> int:
    from k12ews.load import LoadCrash, LoadError, load_folder
    from k12ews.privacy import secret_from_env

    secret = secret_from_env() if args.hash_ids else None
    t0 = time.perf_counter()
    if args.edfi:
        from k12ews.edfi.load import load_edfi

        load_folder = load_edfi  # type: ignore[assignment]
    try:
        result = load_folder(
            args.dir,
            args.db,
            mode="quarantine" if args.quarantine else "strict",
            as_of=args.as_of_date,
            project_dir=args.project_dir,
            id_secret=secret,
            settings=_settings(args),
        )
    except LoadError as e:
        print(f"k12ews: {e}", file=sys.stderr)
        return 1
    except LoadCrash as e:
        print(f"k12ews: error: the loader failed on {e}; raw left unchanged", file=sys.stderr)
        return 2
    except Exception as e:  # a failure outside any one file: still one line, no traceback
        first = (str(e).strip().splitlines() or [""])[0]
        print(
            f"k12ews: error: the load of {args.dir} failed ({type(e).__name__}: {first}); "
            "raw left unchanged",
            file=sys.stderr,
        )
        return 2
    db = args.db or warehouse.default_db_path()
    print(f"loaded {args.dir} into {db} ({result.mode}) in {time.perf_counter() - t0:.1f} s")
    print(result.render())
    if result.rows_rejected:
        print(f"rejected rows are in {warehouse.AUDIT}.raw_rejects (file, line, rule, text)")
    if result.adjustments_by_file_rule:
        print(f"adjusted and merged rows are in {warehouse.AUDIT}.raw_adjustments")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from k12ews.check import CheckError, check_folder
    from k12ews.load import LoadError

    t0 = time.perf_counter()
    try:
        report = check_folder(
            args.dir,
            as_of=args.as_of_date,
            project_dir=args.project_dir,
            settings=_settings(args),
            edfi=args.edfi,
        )
    except (LoadError, CheckError, ValueError) as e:
        print(f"k12ews: {e}", file=sys.stderr)
        return 1
    print(f"checked {args.dir} in {time.perf_counter() - t0:.1f} s (nothing was written)")
    print(report.render())
    return 0


def cmd_futures(args: argparse.Namespace) -> int:
    from k12ews.synth.futures import TRUTH_TABLE, write_graduation_truth

    db = args.db or warehouse.default_db_path()
    t0 = time.perf_counter()
    truth = write_graduation_truth(
        db,
        args.replicas,
        args.worlds,
        tuple(args.school_years) if args.school_years else None,
        progress=lambda m: print(m, file=sys.stderr),
    )
    known = truth["true_probability_not_on_time"].notna()
    print(
        f"wrote truth.{TRUTH_TABLE}: {len(truth):,} student-years "
        f"({int(known.sum()):,} with a known outcome), {args.replicas} futures each, "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="k12ews", description="K-12 early-warning warehouse tools")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_OneLineParser)
    _add_generate_command(sub)
    _add_realism_command(sub)
    _add_bench_command(sub)
    _add_summary_command(sub)
    _add_export_command(sub)
    _add_load_command(sub)
    _add_check_command(sub)
    _add_report_command(sub)
    _add_futures_command(sub)
    from k12ews.twin.command import add_twin_command

    add_twin_command(sub)
    add_publish_command(sub)
    add_pages_command(sub)
    return parser


def _add_generate_command(sub: argparse._SubParsersAction) -> None:
    g = sub.add_parser("generate", help="simulate a district into raw and truth schemas")
    _add_generate_args(g)
    g.add_argument(
        "--db",
        type=Path,
        default=None,
        help="DuckDB file (default $K12EWS_DB or data/k12ews.duckdb)",
    )
    g.set_defaults(func=cmd_generate)


def _add_realism_command(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser("realism", help="compare a generated district with published rates")
    r.add_argument("--db", type=Path, default=None)
    r.set_defaults(func=cmd_realism)


def _add_bench_command(sub: argparse._SubParsersAction) -> None:
    b = sub.add_parser("bench", help="time the generator: seconds, rows/s per table, peak memory")
    _add_generate_args(b)
    b.add_argument(
        "--db", type=Path, default=None, help="where to write (default: a temporary file)"
    )
    b.add_argument(
        "--load",
        type=Path,
        default=None,
        metavar="DIR",
        help="time `k12ews load DIR` against DuckDB reading the same files instead",
    )
    b.set_defaults(func=cmd_bench)


def _add_summary_command(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("summary", help="rows per mart, students flagged, where the results are")
    s.add_argument("--db", type=Path, default=None)
    s.set_defaults(func=cmd_summary)


def _add_export_command(sub: argparse._SubParsersAction) -> None:
    e = sub.add_parser("export", help="write the raw tables as contract files (CSV or Parquet)")
    e.add_argument("dir", type=Path, help="folder to write <table>.<format> files to")
    e.add_argument("--format", choices=["csv", "parquet", "edfi-json"], required=True)
    e.add_argument("--db", type=Path, default=None)
    e.add_argument(
        "--messy",
        action="store_true",
        help="write the district messy, as real SIS extracts arrive (docs/messy_exports.md)",
    )
    e.add_argument(
        "--messy-seed", type=_positive, default=None, help="seed of the mess (default 0)"
    )
    e.add_argument(
        "--drop-tables",
        default=None,
        metavar="T1,T2",
        help="with --messy: tables whose file is not written",
    )
    e.add_argument(
        "--as-staff",
        default=None,
        metavar="STAFF_ID",
        help="write only this staff member's slice of the published tables: the students "
        "in her scope, the columns her role may see (docs/access.md)",
    )
    e.set_defaults(func=cmd_export)


def _add_load_command(sub: argparse._SubParsersAction) -> None:
    ld = sub.add_parser("load", help="check a folder of contract files and load them into raw")
    ld.add_argument("dir", type=Path, help="folder with one <table>.csv or .parquet per table")
    ld.add_argument("--db", type=Path, default=None)
    mode = ld.add_mutually_exclusive_group()
    mode.add_argument(
        "--strict",
        action="store_true",
        help="(default) any problem fails the load and raw stays as it was",
    )
    mode.add_argument(
        "--quarantine",
        action="store_true",
        help="load the valid rows; rejected rows go to audit.raw_rejects",
    )
    ld.add_argument(
        "--as-of-date",
        type=_date,
        default=None,
        help="dated records after this are rejected as future (default today)",
    )
    ld.add_argument(
        "--hash-ids",
        action="store_true",
        help="replace student ids with keyed hashes (secret in $K12EWS_ID_SECRET)",
    )
    _add_rule_settings(ld)
    ld.set_defaults(func=cmd_load)


def _add_check_command(sub: argparse._SubParsersAction) -> None:
    ck = sub.add_parser(
        "check",
        help="readiness report on a folder of contract files, before loading it (writes nothing)",
    )
    ck.add_argument("dir", type=Path, help="folder with one <table>.csv or .parquet per table")
    ck.add_argument(
        "--as-of-date",
        type=_date,
        default=None,
        help="dated records after this are future (default today)",
    )
    _add_rule_settings(ck)
    ck.set_defaults(func=cmd_check)


def _add_report_command(sub: argparse._SubParsersAction) -> None:
    rp = sub.add_parser(
        "report", help="self-contained HTML report of a built warehouse (docs/report.md)"
    )
    rp.add_argument("--db", type=Path, default=None)
    rp.add_argument(
        "--out",
        type=Path,
        default=Path("target") / "k12ews_report.html",
        help="where to write the page (default target/k12ews_report.html)",
    )
    rp.set_defaults(func=cmd_report)


def _add_futures_command(sub: argparse._SubParsersAction) -> None:
    fu = sub.add_parser(
        "futures",
        help="true on-time graduation probabilities by replaying a generated district",
    )
    fu.add_argument("--db", type=Path, default=None)
    fu.add_argument(
        "--replicas", type=_positive, default=40, help="futures per student (default 40)"
    )
    fu.add_argument(
        "--worlds",
        type=_positive,
        default=4,
        help="closed worlds the futures are spread over (default 4; divides --replicas)",
    )
    fu.add_argument(
        "--school-years",
        type=_positive,
        nargs="+",
        default=None,
        help="replay every student in grades 6-12 of these years (default: the "
        "graduation models' out-of-time cohorts in ml.ml_model_registry)",
    )
    fu.set_defaults(func=cmd_futures)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except ValueError as e:
        print(f"k12ews: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
