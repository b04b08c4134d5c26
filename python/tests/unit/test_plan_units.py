"""Unit tests of the intervention plan and the targeting comparison on small frames (no
dbt, no generated district): the benefit maths, the capacity rule, which services fit,
that only clearly helpful services are suggested, deterministic ties, and that the
targeting strategies share one capacity and take whole schools and grades."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from k12ews.ml import schemas, typed, vocabulary
from k12ews.ml.plan import plan, plan_words, targeting

SETTINGS = plan.PlanSettings()
XWALK = pd.DataFrame(
    {
        "service": ["TUTOR", "MENTOR", "COUNSEL", "ATTEND", "REMED", "GIFTED"],
        "description": [
            "Tutoring",
            "Mentoring",
            "Counselling",
            "Attendance intervention",
            "Remedial reading or math or credit recovery",
            "Gifted services",
        ],
        "domain": [
            "academic",
            "behaviour",
            "social-emotional",
            "attendance",
            "academic",
            "enrichment",
        ],
    }
)
# effect on the log-odds of not graduating (negative helps), 95% interval on the risk difference
HELPFUL = {"TUTOR": -0.3, "MENTOR": -0.6, "ATTEND": -0.9, "GIFTED": -0.2, "REMED": -0.4}


def _effects(outcome: str = vocabulary.GRADUATION) -> pd.DataFrame:
    rows = []
    for band in ("middle", "high"):
        for service in XWALK["service"]:
            for quarter in (None, 1, 2, 3, 4):
                lo = HELPFUL.get(service)
                helpful = lo is not None
                effect_log_odds = lo if helpful else -1.5  # COUNSEL: large but not sure
                rows.append(
                    {
                        "effect_key": f"{service}|{outcome}|{band}|{quarter}",
                        "service": service,
                        "outcome": outcome,
                        "grade_band": band,
                        "start_grade": None,
                        "start_quarter": quarter,
                        "effect": effect_log_odds / 10,
                        "ci_low": effect_log_odds / 5,
                        "ci_high": -0.001 if helpful else 0.02,
                        "effect_log_odds": effect_log_odds,
                        "n_treated": 100,
                    }
                )
    # a grade row, which the plan does not read (it would make ATTEND look useless)
    rows.append({**rows[0], "service": "ATTEND", "start_grade": 9, "effect_log_odds": 5.0})
    return pd.DataFrame(rows)


def _history() -> pd.DataFrame:
    """Which grades each service started in: REMED only in 6-8, GIFTED from grade 2."""
    rows = []
    for service in XWALK["service"]:
        grades = range(6, 9) if service == "REMED" else range(2, 13)
        rows += [
            {
                "student_id": "old",
                "service": service,
                "school_year": 2016,
                "grade_level": g,
                "start_date": "2015-09-01",
                "end_date": "2015-11-01",
            }
            for g in grades
        ]
    return pd.DataFrame(rows)


def _student(sid: str, **kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "student_id": sid,
        "school_year": 2027,
        "decision_point": "q1",
        "decision_date": pd.Timestamp("2026-10-30"),
        "school_id": 1,
        "grade_level": 7,
        "grade_band": "middle",
        "outcome": vocabulary.GRADUATION,
        "risk_probability": 0.3,
        "risk_tier": "Moderate",
        "model_id": "middle__on_time_graduation__q1__actionable",
        "absence_rate": 0.02,
        "is_gifted": False,
        "reference_date": pd.Timestamp("2026-12-01"),
    }
    row.update(kw)
    return row


def _students(rows: list[dict[str, object]]) -> pd.DataFrame:
    s = pd.DataFrame(rows)
    start = plan.next_start(s["school_year"], s["decision_point"], s["grade_level"])
    return pd.concat([s, start], axis=1)


def _cands(students: pd.DataFrame, services: pd.DataFrame | None = None) -> pd.DataFrame:
    hist = _history() if services is None else pd.concat([_history(), services])
    return plan.candidates(students, plan.effect_estimates(_effects()), hist, XWALK, SETTINGS)


# --- benefit and capacity ---------------------------------------------------------------------


def test_benefit_is_the_fall_in_the_students_own_probability():
    # risk 0.5 (log-odds 0) and an effect of log(1/2): odds 1 -> 1/2, probability 1/3
    assert plan.benefit(np.array([0.5]), np.array([np.log(0.5)]))[0] == pytest.approx(0.5 - 1 / 3)
    risk = np.array([0.01, 0.2, 0.5, 0.9, 0.99])
    assert np.allclose(plan.benefit(risk, np.zeros(5)), 0.0)
    b = plan.benefit(risk, np.full(5, -0.5))
    assert (b > 0).all() and (b < risk).all()
    # on the log-odds scale the same effect moves a middling risk most
    assert b.argmax() == 2
    assert (plan.benefit(risk, np.full(5, 0.5)) < 0).all()


@pytest.mark.parametrize(
    ("enrolled", "capacity"), [(0, 0), (1, 20), (250, 20), (251, 40), (500, 40), (1529, 140)]
)
def test_capacity_is_counsellors_times_caseload(enrolled: int, capacity: int):
    assert plan.school_capacity(enrolled, SETTINGS) == capacity


def test_capacity_follows_the_vars():
    s = plan.PlanSettings.from_json(
        '{"students_per_counsellor": 100, "caseload_per_counsellor_per_term": 5}'
    )
    assert plan.school_capacity(250, s) == 15
    assert plan.PlanSettings.from_json(None) == SETTINGS


def test_plan_outcome_by_grade():
    assert [plan.plan_outcome(g) for g in (0, 2, 3, 5, 6, 12)] == [
        vocabulary.READING,
        vocabulary.READING,
        vocabulary.NEXT_GRADE,
        vocabulary.NEXT_GRADE,
        vocabulary.GRADUATION,
        vocabulary.GRADUATION,
    ]


def test_next_start_is_the_next_quarter_or_next_year():
    s = plan.next_start(
        pd.Series([2027, 2027, 2022]), pd.Series(["q1", "q3", "eoy"]), pd.Series([8, 8, 8])
    )
    assert s["start_quarter"].tolist() == [2, 4, 1]
    assert s["start_school_year"].tolist() == [2027, 2027, 2023]
    assert s["start_grade_band"].tolist() == ["middle", "middle", "high"]


# --- the estimates --------------------------------------------------------------------------


def test_effect_estimates_keep_band_rows_and_fall_back_to_pooled_quarters():
    e = _effects()
    est = plan.effect_estimates(e)
    assert len(est) == len(e) - 1  # the grade row is dropped
    assert list(est.columns) == plan.ESTIMATE_COLUMNS
    only_pooled = e[e["start_quarter"].isna() & e["start_grade"].isna()]
    by_start = plan._estimate_for_start(plan.effect_estimates(only_pooled))
    assert set(by_start["start_quarter"]) == {1, 2, 3, 4}
    assert len(by_start) == 4 * len(only_pooled)


def test_effect_estimates_read_the_effects_models_own_names():
    e = _effects().rename(
        columns={"effect_key": "cell_id", "ci_low": "effect_ci_low", "ci_high": "effect_ci_high"}
    )
    e = e.rename(columns={"n_treated": "treated"}).assign(is_estimated=True)
    e.loc[0, "is_estimated"] = False
    est = plan.effect_estimates(e)
    assert len(est) == len(e) - 2  # the grade row and the row not estimated
    assert est["effect_key"].notna().all() and est["n_treated"].eq(100).all()
    assert est["effect_ci_high"].notna().all()


def test_effect_timing_pooled_or_the_start_quarters_own_row():
    e = _effects()
    q2 = (e["service"] == "MENTOR") & (e["start_quarter"] == 2)
    e.loc[q2, "ci_high"] = 0.01  # quarter 2's own estimate is not sure
    q3 = (e["service"] == "TUTOR") & (e["start_quarter"] == 3)
    e.loc[q3, "effect_log_odds"] = np.nan  # quarter 3 not estimated
    est = plan.effect_estimates(e)
    students = _students([_student("a"), _student("b", decision_point="q2")])
    hist = _history()

    def helpful(timing: str) -> dict[str, set[str]]:
        settings = plan.PlanSettings(effect_timing=timing)
        c = plan.candidates(students, est, hist, XWALK, settings)
        c = c[c["is_helpful"]]
        return c.groupby("student_id")["service"].agg(set).to_dict()

    assert "MENTOR" in helpful("pooled")["a"] and "MENTOR" not in helpful("start_quarter")["a"]
    # no estimate for quarter 3: the pooled row stands in
    assert "TUTOR" in helpful("start_quarter")["b"]
    by_start = plan._estimate_for_start(est, "start_quarter")
    tutor_q3 = by_start[(by_start["service"] == "TUTOR") & (by_start["start_quarter"] == 3)]
    assert tutor_q3["effect_start_quarter"].isna().all()
    pooled = plan._estimate_for_start(est, "pooled")
    assert pooled["effect_start_quarter"].isna().all()
    with pytest.raises(ValueError, match="effect timing"):
        plan._estimate_for_start(est, "next")


def test_only_services_that_clearly_help_are_suggested():
    cands = _cands(_students([_student("a", absence_rate=0.2, is_gifted=True)]))
    counsel = cands[cands["service"] == "COUNSEL"]
    # counselling fits and has the largest point estimate, but its interval crosses zero
    assert len(counsel) == 1 and not counsel["is_helpful"].item()
    best = plan.best_services(cands)
    assert best["service"].item() == "ATTEND"
    assert "Counselling" not in best["helpful_services_open"].item()
    assert best["helpful_services_count"].item() == 5


def test_a_place_counts_only_the_benefit_net_of_starting_anyway():
    students = _students([_student("a", risk_probability=0.5), _student("b", risk_probability=0.5)])
    est = plan.effect_estimates(_effects())

    def chance(c: pd.DataFrame) -> np.ndarray:
        # the school nearly always starts mentoring for student a anyway
        return np.where((c["student_id"] == "a") & (c["service"] == "MENTOR"), 0.9, 0.1)

    c = plan.candidates(students, est, _history(), XWALK, SETTINGS, chance)
    # counted for the services that may be suggested (counselling's interval crosses 0)
    expected = np.where(c["is_helpful"], chance(c), 0.0)
    assert (~c["is_helpful"]).any()
    np.testing.assert_allclose(c["chance_started_anyway"], expected)
    np.testing.assert_allclose(c["added_benefit"], c["benefit"] * (1 - expected))
    best = plan.best_services(c).set_index("student_id")
    # mentoring helps most (HELPFUL) but a place in it adds little for a: the next one
    assert best.at["b", "service"] == "MENTOR" and best.at["a", "service"] == "REMED"
    row = best.loc["a"].copy()
    row["top_reason_groups"] = []
    text = plan_words.why_sentence(row, set())
    assert "starts it anyway for about 10% of students like this one" in text
    # off: the whole benefit counts, as when no chance is given
    off = plan.candidates(
        students, est, _history(), XWALK, plan.PlanSettings(net_of_usual_care=False), chance
    )
    assert (off["chance_started_anyway"] == 0).all()
    np.testing.assert_allclose(off["added_benefit"], off["benefit"])
    assert plan.PlanSettings.from_json('{"net_of_usual_care": false}').net_of_usual_care is False
    # as text, as --vars may pass it
    assert plan.PlanSettings.from_json('{"net_of_usual_care": "false"}').net_of_usual_care is False
    with pytest.raises(ValueError, match="net_of_usual_care"):
        plan.PlanSettings.from_json('{"net_of_usual_care": "no"}')


# --- fits --------------------------------------------------------------------------------------


def test_fit_rules():
    students = _students(
        [
            _student("low_absence", absence_rate=0.079),
            _student("at_threshold", absence_rate=0.08),
            _student("gifted", is_gifted=True),
            _student("grade_9", grade_level=9, grade_band="high"),
            _student("grade_8_eoy", grade_level=8, decision_point="eoy", school_year=2022),
            _student("tutored"),
        ]
    )
    running = pd.DataFrame(
        [
            # running on the reference date: excluded
            {"student_id": "tutored", "service": "TUTOR", "school_year": 2027, "grade_level": 7,
             "start_date": "2026-11-01", "end_date": None},
            # started this school year and ended: excluded (as in the effects' risk sets)
            {"student_id": "tutored", "service": "COUNSEL", "school_year": 2027, "grade_level": 7,
             "start_date": "2026-08-20", "end_date": "2026-10-30"},
            # last year's spell, ended: open again
            {"student_id": "tutored", "service": "MENTOR", "school_year": 2026, "grade_level": 6,
             "start_date": "2026-01-20", "end_date": "2026-05-30"},
        ]
    )  # fmt: skip
    c = _cands(students, running)
    open_ = c.groupby("student_id")["service"].agg(set)
    assert "ATTEND" not in open_["low_absence"] and "ATTEND" in open_["at_threshold"]
    assert "GIFTED" in open_["gifted"] and "GIFTED" not in open_["low_absence"]
    assert "REMED" in open_["low_absence"] and "REMED" not in open_["grade_9"]
    # at the end of grade 8 the service starts in grade 9, where REMED is not offered,
    # with the high-school estimates for quarter 1
    assert "REMED" not in open_["grade_8_eoy"]
    eoy = c[c["student_id"] == "grade_8_eoy"]
    assert (eoy["start_grade_band"] == "high").all() and (eoy["start_quarter"] == 1).all()
    assert "TUTOR" not in open_["tutored"] and "COUNSEL" not in open_["tutored"]
    assert "MENTOR" in open_["tutored"] and "COUNSEL" in open_["low_absence"]


# --- the plan ----------------------------------------------------------------------------------


def _district(n_by_school: dict[int, int], seed: int = 0) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    rows = []
    for school, n in n_by_school.items():
        for i in range(n):
            rows.append(
                _student(
                    f"s{school}_{i:04d}",
                    school_id=school,
                    grade_level=int(rng.integers(6, 12)),
                    risk_probability=float(rng.uniform(0.01, 0.95)),
                    absence_rate=float(rng.uniform(0, 0.2)),
                    is_gifted=bool(rng.random() < 0.1),
                )
            )
    s = pd.DataFrame(rows)
    s["grade_band"] = s["grade_level"].map(vocabulary.grade_band)
    scores = s.drop(columns=["absence_rate", "is_gifted", "reference_date"])
    feats = s[["student_id", "school_year", "decision_point", "absence_rate"]].rename(
        columns={"absence_rate": "absence_rate_to_date"}
    )
    years = s[["student_id", "school_year", "is_gifted"]]
    expl = pd.concat(
        [
            s[["student_id", "school_year", "outcome"]].assign(
                rank_raising=r, sentence=f"reason {r}", feature_group=g
            )
            for r, g in ((1, "attendance"), (2, "grades"), (3, "behaviour"), (4, "mobility"))
        ]
    )
    return {
        "scores": scores,
        "explanations": expl,
        "feats": feats,
        "student_years": years,
        "services": _history(),
        "xwalk": XWALK,
        "effects": _effects(),
        "as_of_date": pd.Timestamp("2026-12-01"),
    }


def test_plan_keeps_each_schools_capacity_ranked_by_benefit():
    d = _district({1: 600, 2: 240})
    p = plan.build_plan(**d, settings=SETTINGS)
    per_school = p.groupby("school_id").size()
    assert per_school.to_dict() == {1: 60, 2: 20}
    assert (p.groupby("school_id")["school_capacity"].first() == per_school).all()
    assert (
        p["plan_rank"]
        .groupby(p["school_id"])
        .apply(lambda r: sorted(r) == list(range(1, len(r) + 1)))
        .all()
    )
    for _, g in p.groupby("school_id"):
        b = g.sort_values("plan_rank")["added_benefit_points"].to_numpy()
        assert (np.diff(b) <= 1e-12).all()
    assert p["suggested_service"].isin(list(HELPFUL)).all()
    assert p["top_reasons"].eq("reason 1; reason 2; reason 3").all()
    assert p["why_this_service"].str.len().gt(50).all()
    # reasons in attendance (the fake explanations' first group) and an attendance service
    attendance = p[p["service_domain"] == "attendance"]
    assert len(attendance) > 0
    assert (
        attendance["why_this_service"]
        .str.endswith("works on attendance, where this student's top reasons lie.")
        .all()
    )
    assert np.allclose(
        p["risk_probability"] - p["risk_if_served"], p["expected_benefit_points"] / 100
    )
    # benefit is not risk: some of the riskiest students are not in the plan
    assert (~p["is_within_capacity_by_risk"]).any()


def test_plan_ties_are_deterministic():
    rows = [_student(f"t{i:02d}", risk_probability=0.4) for i in range(30)]
    d = _district({1: 1})
    s = pd.DataFrame(rows)
    d["scores"] = s.drop(columns=["absence_rate", "is_gifted", "reference_date"])
    d["feats"] = s[["student_id", "school_year", "decision_point"]].assign(
        absence_rate_to_date=0.01
    )
    d["student_years"] = s[["student_id", "school_year", "is_gifted"]]
    d["explanations"] = d["explanations"].iloc[0:0]
    small = plan.PlanSettings(caseload_per_counsellor_per_term=7)
    p1 = plan.build_plan(**d, settings=small)
    d["scores"] = d["scores"].sample(frac=1.0, random_state=3)
    p2 = plan.build_plan(**d, settings=small)
    assert p1["student_id"].tolist() == [f"t{i:02d}" for i in range(7)]
    pd.testing.assert_frame_equal(p1, p2)
    assert p1["plan_rank"].tolist() == list(range(1, 8))


def test_plan_without_scores_is_empty_and_typed():
    d = _district({1: 3})
    d["scores"] = d["scores"].iloc[0:0]
    p = plan.build_plan(**d, settings=SETTINGS)
    assert p.empty and list(p.columns) == list(plan.PLAN_COLUMNS)


# --- targeting ---------------------------------------------------------------------------------


def _oot(seed: int = 1) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    rows = []
    for year, band, grades, schools in (
        (2020, "middle", (6, 7, 8), (10, 11, 12)),
        (2023, "high", (9, 10, 11, 12), (20, 21)),
    ):
        for school in schools:
            shift = rng.normal(0, 0.8)
            for grade in grades:
                for i in range(int(rng.integers(60, 140))):
                    p = float(1 / (1 + np.exp(-(-2 + shift + rng.normal(0, 1)))))
                    rows.append(
                        {
                            "model_id": f"{band}__on_time_graduation__eoy__actionable",
                            "grade_band": band,
                            "outcome": vocabulary.GRADUATION,
                            "decision_point": "eoy",
                            "is_scoring_model": True,
                            "student_id": f"{school}_{grade}_{i}",
                            "school_year": year,
                            "school_id": school,
                            "grade_level": grade,
                            "risk_probability": p,
                            "is_adverse_outcome": bool(rng.random() < p),
                        }
                    )
    oot = pd.DataFrame(rows)
    # rows the cohort leaves out: another decision point and another outcome
    oot = pd.concat(
        [
            oot,
            oot.head(5).assign(decision_point="q2"),
            oot.head(5).assign(outcome="next_grade_success"),
        ]
    )
    base = oot.drop_duplicates(["student_id", "school_year"])
    return {
        "oot": oot,
        "feats": base[["student_id", "school_year"]].assign(
            decision_point="eoy", absence_rate_to_date=rng.uniform(0, 0.2, len(base))
        ),
        "student_years": base[["student_id", "school_year"]].assign(is_gifted=False),
        "decision_points": pd.DataFrame(
            {
                "school_year": [2020, 2023],
                "decision_point": "eoy",
                "decision_date": pd.to_datetime(["2020-06-05", "2023-06-07"]),
            }
        ),
        "services": _history(),
        "xwalk": XWALK,
        "effects": _effects(),
    }


def test_cohort_is_eoy_graduation_scores_before_grade_12():
    d = _oot()
    c = targeting.cohort(d["oot"], d["feats"], d["student_years"], d["decision_points"])
    assert c["grade_level"].max() == 11 and (c["decision_point"] == "eoy").all()
    assert (c["outcome"] == vocabulary.GRADUATION).all()
    assert not c.duplicated(["student_id", "school_year"]).any()
    assert (c["start_quarter"] == 1).all() and (
        c["start_school_year"] == c["school_year"] + 1
    ).all()


# small counsellor ratios, so that whole schools of the small test district fit
TARGETING = plan.PlanSettings(students_per_counsellor=100, caseload_per_counsellor_per_term=30)


def test_strategies_share_one_capacity_and_take_whole_units():
    d = _oot()
    s = targeting.with_best_service(
        targeting.cohort(d["oot"], d["feats"], d["student_years"], d["decision_points"]),
        d["services"],
        d["xwalk"],
        d["effects"],
        TARGETING,
    )
    total = targeting.total_capacity(s, TARGETING)
    caps = plan.capacities(s, targeting.SCHOOL_UNIT, TARGETING)
    assert total == caps["capacity"].sum() > 0
    chosen = targeting.choose(s, TARGETING)
    served = chosen.groupby("strategy").size()
    assert served["students_by_benefit"] == served["students_by_risk"] == total
    assert served["schools_by_rate"] <= total and served["school_grades_by_rate"] <= total
    # each school keeps its own capacity under the individual strategies
    for name in ("students_by_benefit", "students_by_risk"):
        per = chosen[chosen["strategy"] == name].groupby(targeting.SCHOOL_UNIT).size()
        assert (per == caps.set_index(targeting.SCHOOL_UNIT)["capacity"]).all()
    # whole units: every student of a chosen unit is chosen
    for name, unit in (
        ("schools_by_rate", targeting.SCHOOL_UNIT),
        ("school_grades_by_rate", targeting.GRADE_UNIT),
    ):
        c = chosen[chosen["strategy"] == name]
        assert len(c) > 0 and len(c[unit].drop_duplicates()) < len(s[unit].drop_duplicates())
        sizes = s.groupby(unit).size()
        got = c.groupby(unit).size()
        assert (got == sizes.loc[got.index]).all()
        # a unit left out did not fit in what was left, or ranked below the ones taken
        rates = s.groupby(unit)["risk_probability"].mean()
        assert rates.loc[got.index].max() == rates.max()
    # ranking by benefit gives more expected benefit than ranking by risk, at equal capacity
    ben = chosen.groupby("strategy")["benefit"].sum()
    assert ben["students_by_benefit"] >= ben["students_by_risk"]
    assert ben["students_by_benefit"] >= ben["schools_by_rate"]
    by_benefit = chosen[chosen["strategy"] == "students_by_benefit"]
    assert by_benefit["service"].notna().all()


def test_comparison_and_chosen_rows():
    d = _oot()
    table = targeting.targeting_comparison(**d, settings=TARGETING)
    assert table["strategy"].tolist() == list(targeting.STRATEGIES)
    assert list(table.columns) == list(targeting.SUMMARY_COLUMNS)
    assert (table["capacity"] == table["capacity"].iloc[0]).all()
    assert (table["students_served"] <= table["capacity"]).all()
    assert table["share_of_non_graduates_reached"].between(0, 1).all()
    assert table["cohort_school_years"].iloc[0] == "middle 2020; high 2023"
    rows = targeting.chosen_rows(**d, settings=TARGETING)
    again = targeting.chosen_rows(**d, settings=TARGETING)
    pd.testing.assert_frame_equal(rows, again)
    assert list(rows.columns[:4]) == ["strategy", "student_id", "school_year", "service"]
    served = rows.groupby("strategy").size().reindex(table["strategy"], fill_value=0)
    assert (served.to_numpy() == table["students_served"].to_numpy()).all()
    assert (table["students_served"] > 0).all()
    assert not rows.duplicated(["strategy", "student_id", "school_year"]).any()


def test_plan_and_comparison_survive_a_district_without_estimates_or_cohort():
    """A small or young district: no estimated effects, no out-of-time cohort."""
    d = _district({1: 50})
    no_effects = _effects().assign(effect_log_odds=np.nan, is_estimated=False)
    p = plan.build_plan(**{**d, "effects": no_effects}, settings=SETTINGS)
    assert p.empty and list(p.columns) == list(plan.PLAN_COLUMNS)
    p = plan.build_plan(**{**d, "effects": _effects().iloc[0:0]}, settings=SETTINGS)
    assert p.empty
    o = _oot()
    table = targeting.targeting_comparison(**{**o, "effects": no_effects}, settings=SETTINGS)
    assert (table["expected_non_graduations_prevented"] == 0).all()
    assert (table["students_served_with_a_service"] == 0).all()
    empty = targeting.targeting_comparison(**{**o, "oot": o["oot"].iloc[0:0]}, settings=SETTINGS)
    assert len(empty) == 4 and (empty["students_served"] == 0).all()
    assert list(empty.columns) == list(targeting.SUMMARY_COLUMNS)
    rows = targeting.chosen_rows(**{**o, "oot": o["oot"].iloc[0:0]})
    assert rows.empty and "service" in rows.columns


def _as_read_by_dbt(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` stored in DuckDB and read back, as a dbt Python model reads a ref."""
    con = duckdb.connect()
    try:
        con.register("frame", frame)
        return con.sql("select * from frame").df()
    finally:
        con.close()


def _sql_types(frame: pd.DataFrame) -> dict[str, str]:
    """The column types DuckDB gives ``frame`` when a dbt Python model returns it."""
    rel = duckdb.connect().from_df(frame)
    return {c: str(t) for c, t in zip(rel.columns, rel.types, strict=True)}


def test_comparison_without_a_cohort_says_why_with_the_tables_as_dbt_reads_them():
    """Finding 6: a district with no out-of-time cohort (no graduation model trained: too
    few years, one school year, 300 students over 3 years) read an empty BIGINT
    grade_level, whose grade band came out int64 and crashed the merge with the estimates
    (int64 vs str ``start_grade_band``), so ``dbt build`` failed."""
    o = _oot()
    empty_oot = _as_read_by_dbt(typed.empty(schemas.ML_OUT_OF_TIME_SCORES))
    # a small district's effects: cells tried, none estimated
    not_estimated = _effects().assign(is_estimated=False)
    table = targeting.targeting_comparison(
        **{**o, "oot": empty_oot, "effects": not_estimated}, settings=SETTINGS
    )
    assert table["strategy"].tolist() == list(targeting.STRATEGIES)
    assert (table["status"] == "not_compared").all()
    assert table["status_reason"].str.contains("no end-of-year graduation model").all()
    assert (table["students_served"] == 0).all() and (table["capacity"] == 0).all()
    assert _sql_types(table) == dict(schemas.ML_TARGETING_COMPARISON)


def test_comparison_without_services_compares_what_it_can_and_says_why_not_by_benefit():
    """Finding 6: a district without services has no effect estimates and no service
    records; the strategies that need none are still compared."""
    o = _oot()
    no_services = o["services"].iloc[0:0]
    no_effects = _as_read_by_dbt(typed.empty(schemas.ML_INTERVENTION_EFFECTS))
    table = targeting.targeting_comparison(
        **{**o, "services": no_services, "effects": no_effects}, settings=TARGETING
    )
    status = dict(zip(table["strategy"], table["status"], strict=True))
    assert status == {
        "students_by_benefit": "not_compared",
        "students_by_risk": "compared",
        "schools_by_rate": "compared",
        "school_grades_by_rate": "compared",
    }
    by_benefit = table[table["strategy"] == "students_by_benefit"].iloc[0]
    assert by_benefit["status_reason"] == targeting.NO_BENEFIT
    assert by_benefit["students_served"] == 0
    assert table.loc[table["status"] == "compared", "status_reason"].isna().all()
    assert (table.loc[table["status"] == "compared", "students_served"] > 0).all()


def test_plan_start_grade_band_is_text_also_with_no_student():
    start = plan.next_start(
        pd.Series([], dtype="int64"), pd.Series([], dtype="str"), pd.Series([], dtype="int64")
    )
    assert start["start_grade_band"].dtype == "str"


def test_a_student_whose_plan_outcome_has_no_model_is_planned_by_next_grade_success():
    """A district without state tests trains no grade-3 reading model: its K-2 students
    are planned by next-grade success, not left out (and the capacity counts them)."""
    rows = [
        _student("k1", grade_level=1, grade_band="elementary", outcome=vocabulary.NEXT_GRADE),
        _student("e4", grade_level=4, grade_band="elementary", outcome=vocabulary.NEXT_GRADE),
        _student("m7", grade_level=7, outcome=vocabulary.GRADUATION),
        _student("m7", grade_level=7, outcome=vocabulary.NEXT_GRADE),
    ]
    s = pd.DataFrame(rows)
    feats = s[["student_id", "school_year", "decision_point", "absence_rate"]].rename(
        columns={"absence_rate": "absence_rate_to_date"}
    )
    years = s[["student_id", "school_year", "is_gifted"]].drop_duplicates()
    scores = s.drop(columns=["absence_rate", "is_gifted", "reference_date"])
    students = plan.plan_students(scores, feats.drop_duplicates(), years, "2026-12-01")
    assert dict(zip(students["student_id"], students["outcome"], strict=True)) == {
        "k1": vocabulary.NEXT_GRADE,
        "e4": vocabulary.NEXT_GRADE,
        "m7": vocabulary.GRADUATION,
    }
