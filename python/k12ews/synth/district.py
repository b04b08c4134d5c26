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

import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd

from k12ews.synth import academics, attendance, behaviour, services
from k12ews.synth.assemble import assemble
from k12ews.synth.calendar import (
    EVENT_CODES,
    SchoolCalendar,
    axis_length,
    axis_start,
    build_calendar,
)
from k12ews.synth.config import District, GenerateConfig, ServiceOverride
from k12ews.synth.params import RACE_CODES, Profile, get_profile
from k12ews.synth.people import NamePools, draw_names, draw_traits, logistic, name_pools

ACTIVE, GONE, DROPPED, GRADUATED, COMPLETED, NOT_YET = range(6)
LEVELS = ("Elementary", "Middle", "High")
SUSPENSION_ENGAGEMENT_COST = 0.35


def _band(grade: np.ndarray) -> np.ndarray:
    return np.where(grade <= 5, 0, np.where(grade <= 8, 1, 2))


class Simulation:
    """The district simulated year by year (``run``)."""

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

    def _add_students(
        self, n: int, grade: np.ndarray, year: int, mobile: bool, over_age: float
    ) -> np.ndarray:
        rng = self.rng
        zones = rng.integers(0, self.n_zones, n)
        t = draw_traits(rng, self.p, n, self.zone_poverty, zones, mobile)
        first, last = draw_names(rng, self.names, t["is_male"], t["race"])
        extra = (rng.random(n) < over_age).astype(int)
        # 1 September of the year the student turned five (a year earlier if over-age)
        birth_year = (year - 1) - 5 - grade.astype(np.int64) - extra
        sep1 = (birth_year - 1970).astype("datetime64[Y]").astype("datetime64[M]") + np.timedelta64(
            8, "M"
        )
        birth = sep1.astype("datetime64[D]") - rng.integers(1, 366, n).astype("timedelta64[D]")
        house = rng.integers(10, 9999, n).astype(str)
        street = rng.choice(self.names.streets, n)
        postal = rng.integers(10000, 99999, n).astype(str)
        d = dict(t)
        d.update(
            first_name=first,
            last_name=last,
            birth=birth.astype("datetime64[D]"),
            street=np.char.add(np.char.add(house, " "), street.astype(str)),
            postal=postal,
            status=np.full(n, NOT_YET, dtype=np.int8),
            grade=grade.astype(np.int8),
            school=np.full(n, -1, dtype=np.int16),
            credits=np.zeros(n),
            el_now=t["el_entry"].copy(),
            years_el=np.zeros(n, dtype=np.int8),
            homeless=np.zeros(n, dtype=bool),
            retained_ever=extra.astype(bool),
            first9=np.zeros(n, dtype=np.int16),
            acad_boost=np.zeros(n),
            py_abs=np.full(n, np.nan),
            py_fails=np.zeros(n),
            py_incidents=np.zeros(n),
            below_basic=np.zeros(n, dtype=bool),
            extra_years=np.zeros(n, dtype=np.int8),
            elective=rng.integers(0, 6, n).astype(np.int8),
            gifted=np.zeros(n, dtype=bool),
            service_override=np.full(n, -1, dtype=np.int8),
        )
        start = len(self.pop.get("grade", []))
        if not self.pop:
            self.pop.update(d)
        else:
            for k, v in d.items():
                self.pop[k] = np.concatenate([self.pop[k], v])
        idx = np.arange(start, start + n)
        # gifted identification: top of the ability distribution
        self.pop["gifted"][idx] = self.pop["ability"][idx] > 1.35
        # high-school history of students who arrive already in grades 10-12
        hs_years = np.clip(grade - 9, 0, None)
        if hs_years.any():
            eng = self.pop["engagement"][idx]
            behind = np.clip(
                rng.normal(-0.6 - 0.5 * eng - 0.3 * self.pop["ability"][idx], 0.8), 0, None
            )
            self.pop["credits"][idx] = np.clip(
                7.0 * hs_years - np.round(behind * hs_years) * 0.5 * 2, 0, None
            )
            self.pop["first9"][idx] = np.where(grade >= 9, year - hs_years, 0)
        return idx

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
        rng, p, pop = self.rng, self.p, self.pop
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

        self._hs_failed: list[pd.DataFrame] = []
        # ---- 1. roster
        entry_type: dict[int, str] = {}
        late = np.empty(0, dtype=np.int64)
        if first:
            for g in range(13):
                n = round(self.per_grade)
                idx = self._add_students(
                    n, np.full(n, g), y, mobile=False, over_age=0.02 + 0.004 * g
                )
                pop["status"][idx] = ACTIVE
        else:
            back = np.flatnonzero(
                (pop["status"] == DROPPED) & (pop["grade"] <= 12) & (self._age(y) < 19.0)
            )
            back = back[rng.random(len(back)) < 0.12]
            pop["status"][back] = ACTIVE
            entry_type.update(dict.fromkeys(back.tolist(), "REENTRY"))
        if not first and not self.closed_roster:
            nk = round(self.per_grade * (1 + rng.normal(0, 0.02)))
            idx = self._add_students(nk, np.zeros(nk, dtype=int), y, mobile=False, over_age=0.01)
            pop["status"][idx] = ACTIVE
            entry_type.update(dict.fromkeys(idx.tolist(), "INITIAL_ENTRY"))
            active_g = np.bincount(pop["grade"][pop["status"] == ACTIVE], minlength=13)
            # transfers in: a steady 4.5% a grade, plus half of any shortfall in K-8
            # (high-school grades shrink with dropping out, as real ones do)
            short = np.clip(self.per_grade - active_g, 0, None)
            n_in = 0.045 * self.per_grade + np.where(np.arange(13) <= 8, 0.5 * short, 0.1 * short)
            n_in[0] = 0.02 * self.per_grade
            n_in = rng.poisson(n_in)
            grades = np.repeat(np.arange(13), n_in)
            idx = self._add_students(len(grades), grades, y, mobile=True, over_age=0.04)
            pop["status"][idx] = ACTIVE
            kinds = rng.choice(
                np.array(["TRANSFER_STATE", "TRANSFER_OUT_OF_STATE", "TRANSFER_PRIVATE"]),
                len(idx),
                p=[0.55, 0.3, 0.15],
            )
            entry_type.update(zip(idx.tolist(), kinds.tolist(), strict=True))
            # a third arrive after the year has started; fewer in high school, where
            # transfers cluster at the semester turn
            late = idx[rng.random(len(idx)) < np.where(grades >= 9, 0.2, 0.35)]
        ri = np.flatnonzero(pop["status"] == ACTIVE)
        n = len(ri)
        grade = pop["grade"][ri].astype(int)
        band = _band(grade)
        school = self.zone_school[band, pop["zone"][ri]].astype(int)
        prev_school = pop["school"][ri]
        etype = np.full(n, "", dtype=object)
        if entry_type:  # students who entered this year, by population index (ri is sorted)
            etype[np.searchsorted(ri, np.fromiter(entry_type, dtype=np.int64))] = list(
                entry_type.values()
            )
        cont = etype == ""
        prev_band = np.where(prev_school >= 0, self.school_level[np.clip(prev_school, 0, None)], -1)
        etype[cont & (prev_school == school)] = "NEXT_YEAR"
        etype[cont & (prev_school != school) & (prev_band != band)] = "FEEDER"
        etype[cont & (prev_school != school) & (prev_band == band)] = "TRANSFER_DISTRICT"
        if first:
            etype[:] = np.where((grade == 6) | (grade == 9), "FEEDER", "NEXT_YEAR")
        pop["school"][ri] = school
        entry_day = first_day[school].copy()
        if not first:
            late_rows = np.isin(ri, late)
            k = rng.integers(10, 150, late_rows.sum())
            entry_day[late_rows] = instr_mat[school[late_rows], k]
        else:
            late_rows = np.zeros(n, dtype=bool)
        first9_new = (grade == 9) & (pop["first9"][ri] == 0)
        pop["first9"][ri[first9_new]] = y

        # ---- yearly characteristics
        pov = pop["poverty"][ri]
        hl = p.homeless_base_logit + 1.1 * pov + 2.8 * pop["homeless"][ri]
        homeless = rng.random(n) < logistic(hl)
        pop["homeless"][ri] = homeless
        is_el = pop["el_now"][ri]
        has_iep = pop["disability"][ri] & (grade >= pop["iep_grade"][ri])
        has_504 = pop["s504"][ri] & (grade >= pop["s504_grade"][ri]) & ~has_iep
        gifted = pop["gifted"][ri] & (grade >= 2)
        frl = np.where(pov > p.frl_threshold + 0.22, "F", np.where(pov > p.frl_threshold, "R", "N"))
        internet = logistic(1.6 + 0.12 * (y - 2016) - 0.9 * pov + pop["internet_re"][ri]) > 0.5
        sid = ri
        self._emit(
            "student_characteristics",
            pd.DataFrame(
                {
                    "sid": sid,
                    "school_year": y,
                    "frl_status": frl,
                    "is_english_learner": is_el,
                    "has_iep": has_iep,
                    "has_504_plan": has_504,
                    "is_gifted": gifted,
                    "is_homeless": homeless,
                    "has_home_internet": internet,
                    "home_language": pop["home_language"][ri],
                }
            ),
        )

        # ---- 2. exits decided from the state at the start of the year
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
            + 0.8 * pop["behavior_re"][ri]
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
        # ---- spells
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
        # ---- enrolled-instructional mask and school of each day
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

        # ---- 3. quarters
        is_black = pop["race"][ri] == RACE_CODES.index("BL")
        pov_c = pov - p.poverty_mean
        excused_logit = (
            0.45 - 0.45 * pov_c + 1.0 * pop["health"][ri] - 0.35 * (grade >= 9) + 0.2 * eng
        )
        tardy_logit = (
            p.tardy_intercept
            + 0.55 * (grade >= 9)
            - 0.35 * eng
            + 0.2 * pov_c
            + 0.5 * pop["absence_re"][ri]
        )
        yr_shift = p.absence_year_shift.get(
            y, p.absence_year_shift.get(max(p.absence_year_shift), 0.0) if y > 2020 else 0.0
        )
        ytd_enrolled = np.zeros(n)
        ytd_absent = np.zeros(n)
        ytd_expected = np.zeros(n)
        term_enrolled = np.zeros(n)
        term_absent = np.zeros(n)
        ytd_incidents = np.zeros(n)
        last_fails = pop["py_fails"][ri].copy()
        served = np.zeros((n, len(services.SERVICES)), dtype=bool)
        cap = rng.normal(0, 0.35, (n_sch, len(services.SERVICES)))
        hs_credits_year = np.zeros(n)
        core_fail_terms = np.zeros(n)
        core_terms = np.zeros(n)
        svc_rows: list[pd.DataFrame] = []
        for q in range(1, 5):
            # services starting this quarter, on what the school can see now
            abs_rate = np.where(
                ytd_enrolled >= 10, ytd_absent / np.maximum(ytd_enrolled, 1), pop["py_abs"][ri]
            )
            abs_rate = np.nan_to_num(abs_rate, nan=0.05)
            cur_school = (
                sod[np.arange(n), np.clip(q_start[final_school, q], 0, n_days - 1)].astype(int) - 1
            )
            present = cur_school >= 0
            severity = (
                (abs_rate >= 0.1).astype(int)
                + (last_fails > 0)
                + (ytd_incidents + pop["py_incidents"][ri] * (q == 1) > 1)
                + (abs_rate >= 0.2)
                + (last_fails >= 2)
            )
            for sv in range(len(services.SERVICES)):
                logit = services.assignment_logit(
                    sv,
                    q,
                    grade,
                    abs_rate,
                    last_fails,
                    ytd_incidents + (pop["py_incidents"][ri] if q == 1 else 0),
                    pop["below_basic"][ri],
                    credits_behind,
                    homeless,
                    gifted,
                    cap[np.clip(cur_school, 0, None), sv],
                    p.service_intercept,
                )
                elig = present & ~served[:, sv] & services.eligible_grades(sv, grade)
                starts = services.draw_assignments(rng, logit, elig)
                ov = self.override
                if ov is not None and ov.year == y and q in ov.quarters:
                    chosen = pop["service_override"][ri] == sv
                    starts = (starts | (chosen & elig)) if ov.force else (starts & ~chosen)
                got = np.flatnonzero(starts)
                if not len(got):
                    continue
                served[got, sv] = True
                st = q_start[cur_school[got], q]
                weeks = rng.integers(8, 19, len(got))
                en_day = st + 7 * weeks
                yl = last_day[cur_school[got]]
                en_day = np.where((en_day >= yl) | (sv == services.GIFTED), yl, en_day)
                # a service ends when the student leaves the school
                en_day = np.minimum(en_day, np.where(exit_day[got] >= st, exit_day[got], yl))
                de = self.eng_eff[grade[got], sv]
                da = self.acad_eff[grade[got], sv]
                pop["engagement"][ri[got]] += de
                pop["acad_boost"][ri[got]] += da
                svc_rows.append(
                    pd.DataFrame(
                        {
                            "sid": ri[got],
                            "school": cur_school[got],
                            "service": services.SERVICES[sv],
                            "tier": services.tier_for(sv, severity[got], abs_rate[got]),
                            "start": st,
                            "end": en_day,
                            "quarter": q,
                            "grade": grade[got],
                            "engagement_effect": de,
                            "academic_effect": da,
                        }
                    )
                )
            eng = pop["engagement"][ri]
            base_logit = (
                p.absence_intercept
                + np.asarray(p.absence_grade_shift)[grade]
                + yr_shift
                + p.absence_engagement_slope * eng
                + p.absence_poverty_slope * pov_c
                + pop["absence_re"][ri]
                + 0.55 * pop["health"][ri]
                + 0.5 * homeless
                + 0.15 * has_iep
                + self.school_abs_eff[final_school]
            )
            qdays = np.flatnonzero((cal_q[1:] == q).any(axis=0))
            sl = slice(int(qdays[0]), int(qdays[-1]) + 1)
            en_q = enrolled & (qmat == q)
            draw = attendance.draw_days(
                rng, en_q, base_logit, trend, year_frac, day_eff, excused_logit, tardy_logit, sl
            )
            ev_school = sod[draw.row, draw.day] - 1
            self._emit(
                "attendance_events",
                pd.DataFrame(
                    {
                        "sid": ri[draw.row].astype(np.int32),
                        "school": ev_school.astype(np.int16),
                        "school_year": y,
                        "day": draw.day.astype(np.int16),
                        "code": draw.code,
                        "event_duration": draw.duration,
                        "minutes_missed": draw.minutes,
                    }
                ),
            )
            ytd_enrolled += draw.enrolled_days
            ytd_absent += draw.absent_weight
            ytd_expected += draw.expected_absent
            term_enrolled += draw.enrolled_days
            term_absent += draw.absent_weight
            # discipline this quarter
            exposure = draw.enrolled_days / 180.0
            log_rate = (
                p.incident_intercept
                + behaviour.BAND_RATE[band]
                + 0.45 * pop["is_male"][ri]
                + p.incident_engagement_slope * eng
                + 0.7 * pop["behavior_re"][ri]
                + 0.3 * pov_c
                + p.referral_bias_black * is_black
                + self.school_disc[final_school]
            )
            k_inc = behaviour.draw_incidents(rng, np.minimum(log_rate, 2.5), exposure)
            ytd_incidents += k_inc
            n_oss = self._discipline(y, ri, k_inc, en_q, sod, band, is_black)
            # being sent home pushes students further off track (Balfanz et al. 2014)
            pop["engagement"][ri] -= SUSPENSION_ENGAGEMENT_COST * np.minimum(n_oss, 1)
            # marks at the end of the term
            term_done = (q == 2) | (q == 4)
            elem = grade <= 5
            rate_term = np.where(term_enrolled > 0, term_absent / np.maximum(term_enrolled, 1), 0)
            rate_q = np.where(
                draw.enrolled_days > 0, draw.absent_weight / np.maximum(draw.enrolled_days, 1), 0
            )
            who = np.zeros(n, dtype=bool)
            # enrolled through the end of the term at the school they end it in
            end_day_row = q_end[final_school, q]
            who = sod[np.arange(n), end_day_row] > 0
            if term_done:
                marks_rows = who & (term_enrolled >= 10)
                term = f"S{q // 2}"
                f, c, cr = self._marks(
                    y,
                    ri,
                    marks_rows & ~elem,
                    grade,
                    eng,
                    rate_term,
                    final_school,
                    term,
                    sod,
                    end_day_row,
                )
                last_fails = np.where(~elem, f, last_fails)
                core_fail_terms += np.where(~elem, f, 0)
                core_terms += np.where(~elem & marks_rows, 4, 0)
                hs_credits_year += cr
                term_enrolled[:] = 0
                term_absent[:] = 0
            marks_rows_e = who & (draw.enrolled_days >= 10) & elem
            f, c, _ = self._marks(
                y, ri, marks_rows_e, grade, eng, rate_q, final_school, f"Q{q}", sod, end_day_row
            )
            last_fails = np.where(elem, f, last_fails)
            core_fail_terms += np.where(elem, f, 0)
            core_terms += np.where(marks_rows_e, 4, 0)
        svc = pd.concat(svc_rows, ignore_index=True) if svc_rows else None
        if svc is not None:
            self._emit("services", svc.assign(school_year=y))

        # ---- 4. spring test (none in spring 2020: testing was cancelled)
        if y != 2020:
            self._tests(y, ri, grade, final_school, cals, sod)

        # ---- truth of the year
        self._emit(
            "truth_student_year",
            pd.DataFrame(
                {
                    "sid": ri,
                    "school_year": y,
                    "grade_level": grade,
                    "ability": pop["ability"][ri] + pop["acad_boost"][ri],
                    "reading_ability": self._subject_ability(ri, "ELA"),
                    "math_ability": self._subject_ability(ri, "Math"),
                    "engagement": pop["engagement"][ri],
                    "poverty": pov,
                    "absence_trend": trend,
                    "true_absence_rate": np.where(
                        ytd_enrolled > 0, ytd_expected / np.maximum(ytd_enrolled, 1), np.nan
                    ),
                }
            ),
        )

        # ---- 5. end of year
        abs_rate_y = np.where(ytd_enrolled > 0, ytd_absent / np.maximum(ytd_enrolled, 1), np.nan)
        completed = ~(mid_drop | mid_out)  # still enrolled at the end of the year
        pop["credits"][ri] += np.where(grade >= 9, hs_credits_year, 0)
        self._summer_recovery(y, ri, completed & ~drop, final_school, last_day)
        cred = pop["credits"][ri]
        fail_share = core_fail_terms / np.maximum(core_terms, 1)
        ret_shift = np.array([1.0, 0.8, 0.4, 0.45, 0, 0, 0.15, 0.1, 0.2])
        ret_logit = (
            p.retention_intercept
            + ret_shift[np.clip(grade, 0, 8)]
            # K-2 standards marks of 1 ("beginning") are common and weigh less than an F
            + np.where(grade <= 2, 2.0, 5.0) * fail_share
            - 0.6 * ability
            + 4.0 * np.nan_to_num(abs_rate_y - 0.06, nan=0)
            + 0.4 * is_el * (grade <= 2)
        )
        # district policy: a student is held back at most once in K-8
        p_ret = np.where((grade <= 8) & ~pop["retained_ever"][ri], logistic(ret_logit), 0.0)
        need = np.select([grade == 9, grade == 10, grade == 11], [5.0, 11.0, 17.0], 0.0)
        retained = np.where(
            grade <= 8, rng.random(n) < p_ret, (grade >= 9) & (grade <= 11) & (cred < need)
        )
        p_ret_all = np.where(
            grade <= 8, p_ret, ((grade >= 9) & (grade <= 11) & (cred < need)).astype(float)
        )
        self._emit_draws(ri, y, "retention", p_ret_all, retained, completed & (grade <= 11))
        senior = (grade == 12) & completed & ~drop
        p_grad = np.where(cred >= 24, 0.985 - 0.03 * has_iep, 0.0)
        grad = senior & (rng.random(n) < p_grad)
        cert = senior & ~grad & has_iep & (cred >= 20) & (rng.random(n) < 0.5)
        self._emit_draws(ri, y, "graduation", p_grad, grad, senior)
        # students who reach 20 without a diploma age out (withdrawn, no documented transfer)
        aged_out = (
            completed
            & ~drop
            & ~grad
            & ~cert
            & (grade >= 9)
            & ((pop["extra_years"][ri] >= 2) | (age >= 19.0))
        )
        # final exit codes of the year's last spell
        fin = exit_code.copy()
        summer_drop = drop & ~mid_drop
        summer_out = out & ~mid_out
        fin[summer_drop | aged_out] = "WITHDRAWN_UNKNOWN"
        fin[summer_out] = out_kind[summer_out]
        fin[grad] = "GRADUATED"
        fin[cert] = "CERTIFICATE"
        # the last spell of each row gets the final code when it ends at year end
        last_spell = spells.groupby("row").tail(1).index.to_numpy()
        r_last = spells.loc[last_spell, "row"].to_numpy()
        ends_at_year_end = (
            spells.loc[last_spell, "end"].to_numpy()
            == last_day[spells.loc[last_spell, "school"].to_numpy()]
        )
        upd = last_spell[ends_at_year_end]
        spells.loc[upd, "exit_code"] = fin[r_last[ends_at_year_end]]
        self._emit_spells(y, ri, grade, spells, first_day)

        # status and next year's state
        status = np.full(n, ACTIVE, dtype=np.int8)
        status[mid_out | summer_out] = GONE
        status[drop | aged_out] = DROPPED
        status[grad] = GRADUATED
        status[cert] = COMPLETED
        pop["status"][ri] = status
        cont = status == ACTIVE
        pop["grade"][ri] = np.where(cont & ~retained & (grade < 12), grade + 1, grade)
        pop["retained_ever"][ri] |= cont & retained
        pop["extra_years"][ri] += (cont & (grade == 12)).astype(np.int8)
        # engagement drifts into next year; transitions into middle and high school bite
        nxt = pop["grade"][ri]
        shock = np.where((nxt == 6) & (grade == 5), -0.12, 0.0) + np.where(
            (nxt == 9) & (grade == 8), -0.2, 0.0
        )
        pop["engagement"][ri] = 0.82 * eng + 0.56 * rng.standard_normal(n) + shock - 0.06 * pov_c
        # academic gains from tutoring and remediation fade over the following years
        pop["acad_boost"][ri] *= 0.6
        # family circumstances change a little each year around the family's own level
        pop["poverty"][ri] = pov + rng.normal(0, 0.2, n) - 0.1 * (pov - pop["poverty_base"][ri])
        # English learners reclassify as their reading grows
        el = pop["el_now"][ri]
        recl = (
            el
            & (grade >= 1)
            & (
                rng.random(n)
                < logistic(
                    -2.3
                    + 1.1 * self._subject_ability(ri, "ELA")
                    + 0.45 * pop["years_el"][ri]
                    + pop["el_exit_hazard"][ri]
                )
            )
        )
        pop["el_now"][ri] = el & ~recl
        pop["years_el"][ri] += el.astype(np.int8)
        # summer moves within the district
        smove = cont & (rng.random(n) < p.summer_move_rate * np.exp(0.3 * pov_c + 1.0 * homeless))
        pop["zone"][ri[smove]] = rng.integers(0, self.n_zones, int(smove.sum()))
        pop["py_abs"][ri] = np.nan_to_num(abs_rate_y, nan=0.05)
        pop["py_fails"][ri] = last_fails
        pop["py_incidents"][ri] = ytd_incidents

    def _summer_recovery(
        self,
        y: int,
        ri: np.ndarray,
        eligible: np.ndarray,
        final_school: np.ndarray,
        last_day: np.ndarray,
    ) -> None:
        """Summer credit recovery: some failed high-school courses are retaken and passed.

        Recorded as term ``SU`` marks of ``P`` in the failed course, earning its
        credits, as districts' summer sessions and online recovery do.
        """
        if not self._hs_failed:
            return
        f = pd.concat(self._hs_failed, ignore_index=True)
        f = f.loc[eligible[f["row"].to_numpy()]]
        f = f.groupby(["row", "course_code"], as_index=False, sort=True)["credits"].sum()
        if f.empty:
            return
        rows = f["row"].to_numpy()
        n_failed = np.bincount(rows, minlength=len(ri))[rows]
        eng = self.pop["engagement"][ri[rows]]
        p_rec = logistic(self.p.credit_recovery_intercept + 0.8 * eng - 0.15 * n_failed)
        rec = self.rng.random(len(f)) < p_rec
        f, rows = f.loc[rec], rows[rec]
        np.add.at(
            self.pop["credits"], ri[rows], f["credits"].to_numpy()
        )  # a student may recover several
        school = final_school[rows]
        self._emit(
            "course_grades",
            pd.DataFrame(
                {
                    "sid": ri[rows],
                    "school": school,
                    "course_code": pd.Categorical(f["course_code"], dtype=academics.COURSE_DTYPE),
                    "school_year": y,
                    "term": pd.Categorical(["SU"] * len(f), dtype=academics.TERM_DTYPE),
                    "letter_grade": pd.Categorical(["P"] * len(f), dtype=academics.LETTER_DTYPE),
                    "numeric_grade": np.nan,
                    "credits_attempted": f["credits"].to_numpy(),
                    "credits_earned": f["credits"].to_numpy(),
                    "end_day": last_day[school] + 40,
                }
            ),
        )

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

    def _discipline(
        self,
        y: int,
        ri: np.ndarray,
        k_inc: np.ndarray,
        en_q: np.ndarray,
        sod: np.ndarray,
        band: np.ndarray,
        is_black: np.ndarray,
    ) -> np.ndarray:
        """Write the incidents; return out-of-school suspensions per roster row."""
        rows = np.repeat(np.arange(len(ri)), k_inc)
        if not len(rows):
            return np.zeros(len(ri))
        cum = np.cumsum(en_q[rows], axis=1)
        total = cum[:, -1]
        pick = (self.rng.random(len(rows)) * total).astype(int)
        day = (cum <= pick[:, None]).sum(axis=1)
        cat, action, days = behaviour.draw_actions(
            self.rng, band[rows], is_black[rows], self.p.oss_bias_black
        )
        ids = self.incident_seq + np.arange(len(rows))
        self.incident_seq += len(rows)
        self._emit(
            "discipline",
            pd.DataFrame(
                {
                    "incident_id": [f"INC{y}-{i:07d}" for i in ids],
                    "sid": ri[rows],
                    "school": sod[rows, day] - 1,
                    "school_year": y,
                    "day": day,
                    "behavior_category": np.array(behaviour.CATEGORIES)[cat],
                    "action": np.array(behaviour.ACTIONS)[action],
                    "days_removed": days,
                }
            ),
        )
        return np.bincount(
            rows[action == behaviour.ACTIONS.index("OSS")], minlength=len(ri)
        ).astype(float)

    def _marks(
        self,
        y: int,
        ri: np.ndarray,
        rows_mask: np.ndarray,
        grade: np.ndarray,
        eng: np.ndarray,
        absence_rate: np.ndarray,
        final_school: np.ndarray,
        term: str,
        sod: np.ndarray,
        end_day: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Marks for one term; returns core failures, core courses and credits earned per row."""
        rng, p = self.rng, self.p
        n = len(ri)
        fails = np.zeros(n)
        ncore = np.zeros(n)
        credits = np.zeros(n)
        rows = np.flatnonzero(rows_mask)
        if not len(rows):
            return fails, ncore, credits
        g = grade[rows]
        school = sod[rows, end_day[rows]] - 1
        shock = rng.normal(0, 3.5, len(rows))
        frames = []
        lvl_shift = np.select([g >= 9, g >= 6], [-0.5, 0.0], 0.0)
        for codes, subj_idx, is_core, _ in academics.courses_for(g, self.pop["elective"][ri[rows]]):
            keep = codes != ""
            if not keep.any():
                continue
            subj = academics.CORE[subj_idx[0]] if is_core else "other"
            ab = self._subject_ability(ri[rows], subj if subj in ("ELA", "Math") else "other")
            mu = (
                p.grade_intercept
                + 10.0 * ab
                + 4.5 * eng[rows]
                + p.grade_absence_slope * absence_rate[rows]
                + self.school_grading[school]
                + lvl_shift
                + shock
                + (6.0 if not is_core else 0.0)
                + (3.0 if subj == "ELA" else 0.0)  # English is failed less often than math
            )
            numeric = np.clip(np.round(mu + rng.normal(0, 5.0, len(rows))), 30, 100)
            letter = academics.letter_from_numeric(numeric, g)
            failed = (letter == "F") | (letter == "1")
            cr_att = np.where(g >= 9, academics.HS_CREDIT, 0.0)
            cr_earn = np.where(failed, 0.0, cr_att)
            hs_fail = keep & failed & (g >= 9)
            if hs_fail.any():
                self._hs_failed.append(
                    pd.DataFrame(
                        {
                            "row": rows[hs_fail],
                            "course_code": codes[hs_fail],
                            "credits": cr_att[hs_fail],
                        }
                    )
                )
            if is_core:
                fails[rows[keep]] += failed[keep]
                ncore[rows[keep]] += 1
            credits[rows[keep]] += cr_earn[keep]
            frames.append(
                pd.DataFrame(
                    {
                        "sid": ri[rows[keep]],
                        "school": school[keep],
                        "course_code": pd.Categorical(codes[keep], dtype=academics.COURSE_DTYPE),
                        "school_year": y,
                        "term": pd.Categorical(
                            [term] * int(keep.sum()), dtype=academics.TERM_DTYPE
                        ),
                        "letter_grade": pd.Categorical(letter[keep], dtype=academics.LETTER_DTYPE),
                        "numeric_grade": numeric[keep],
                        "credits_attempted": cr_att[keep],
                        "credits_earned": cr_earn[keep],
                        "end_day": end_day[rows[keep]],
                    }
                )
            )
        self._emit("course_grades", pd.concat(frames, ignore_index=True))
        return fails, ncore, credits

    def _tests(
        self,
        y: int,
        ri: np.ndarray,
        grade: np.ndarray,
        final_school: np.ndarray,
        cals: list[SchoolCalendar],
        sod: np.ndarray,
    ) -> None:
        start = axis_start(y)
        target = (dt.date(y, 4, 20) - start).days
        test_day = np.array(
            [
                int(np.flatnonzero(c.instructional & (np.arange(len(c.event)) >= target))[0])
                for c in cals
            ]
        )
        td = test_day[final_school]
        at = sod[np.arange(len(ri)), td] - 1
        tested = np.isin(grade, self.test.grades) & (at >= 0)
        rows = np.flatnonzero(tested)
        pop = self.pop
        bb = np.zeros(len(ri), dtype=bool)
        for subject in ("ELA", "Math"):
            mean = (
                self._subject_ability(ri[rows], subject)
                + 0.2 * pop["engagement"][ri[rows]]
                + self.p.proficiency_shift * 0
            )
            scale, level, p_prof = academics.score_tests(
                self.rng, self.test, subject, grade[rows], mean
            )
            bb[rows] |= level == 1
            self._emit(
                "assessments",
                pd.DataFrame(
                    {
                        "sid": ri[rows],
                        "school": at[rows],
                        "assessment_id": f"STATE-{subject.upper()}-{y}",
                        "school_year": y,
                        "day": td[rows],
                        "grade_level": grade[rows],
                        "subject": subject,
                        "scale_score": scale,
                        "performance_level": level,
                        "is_proficient": level >= 3,
                    }
                ),
            )
            if subject == "ELA":
                g3 = grade[rows] == 3
                self._emit_draws(ri[rows], y, "grade3_reading_proficient", p_prof, level >= 3, g3)
        pop["below_basic"][ri[rows]] = bb[rows]

    def _emit_spells(
        self, y: int, ri: np.ndarray, grade: np.ndarray, spells: pd.DataFrame, first_day: np.ndarray
    ) -> None:
        self._emit(
            "enrollments",
            pd.DataFrame(
                {
                    "sid": ri[spells["row"].to_numpy()],
                    "school": spells["school"].to_numpy(),
                    "school_year": y,
                    "grade_level": grade[spells["row"].to_numpy()],
                    "start": spells["start"].to_numpy(),
                    "end": spells["end"].to_numpy(),
                    "entry_type": spells["entry_type"].to_numpy(),
                    "exit_code": spells["exit_code"].to_numpy(),
                }
            ),
        )

    # --------------------------------------------------------------- assemble
    def _assemble(self) -> District:
        return assemble(self)


def generate(config: GenerateConfig, progress: Callable[[int], None] | None = None) -> District:
    """Simulate the district described by ``config``."""
    return Simulation(config, progress).run()
