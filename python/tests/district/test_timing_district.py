"""The timing tables on the default district (the shared ``national_built`` build):
trajectories agree with the current scores and the out-of-time cohorts, the lead-time
figures recomputed in pandas from ml_out_of_time_scores and ml_features, the statement
recomputed from the panel, and the score history kept across a second run whose alerts
name the indicator that moved (on a copy)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from dbt_runner import copy_db, run_dbt

GRADUATION = "on_time_graduation"
# dbt_project.yml defaults of the baseline thresholds
ABC_ATTENDANCE, CHRONIC, CHRONIC_MIN_DAYS = 0.80, 0.10, 10


def _df(db: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).df()


def test_trajectories_have_one_row_per_grain_and_agree_with_the_scores(national_built: Path):
    counts = _df(
        national_built,
        "select count(*) as n, count(distinct (student_id, school_year, decision_point, outcome))"
        " as keys, count(distinct outcome) as outcomes from ml.ml_risk_trajectories",
    ).iloc[0]
    assert counts["n"] == counts["keys"] and counts["n"] > 500_000
    assert counts["outcomes"] == 3
    # the current year's scoring point is ml_risk_scores, row for row
    joined = _df(
        national_built,
        "select s.risk_probability as p, t.risk_probability as q, s.risk_tier = t.risk_tier as "
        "same_tier from ml.ml_risk_scores s left join ml.ml_risk_trajectories t using "
        "(student_id, school_year, decision_point, outcome)",
    )
    assert joined["q"].notna().all()
    assert np.abs(joined["p"] - joined["q"]).max() < 1e-12 and joined["same_tier"].all()
    # every out-of-time row of a scoring model is a test row with the same score
    oot = _df(
        national_built,
        "select o.risk_probability as p, t.risk_probability as q, t.data_role "
        "from ml.ml_out_of_time_scores o left join ml.ml_risk_trajectories t using "
        "(student_id, school_year, decision_point, outcome) where o.is_scoring_model",
    )
    assert (oot["data_role"] == "test").all()
    assert np.abs(oot["p"] - oot["q"]).max() < 1e-12
    # nothing from a decision point not reached, except the current scoring point
    future = _df(
        national_built,
        "select count(*) as n from ml.ml_risk_trajectories t join ml.ml_decision_points d "
        "using (school_year, decision_point) where not d.is_complete and not exists ("
        "select 1 from ml.ml_risk_scores s where s.school_year = t.school_year "
        "and s.decision_point = t.decision_point)",
    )
    assert future["n"].iloc[0] == 0


def _abc(f: pd.DataFrame) -> pd.Series:
    rate = f["absence_rate_to_date"]
    flag = (
        (1 - rate <= ABC_ATTENDANCE)
        | (f["out_of_school_suspensions_to_date"] > 0)
        | (f["math_failures_to_date"] > 0)
        | (f["ela_failures_to_date"] > 0)
    )
    return flag.astype(float).where(rate.notna())


def _lowest_tenth_cut(gpa: pd.Series) -> float:
    """The GPA at the 10th percentile of a grade, an observed value (the lower one)."""
    values = np.sort(gpa.dropna().to_numpy())
    return float(values[int(np.floor(0.1 * (len(values) - 1)))]) if len(values) else np.nan


@pytest.mark.parametrize(("grade", "decision_point"), [(9, "q2"), (7, "eoy")])
def test_lead_time_at_a_point_recomputed_from_the_out_of_time_scores(
    national_built: Path, grade: int, decision_point: str
):
    oot = _df(
        national_built,
        f"select * from ml.ml_out_of_time_scores where outcome = '{GRADUATION}' "
        f"and is_scoring_model and grade_level = {grade} and decision_point = '{decision_point}'",
    )
    feats = _df(
        national_built,
        "select * from ml.ml_features where grade_level = "
        f"{grade} and decision_point = '{decision_point}'",
    )
    mine = _df(
        national_built,
        f"select * from ml.ml_lead_time where grade_level = {grade} "
        f"and decision_point = '{decision_point}'",
    ).set_index("method")
    rows = oot.merge(feats, on=["student_id", "school_year"], suffixes=("", "_f"))
    assert len(rows) == len(oot) > 500
    y = rows["is_adverse_outcome"].astype(bool)
    gpa = feats["prior_year_gpa"]
    cut = gpa.groupby(feats["school_year"]).transform(_lowest_tenth_cut)
    feats["gpa_flag"] = (gpa <= cut).astype(float).where(gpa.notna())
    rows = rows.merge(
        feats[["student_id", "school_year", "gpa_flag"]], on=["student_id", "school_year"]
    )
    flags = {
        "model: High tier": (rows["risk_tier"] == "High").astype(float),
        "model: risk >= 0.30": (rows["risk_probability"] >= 0.30).astype(float),
        "baseline: balfanz_abc": _abc(rows),
        "baseline: chronic_absence": (rows["absence_rate_to_date"] >= CHRONIC)
        .astype(float)
        .where(rows["days_enrolled_to_date"] >= CHRONIC_MIN_DAYS),
        "baseline: prior_year_gpa": rows["gpa_flag"],
    }
    for method, flag in flags.items():
        d = flag.notna()
        f, yy = flag[d] == 1, y[d]
        assert mine.loc[method, "students"] == d.sum(), method
        assert mine.loc[method, "flagged"] == f.sum(), method
        assert mine.loc[method, "precision"] == pytest.approx((f & yy).sum() / f.sum()), method
        assert mine.loc[method, "recall"] == pytest.approx((f & yy).sum() / yy.sum()), method
    assert mine.loc["model: High tier", "risk_threshold"] == 0.40


def test_the_statement_is_the_best_model_threshold_recomputed_on_the_panel(national_built: Path):
    oot = _df(
        national_built,
        f"select student_id, grade_level, is_adverse_outcome from ml.ml_out_of_time_scores "
        f"where outcome = '{GRADUATION}' and is_scoring_model",
    )
    start = int(oot["grade_level"].min())
    assert start == 6
    outcome = oot[oot["grade_level"] == start].groupby("student_id")["is_adverse_outcome"].max()
    traj = _df(
        national_built,
        f"select student_id, grade_level, data_role, risk_probability "
        f"from ml.ml_risk_trajectories where outcome = '{GRADUATION}' and grade_level >= {start}",
    )
    panel = traj[traj["student_id"].isin(outcome.index)]
    # with the default split the panel is followed on out-of-sample scores only: the
    # in-sample rows are the earlier grade-6 year of a few retained students
    in_sample = panel[~panel["data_role"].isin(["test", "scored"])]
    assert (in_sample["grade_level"] == start).all() and len(in_sample) < 0.01 * len(panel)
    panel = panel[panel["data_role"].isin(["test", "scored"])]
    statements = _df(national_built, "select * from ml.ml_lead_time_statement").set_index(
        "by_end_of_grade"
    )
    assert list(statements.index) == [6, 8, 9]
    lead = _df(
        national_built, "select * from ml.ml_lead_time where decision_point = 'eoy'"
    ).set_index(["method", "grade_level"])
    bad = outcome.astype(bool)
    for grade, row in statements.iterrows():
        upto = panel[panel["grade_level"] <= grade]
        figures = {}
        for t in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
            ever = upto.loc[upto["risk_probability"] >= t, "student_id"].unique()
            found = bad.reindex(ever).sum()
            figures[t] = (found / bad.sum(), found / len(ever))
            method = f"model: risk >= {t:.2f}"
            assert lead.loc[(method, grade), "first_identified_share"] == pytest.approx(
                figures[t][0]
            )
            assert lead.loc[(method, grade), "precision_by_then"] == pytest.approx(figures[t][1])
        assert row["method"] is not None and row["precision_by_then"] >= 0.5
        # nothing that reaches the precision identifies more (models and baselines)
        at = lead.xs(grade, level="grade_level")
        ok = at[at["precision_by_then"] >= 0.5]
        assert row["share_identified"] == pytest.approx(ok["first_identified_share"].max())
        best_model = max((r for r, p in figures.values() if p >= 0.5), default=0.0)
        assert row["share_identified"] >= best_model - 1e-12
        assert row["non_graduates"] == bad.sum()


def test_history_survives_a_second_run_and_alerts_name_what_moved(
    national_built: Path, tmp_path: Path
):
    before = _df(national_built, "select * from ml.ml_risk_score_history")
    assert before["as_of_date"].nunique() == 1
    single = _df(national_built, "select * from ews.ews_alerts")
    assert len(single) > 0 and (single["compared_with"] == "previous decision point").all()
    rises = _df(
        national_built,
        "select t.student_id, t.outcome from ml.ml_risk_trajectories t join ml.ml_risk_scores s "
        "using (student_id, school_year, decision_point, outcome) where t.is_tier_rise",
    )
    assert set(zip(single["student_id"], single["outcome"], strict=True)) == set(
        zip(rises["student_id"], rises["outcome"], strict=True)
    )

    # A week later, 40 students who were Low now miss two school days in five.
    db = copy_db(national_built, tmp_path, "second.duckdb")
    with duckdb.connect(str(db)) as con:
        altered = con.execute(
            "select student_id, school_year, decision_point from ml.ml_risk_scores "
            "where outcome = 'next_grade_success' and risk_tier = 'Low' "
            "order by hash(student_id) limit 40"
        ).df()
        con.register("altered", altered)
        con.execute(
            "update ml.ml_features f set absence_rate_to_date = 0.4, "
            "days_absent_to_date = 0.4 * days_enrolled_to_date, "
            "unexcused_absence_rate_to_date = 0.3, latest_quarter_absence_rate = 0.4 "
            "from altered a where f.student_id = a.student_id "
            "and f.school_year = a.school_year and f.decision_point = a.decision_point"
        )
        con.execute("update ews.ews_student_year set as_of_date = as_of_date + 7")
    proc = run_dbt(
        db,
        tmp_path,
        "build",
        "--full-refresh",
        "--select",
        "ml_risk_scores ml_risk_explanations ml_risk_score_history "
        "ml_risk_explanation_history ml_risk_run_changes ews_alerts",
    )
    assert proc.returncode == 0, proc.stdout[-4000:]

    history = _df(db, "select * from ml.ml_risk_score_history")
    first, second = sorted(history["as_of_date"].unique())
    assert second - first == pd.Timedelta(days=7)
    kept = history[history["as_of_date"] == first].sort_values(["student_id", "outcome"])
    original = before.sort_values(["student_id", "outcome"])
    assert len(kept) == len(original)
    assert np.array_equal(kept["risk_probability"].to_numpy(), original["risk_probability"])

    alerts = _df(db, "select * from ews.ews_alerts")
    assert (alerts["compared_with"] == "previous run").all()
    assert set(alerts["student_id"]) <= set(altered["student_id"])  # nobody else changed
    ngs = alerts[alerts["outcome"] == "next_grade_success"]
    assert len(ngs) >= 30
    assert (ngs["previous_risk_tier"] == "Low").all()
    assert (alerts["indicator_feature_group"] == "attendance").all()
    assert alerts["indicator_sentence"].str.startswith("Missed").all()
    changes = _df(db, "select * from ml.ml_risk_run_changes where is_tier_rise")
    assert np.allclose(
        changes["record_log_odds_change"], changes["risk_log_odds_change"], atol=1e-9
    )  # one model scored both runs: the record is the whole change
    # the indicator is the largest rise of the stored contributions
    contrib = _df(
        db,
        "select as_of_date, student_id, outcome, feature, contribution "
        "from ml.ml_risk_explanation_history",
    )
    wide = contrib.pivot_table(
        index=["student_id", "outcome", "feature"], columns="as_of_date", values="contribution"
    )
    rise = (wide[second] - wide[first]).rename("rise")
    # Ties are exact at q1, where the latest quarter is the year to date: the two
    # absence-rate columns are equal, so the models weigh them alike and their rises
    # are equal to the last bit. The product names the first of the model's features
    # then; the named indicator's rise must be the largest, whichever it is.
    largest = rise.groupby(["student_id", "outcome"]).max()
    got = alerts.set_index(["student_id", "outcome"])["indicator_that_moved"]
    named = rise.reindex(
        pd.MultiIndex.from_arrays(
            [got.index.get_level_values(0), got.index.get_level_values(1), got.to_numpy()],
            names=["student_id", "outcome", "feature"],
        )
    )
    assert np.allclose(named.to_numpy(), largest.reindex(got.index).to_numpy(), atol=1e-9)
