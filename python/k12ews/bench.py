"""Benchmark of the generator: seconds, rows per second per table, peak memory.

Speed targets are checked here, not in timed tests (docs/benchmarks.md).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

from k12ews import warehouse
from k12ews.synth.config import GenerateConfig
from k12ews.synth.district import generate


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    py = platform.python_version()
    return f"{platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {py}"


def peak_rss_gib(children: bool = False) -> float:
    """Peak resident memory in GiB: of this process, or with ``children`` of the largest
    child process waited for (a ``dbt`` run started by a benchmark)."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    # ru_maxrss is in KiB on Linux
    return resource.getrusage(who).ru_maxrss / 2**20


def bench_generate(cfg: GenerateConfig, db: Path | None = None) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = db or Path(tmp) / "bench.duckdb"
        t0 = time.perf_counter()
        district = generate(cfg)
        t_sim = time.perf_counter() - t0
        with warehouse.connect(path) as con:
            warehouse.write_raw_and_truth(con, district.raw, district.truth)
        total = time.perf_counter() - t0
    rows = {k: len(v) for k, v in district.raw.items()}
    lines = [
        f"k12ews bench: generate --students {cfg.students} --years {cfg.years} "
        f"--profile {cfg.profile} --seed {cfg.seed}",
        f"machine: {machine()}",
        f"simulate {t_sim:.1f} s, write to DuckDB {total - t_sim:.1f} s, total {total:.1f} s",
        f"peak memory (max RSS): {peak_rss_gib():.2f} GiB",
        f"raw rows: {sum(rows.values()):,} ({sum(rows.values()) / total:,.0f} rows/s overall)",
    ]
    lines += [f"  {k:<32} {n:>12,} rows {n / total:>12,.0f} rows/s" for k, n in rows.items()]
    return "\n".join(lines)


def bench_load(folder: Path, as_of: dt.date | None = None) -> str:
    """Time ``k12ews load`` of a folder against DuckDB reading the same files.

    DuckDB's own time is ``CREATE TABLE AS SELECT * FROM read_csv/read_parquet`` of
    every file into a fresh database file (types detected, nothing checked); the
    loader's is the whole checked load into another fresh file. Both are wall-clock
    seconds, with the process's CPU seconds beside them (steadier on a shared machine).
    """
    from k12ews.load import load_folder

    files = sorted(p for p in Path(folder).iterdir() if p.suffix in (".csv", ".parquet"))
    if not files:
        raise ValueError(f"no .csv or .parquet files in {folder}")
    with tempfile.TemporaryDirectory() as tmp:
        t0, c0 = time.perf_counter(), time.process_time()
        with warehouse.connect(Path(tmp) / "duckdb_read.duckdb") as con:
            for p in files:
                reader = "read_parquet" if p.suffix == ".parquet" else "read_csv"
                path = str(p).replace("'", "''")
                con.execute(f"CREATE TABLE \"{p.stem}\" AS SELECT * FROM {reader}('{path}')")
        t_read, c_read = time.perf_counter() - t0, time.process_time() - c0
        t0, c0 = time.perf_counter(), time.process_time()
        result = load_folder(Path(folder), Path(tmp) / "loaded.duckdb", as_of=as_of)
        t_load, c_load = time.perf_counter() - t0, time.process_time() - c0
    return "\n".join(
        [
            f"k12ews bench --load {folder}",
            f"machine: {machine()}",
            f"DuckDB reads the {len(files)} files: {t_read:.1f} s (CPU {c_read:.1f} s)",
            f"k12ews load (checked, strict): {t_load:.1f} s (CPU {c_load:.1f} s) "
            f"({t_load / t_read:.1f}x DuckDB's read, CPU {c_load / c_read:.1f}x; target 2x)",
            f"rows read {result.rows_read:,}, loaded {result.rows_loaded:,}, "
            f"rejected {result.rows_rejected:,}",
            f"peak memory (max RSS): {peak_rss_gib():.2f} GiB",
        ]
    )
