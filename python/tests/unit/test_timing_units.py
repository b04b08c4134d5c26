"""Unit tests of the timing package on small frames (no dbt, no generated district):
trajectories (data role, reached decision points, tier rises and the indicator that
moved), changes between two scoring runs, and the lead-time figures and statement."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from k12ews.ml.risk import explanations, features, registry, scoring, settings, train
from k12ews.ml.timing import lead_time, run_changes, trajectories
from k12ews.ml.vocabulary import DP_ORDER

NAMES = ["absence_rate_to_date", "gpa_to_date"]
TIERS = {"high": 0.5, "moderate": 0.25}
YEARS = {"train": "2016-2019", "validation": "2020", "test": "2021-2022"}


@pytest.fixture(scope="module")
def fitted() -> train.FittedModel:
    """A logistic model where absence raises the risk and GPA lowers it."""
    rng = np.random.default_rng(3)
    n = 4000
    x = np.column_stack([rng.uniform(0, 0.4, n), rng.uniform(0.5, 4.0, n)])
    logit = -2 + 12 * x[:, 0] - 1.2 * (x[:, 1] - 2.5)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    cand = train.Candidate("logistic_l2", {"C": 1.0})
    est = train.fit_candidate(cand, x, y, seed=0)
    return train.calibrate(cand, est, x, x, y, NAMES)


def _shifted(model: train.FittedModel, shift: float) -> train.FittedModel:
    e = model.explainer
    return train.FittedModel(
        model.candidate, model.estimator, model.features, e.calibrated(e.scale, e.shift + shift)
    )


def _registry(models: dict[str, train.FittedModel]) -> pd.DataFrame:
    rows = []
    for dp, model in models.items():
        meanings = {t: {"meaning": f"{t} at {dp}"} for t in ("High", "Moderate", "Low")}
        rows.append(
            {
                "model_id": settings.model_id("middle", "next_grade_success", dp, "actionable"),
                "grade_band": "middle",
                "outcome": "next_grade_success",
                "decision_point": dp,
                "feature_set": "actionable",
                "is_scoring_model": True,
                "status": "trained",
                "model_version": f"v-{dp}",
                "train_school_years": YEARS["train"],
                "validation_school_years": YEARS["validation"],
                "test_school_years": YEARS["test"],
                "tier_thresholds": json.dumps(TIERS),
                "tier_meanings": json.dumps(meanings),
                "hyper_parameters": json.dumps(
                    {"candidate": model.candidate.name, **model.candidate.params}
                ),
                "features": json.dumps(model.features),
                "explainer": json.dumps(model.explainer.to_dict()),
                "model_bytes": registry.dump_estimator(model.estimator),
            }
        )
    return pd.DataFrame(rows)


def _row(student: str, year: int, dp: str, absence: float, gpa: float) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(features.ACTIONABLE, 0.0)
    del row["credits_behind_to_date"]
    row.update(
        {
            "student_id": student,
            "school_year": year,
            "decision_point": dp,
            "decision_point_order": DP_ORDER[dp],
            "decision_date": pd.Timestamp(f"{year - 1}-10-01")
            + pd.Timedelta(days=80 * DP_ORDER[dp]),
            "school_id": 1,
            "grade_level": 7,
            "grade_band": "middle",
            "days_enrolled_to_date": 90.0,
            "days_absent_to_date": round(absence * 90, 1),
            "absence_rate_to_date": absence,
            "gpa_to_date": gpa,
            "is_late_entry": False,
            "is_new_to_district": False,
            "is_over_age_for_grade": False,
            "credits_earned_to_date": np.nan,
            "credits_expected_to_date": np.nan,
            "sex": "F",
            "race_ethnicity_reporting_group": "white",
            "is_economically_disadvantaged": False,
            "is_english_learner": False,
            "has_iep": False,
        }
    )
    return row


def _decision_points(current: int, complete_in_current: int) -> pd.DataFrame:
    rows = []
    for year in range(2016, current + 1):
        for dp, order in DP_ORDER.items():
            rows.append(
                {
                    "school_year": year,
                    "decision_point": dp,
                    "decision_point_order": order,
                    "decision_date": pd.Timestamp(f"{year - 1}-10-01"),
                    "is_complete": year < current or order <= complete_in_current,
                }
            )
    return pd.DataFrame(rows)


LABELS = pd.DataFrame(
    {
        "student_id": ["a"],
        "school_year": [2023],
        "outcome": ["next_grade_success"],
        "is_adverse_outcome": [True],
    }
)


def _trajectory(models: dict[str, train.FittedModel], rows: list[dict[str, object]]):
    feats = pd.DataFrame(rows)
    current = int(feats["school_year"].max())
    return trajectories.risk_trajectories(
        _registry(models), feats, LABELS, _decision_points(current, complete_in_current=2)
    ).set_index(["student_id", "school_year", "decision_point"])


def test_data_role_follows_the_models_school_years():
    row = {"train_school_years": "2016-2019", "validation_school_years": "2020"}
    row["test_school_years"] = "2021-2022"
    years = pd.Series([2015, 2016, 2019, 2020, 2021, 2022, 2023])
    assert list(trajectories.data_role(years, row)) == [
        "scored",
        "train",
        "train",
        "validation",
        "test",
        "test",
        "scored",
    ]


def test_decision_points_not_reached_are_left_out_but_a_running_scoring_point_is_kept():
    feats = pd.DataFrame(
        [_row("a", 2024, dp, 0.1, 3.0) for dp in DP_ORDER]
        + [_row("a", 2023, dp, 0.1, 3.0) for dp in DP_ORDER]
    )
    kept = trajectories.reached_rows(feats, _decision_points(2024, complete_in_current=2))
    assert sorted(kept.loc[kept["school_year"] == 2024, "decision_point"]) == ["q1", "q2"]
    assert kept.loc[kept["school_year"] == 2023, "is_decision_point_complete"].all()
    running = trajectories.reached_rows(feats, _decision_points(2024, complete_in_current=0))
    now = running[running["school_year"] == 2024]
    assert list(now["decision_point"]) == ["q1"]
    assert not now["is_decision_point_complete"].any()


def test_a_tier_rise_names_the_indicator_that_moved_exactly(fitted: train.FittedModel):
    models = dict.fromkeys(DP_ORDER, fitted)
    rows = [
        _row("a", 2023, "q1", 0.02, 3.0),  # absence jumps: Low -> High
        _row("a", 2023, "q2", 0.35, 3.0),
        _row("b", 2023, "q1", 0.05, 3.5),  # GPA falls: Low -> High
        _row("b", 2023, "q2", 0.05, 1.0),
        _row("c", 2023, "q1", 0.35, 1.0),  # improves: no rise
        _row("c", 2023, "q2", 0.02, 3.5),
        _row("d", 2022, "eoy", 0.02, 3.0),  # rises across the year boundary
        _row("d", 2023, "q1", 0.20, 3.0),
        _row("e", 2018, "q1", 0.02, 3.0),  # roles by year
        _row("e", 2020, "q1", 0.02, 3.0),
        _row("e", 2021, "q1", 0.02, 3.0),
    ]
    t = _trajectory(models, rows)
    a1, a2 = t.loc[("a", 2023, "q1")], t.loc[("a", 2023, "q2")]
    assert (a1["risk_tier"], a2["risk_tier"]) == ("Low", "High")
    assert a2["is_tier_rise"] and a2["indicator_that_moved"] == "absence_rate_to_date"
    assert a2["indicator_feature_group"] == "attendance"
    assert a2["indicator_sentence"] == "Missed 31.5 of 90 school days this year (35%)"
    # Only absence changed and one model scored both: its change of contribution is the
    # whole change of log-odds, computed here straight from the model.
    x = np.array([[0.02, 3.0], [0.35, 3.0]])
    direct = np.diff(fitted.calibrated_logit(x))[0]
    assert a2["indicator_contribution_change"] == pytest.approx(direct, abs=1e-9)
    assert a2["record_log_odds_change"] == pytest.approx(direct, abs=1e-9)
    assert a2["risk_log_odds_change"] == pytest.approx(direct, abs=1e-9)
    assert a2["previous_risk_tier"] == "Low" and a2["previous_decision_point"] == "q1"
    b2 = t.loc[("b", 2023, "q2")]
    assert b2["is_tier_rise"] and b2["indicator_that_moved"] == "gpa_to_date"
    assert b2["indicator_sentence"] == "GPA of 1.0 so far this year"
    c2 = t.loc[("c", 2023, "q2")]
    assert not c2["is_tier_rise"] and c2["risk_probability_change"] < 0
    assert pd.isna(c2["indicator_that_moved"]) and pd.isna(c2["record_log_odds_change"])
    d2 = t.loc[("d", 2023, "q1")]
    assert (d2["previous_school_year"], d2["previous_decision_point"]) == (2022, "eoy")
    assert d2["is_tier_rise"] and d2["indicator_that_moved"] == "absence_rate_to_date"
    # the first point of a student has nothing before it
    assert pd.isna(t.loc[("a", 2023, "q1"), "previous_risk_tier"])
    assert not t.loc[("a", 2023, "q1"), "is_tier_rise"]
    # e's first row was in 2018; its 2020 row follows it (a gap is shown, not hidden)
    assert t.loc[("e", 2020, "q1"), "previous_school_year"] == 2018
    # the same tier again is not a rise
    assert t.loc[("e", 2020, "q1"), "risk_tier"] == t.loc[("e", 2018, "q1"), "risk_tier"]
    assert not t.loc[("e", 2020, "q1"), "is_tier_rise"]
    roles = t["data_role"].xs("e", level="student_id")
    assert list(roles) == ["train", "validation", "test"]
    assert set(t.loc[["a", "b", "c"], "data_role"]) == {"scored"}
    assert t.loc[("a", 2023, "q2"), "is_adverse_outcome"]
    assert pd.isna(t.loc[("b", 2023, "q2"), "is_adverse_outcome"])


def test_a_rise_from_the_change_of_model_alone_names_no_indicator(fitted: train.FittedModel):
    models = {"q1": fitted, "q2": _shifted(fitted, 3.0)}
    t = _trajectory(models, [_row("e", 2023, "q1", 0.10, 2.5), _row("e", 2023, "q2", 0.10, 2.5)])
    e2 = t.loc[("e", 2023, "q2")]
    assert e2["is_tier_rise"]
    assert e2["risk_log_odds_change"] == pytest.approx(3.0, abs=1e-9)
    assert e2["record_log_odds_change"] == pytest.approx(0.0, abs=1e-9)
    assert pd.isna(e2["indicator_that_moved"]) and pd.isna(e2["indicator_sentence"])


def test_the_indicator_is_read_through_the_current_model(fitted: train.FittedModel):
    """Absence rises a little while the new model is more alarmed by everything: the
    record's part of the change is the current model's log-odds now minus its log-odds
    for the earlier record, not a comparison of two models' contributions."""
    models = {"q1": fitted, "q2": _shifted(fitted, 1.0)}
    t = _trajectory(models, [_row("f", 2023, "q1", 0.08, 2.5), _row("f", 2023, "q2", 0.12, 2.5)])
    f2 = t.loc[("f", 2023, "q2")]
    assert f2["is_tier_rise"]
    current = _shifted(fitted, 1.0)
    x = np.array([[0.08, 2.5], [0.12, 2.5]])
    record = np.diff(current.calibrated_logit(x))[0]
    assert f2["record_log_odds_change"] == pytest.approx(record, abs=1e-9)
    assert f2["risk_log_odds_change"] == pytest.approx(record + 1.0, abs=1e-9)
    assert f2["indicator_that_moved"] == "absence_rate_to_date"


def _run(reg: pd.DataFrame, feats: pd.DataFrame, as_of: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    dps = _decision_points(int(feats["school_year"].max()), complete_in_current=1)
    scores = scoring.score_current(reg, feats, dps)
    explained = explanations.explain_current(reg, feats, dps, top_factors=3)
    stamp = pd.Timestamp(as_of)
    return scores.assign(as_of_date=stamp), explained.assign(as_of_date=stamp)


def test_changes_between_two_runs_name_the_indicator_that_moved(fitted: train.FittedModel):
    reg = _registry(dict.fromkeys(DP_ORDER, fitted))
    first = pd.DataFrame(
        [
            _row("a", 2023, "q1", 0.02, 3.0),
            _row("b", 2023, "q1", 0.05, 3.5),
            _row("c", 2023, "q1", 0.05, 3.5),
        ]
    )
    later = first.copy()
    later.loc[later["student_id"] == "a", ["absence_rate_to_date", "days_absent_to_date"]] = [
        0.35,
        31.5,
    ]
    later.loc[later["student_id"].isin(["b", "c"]), "gpa_to_date"] = 1.0
    s1, e1 = _run(reg, first, "2022-10-20")
    s2, e2 = _run(reg, later, "2022-10-27")
    # c's GPA was not stored at the first run: it counts as unchanged
    e1 = e1[~((e1["student_id"] == "c") & (e1["feature"] == "gpa_to_date"))]
    out = run_changes.changes_since_previous_run(
        reg, pd.concat([s1, s2]), pd.concat([e1, e2])
    ).set_index("student_id")
    assert out["is_tier_rise"].all()
    assert (out["previous_as_of_date"] == pd.Timestamp("2022-10-20")).all()
    assert (out["as_of_date"] == pd.Timestamp("2022-10-27")).all()
    assert out.loc["a", "indicator_that_moved"] == "absence_rate_to_date"
    # the explanation's sentence: the fact, the typical student of the grade, the weight
    assert out.loc["a", "indicator_sentence"] == (
        "Missed 31.5 of 90 school days this year (35%); a typical grade-7 student has "
        "missed 20% of days so far this year. The model weighed this as raising the risk."
    )
    assert out.loc["b", "indicator_that_moved"] == "gpa_to_date"
    # one model scored both runs, so the record is the whole change
    for s in ("a", "b"):
        assert out.loc[s, "record_log_odds_change"] == pytest.approx(
            out.loc[s, "risk_log_odds_change"], abs=1e-9
        )
    assert pd.isna(out.loc["c", "indicator_that_moved"])
    assert out.loc["c", "record_log_odds_change"] == pytest.approx(0.0, abs=1e-12)


def test_a_single_run_has_no_changes(fitted: train.FittedModel):
    reg = _registry(dict.fromkeys(DP_ORDER, fitted))
    s1, e1 = _run(reg, pd.DataFrame([_row("a", 2023, "q1", 0.02, 3.0)]), "2022-10-20")
    out = run_changes.changes_since_previous_run(reg, s1, e1)
    assert out.empty and list(out.columns) == list(run_changes.COLUMNS)


def test_first_identified_and_precision_by_then_on_a_small_panel():
    def r(student: str, grade: int, dp: str, flag: float, bad: bool) -> dict[str, object]:
        return {
            "student_id": student,
            "grade_level": grade,
            "decision_point": dp,
            "m": flag,
            "is_adverse_outcome": bad,
            "panel_school_years": "2019",
        }

    rows = pd.DataFrame(
        [
            r("s1", 6, "q1", 0, True),
            r("s1", 6, "eoy", 1, True),
            r("s1", 7, "q1", 0, True),
            r("s2", 6, "q1", 0, True),
            r("s2", 6, "eoy", 0, True),
            r("s2", 7, "q1", 1, True),
            r("s3", 6, "q1", 1, False),
            r("s3", 6, "eoy", 0, False),
            r("s4", 6, "q1", np.nan, False),  # not defined: never counts as flagged
        ]
    )
    out = lead_time.by_then(rows, ["m"]).set_index(["grade_level", "decision_point"])
    assert list(out["panel_flagged_by_then"]) == [1, 2, 3]
    assert list(out["panel_identified_by_then"]) == [0, 1, 2]
    assert list(out["panel_first_identified_here"]) == [0, 1, 1]
    assert list(out["first_identified_share"]) == [0.0, 0.5, 1.0]
    assert list(out["precision_by_then"]) == pytest.approx([0.0, 0.5, 2 / 3])
    assert list(out["panel_students_scored"]) == [4, 3, 2]
    assert (out["panel_students"] == 4).all() and (out["panel_non_graduates"] == 2).all()


def test_precision_and_recall_at_a_point():
    rows = pd.DataFrame(
        {
            "grade_level": [9] * 5,
            "decision_point": ["q2"] * 5,
            "test_school_years": ["2022-2023"] * 5,
            "is_adverse_outcome": [True, True, False, False, True],
            "m": [1.0, 0.0, 1.0, 0.0, np.nan],
        }
    )
    out = lead_time.at_point(rows, ["m"]).iloc[0]
    assert (out["students"], out["non_graduates"], out["flagged"]) == (4, 2, 2)
    assert out["precision"] == 0.5 and out["recall"] == 0.5


def test_prior_gpa_flags_the_lowest_tenth_of_the_grade_with_ties():
    feats = pd.DataFrame(
        {
            "school_year": [2020] * 11,
            "grade_level": [6] * 11,
            "decision_point": ["q1"] * 11,
            "prior_year_gpa": [1.0, 1.0, 2.0, 2.5, 3.0, 3.0, 3.1, 3.2, 3.5, 4.0, np.nan],
        }
    )
    flags = lead_time.prior_gpa_flags(feats)
    assert list(flags.iloc[:10]) == [1.0, 1.0] + [0.0] * 8
    assert np.isnan(flags.iloc[10])


def _eoy(method: str, grade: int, precision: float, share: float) -> dict[str, object]:
    return {
        "method": method,
        "risk_threshold": 0.6 if method.startswith("model") else np.nan,
        "grade_level": grade,
        "decision_point": "eoy",
        "panel_school_years": "2019-2020",
        "panel_non_graduates": 100,
        "panel_identified_by_then": round(share * 100),
        "panel_flagged_by_then": round(share * 100 / precision),
        "first_identified_share": share,
        "precision_by_then": precision,
    }


def test_the_statement_picks_the_highest_recall_at_the_precision_asked():
    frame = pd.DataFrame(
        [
            _eoy(lead_time.HIGH_TIER, 6, 0.45, 0.5),
            _eoy("model: risk >= 0.60", 6, 0.55, 0.4),
            _eoy("baseline: balfanz_abc", 6, 0.6, 0.3),
            _eoy("baseline: chronic_absence", 6, 0.3, 0.9),
            _eoy(lead_time.HIGH_TIER, 8, 0.45, 0.5),
        ]
    )
    settings = lead_time.LeadTimeSettings(statement_grades=(6, 8))
    out = lead_time.statements(frame, settings).set_index("by_end_of_grade")
    assert out.loc[6, "method"] == "model: risk >= 0.60"
    assert out.loc[6, "share_identified"] == 0.4 and out.loc[6, "methods_meeting_precision"] == 2
    assert out.loc[6, "high_tier_share_identified"] == 0.5
    assert "40 of the 100 eventual non-graduates (40%)" in out.loc[6, "statement"]
    assert pd.isna(out.loc[8, "method"])
    assert "no flag or model threshold reached a precision of 0.50" in out.loc[8, "statement"]


def test_lead_time_settings_read_the_dbt_json():
    s = lead_time.LeadTimeSettings.from_json(
        json.dumps({"risk_thresholds": [0.5], "min_precision": 0.6, "statement_grades": [9]})
    )
    assert (s.risk_thresholds, s.min_precision, s.statement_grades) == ((0.5,), 0.6, (9,))
    assert s.baseline_settings["chronic_absence_threshold"] == 0.10
