"""Each student's true chance of graduating on time, by replaying the district's future.

The generator never writes a multi-year probability: on-time graduation follows from
years of draws (attendance, marks, credits, exits, engagement's drift). This module
computes it the only honest way, by simulation. It replays the district exactly as
``generate`` made it (same seed, same draws) to the end of a school year ``y``, copies
every chosen student ``replicas`` times into closed worlds (no new students join), and
runs those worlds forward with fresh random draws to the last complete school year.
Each copy then gets the label the warehouse would give it (``ml_labels``, ACGR rules of
``fct_student_outcomes``), and the student's true probability is the share of labelled
copies that did not graduate with their cohort.

What the truth conditions on: the student's whole latent state when year ``y`` ends,
summer included (traits, engagement after the summer's drift, exits already decided).
That is more than any model can see on the last day of school, so the AUC of the truth
is a ceiling, not a target; but for predicted-risk groups formed from what was known at
the end of the year, the mean true probability equals the expected rate of the outcome
(the tower property), which is what the calibration check uses.

Copies share their world's school-by-year draws (service capacity); several worlds with
different seeds average over those too.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from k12ews.synth.calendar import axis_start, build_calendar
from k12ews.synth.config import GenerateConfig
from k12ews.synth.district import LEVELS, Simulation
from k12ews.synth.year import ACTIVE, DROPPED

# Exit codes that take a student out of the adjusted cohort: the rows of the seed
# xwalk_exit_codes with leaves_acgr_cohort = true (a test keeps the two in step).
LEAVES_ACGR_COHORT = frozenset(
    {"TRANSFER_STATE", "TRANSFER_OUT_OF_STATE", "TRANSFER_PRIVATE", "HOMESCHOOL", "DECEASED"}
)
STUDENT_ID_OFFSET = 1_000_001  # raw student_id = str(simulation row + this) (assemble.py)
KEPT_TABLES = frozenset({"enrollments"})


@dataclass(frozen=True)
class FuturesSpec:
    """Whose futures to replay: for each school year, the students enrolled in the
    given grades; ``replicas`` copies each, spread over ``worlds`` closed worlds."""

    grades_by_year: Mapping[int, tuple[int, ...]]
    replicas: int = 40
    worlds: int = 4

    def __post_init__(self) -> None:
        if self.replicas < 1 or self.worlds < 1 or self.replicas % self.worlds:
            raise ValueError(
                f"replicas ({self.replicas}) must be a positive multiple of worlds ({self.worlds})"
            )
        if not self.grades_by_year:
            raise ValueError("no school years to replay")


def last_known_cohort_year(config: GenerateConfig) -> int:
    """The latest cohort year whose on-time graduation the warehouse treats as known:
    the next school year has started by the as-of date (fct_student_outcomes)."""
    last = config.last_year
    starts = [build_calendar(last, level, 0).first_day for level in LEVELS]
    first_day = axis_start(last) + dt.timedelta(days=min(starts))
    return last - 1 if config.resolved_as_of >= first_day else last - 2


def _enrollments(sim: Simulation) -> pd.DataFrame:
    frames = sim.out.get("enrollments", [])
    if not frames:
        return pd.DataFrame(columns=["sid", "school_year", "start", "exit_code"])
    return pd.concat(frames, ignore_index=True)[["sid", "school_year", "start", "exit_code"]]


def label_copies(
    spells: pd.DataFrame,
    first9: np.ndarray,
    scored_year: int,
    first_year: int,
    last_known: int,
) -> pd.DataFrame:
    """The warehouse's on-time graduation label for each copy (row of ``first9``).

    ``spells``: every spell of the copies from the scored year on (sid, school_year,
    start, exit_code). Mirrors ml_labels: a cohort (first high-school year + 3) whose
    start is observed and whose outcome is known, not removed by the latest spell up to
    the cohort year, and the scored year no later than the cohort year.
    Returns sid, is_labelled, is_adverse (null when not labelled)."""
    n = len(first9)
    cohort = np.where(first9 > 0, first9.astype(np.int64) + 3, 0)
    s = spells.assign(cohort=cohort[spells["sid"].to_numpy()])
    diploma = (
        s.loc[s["exit_code"] == "GRADUATED"].groupby("sid")["school_year"].min()
        if len(s)
        else pd.Series(dtype="int64")
    )
    upto = s.loc[s["school_year"] <= s["cohort"]].sort_values(["sid", "school_year", "start"])
    latest = upto.groupby("sid")["exit_code"].last()
    removed = np.zeros(n, dtype=bool)
    removed[latest.index.to_numpy()] = latest.isin(LEAVES_ACGR_COHORT).to_numpy()
    dip = np.full(n, 10_000, dtype=np.int64)
    dip[diploma.index.to_numpy()] = diploma.to_numpy()
    labelled = (
        (cohort > 0)
        & (cohort - 3 > first_year)
        & (cohort <= last_known)
        & ~removed
        & (scored_year <= cohort)
    )
    adverse = np.where(labelled, dip > cohort, np.nan)
    return pd.DataFrame({"sid": np.arange(n), "is_labelled": labelled, "is_adverse": adverse})


def _copy_world(
    base: Simulation, targets: np.ndarray, copies: int, seed: Iterable[int]
) -> Simulation:
    """A closed world holding ``copies`` copies of each target, after the base year."""
    world = copy.copy(base)
    rows = np.repeat(targets, copies)
    world.pop = {k: v[rows].copy() for k, v in base.pop.items()}
    world.out = {}
    world.rng = np.random.default_rng(list(seed))
    world.closed_roster = True
    world.keep_tables = KEPT_TABLES
    world.progress = None
    return world


def _replay_year(
    base: Simulation,
    year: int,
    spec: FuturesSpec,
    last_known: int,
    first_year: int,
    seed: int,
) -> pd.DataFrame:
    ty = base.out["truth_student_year"][-1]
    chosen = ty.loc[ty["grade_level"].isin(spec.grades_by_year[year]), ["sid", "grade_level"]]
    targets = chosen["sid"].to_numpy()
    year_spells = _enrollments(base)
    year_spells = year_spells.loc[
        (year_spells["school_year"] == year) & year_spells["sid"].isin(targets)
    ]
    per_world = spec.replicas // spec.worlds
    position = pd.Series(np.arange(len(targets)), index=targets)
    adverse = np.zeros(len(targets))
    labelled = np.zeros(len(targets))
    for w in range(spec.worlds):
        world = _copy_world(base, targets, per_world, (seed, year, w, 7919))
        # the scored year's own spells, for every copy (its summer exit may remove it)
        t = position[year_spells["sid"].to_numpy()].to_numpy()
        reps = np.arange(per_world)
        own = year_spells.loc[np.repeat(year_spells.index.to_numpy(), per_world)].assign(
            sid=(np.repeat(t, per_world) * per_world + np.tile(reps, len(t)))
        )
        for y in range(year + 1, last_known + 1):
            status = world.pop["status"]
            if not ((status == ACTIVE) | (status == DROPPED)).any():
                break
            world._year(y, first=False, partial=False)
        spells = pd.concat([own, _enrollments(world)], ignore_index=True)
        labels = label_copies(spells, world.pop["first9"], year, first_year, last_known)
        of_target = labels["sid"].to_numpy() // per_world
        adverse += np.bincount(
            of_target,
            weights=np.nan_to_num(labels["is_adverse"].to_numpy()),
            minlength=len(targets),
        )[: len(targets)]
        labelled += np.bincount(
            of_target, weights=labels["is_labelled"].to_numpy(), minlength=len(targets)
        )[: len(targets)]
    with np.errstate(invalid="ignore"):
        p = adverse / labelled
    return pd.DataFrame(
        {
            "student_id": (targets.astype(np.int64) + STUDENT_ID_OFFSET).astype(str),
            "school_year": year,
            "grade_level": chosen["grade_level"].to_numpy().astype(np.int64),
            "replicas": spec.replicas,
            "labelled_replicas": labelled.astype(np.int64),
            "true_probability_not_on_time": np.where(labelled > 0, p, np.nan),
        }
    )


def graduation_truth(
    config: GenerateConfig,
    spec: FuturesSpec,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """True probability of not graduating on time for each chosen student-year.

    Grain: student x school year (the years and grades of ``spec``); the same seed
    gives the same probabilities. The probability is
    among the copies the warehouse would label (null when none would be: the student
    left the cohort or its outcome is not yet known)."""
    last_known = last_known_cohort_year(config)
    years = sorted(spec.grades_by_year)
    if years[0] < config.first_year or years[-1] >= config.last_year:
        raise ValueError(
            f"school years to replay must be complete years of the district "
            f"({config.first_year}-{config.last_year - 1}), got {years}"
        )
    base = Simulation(config, None)
    base.keep_tables = frozenset({"truth_student_year", "enrollments"})
    out = []
    for i, y in enumerate(range(config.first_year, years[-1] + 1)):
        base.out = {}
        base._year(y, first=(i == 0), partial=False)
        if y in years:
            if progress:
                progress(f"replaying the futures of {y}")
            out.append(_replay_year(base, y, spec, last_known, config.first_year, seed))
    return pd.concat(out, ignore_index=True)


def config_from_generation(rows: Mapping[str, str]) -> GenerateConfig:
    """The GenerateConfig a database was generated with (truth.generation 'config')."""
    d = json.loads(rows["config"])
    as_of = d.pop("as_of_date", None)
    return GenerateConfig(**d, as_of_date=dt.date.fromisoformat(as_of) if as_of else None)


GRADES_OF_BAND = {"middle": (6, 7, 8), "high": (9, 10, 11, 12)}
TRUTH_TABLE = "graduation_probabilities"


def graduation_test_cohorts(con: duckdb.DuckDBPyConnection) -> dict[int, tuple[int, ...]]:
    """School years and grades of the graduation models' out-of-time cohorts, from
    ml.ml_model_registry (the scoring models at the end-of-year decision point)."""
    rows = con.execute(
        "select grade_band, test_school_years from ml.ml_model_registry "
        "where outcome = 'on_time_graduation' and decision_point = 'eoy' "
        "and is_scoring_model and status = 'trained'"
    ).fetchall()
    out: dict[int, set[int]] = {}
    for band, years in rows:
        lo, _, hi = str(years).partition("-")
        for y in range(int(lo), int(hi or lo) + 1):
            out.setdefault(y, set()).update(GRADES_OF_BAND[str(band)])
    return {y: tuple(sorted(g)) for y, g in sorted(out.items())}


def write_graduation_truth(
    db: Path,
    replicas: int,
    worlds: int,
    school_years: tuple[int, ...] | None = None,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Replay the futures of a generated district's graduation test cohorts (or of all
    students in grades 6-12 of ``school_years``) and write them to
    truth.graduation_probabilities, replacing it in one transaction."""
    con = duckdb.connect(str(db))
    try:
        try:
            gen = dict(con.execute("select key, value from truth.generation").fetchall())
        except duckdb.CatalogException:
            raise ValueError(
                f"{db}: no truth.generation table: futures can only be replayed for a "
                "district made by `k12ews generate`"
            ) from None
        if school_years:
            grades: dict[int, tuple[int, ...]] = dict.fromkeys(school_years, tuple(range(6, 13)))
        else:
            try:
                grades = graduation_test_cohorts(con)
            except duckdb.CatalogException:
                raise ValueError(
                    f"{db}: no ml.ml_model_registry to take the graduation models' test "
                    "cohorts from: run `dbt build` first or pass --school-years"
                ) from None
            if not grades:
                raise ValueError(f"{db}: ml.ml_model_registry has no trained graduation model")
        spec = FuturesSpec(grades, replicas=replicas, worlds=worlds)
        truth = graduation_truth(config_from_generation(gen), spec, progress=progress)
        con.register("replayed_futures", truth)
        con.execute("begin")
        con.execute(
            f"create or replace table truth.{TRUTH_TABLE} as select * from replayed_futures"
        )
        con.execute("commit")
        return truth
    finally:
        con.close()
