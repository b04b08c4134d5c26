"""Benchmark of the risk models: train, score and explain (the dbt Python models) on a
built warehouse, with the evaluation and the when-to-act models (trajectories, lead time,
score history and alerts, intervention effects, the plan and the targeting comparison;
docs/timing.md, docs/interventions.md, docs/intervention_plan.md) timed beside them.

    python -m k12ews.ml.bench --db data/k12ews.duckdb      (make bench-ml)
    python -m k12ews.ml.bench --db data/k12ews.duckdb --explain   (make bench-explain)

Runs ``dbt run`` on the ml models of an already built database and prints each model's
seconds (from dbt's run_results.json), the total, the machine and dbt's peak memory.
``--explain`` runs only what writes the explanations and the recourse of every current
score (ml_rest_of_year, ml_risk_explanations, ml_risk_recourse) from the registry
already built, against their target of 30 seconds for the whole district.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from k12ews.bench import machine, peak_rss_gib

# Training is in the model store (docs/model_lifecycle.md), run here in mode train.
STEPS = ("ml_model_store", "ml_model_registry", "ml_risk_scores", "ml_risk_explanations")
TRAIN = "{ml_mode: train}"
# Explanations a counsellor can act on: every current score's explanation and recourse.
EXPLAIN = ("ml_rest_of_year", "ml_risk_explanations", "ml_risk_recourse")
EXPLAIN_TARGET_SECONDS = 30
EVALUATION = ("ml_feature_importance", "ml_model_evaluation")
# When to act (issue #5): target 3 minutes for all of them on the default district.
TIMING = (
    "ml_risk_trajectories",
    "ml_lead_time",
    "ml_lead_time_statement",
    "ml_risk_score_history",
    "ml_risk_explanation_history",
    "ml_risk_run_changes",
    "ews_alerts",
    "ml_service_risk_sets",
    "ml_intervention_effects",
    "ews_intervention_plan",
    "ml_targeting_comparison",
)
TIMING_TARGET_SECONDS = 180
ALL = (*STEPS, "ml_rest_of_year", "ml_risk_recourse", *EVALUATION, *TIMING)


def dbt_run(
    db: Path, project_dir: Path, models: tuple[str, ...], dbt_vars: str = "{}"
) -> tuple[dict[str, float], float]:
    """``dbt run`` of ``models`` on one thread (with ``dbt_vars``): each model's seconds
    and the wall clock."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "K12EWS_DB": str(db), "DBT_PROFILES_DIR": str(project_dir)}
        dbt = Path(sys.executable).with_name("dbt")
        t0 = time.perf_counter()
        proc = subprocess.run(
            [
                str(dbt),
                "run",
                "--threads",
                "1",
                "--select",
                *models,
                "--vars",
                dbt_vars,
                "--target-path",
                tmp,
                "--log-path",
                tmp,
            ],
            cwd=project_dir,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"dbt run failed:\n{proc.stdout[-3000:]}")
        results = json.loads((Path(tmp) / "run_results.json").read_text())
    seconds = {r["unique_id"].split(".")[-1]: r["execution_time"] for r in results["results"]}
    return seconds, wall


def run_explain(db: Path, project_dir: Path) -> str:
    """Explanations and recourse of every current score, against their 30 s target."""
    seconds, wall = dbt_run(db, project_dir, EXPLAIN)
    lines = [f"machine: {machine()}", f"database: {db.name}"]
    for name in EXPLAIN:
        lines.append(f"  {name:<28} {seconds.get(name, float('nan')):7.1f} s")
    total = sum(seconds.get(n, 0.0) for n in EXPLAIN)
    lines.append(
        f"explanations + recourse: {total:.1f} s (target {EXPLAIN_TARGET_SECONDS} s); "
        f"dbt run wall clock {wall:.1f} s; peak RSS {peak_rss_gib(children=True):.2f} GiB"
    )
    return "\n".join(lines)


def run(db: Path, project_dir: Path) -> str:
    seconds, wall = dbt_run(db, project_dir, ALL, TRAIN)
    peak = peak_rss_gib(children=True)
    lines = [f"machine: {machine()}", f"database: {db.name}"]
    for name in ALL:
        lines.append(f"  {name:<28} {seconds.get(name, float('nan')):7.1f} s")
    core = sum(seconds.get(n, 0.0) for n in STEPS)
    lines.append(f"train + score + explain: {core:.1f} s (target 120 s)")
    explain = sum(seconds.get(n, 0.0) for n in EXPLAIN)
    lines.append(f"explanations + recourse: {explain:.1f} s (target {EXPLAIN_TARGET_SECONDS} s)")
    everything = core + sum(seconds.get(n, 0.0) for n in EVALUATION)
    lines.append(f"with importance and evaluation: {everything:.1f} s")
    timing = sum(seconds.get(n, 0.0) for n in TIMING)
    lines.append(
        f"when to act (trajectories, lead time, history, alerts, effects, plan): {timing:.1f} s "
        f"(target {TIMING_TARGET_SECONDS} s)"
    )
    lines.append(
        f"dbt run wall clock (one thread, parse included): {wall:.1f} s; peak RSS {peak:.2f} GiB"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=Path("data/k12ews.duckdb"))
    ap.add_argument("--project-dir", type=Path, default=Path.cwd())
    ap.add_argument(
        "--explain",
        action="store_true",
        help="only the explanations and recourse of every current score (target 30 s)",
    )
    args = ap.parse_args(argv)
    if not args.db.exists():
        print(f"error: {args.db}: no such database (run `make run` first)", file=sys.stderr)
        return 2
    print(
        run_explain(args.db, args.project_dir) if args.explain else run(args.db, args.project_dir)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
