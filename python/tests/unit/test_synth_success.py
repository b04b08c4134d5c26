"""The success-metric tables (#14): the generator writes them to the contract, and their
relationships with the rest of a student's record run the way published research says.

One small national district (2,500 students, 5 years) is generated once; each test
measures one relationship on its raw tables (not the latent truth, except where named).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from k12ews import contract
from k12ews.contract_success import SUCCESS_TABLES
from k12ews.synth.config import District, GenerateConfig
from k12ews.synth.district import generate

CONFIG = GenerateConfig(students=2500, years=5, first_year=2021, seed=11)


@pytest.fixture(scope="module")
def district() -> District:
    return generate(CONFIG)


def test_every_success_table_is_written_with_the_contracts_columns(district: District) -> None:
    for t in SUCCESS_TABLES:
        df = district.raw[t.name]
        assert list(df.columns) == contract.table(t.name).column_names
        assert len(df) > 0, t.name
        assert not df.duplicated(list(t.keys)).any(), f"{t.name}: key not unique"


def _graduates(d: District) -> pd.DataFrame:
    en = d.raw["enrollments"]
    g = en.loc[en["exit_code"] == "GRADUATED", ["student_id", "school_year"]]
    g = g.loc[g["school_year"] < en["school_year"].max()]  # the fall after is known
    ps = d.raw["postsecondary_enrollments"]
    fall = ps.loc[
        pd.to_datetime(ps["enrollment_begin"]).dt.year.to_numpy() == ps["school_year"].to_numpy()
    ]
    return g.assign(enrolled=g["student_id"].isin(fall["student_id"]))


def test_college_going_is_near_the_national_rate_and_follows_income(district: District) -> None:
    """NCES: about 62% of completers enroll the fall after; low-income students less."""
    g = _graduates(district)
    assert len(g) > 300
    assert 0.52 <= g["enrolled"].mean() <= 0.74
    ch = district.raw["student_characteristics"]
    low = ch.loc[ch["frl_status"].isin(["F", "R"]), ["student_id", "school_year"]]
    g = g.merge(low.assign(low=True), how="left")
    g["low"] = g["low"].notna()
    gap = g.loc[~g["low"], "enrolled"].mean() - g.loc[g["low"], "enrolled"].mean()
    assert 0.08 <= gap <= 0.40, gap


def test_college_going_rises_with_the_observed_gpa(district: District) -> None:
    """The outcome depends on the record a model sees: high-GPA graduates enroll far more."""
    g = _graduates(district)
    cg = district.raw["course_grades"]
    hs = cg.loc[cg["credits_attempted"] > 0]
    pts = hs["letter_grade"].astype(str).map({"A": 4, "B": 3, "C": 2, "D": 1, "F": 0})
    gpa = (pts * hs["credits_attempted"]).groupby(hs["student_id"]).sum() / hs.groupby(
        "student_id"
    )["credits_attempted"].sum()
    g = g.assign(gpa=gpa.reindex(g["student_id"]).to_numpy()).dropna()
    top = g.loc[g["gpa"] >= g["gpa"].quantile(0.75), "enrolled"].mean()
    bottom = g.loc[g["gpa"] <= g["gpa"].quantile(0.25), "enrolled"].mean()
    assert top - bottom >= 0.25, (top, bottom)


def test_social_emotional_scores_and_belonging_fall_with_absence(district: District) -> None:
    """Students absent more often score lower on the screener and on belonging."""
    att = district.raw["attendance_events"]
    absences = (
        att.loc[att["event_type"].isin(["EA", "UA"])]
        .groupby(["student_id", "school_year"])
        .size()
        .rename("absences")
    )
    sel = district.raw["sel_screener_results"]
    sel = sel.loc[sel["screening_window"] == "spring"].join(
        absences, on=["student_id", "school_year"]
    )
    sel["absences"] = sel["absences"].fillna(0)
    assert np.corrcoef(sel["composite_t_score"], sel["absences"])[0, 1] < -0.15
    sv = district.raw["climate_survey_responses"].join(absences, on=["student_id", "school_year"])
    sv = sv.dropna(subset=["belonging"]).fillna({"absences": 0})
    assert np.corrcoef(sv["belonging"], sv["absences"])[0, 1] < -0.1


def test_screener_t_scores_have_the_norms_scale(district: District) -> None:
    sel = district.raw["sel_screener_results"]
    t = sel["composite_t_score"]
    assert t.between(28, 72).all()
    assert 46 <= t.mean() <= 54 and 8 <= t.std() <= 12
    assert set(sel.loc[sel["grade_level"] <= 5, "rater"]) == {"teacher"}
    assert set(sel.loc[sel["grade_level"] >= 6, "rater"]) == {"self"}


def test_interims_place_a_national_district_near_the_norm_and_growth_near_typical(
    district: District,
) -> None:
    mi = district.raw["math_interim_assessments"]
    overall = mi.loc[mi["domain"] == "overall"]
    assert 40 <= overall["national_percentile"].median() <= 60
    spring = overall.loc[overall["test_window"] == "spring"].dropna(subset=["growth_percentile"])
    assert 40 <= spring["growth_percentile"].median() <= 60
    assert mi.loc[mi["test_window"] == "fall", "growth_from_fall"].isna().all()
    # the interim and the state test agree: a fall percentile predicts spring proficiency
    asm = district.raw["assessments"]
    math = asm.loc[asm["subject"] == "Math", ["student_id", "school_year", "is_proficient"]]
    fall = overall.loc[overall["test_window"] == "fall"].merge(math)
    assert np.corrcoef(fall["national_percentile"], fall["is_proficient"].astype(float))[0, 1] > 0.4


def test_college_enrollment_draws_are_recorded_as_truth(district: District) -> None:
    draws = district.truth["outcome_draws"]
    ce = draws.loc[draws["event"] == "college_enrollment"]
    assert len(ce) == len(_graduates(district))
    assert abs(ce["probability"].mean() - ce["occurred"].mean()) < 0.06


def test_the_last_year_keeps_only_what_happened_by_the_as_of_date(district: District) -> None:
    as_of = np.datetime64(CONFIG.resolved_as_of)
    for name, column in (
        ("sel_screener_results", "administration_date"),
        ("math_interim_assessments", "administration_date"),
        ("fafsa_completions", "submitted_date"),
        ("postsecondary_enrollments", "enrollment_begin"),
    ):
        dates = pd.to_datetime(district.raw[name][column]).to_numpy().astype("datetime64[D]")
        assert (dates <= as_of).all(), name
