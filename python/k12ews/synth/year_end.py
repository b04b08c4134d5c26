"""4-5. The spring state test, the truth of the year and the end of a simulated school
year (mixed into ``k12ews.synth.district.Simulation``): summer credit recovery,
promotion or retention, graduation, exits, and next year's state."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from k12ews.synth import academics
from k12ews.synth.calendar import SchoolCalendar, axis_start
from k12ews.synth.people import logistic
from k12ews.synth.year import ACTIVE, COMPLETED, DROPPED, GONE, GRADUATED, Year


class YearEndPhases:
    """The phases of ``Simulation._year`` after the quarters, on the simulation's state
    (``rng``, ``p``, ``pop``) and the year's (``yr``)."""

    # ---- 4. spring test
    def _tests(
        self,
        y: int,
        ri: np.ndarray,
        grade: np.ndarray,
        final_school: np.ndarray,
        cals: list[SchoolCalendar],
        sod: np.ndarray,
    ) -> None:
        """4. The spring state test in reading and math (grades of ``self.test``); who
        scores below basic is what the school sees next year."""
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

    # ---- truth of the year
    def _truth_of_year(self, yr: Year) -> None:
        """The truth of the year: each student's latent state."""
        pop = self.pop
        ri, y, grade, pov, trend = yr.ri, yr.y, yr.grade, yr.pov, yr.trend
        ytd_enrolled, ytd_expected = yr.ytd_enrolled, yr.ytd_expected
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
    def _end_of_year(self, yr: Year) -> None:
        """5. End of year: credits, summer recovery, retention, graduation, aging out, and
        the final exit code of the year's last spell."""
        rng, p, pop = self.rng, self.p, self.pop
        ytd_enrolled, ytd_absent, mid_drop = yr.ytd_enrolled, yr.ytd_absent, yr.mid_drop
        mid_out, grade, hs_credits_year, ri = yr.mid_out, yr.grade, yr.hs_credits_year, yr.ri
        y, drop, final_school, last_day = yr.y, yr.drop, yr.final_school, yr.last_day
        core_fail_terms, core_terms, ability = yr.core_fail_terms, yr.core_terms, yr.ability
        is_el, n, has_iep, age, exit_code = yr.is_el, yr.n, yr.has_iep, yr.age, yr.exit_code
        out, out_kind, spells, first_day = yr.out, yr.out_kind, yr.spells, yr.first_day
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

        yr.abs_rate_y, yr.summer_out, yr.aged_out, yr.grad = abs_rate_y, summer_out, aged_out, grad
        yr.cert, yr.retained = cert, retained

    # ---- status and next year's state
    def _next_year_state(self, yr: Year) -> None:
        """Status and next year's state: grade, engagement, poverty, English learners, zones."""
        rng, p, pop = self.rng, self.p, self.pop
        n, mid_out, summer_out, drop = yr.n, yr.mid_out, yr.summer_out, yr.drop
        aged_out, grad, cert, ri, retained = yr.aged_out, yr.grad, yr.cert, yr.ri, yr.retained
        grade, eng, pov_c, pov, homeless = yr.grade, yr.eng, yr.pov_c, yr.pov, yr.homeless
        abs_rate_y, last_fails, ytd_incidents = yr.abs_rate_y, yr.last_fails, yr.ytd_incidents
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
