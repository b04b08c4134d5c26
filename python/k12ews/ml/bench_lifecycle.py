"""Benchmark of the model lifecycle: the ML time of a train-mode build beside a
score-mode build of the same built warehouse, side by side in one run
(docs/model_lifecycle.md, docs/benchmarks.md).

    python -m k12ews.ml.bench_lifecycle --db data/k12ews.duckdb   (make bench-lifecycle)

On a copy of the built database, ``dbt run --select tag:ml`` on one thread in mode train
(challengers fitted, compared and recorded), then the same in mode score (the promoted
models loaded; nothing trained). The ML time of each is the sum of the ML models'
seconds (dbt's run_results.json); the bar: score at most 40% of train.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from k12ews.bench import machine, peak_rss_gib
from k12ews.ml.bench import dbt_run

ML = ("tag:ml",)
BAR = 0.40
MODES = ("train", "score")


def run(db: Path, project_dir: Path) -> str:
    lines = [f"machine: {machine()}", f"database: {db.name}"]
    totals: dict[str, float] = {}
    walls: dict[str, float] = {}
    seconds: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / db.name
        shutil.copy(db, copy)
        for mode in MODES:
            seconds[mode], walls[mode] = dbt_run(copy, project_dir, ML, f"{{ml_mode: {mode}}}")
            totals[mode] = sum(seconds[mode].values())
    slowest = sorted(seconds["train"], key=lambda n: -seconds["train"][n])[:8]
    lines.append(f"  {'model':<30} {'train':>8} {'score':>8}")
    for name in slowest:
        lines.append(
            f"  {name:<30} {seconds['train'][name]:7.1f}s {seconds['score'].get(name, 0):7.1f}s"
        )
    ratio = totals["score"] / totals["train"] if totals["train"] else float("nan")
    lines.append(
        f"ML time (sum of the ml models' seconds, one thread): train {totals['train']:.1f} s, "
        f"score {totals['score']:.1f} s; score / train = {ratio:.2f} (bar {BAR:.2f}: "
        f"{'met' if ratio <= BAR else 'not met'})"
    )
    lines.append(
        f"dbt run wall clock: train {walls['train']:.1f} s, score {walls['score']:.1f} s "
        f"(parse included); peak RSS {peak_rss_gib(children=True):.2f} GiB"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=Path("data/k12ews.duckdb"))
    ap.add_argument("--project-dir", type=Path, default=Path.cwd())
    args = ap.parse_args(argv)
    if not args.db.exists():
        print(f"error: {args.db}: no such database (run `make run` first)", file=sys.stderr)
        return 2
    print(run(args.db, args.project_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
