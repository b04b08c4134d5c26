"""3. The quarters of a simulated school year (mixed into
``k12ews.synth.district.Simulation``): services assigned at the start of each quarter
from what the school can see, daily attendance, incidents, and marks at the end of each
term."""

from __future__ import annotations

import numpy as np
import pandas as pd

from k12ews.synth import academics, attendance, behaviour, services
from k12ews.synth.params import RACE_CODES
from k12ews.synth.year import Year

SUSPENSION_ENGAGEMENT_COST = 0.35


class QuarterPhases:
    """The quarter phases of ``Simulation._year``, on the simulation's state (``rng``,
    ``p``, ``pop``) and the year's (``yr``)."""

    def _quarters(self, yr: Year) -> None:
        """3. Four quarters: services, daily attendance, incidents and marks."""
        rng, p, pop = self.rng, self.p, self.pop
        ri, pov, grade, eng, y, n, n_sch = yr.ri, yr.pov, yr.grade, yr.eng, yr.y, yr.n, yr.n_sch
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
        yr.is_black, yr.pov_c, yr.excused_logit = is_black, pov_c, excused_logit
        yr.tardy_logit, yr.yr_shift, yr.ytd_enrolled = tardy_logit, yr_shift, ytd_enrolled
        yr.ytd_absent, yr.ytd_expected, yr.term_enrolled = ytd_absent, ytd_expected, term_enrolled
        yr.term_absent, yr.ytd_incidents, yr.last_fails = term_absent, ytd_incidents, last_fails
        yr.served, yr.cap, yr.hs_credits_year = served, cap, hs_credits_year
        yr.core_fail_terms, yr.core_terms, yr.svc_rows = core_fail_terms, core_terms, svc_rows
        for q in range(1, 5):
            self._start_services(yr, q)
            draw, en_q = self._attend(yr, q)
            self._discipline_this_quarter(yr, draw, en_q)
            self._marks_of_term(yr, q, draw)
        svc = pd.concat(svc_rows, ignore_index=True) if svc_rows else None
        if svc is not None:
            self._emit("services", svc.assign(school_year=y))

    def _start_services(self, yr: Year, q: int) -> None:
        """Services starting this quarter, on what the school can see now."""
        rng, p, pop = self.rng, self.p, self.pop
        ytd_enrolled, ytd_absent, ri, sod, n = yr.ytd_enrolled, yr.ytd_absent, yr.ri, yr.sod, yr.n
        q_start, final_school, n_days = yr.q_start, yr.final_school, yr.n_days
        last_fails, ytd_incidents, grade = yr.last_fails, yr.ytd_incidents, yr.grade
        credits_behind, homeless, gifted, cap = yr.credits_behind, yr.homeless, yr.gifted, yr.cap
        served, y, last_day, exit_day = yr.served, yr.y, yr.last_day, yr.exit_day
        svc_rows = yr.svc_rows
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

    def _attend(self, yr: Year, q: int) -> tuple[attendance.AttendanceDraw, np.ndarray]:
        """The quarter's daily attendance; returns the draw and the quarter's enrolled days."""
        rng, p, pop = self.rng, self.p, self.pop
        ri, grade, yr_shift, pov_c, homeless = yr.ri, yr.grade, yr.yr_shift, yr.pov_c, yr.homeless
        has_iep, final_school, cal_q, enrolled = yr.has_iep, yr.final_school, yr.cal_q, yr.enrolled
        qmat, trend, year_frac, day_eff = yr.qmat, yr.trend, yr.year_frac, yr.day_eff
        excused_logit, tardy_logit, sod, y = yr.excused_logit, yr.tardy_logit, yr.sod, yr.y
        ytd_enrolled, ytd_absent, ytd_expected = yr.ytd_enrolled, yr.ytd_absent, yr.ytd_expected
        term_enrolled, term_absent = yr.term_enrolled, yr.term_absent
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
        yr.eng = eng
        return draw, en_q

    def _discipline_this_quarter(
        self, yr: Year, draw: attendance.AttendanceDraw, en_q: np.ndarray
    ) -> None:
        """Discipline this quarter, and the engagement it costs."""
        rng, p, pop = self.rng, self.p, self.pop
        band, ri, eng, pov_c, is_black = yr.band, yr.ri, yr.eng, yr.pov_c, yr.is_black
        final_school, ytd_incidents, y, sod = yr.final_school, yr.ytd_incidents, yr.y, yr.sod
        exposure = draw.enrolled_days / 180.0
        log_rate = (
            p.incident_intercept
            + behaviour.BAND_RATE[band]
            + 0.45 * pop["is_male"][ri]
            + p.incident_engagement_slope * eng
            + 0.7 * pop["behaviour_re"][ri]
            + 0.3 * pov_c
            + p.referral_bias_black * is_black
            + self.school_disc[final_school]
        )
        k_inc = behaviour.draw_incidents(rng, np.minimum(log_rate, 2.5), exposure)
        ytd_incidents += k_inc
        n_oss = self._discipline(y, ri, k_inc, en_q, sod, band, is_black)
        # being sent home pushes students further off track (Balfanz et al. 2014)
        pop["engagement"][ri] -= SUSPENSION_ENGAGEMENT_COST * np.minimum(n_oss, 1)

    def _marks_of_term(self, yr: Year, q: int, draw: attendance.AttendanceDraw) -> None:
        """Marks at the end of the term (each quarter in elementary school)."""
        grade, term_enrolled, term_absent, n = yr.grade, yr.term_enrolled, yr.term_absent, yr.n
        q_end, final_school, sod, y, ri = yr.q_end, yr.final_school, yr.sod, yr.y, yr.ri
        eng, last_fails, core_fail_terms = yr.eng, yr.last_fails, yr.core_fail_terms
        core_terms, hs_credits_year = yr.core_terms, yr.hs_credits_year
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
            f, _, cr = self._marks(
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
        f, _, _ = self._marks(
            y, ri, marks_rows_e, grade, eng, rate_q, final_school, f"Q{q}", sod, end_day_row
        )
        last_fails = np.where(elem, f, last_fails)
        core_fail_terms += np.where(elem, f, 0)
        core_terms += np.where(marks_rows_e, 4, 0)
        yr.last_fails = last_fails

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
