"""Benchmark: the SQL layer of one generated district built on DuckDB, PostgreSQL and
Spark (local), side by side, with the machine.

    python -m k12ews.engines.bench [--students N] [--years Y] [--first-year YYYY]
                                   [--engines duckdb,postgres,spark] [--work DIR]
                                   [--source HEAD|worktree]

Per engine: loading the raw contract from its Parquet files (DuckDB reads the
generated file in place), ``dbt seed`` and ``dbt run --selector sql_layer`` (models
only, no tests), each timed; the peak memory of the engine's processes (sum of
resident memory over dbt and its children, such as Spark's JVM, plus the Postgres
server's processes) and their CPU seconds (user + system), sampled every half second;
the machine's 1-minute load average over the steps (the machine may be shared: CPU
seconds are what the build cost, wall seconds also show what others ran); and the rows
of the largest tables the build left (``table_rows``). Postgres is a throwaway server
(``postgres_server``) with its default settings; Spark runs in local mode with the
``spark`` target's settings (K12EWS_SPARK_* variables, e.g. driver memory). Run it
from the repository root, like dbt (``make bench-engines``).

What is measured is the committed project: by default the bench exports ``HEAD``
(``git archive``) into its work directory and runs the generator, the loaders and dbt
from that copy (its ``python`` directory first on PYTHONPATH), so files someone is still
editing in the working tree neither break nor change the figures. ``--source worktree``
measures the working tree as it is.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from k12ews.bench import machine
from k12ews.export import export_raw

ENGINES = ("duckdb", "postgres", "spark")
TICKS = os.sysconf("SC_CLK_TCK")
LARGEST = 6  # tables listed per engine


def _stat_fields(pid: int) -> list[str]:
    """Fields of /proc/<pid>/stat after the command name (field 3 onwards); [] if gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        fields = _stat_fields(int(stat.parent.name))
        if fields:
            tree.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return tree


def _rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


def tree_pids(roots: list[int]) -> list[int]:
    """Processes ``roots`` and all their descendants."""
    tree, seen, stack = _children(), set(), list(roots)
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        stack += tree.get(pid, [])
    return sorted(seen)


def tree_rss(roots: list[int]) -> int:
    """Resident memory of processes ``roots`` and all their descendants, in bytes."""
    return sum(_rss_bytes(pid) for pid in tree_pids(roots))


def cpu_ticks(pid: int) -> tuple[tuple[int, int], int] | None:
    """((pid, start time), user + system clock ticks) of a live process, else None. The
    start time tells a reused pid from the process that had it before."""
    fields = _stat_fields(pid)
    if len(fields) < 20:
        return None
    return (pid, int(fields[19])), int(fields[11]) + int(fields[12])


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Usage:
    """Peak resident memory, CPU seconds and load average of the processes of a step."""

    extra_roots: list[int] = field(default_factory=list)
    peak: int = 0
    ticks: dict[tuple[int, int], int] = field(default_factory=dict)
    reaped_cpu_s: float = 0.0
    loads: list[float] = field(default_factory=list)

    @property
    def cpu_s(self) -> float:
        """User + system seconds: the larger of the sampled processes' (every process
        seen, up to its last sample; it counts a JVM its parent did not wait for) and
        the waited-for children's own accounting (exact, but blind to orphans)."""
        return max(sum(self.ticks.values()) / TICKS, self.reaped_cpu_s)

    def sample(self, root: int) -> None:
        pids = tree_pids([root, *self.extra_roots])
        self.peak = max(self.peak, sum(_rss_bytes(pid) for pid in pids))
        for pid in pids:
            seen = cpu_ticks(pid)
            if seen:
                key, ticks = seen
                self.ticks[key] = max(ticks, self.ticks.get(key, 0))

    @contextmanager
    def sampling(self, root: int) -> Iterator[None]:
        stop = threading.Event()

        def sample() -> None:
            count = 0
            while not stop.is_set():
                self.sample(root)
                if count % 20 == 0:  # every 10 s
                    self.loads.append(os.getloadavg()[0])
                count += 1
                stop.wait(0.5)

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()


def run_timed(args: list[str], env: dict[str, str], usage: Usage, cwd: Path | None = None) -> float:
    """Seconds ``args`` took (run in ``cwd``, default the current directory); raises with
    its output's tail when it fails."""
    start, cpu_before = time.perf_counter(), _children_cpu_s()
    proc = subprocess.Popen(
        args,
        cwd=cwd or Path.cwd(),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    with usage.sampling(proc.pid):
        output, _ = proc.communicate()
    usage.reaped_cpu_s += _children_cpu_s() - cpu_before
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:4])} failed:\n{output[-3000:]}")
    return time.perf_counter() - start


@dataclass
class EngineTimes:
    engine: str
    load_s: float | None
    seed_s: float
    run_s: float
    peak_gib: float
    cpu_s: float = 0.0
    loads: list[float] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total_s(self) -> float:
        return (self.load_s or 0.0) + self.seed_s + self.run_s

    @property
    def load_avg(self) -> str:
        """Mean and maximum of the 1-minute load average over the steps."""
        if not self.loads:
            return "-"
        return f"{sum(self.loads) / len(self.loads):.1f} (max {max(self.loads):.1f})"


def _dbt(work: Path) -> list[str]:
    dbt = Path(sys.executable).parent / "dbt"
    return [str(dbt if dbt.exists() else "dbt")]


def _dbt_args(work: Path, target: str, command: str) -> list[str]:
    selection = ["--selector", "sql_layer"]
    paths = ["--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    return [*_dbt(work), command, "--target", target, *selection, *paths, "--quiet"]


def snapshot(out: Path, rev: str = "HEAD") -> str:
    """Export commit ``rev`` of the repository in the current directory into ``out``
    (replaced); the commit's hash."""
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", f"{rev}^{{commit}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    archive = subprocess.Popen(["git", "archive", commit], stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", str(out)], stdin=archive.stdout, check=True)
    if archive.wait() != 0:
        raise RuntimeError(f"git archive {commit} failed")
    return commit


def project_env(project: Path) -> dict[str, str]:
    """Environment whose ``k12ews`` package and dbt profiles are those of ``project``."""
    path = [str(project / "python"), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(path),
        "DBT_PROFILES_DIR": str(project),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }


def table_rows(engine: str, env: dict[str, str], project: Path) -> dict[str, int]:
    """Rows per table of the build (``table_rows``, in its own process, untimed)."""
    args = [sys.executable, "-m", "k12ews.engines.table_rows", engine]
    proc = subprocess.run(args, cwd=project, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print(f"table_rows {engine} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
        return {}
    rows = (line.split("\t") for line in proc.stdout.splitlines() if "\t" in line)
    return {name: int(count) for name, count in rows}


def bench_engine(engine: str, db: Path, parquet: Path, work: Path, project: Path) -> EngineTimes:
    work.mkdir(parents=True, exist_ok=True)
    env = project_env(project)
    usage = Usage()
    load_s: float | None = None
    if engine == "duckdb":
        local = work / "warehouse.duckdb"
        shutil.copy(db, local)
        env["K12EWS_DB"] = str(local)
        result = _build(engine, "dev", env, work, usage, load_s, project)
        result.rows = table_rows(engine, env, project)
        return result
    if engine == "postgres":
        from k12ews.engines.postgres_server import running_postgres

        with running_postgres() as server:
            env.update(server.env())
            pid_file = server.data_dir / "postmaster.pid"
            usage.extra_roots.append(int(pid_file.read_text().split()[0]))
            load = [sys.executable, "-m", "k12ews.engines.postgres_load", str(parquet)]
            load_s = run_timed(load, env, usage, project)
            return _build(engine, "postgres", env, work, usage, load_s, project)
    from k12ews.engines.spark_session import spark_env

    java = spark_env()
    env.update({k: java[k] for k in ("JAVA_HOME", "PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON")})
    env["K12EWS_SPARK_DIR"] = str(work / "spark")
    load = [sys.executable, "-m", "k12ews.engines.spark_load", str(parquet)]
    load_s = run_timed(load, env, usage, project)
    result = _build(engine, "spark", env, work, usage, load_s, project)
    result.rows = table_rows(engine, env, project)
    return result


def _build(
    engine: str,
    target: str,
    env: dict[str, str],
    work: Path,
    usage: Usage,
    load_s: float | None,
    project: Path,
) -> EngineTimes:
    seed_s = run_timed(_dbt_args(work, target, "seed"), env, usage, project)
    print(f"  {engine}: seed {seed_s:.0f} s, running models", flush=True)
    run_s = run_timed(_dbt_args(work, target, "run"), env, usage, project)
    return EngineTimes(
        engine, load_s, seed_s, run_s, usage.peak / 2**30, usage.cpu_s, list(usage.loads)
    )


HEADER = (
    f"{'engine':<10}{'load s':>9}{'seed s':>9}{'run s':>9}{'total s':>10}{'CPU s':>9}"
    f"{'peak GiB':>10}  load average"
)


def report_line(r: EngineTimes) -> str:
    load = f"{r.load_s:9.1f}" if r.load_s is not None else f"{'-':>9}"
    return (
        f"{r.engine:<10}{load}{r.seed_s:9.1f}{r.run_s:9.1f}{r.total_s:10.1f}{r.cpu_s:9.0f}"
        f"{r.peak_gib:10.2f}  {r.load_avg}"
    )


def report(title: str, rows: list[EngineTimes]) -> str:
    lines = [title, f"machine: {machine()}", HEADER, *(report_line(r) for r in rows)]
    for r in rows:
        if r.rows:
            largest = sorted(r.rows.items(), key=lambda item: (-item[1], item[0]))[:LARGEST]
            lines.append(
                f"{r.engine} largest tables: "
                + ", ".join(f"{name} {count:,}" for name, count in largest)
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m k12ews.engines.bench")
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=12)
    parser.add_argument("--first-year", type=int, default=None)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--work", type=Path, default=None, help="keep files here")
    parser.add_argument(
        "--source",
        default="HEAD",
        help="a commit to export and measure (default HEAD), or 'worktree' for the "
        "working tree as it is",
    )
    args = parser.parse_args(argv)
    if not (Path.cwd() / "dbt_project.yml").is_file():
        parser.error("run from the dbt project's root (the directory with dbt_project.yml)")
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = sorted(set(engines) - set(ENGINES))
    if unknown:
        parser.error(f"unknown engine(s) {unknown}; choose from {', '.join(ENGINES)}")
    with tempfile.TemporaryDirectory(prefix="k12ews-bench-") as tmp:
        work = (args.work or Path(tmp)).resolve()
        work.mkdir(parents=True, exist_ok=True)
        if args.source == "worktree":
            project = Path.cwd()
            print(f"project: the working tree {project}", flush=True)
        else:
            project = work / "project"
            commit = snapshot(project, args.source)
            print(f"project: commit {commit} ({args.source}), exported to {project}", flush=True)
        db = work / "district.duckdb"
        generate = [
            str(Path(sys.executable).parent / "k12ews"),
            "generate",
            "--db",
            str(db),
            "--students",
            str(args.students),
            "--years",
            str(args.years),
            "--seed",
            str(args.seed),
        ]
        if args.first_year:
            generate += ["--first-year", str(args.first_year)]
        usage = Usage()
        gen_s = run_timed(generate, project_env(project), usage, project)
        print(
            f"generated {args.students:,} students a year x {args.years} years in "
            f"{gen_s:.0f} s, {usage.cpu_s:.0f} CPU s (peak {usage.peak / 2**30:.1f} GiB, "
            f"load average {EngineTimes('', None, 0, 0, 0, loads=usage.loads).load_avg})",
            flush=True,
        )
        parquet = work / "contract"
        start = time.perf_counter()
        rows = export_raw(db, parquet, "parquet")
        largest = sorted(rows.items(), key=lambda item: -item[1])[:LARGEST]
        print(
            f"raw contract: {sum(rows.values()):,} rows as Parquet in "
            f"{time.perf_counter() - start:.0f} s ("
            + ", ".join(f"{name} {count:,}" for name, count in largest)
            + ")",
            flush=True,
        )
        results = []
        for engine in engines:
            results.append(bench_engine(engine, db, parquet, work / engine, project))
            print(report_line(results[-1]), flush=True)
        title = (
            f"SQL layer (dbt seed + run --selector sql_layer), {args.students:,} students a "
            f"year x {args.years} years"
        )
        print(report(title, results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
