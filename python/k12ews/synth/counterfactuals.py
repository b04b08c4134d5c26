"""What a service truly did, and what a plan would truly do: the district's future
replayed with a service kept off or forced on.

The generator's services lift latent engagement and achievement (truth.service_effects),
but what a school wants to know is the effect on an outcome years later: graduating on
time, reading proficiently in grade 3. No formula gives that; this module simulates it,
with the machinery of :mod:`k12ews.synth.futures`: the district is replayed exactly as
``generate`` made it to the end of a school year, chosen students are copied into closed
worlds, and the worlds run forward with fresh draws under a
:class:`~k12ews.synth.config.ServiceOverride`:

* **Effects** (:func:`effect_truth`): a student who started service ``s`` in the first
  quarter of year ``y`` is copied at the end of year ``y - 1`` (their whole latent state,
  summer included: the state the school's first-quarter decision was drawn from) and
  kept from starting ``s`` that quarter; everything else, later quarters and years
  included, follows the generator's usual rules. The share of labelled copies with the
  adverse outcome is the student's true probability of it without the service. The true
  effect on the treated of a group is then their observed adverse rate minus the mean
  of those probabilities (the observed rate is an unbiased draw of the rate with the
  service, because first-quarter assignment depends only on that state and draws
  independent of the future). Only first-quarter starts: a copy can only be made
  between years, and a later start was chosen on the year's draws so far.
* **Plans** (:func:`plan_truth`): students scored at the end of year ``y`` are copied
  then, twice: one arm left to usual care, one arm given a named service at the start
  of year ``y + 1``. The difference is what giving them the service truly changes.

Copies are labelled as the warehouse would label them: on-time graduation by the ACGR
rules of ``ml_labels`` (:func:`k12ews.synth.futures.label_copies`), grade-3 reading by
the first grade-3 state reading test (``fct_student_outcomes``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from k12ews.synth import services
from k12ews.synth.config import GenerateConfig, ServiceOverride
from k12ews.synth.district import Simulation
from k12ews.synth.futures import (
    STUDENT_ID_OFFSET,
    _copy_world,
    _enrollments,
    label_copies,
    last_known_cohort_year,
)
from k12ews.synth.year import ACTIVE, DROPPED

GRADUATION = "on_time_graduation"
READING = "grade_3_reading"
OUTCOMES = (GRADUATION, READING)
KEPT_TABLES = frozenset({"enrollments", "assessments"})


@dataclass(frozen=True)
class ReplaySpec:
    """``replicas`` copies of each unit, spread over ``worlds`` closed worlds."""

    replicas: int = 8
    worlds: int = 2

    def __post_init__(self) -> None:
        if self.replicas < 1 or self.worlds < 1 or self.replicas % self.worlds:
            raise ValueError(
                f"replicas ({self.replicas}) must be a positive multiple of worlds ({self.worlds})"
            )

    @property
    def per_world(self) -> int:
        return self.replicas // self.worlds


def student_rows(student_id: pd.Series) -> np.ndarray:
    """Simulation rows of raw student ids (assemble.py: id = row + offset)."""
    return student_id.astype(np.int64).to_numpy() - STUDENT_ID_OFFSET


def service_index(service: pd.Series) -> np.ndarray:
    known = set(services.SERVICES)
    bad = sorted(set(service) - known)
    if bad:
        raise ValueError(f"unknown service code(s) {bad}; expected one of {services.SERVICES}")
    return service.map({s: i for i, s in enumerate(services.SERVICES)}).to_numpy(np.int8)


def _replayed(config: GenerateConfig, stops: set[int]) -> Iterator[tuple[int, Simulation]]:
    """The district replayed as generated, yielded at the end of each year in ``stops``
    (the simulation is reused: copy what you need before the next step)."""
    base = Simulation(config, None)
    base.keep_tables = frozenset({"enrollments"})
    for i, y in enumerate(range(config.first_year, max(stops) + 1)):
        base.out = {}
        base._year(y, first=(i == 0), partial=False)
        if y in stops:
            yield y, base


def _world(
    base: Simulation,
    rows: np.ndarray,
    override_service: np.ndarray,
    override: ServiceOverride | None,
    seed: tuple[int, ...],
) -> Simulation:
    """A closed world of the simulation rows ``rows`` (a copy each), under ``override``."""
    world = _copy_world(base, rows, 1, seed)
    world.pop["service_override"] = override_service.astype(np.int8)
    world.keep_tables = KEPT_TABLES
    world.override = override
    return world


def _run(world: Simulation, first: int, last: int) -> None:
    for y in range(first, last + 1):
        status = world.pop["status"]
        if not ((status == ACTIVE) | (status == DROPPED)).any():
            break
        world._year(y, first=False, partial=False)


def label_reading(assessments: pd.DataFrame, n: int) -> pd.DataFrame:
    """Grade-3 reading label of each copy: its first grade-3 state reading test
    (fct_student_outcomes.is_grade_3_reading_proficient); unlabelled without one."""
    labelled = np.zeros(n, dtype=bool)
    adverse = np.full(n, np.nan)
    if len(assessments):
        g3 = assessments.loc[
            (assessments["grade_level"] == 3) & (assessments["subject"] == "ELA"),
            ["sid", "school_year", "day", "is_proficient"],
        ]
        first = g3.sort_values(["sid", "school_year", "day"]).drop_duplicates("sid")
        sid = first["sid"].to_numpy()
        labelled[sid] = True
        adverse[sid] = ~first["is_proficient"].to_numpy(bool)
    return pd.DataFrame({"sid": np.arange(n), "is_labelled": labelled, "is_adverse": adverse})


def _frame(world: Simulation, table: str) -> pd.DataFrame:
    frames = world.out.get(table, [])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _labels(
    world: Simulation,
    outcome: np.ndarray,
    scored_year: int,
    first_year: int,
    last_known: int,
    own_spells: pd.DataFrame | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(is_labelled, is_adverse as 0/1) of each copy for its unit's outcome."""
    n = len(outcome)
    spells = _enrollments(world)
    if own_spells is not None:
        spells = pd.concat([own_spells, spells], ignore_index=True)
    grad = label_copies(spells, world.pop["first9"], scored_year, first_year, last_known)
    read = label_reading(_frame(world, "assessments"), n)
    is_grad = outcome == GRADUATION
    labelled = np.where(is_grad, grad["is_labelled"], read["is_labelled"]).astype(bool)
    adverse = np.where(is_grad, grad["is_adverse"], read["is_adverse"])
    return labelled, np.nan_to_num(adverse).astype(float) * labelled


def _horizon(config: GenerateConfig) -> tuple[int, int]:
    """(last cohort year with a known outcome, last complete school year)."""
    return last_known_cohort_year(config), config.last_year - 1


def effect_truth(
    config: GenerateConfig,
    units: pd.DataFrame,
    spec: ReplaySpec,
    seed: int = 0,
    quarters: tuple[int, ...] = (1,),
) -> pd.DataFrame:
    """Each unit's true probability of the adverse outcome had it not started its service
    in the first quarter of its school year (kept off in ``quarters``: by default the
    first only, usual care afterwards, as ml_intervention_effects' estimand is).

    ``units``: student_id, school_year, service, outcome (on_time_graduation or
    grade_3_reading). Returns the units with is_replayable (enrolled when the year before
    ended: only those can be copied), replicas, labelled_replicas and
    true_probability_adverse_without (null when no copy would be labelled)."""
    _check_units(config, units, ("student_id", "school_year", "service", "outcome"))
    last_known, last_complete = _horizon(config)
    if (units["school_year"] <= config.first_year).any():
        raise ValueError(
            f"first-quarter starts of {config.first_year}, the district's first year, have "
            "no year before them to copy from"
        )
    units = units.reset_index(drop=True)
    rows = student_rows(units["student_id"])
    svc = service_index(units["service"])
    outcome = units["outcome"].to_numpy()
    adverse = np.zeros(len(units))
    labelled = np.zeros(len(units))
    replayable = np.zeros(len(units), dtype=bool)
    per = spec.per_world
    for before, base in _replayed(config, {int(y) - 1 for y in units["school_year"].unique()}):
        y = before + 1
        ix = np.flatnonzero(units["school_year"].to_numpy() == y)
        # only students enrolled when the year ended can be copied: a returning dropout's
        # copy would come back only by chance, and a new arrival had no state then
        known = rows[ix] < len(base.pop["status"])
        known[known] = base.pop["status"][rows[ix][known]] == ACTIVE
        replayable[ix] = known
        ix = ix[known]
        if not len(ix):
            continue
        horizon = last_known if (outcome[ix] == GRADUATION).all() else last_complete
        for w in range(spec.worlds):
            world = _world(
                base,
                np.repeat(rows[ix], per),
                np.repeat(svc[ix], per),
                ServiceOverride(year=y, quarters=quarters, force=False),
                (seed, y, w, 4241),
            )
            _run(world, y, horizon)
            lab, adv = _labels(world, np.repeat(outcome[ix], per), y, config.first_year, last_known)
            unit = ix[np.arange(len(ix) * per) // per]
            labelled += np.bincount(unit, weights=lab, minlength=len(units))
            adverse += np.bincount(unit, weights=adv, minlength=len(units))
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(labelled > 0, adverse / labelled, np.nan)
    return units.assign(
        is_replayable=replayable,
        replicas=np.where(replayable, spec.replicas, 0),
        labelled_replicas=labelled.astype(np.int64),
        true_probability_adverse_without=p,
    )


def plan_truth(
    config: GenerateConfig, students: pd.DataFrame, spec: ReplaySpec, seed: int = 0
) -> pd.DataFrame:
    """Each student's true probability of not graduating on time under usual care and
    if given a service at the start of the next school year.

    ``students``: student_id, school_year (the year the plan was made at its end),
    service. Returns them with replicas, labelled replicas of each arm,
    true_probability_usual_care and true_probability_with_service."""
    _check_units(config, students, ("student_id", "school_year", "service"))
    last_known, _ = _horizon(config)
    if (students["school_year"] >= last_known).any():
        raise ValueError(
            f"plans made at the end of {last_known} or later have no known outcome to judge them by"
        )
    students = students.reset_index(drop=True)
    rows = student_rows(students["student_id"])
    svc = service_index(students["service"])
    n = len(students)
    per = spec.per_world
    sums = {arm: np.zeros(n) for arm in ("lab0", "adv0", "lab1", "adv1")}
    for y, base in _replayed(config, {int(y) for y in students["school_year"].unique()}):
        ix = np.flatnonzero(students["school_year"].to_numpy() == y)
        spells = _enrollments(base)
        spells = spells.loc[spells["school_year"] == y]
        for w in range(spec.worlds):
            # both arms in one world: copy k of a student is usual care for even k
            arm = np.tile(np.arange(2 * per) % 2, len(ix))
            copy_rows = np.repeat(rows[ix], 2 * per)
            world = _world(
                base,
                copy_rows,
                np.where(arm == 1, np.repeat(svc[ix], 2 * per), -1),
                ServiceOverride(year=y + 1, quarters=(1,), force=True),
                (seed, y, w, 6007),
            )
            own = _own_spells(spells, copy_rows)
            _run(world, y + 1, last_known)
            lab, adv = _labels(
                world,
                np.full(len(copy_rows), GRADUATION),
                y,
                config.first_year,
                last_known,
                own,
            )
            unit = ix[np.arange(len(copy_rows)) // (2 * per)]
            for a in (0, 1):
                m = arm == a
                sums[f"lab{a}"] += np.bincount(unit[m], weights=lab[m], minlength=n)
                sums[f"adv{a}"] += np.bincount(unit[m], weights=adv[m], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        p0 = np.where(sums["lab0"] > 0, sums["adv0"] / sums["lab0"], np.nan)
        p1 = np.where(sums["lab1"] > 0, sums["adv1"] / sums["lab1"], np.nan)
    return students.assign(
        replicas=spec.replicas,
        labelled_replicas_usual_care=sums["lab0"].astype(np.int64),
        labelled_replicas_with_service=sums["lab1"].astype(np.int64),
        true_probability_usual_care=p0,
        true_probability_with_service=p1,
    )


def _own_spells(year_spells: pd.DataFrame, copy_rows: np.ndarray) -> pd.DataFrame:
    """The scored year's spells of every copy (a summer exit may remove it from the
    cohort), renumbered to the copies."""
    copies = pd.DataFrame({"copy": np.arange(len(copy_rows)), "sid": copy_rows})
    own = copies.merge(year_spells, on="sid", how="inner")
    return own.drop(columns="sid").rename(columns={"copy": "sid"})[year_spells.columns]


def _check_units(config: GenerateConfig, units: pd.DataFrame, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in units.columns]
    if missing:
        raise ValueError(f"units lack column(s) {missing}")
    if units.empty:
        raise ValueError("no units to replay")
    if "outcome" in units.columns:
        bad = sorted(set(units["outcome"]) - set(OUTCOMES))
        if bad:
            raise ValueError(f"outcome(s) {bad} cannot be replayed; expected one of {OUTCOMES}")
    years = units["school_year"]
    if years.min() < config.first_year or years.max() >= config.last_year:
        raise ValueError(
            f"school years must be complete years of the district "
            f"({config.first_year}-{config.last_year - 1}), got {years.min()}-{years.max()}"
        )
