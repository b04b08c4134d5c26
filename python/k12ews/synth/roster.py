"""1. The roster of a simulated school year (mixed into
``k12ews.synth.district.Simulation``): continuing students, returning dropouts, a
kindergarten class and transfers in, each placed in the school of their zone for their
grade level, new students drawn from their latent traits, and the year's
characteristics."""

from __future__ import annotations

import numpy as np
import pandas as pd

from k12ews.synth.people import draw_names, draw_traits, logistic
from k12ews.synth.year import ACTIVE, DROPPED, NOT_YET, Year


def _band(grade: np.ndarray) -> np.ndarray:
    return np.where(grade <= 5, 0, np.where(grade <= 8, 1, 2))


class RosterPhases:
    """The roster phases of ``Simulation._year``, and the students it adds, on the
    simulation's state (``rng``, ``p``, ``pop``) and the year's (``yr``)."""

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

    # ---- 1. roster
    def _roster(self, yr: Year) -> None:
        """1. The roster: continuing students, returning dropouts, a kindergarten class and
        transfers in, each placed in the school of their zone for their grade level."""
        rng, pop = self.rng, self.pop
        first, y, first_day, instr_mat = yr.first, yr.y, yr.first_day, yr.instr_mat
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
        yr.ri, yr.n, yr.grade, yr.band, yr.school, yr.etype = ri, n, grade, band, school, etype
        yr.entry_day, yr.late_rows = entry_day, late_rows

    # ---- yearly characteristics
    def _characteristics(self, yr: Year) -> None:
        """The yearly characteristics: poverty, homelessness, English learners, IEPs, gifted."""
        rng, p, pop = self.rng, self.p, self.pop
        ri, n, grade, y = yr.ri, yr.n, yr.grade, yr.y
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
        yr.pov, yr.homeless, yr.is_el, yr.has_iep = pov, homeless, is_el, has_iep
        yr.gifted = gifted
