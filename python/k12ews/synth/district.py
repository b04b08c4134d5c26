"""The synthetic district: schools, students and their years, from latent traits.

``generate(config)`` simulates a district year by year and returns the raw
contract tables and the latent truth as pandas DataFrames. Everything is drawn
from one numpy ``Generator`` seeded by ``config.seed`` (and mimesis seeded from
it), so the same arguments give the same tables.

One year, in order:
1. the roster: continuing students, returning dropouts, a kindergarten class and
   transfers in (some arriving after the year started), each placed in the
   school of their zone for their grade level;
2. exits decided from the state at the start of the year (dropping out,
   transferring out, moving within the district, withdrawing and returning),
   each mid-year or over the summer;
3. four quarters: daily attendance, marks at the end of each term, incidents,
   and services assigned at the start of each quarter from what the school can
   see; services lift engagement and achievement from their start day;
4. the spring state test;
5. end-of-year outcomes: promotion or retention (credits in high school),
   graduation, exits, engagement's drift into next year.

The last year stops at ``as_of_date`` (default 1 December of its fall), as a
district's current year does when it is scored mid-year.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from k12ews.synth import academics, attendance, services
from k12ews.synth.assemble import assemble
from k12ews.synth.calendar import (
    EVENT_CODES,
    SchoolCalendar,
    axis_length,
    axis_start,
    build_calendar,
)
from k12ews.synth.config import District, GenerateConfig, ServiceOverride
from k12ews.synth.params import Profile, get_profile
from k12ews.synth.people import NamePools, logistic, name_pools
from k12ews.synth.quarters import QuarterPhases
from k12ews.synth.roster import RosterPhases
from k12ews.synth.year import Year
from k12ews.synth.year_end import YearEndPhases

LEVELS = ("Elementary", "Middle", "High")


class Simulation(RosterPhases, QuarterPhases, YearEndPhases):
    """The district simulated year by year (``run``); the phases of a year are its
    methods here (exits, spells) and in ``roster``, ``quarters`` and ``year_end``."""

    def __init__(self, config: GenerateConfig, progress: Callable[[int], None] | None) -> None:
        self.cfg = config
        self.p: Profile = get_profile(config.profile)
        self.rng = np.random.default_rng(config.seed)
        self.progress = progress
        self.per_grade = config.students / 13
        self.names: NamePools = name_pools(config.seed)
        self._schools()
        self.pop: dict[str, np.ndarray] = {}
        self.out: dict[str, list[pd.DataFrame]] = {}
        self.incident_seq = 0
        self.test = academics.TestDesign()
        self.effects = services.effect_table()
        self.eng_eff = self.effects.pivot(
            index="start_grade", columns="service", values="engagement_effect"
        )[list(services.SERVICES)].to_numpy()
        self.acad_eff = self.effects.pivot(
            index="start_grade", columns="service", values="academic_effect"
        )[list(services.SERVICES)].to_numpy()
        self.notes: dict[str, object] = {}
        # Replays of the future (k12ews.synth.futures) run a closed population of
        # copies of chosen students: no new kindergarten class or transfers in, and only
        # the tables they read are kept.
        self.closed_roster = False
        self.keep_tables: frozenset[str] | None = None
        self.override: ServiceOverride | None = None

    # ------------------------------------------------------------------ schools
    def _schools(self) -> None:
        g = self.per_grade
        n = [max(1, round(6 * g / 450)), max(1, round(3 * g / 750)), max(1, round(4 * g / 1500))]
        rng = self.rng
        self.n_zones = n[0]
        zp = rng.normal(0, 0.45, n[0])
        # neighbourhoods differ, but the district's mean poverty is the profile's
        self.zone_poverty = zp - zp.mean() if n[0] > 1 else zp * 0
        ids, names, levels, lows, highs, variants = [], [], [], [], [], []
        base = 255900000
        pool = list(self.names.school_names)
        k = 0
        for lvl_i, lvl in enumerate(LEVELS):
            for j in range(n[lvl_i]):
                ids.append(base + 1000 * (lvl_i + 1) + j + 1)  # up to 999 schools a level
                nm = pool[k % len(pool)] + ("" if k < len(pool) else f" {k // len(pool) + 1}")
                k += 1
                names.append(f"{nm} {lvl} School" if lvl != "High" else f"{nm} High School")
                levels.append(lvl)
                lows.append((0, 6, 9)[lvl_i])
                highs.append((5, 8, 12)[lvl_i])
                variants.append(int(rng.choice(3, p=[0.6, 0.25, 0.15])))
        self.school_ids = np.array(ids)
        self.school_level = np.array([LEVELS.index(x) for x in levels])
        self.school_variant = np.array(variants)
        self.n_schools = len(ids)
        self.level_first = [int(np.flatnonzero(self.school_level == i)[0]) for i in range(3)]
        # zone -> school at each level (feeder pattern)
        self.zone_school = np.zeros((3, n[0]), dtype=np.int16)
        for lvl_i in range(3):
            self.zone_school[lvl_i] = self.level_first[lvl_i] + (np.arange(n[0]) * n[lvl_i]) // n[0]
        self.school_abs_eff = rng.normal(0, self.p.school_effect_sd, self.n_schools)
        self.school_grading = rng.normal(0, 2.0, self.n_schools)
        self.school_disc = rng.normal(0, 0.2, self.n_schools)
        self.schools_df = pd.DataFrame(
            {
                "school_id": self.school_ids,
                "school_name": names,
                "school_level": levels,
                "low_grade": lows,
                "high_grade": highs,
                "city": self.names.cities[0],
            }
        )

    # --------------------------------------------------------------- population
    def _emit(self, table: str, df: pd.DataFrame) -> None:
        if self.keep_tables is not None and table not in self.keep_tables:
            return
        self.out.setdefault(table, []).append(df)

    # --------------------------------------------------------------- calendars
    def _calendars(self, y: int) -> tuple[list[SchoolCalendar], int]:
        cals = [
            build_calendar(y, LEVELS[int(self.school_level[s])], int(self.school_variant[s]))
            for s in range(self.n_schools)
        ]
        n_days = axis_length(y)
        rows = []
        dates = np.datetime64(axis_start(y), "D") + np.arange(n_days)
        for s, c in enumerate(cals):
            rng_days = np.arange(c.first_day, c.last_day + 1)
            rows.append(
                pd.DataFrame(
                    {
                        "school_id": self.school_ids[s],
                        "school_year": y,
                        "calendar_date": dates[rng_days],
                        "is_instructional_day": c.event[rng_days] == 0,
                        "calendar_event": np.array(EVENT_CODES)[c.event[rng_days]],
                        "quarter": c.quarter[rng_days],
                        "semester": np.where(c.quarter[rng_days] <= 2, 1, 2),
                    }
                )
            )
        self._emit("calendar_days", pd.concat(rows, ignore_index=True))
        return cals, n_days

    # -------------------------------------------------------------------- year
    def run(self) -> District:
        cfg = self.cfg
        for i, y in enumerate(range(cfg.first_year, cfg.last_year + 1)):
            self._year(y, first=(i == 0), partial=(y == cfg.last_year))
            if self.progress:
                self.progress(1)
        return self._assemble()

    def _year(self, y: int, first: bool, partial: bool) -> None:
        """One school year, phase by phase (the steps of the module docstring); each
        phase reads and writes the year's state ``yr``."""
        yr = Year(y, first, partial)
        self._school_days(yr)
        self._hs_failed: list[pd.DataFrame] = []
        self._roster(yr)
        self._characteristics(yr)
        self._exits(yr)
        self._spells(yr)
        self._enrolled_days(yr)
        self._quarters(yr)
        # 4. spring test (none in spring 2020: testing was cancelled)
        if y != 2020:
            self._tests(y, yr.ri, yr.grade, yr.final_school, yr.cals, yr.sod)
        self._truth_of_year(yr)
        self._end_of_year(yr)
        self._next_year_state(yr)

    def _school_days(self, yr: Year) -> None:
        """The year's calendars as arrays: instructional days and quarter of each school's
        days, first and last days, instructional days in order, each quarter's first and
        last instructional day."""
        y = yr.y
        cals, n_days = self._calendars(y)
        n_sch = self.n_schools
        cal_instr = np.zeros((n_sch + 1, n_days), dtype=bool)
        cal_q = np.zeros((n_sch + 1, n_days), dtype=np.int8)
        for s, c in enumerate(cals):
            cal_instr[s + 1] = c.instructional
            cal_q[s + 1] = c.quarter
        first_day = np.array([c.first_day for c in cals])
        last_day = np.array([c.last_day for c in cals])
        instr_lists = [np.flatnonzero(c.instructional) for c in cals]
        n_instr = np.array([len(x) for x in instr_lists])
        instr_mat = np.zeros((n_sch, n_instr.max()), dtype=np.int32)
        for s, x in enumerate(instr_lists):
            instr_mat[s, : len(x)] = x
            instr_mat[s, len(x) :] = x[-1]
        q_start = np.zeros((n_sch, 5), dtype=np.int32)
        q_end = np.zeros((n_sch, 5), dtype=np.int32)
        for s, c in enumerate(cals):
            for q in range(1, 5):
                days_q = np.flatnonzero(c.instructional & (c.quarter == q))
                q_start[s, q], q_end[s, q] = days_q[0], days_q[-1]
        yr.cals, yr.n_days, yr.n_sch, yr.cal_instr = cals, n_days, n_sch, cal_instr
        yr.cal_q, yr.first_day, yr.last_day = cal_q, first_day, last_day
        yr.instr_lists, yr.n_instr, yr.instr_mat = instr_lists, n_instr, instr_mat
        yr.q_start, yr.q_end = q_start, q_end

    # ---- 2. exits decided from the state at the start of the year
    def _exits(self, yr: Year) -> None:
        """2. Exits decided from the state at the start of the year, mid-year or over the
        summer, and the day of each mid-year exit."""
        rng, p, pop = self.rng, self.p, self.pop
        ri, y, grade, pov, homeless = yr.ri, yr.y, yr.grade, yr.pov, yr.homeless
        has_iep, is_el, n, band, late_rows = yr.has_iep, yr.is_el, yr.n, yr.band, yr.late_rows
        n_instr, school, instr_mat, last_day = yr.n_instr, yr.school, yr.instr_mat, yr.last_day
        eng = pop["engagement"][ri]
        ability = pop["ability"][ri]
        age = self._age(y)[ri]
        trend = rng.normal(-0.10 * eng, 0.45)
        hs_years_done = np.where(pop["first9"][ri] > 0, y - pop["first9"][ri], 0)
        credits_behind = np.clip(7.0 * hs_years_done - pop["credits"][ri], 0, None) / 3.5
        overage = np.clip(age - (grade + 5.5), 0, None)
        drop_eligible = (grade >= 9) | (age >= 16)
        drop_logit = (
            p.dropout_intercept
            + 0.35 * np.clip(grade - 9, 0, 3)
            - 0.75 * eng
            - 1.5 * ability
            + 0.45 * credits_behind
            + 0.55 * overage
            + 0.20 * (pov - p.poverty_mean)
            + 0.5 * homeless
            + 0.7 * trend
            + 0.55 * has_iep
            + 0.8 * pop["behaviour_re"][ri]
            + 0.3 * pop["is_male"][ri]
            + 0.9 * is_el
            + 1.0 * pop["extra_years"][ri]
        )
        p_drop = np.where(drop_eligible, logistic(drop_logit), 0.0)
        drop = rng.random(n) < p_drop
        p_out = np.clip(
            p.transfer_out_rate * np.exp(0.25 * (pov - p.poverty_mean) + 0.9 * homeless), 0, 0.6
        )
        p_out = np.where(grade == 12, p_out * 0.5, p_out)
        out = ~drop & (rng.random(n) < p_out)
        n_level = np.bincount(self.school_level, minlength=3)[band]
        p_move = np.where(
            (n_level > 1) & ~late_rows,
            np.clip(
                p.midyear_move_rate * np.exp(0.3 * (pov - p.poverty_mean) + 1.0 * homeless), 0, 0.5
            ),
            0.0,
        )
        move = ~drop & ~out & (rng.random(n) < p_move)
        tw = ~drop & ~out & ~move & ~late_rows & (rng.random(n) < 0.006)
        mid_drop = drop & ~late_rows & (rng.random(n) < 0.65)
        mid_out = out & ~late_rows & (rng.random(n) < 0.4)
        self._emit_draws(ri, y, "dropout", p_drop, drop, drop_eligible)
        self._emit_draws(ri, y, "transfer_out", p_out, out, np.ones(n, dtype=bool))
        self._emit_draws(ri, y, "midyear_move", p_move, move, p_move > 0)

        mid_event = mid_drop | mid_out | move | tw
        k = rng.integers(15, np.maximum(n_instr[school] - 15, 16))
        exit_day = np.where(mid_event, instr_mat[school, k], last_day[school])
        yr.eng, yr.ability, yr.age, yr.trend = eng, ability, age, trend
        yr.credits_behind, yr.drop, yr.out, yr.move, yr.tw = credits_behind, drop, out, move, tw
        yr.mid_drop, yr.mid_out, yr.exit_day = mid_drop, mid_out, exit_day

    # ---- spells
    def _spells(self, yr: Year) -> None:
        """The year's enrollment spells: a second one for movers and returners."""
        rng, pop = self.rng, self.pop
        n, school, entry_day, exit_day = yr.n, yr.school, yr.entry_day, yr.exit_day
        etype, mid_drop, mid_out, move, tw = yr.etype, yr.mid_drop, yr.mid_out, yr.move, yr.tw
        ri, band, instr_lists, last_day = yr.ri, yr.band, yr.instr_lists, yr.last_day
        sp_row = [np.arange(n)]
        sp_school = [school]
        sp_start = [entry_day]
        sp_end = [exit_day]
        sp_entry = [etype.astype(object)]
        exit_code = np.full(n, "END_OF_YEAR", dtype=object)
        out_kind = rng.choice(
            np.array(
                [
                    "TRANSFER_STATE",
                    "TRANSFER_OUT_OF_STATE",
                    "TRANSFER_PRIVATE",
                    "HOMESCHOOL",
                    "WITHDRAWN_UNKNOWN",
                ]
            ),
            n,
            p=[0.5, 0.22, 0.13, 0.07, 0.08],
        )
        exit_code[mid_drop] = "DROPOUT"
        exit_code[mid_out] = out_kind[mid_out]
        exit_code[move] = "TRANSFER_DISTRICT"
        exit_code[tw] = "WITHDRAWN_RETURNING"
        sp_exit = [exit_code]
        final_school = school.copy()
        # second spell for movers and returners
        mv = np.flatnonzero(move | tw)
        if len(mv):
            new_zone = pop["zone"][ri[mv]].copy()
            s2 = school[mv].copy()
            for j, r in enumerate(mv):
                if tw[r]:
                    continue
                for _ in range(20):
                    z = int(rng.integers(0, self.n_zones))
                    if self.zone_school[band[r], z] != school[r]:
                        new_zone[j] = z
                        s2[j] = self.zone_school[band[r], z]
                        break
            gap = np.where(tw[mv], rng.integers(5, 30, len(mv)), rng.integers(1, 6, len(mv)))
            start2 = np.empty(len(mv), dtype=np.int64)
            for j in range(len(mv)):
                lst = instr_lists[s2[j]]
                kk = np.searchsorted(lst, exit_day[mv[j]] + gap[j])
                start2[j] = lst[min(kk, len(lst) - 1)]
            ok = start2 > exit_day[mv]
            mv, s2, start2, new_zone = mv[ok], s2[ok], start2[ok], new_zone[ok]
            pop["zone"][ri[mv]] = np.where(tw[mv], pop["zone"][ri[mv]], new_zone)
            pop["school"][ri[mv]] = s2
            final_school[mv] = s2
            sp_row.append(mv)
            sp_school.append(s2)
            sp_start.append(start2)
            sp_end.append(last_day[s2])
            sp_entry.append(np.where(tw[mv], "REENTRY", "TRANSFER_DISTRICT").astype(object))
            sp_exit.append(np.full(len(mv), "END_OF_YEAR", dtype=object))
            # a mover who could not be placed stays put: undo the exit
            lost = np.setdiff1d(np.flatnonzero(move | tw), mv)
            exit_code[lost] = "END_OF_YEAR"
            exit_day[lost] = last_day[school[lost]]
        spells = pd.DataFrame(
            {
                "row": np.concatenate(sp_row),
                "school": np.concatenate(sp_school),
                "start": np.concatenate(sp_start),
                "end": np.concatenate(sp_end),
                "entry_type": np.concatenate(sp_entry),
                "exit_code": np.concatenate(sp_exit),
            }
        )
        yr.spells, yr.exit_code, yr.out_kind = spells, exit_code, out_kind
        yr.final_school = final_school

    # ---- enrolled-instructional mask and school of each day
    def _enrolled_days(self, yr: Year) -> None:
        """The enrolled-instructional mask and the school of each day."""
        n, n_days, spells, cal_instr, cal_q = yr.n, yr.n_days, yr.spells, yr.cal_instr, yr.cal_q
        y, cals = yr.y, yr.cals
        sod = np.zeros((n, n_days + 1), dtype=np.int16)
        np.add.at(
            sod,
            (spells["row"].to_numpy(), spells["start"].to_numpy()),
            spells["school"].to_numpy() + 1,
        )
        np.add.at(
            sod,
            (spells["row"].to_numpy(), spells["end"].to_numpy() + 1),
            -(spells["school"].to_numpy() + 1),
        )
        sod = np.cumsum(sod, axis=1, dtype=np.int16)[:, :n_days]
        days_ix = np.arange(n_days)
        enrolled = cal_instr[sod, days_ix[None, :]]
        qmat = cal_q[sod, days_ix[None, :]]
        any_instr = cal_instr[1:].any(axis=0)
        day_eff = attendance.day_effects(y, n_days, any_instr)
        ref = cals[0]
        year_frac = np.clip(
            (days_ix - ref.first_day) / max(ref.last_day - ref.first_day, 1), 0, 1
        ).astype(np.float32)
        yr.sod, yr.enrolled, yr.qmat, yr.day_eff = sod, enrolled, qmat, day_eff
        yr.year_frac = year_frac

    # -------------------------------------------------------------- helpers
    def _age(self, y: int) -> np.ndarray:
        sep1 = np.datetime64(f"{y - 1}-09-01")
        return (sep1 - self.pop["birth"]).astype(int) / 365.25

    def _subject_ability(self, ri: np.ndarray, subject: str) -> np.ndarray:
        pop = self.pop
        g = pop["ability"][ri] + pop["acad_boost"][ri]
        if subject == "ELA":
            return 0.85 * g + pop["read_dev"][ri]
        if subject == "Math":
            return 0.85 * g + pop["math_dev"][ri]
        return g

    def _emit_draws(
        self,
        ri: np.ndarray,
        y: int,
        event: str,
        prob: np.ndarray,
        occurred: np.ndarray,
        mask: np.ndarray,
    ) -> None:
        m = np.asarray(mask, dtype=bool)
        self._emit(
            "truth_outcomes",
            pd.DataFrame(
                {
                    "sid": ri[m],
                    "school_year": y,
                    "event": event,
                    "probability": prob[m],
                    "occurred": occurred[m],
                }
            ),
        )

    # --------------------------------------------------------------- assemble
    def _assemble(self) -> District:
        return assemble(self)


def generate(config: GenerateConfig, progress: Callable[[int], None] | None = None) -> District:
    """Simulate the district described by ``config``."""
    return Simulation(config, progress).run()
