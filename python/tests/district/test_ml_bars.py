"""The risk models' bars on the default `national` district (issue: risk models in dbt).

One session-scoped build (conftest ``national_built``): the whole dbt project (SQL
layer and the dbt Python models) on a copy of the default district. The tests then
read the tables the product writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from dbt_runner import copy_db, run_dbt

pytestmark = pytest.mark.slow

HEADLINE = "high__on_time_graduation__eoy__actionable"
BASELINES = ("balfanz_abc", "chicago_on_track", "chronic_absence", "prior_year_gpa")


@pytest.fixture(scope="module")
def built(national_built: Path) -> Path:
    return national_built


@pytest.fixture(scope="module")
def con(built: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect(str(built), read_only=True)
    yield c
    c.close()


def _grade9(con: duckdb.DuckDBPyConnection, method: str) -> tuple[float, ...]:
    row = con.execute(
        "select roc_auc, precision_at_top_10pct, calibration_error, students, "
        "model_roc_auc_same_students, model_precision_at_top_10pct_same_students "
        "from ml.ml_model_evaluation where model_id = ? and evaluation_slice = 'grade 9' "
        "and method = ? and group_type = 'all students'",
        [HEADLINE, method],
    ).fetchone()
    assert row is not None, method
    return tuple(row)


def test_grade_9_graduation_model_meets_its_bar_and_beats_every_baseline(con) -> None:
    auc, p10, ece, n, _, _ = _grade9(con, "model")
    print(
        f"grade-9 on-time graduation: AUC {auc:.3f}, precision@10% {p10:.3f}, "
        f"ECE {ece:.3f}, n {n:.0f}"
    )
    assert n > 1000
    assert auc >= 0.85
    assert ece <= 0.03
    for name in BASELINES:
        b_auc, b_p10, _, b_n, m_auc, m_p10 = _grade9(con, f"baseline: {name}")
        print(
            f"  {name}: AUC {b_auc:.3f} vs model {m_auc:.3f}; "
            f"p@10% {b_p10:.3f} vs {m_p10:.3f} (n {b_n:.0f})"
        )
        assert m_auc > b_auc, name
        assert m_p10 > b_p10, name


def test_every_score_is_explained_exactly_in_words(con) -> None:
    gap, scores, untold, typical = con.execute(
        """
        select max(abs(s.risk_log_odds - s.base_log_odds - e.total)), count(*),
            count(*) filter (where e.top_with_sentence = 0 and e.largest > 1e-9),
            count(*) filter (where e.top_with_sentence = 0)
        from ml.ml_risk_scores as s
        inner join (
            select student_id, outcome, sum(contribution) as total,
                max(abs(contribution)) as largest,
                count(case when is_top_factor and length(sentence) > 10 then 1 end)
                    as top_with_sentence
            from ml.ml_risk_explanations group by student_id, outcome
        ) as e using (student_id, outcome)
        """
    ).fetchone()
    enrolled = con.execute(
        "select count(*) from ml.ml_risk_scores where outcome = 'next_grade_success'"
    ).fetchone()
    assert scores > 10000 and enrolled[0] > 9000
    assert gap < 1e-6
    # every score names its top factors in words, unless nothing in the record moves it
    # from the typical student of the grade (every contribution zero: the model's score is
    # that student's, base_log_odds)
    print(f"{typical} of {scores} scores are their grade's typical student's")
    assert untold == 0
    assert typical < 0.02 * scores


def test_tiers_state_their_meaning_on_the_out_of_time_cohort(con) -> None:
    rows = con.execute(
        "select distinct outcome, risk_tier, tier_meaning from ml.ml_risk_scores"
    ).fetchall()
    assert {r[1] for r in rows} == {"High", "Moderate", "Low"}
    for outcome, tier, meaning in rows:
        assert meaning.startswith("Of ") and f"scored {tier}" in meaning, (outcome, meaning)
    high, low = con.execute(
        "select max(case when risk_tier = 'High' then tier_meaning end), "
        "max(case when risk_tier = 'Low' then tier_meaning end) from ml.ml_risk_scores "
        "where outcome = 'on_time_graduation'"
    ).fetchone()
    pct = [int(m.split(", ")[1].split("%")[0]) for m in (high, low)]
    assert pct[0] > 3 * pct[1]  # High means much more than Low


def test_evaluation_reports_both_feature_sets_and_every_student_group(con) -> None:
    sets = con.execute(
        "select distinct feature_set from ml.ml_model_evaluation where decision_point = 'eoy'"
    ).fetchall()
    assert {s[0] for s in sets} == {"actionable", "with_student_characteristics"}
    groups = con.execute(
        "select group_type, count(*), min(students), sum(students) from ml.ml_model_evaluation "
        "where model_id = ? and evaluation_slice = 'all grades' group by 1",
        [HEADLINE],
    ).fetchall()
    by = {g[0]: g for g in groups}
    everyone = con.execute(
        "select students from ml.ml_model_evaluation where model_id = ? and method = 'model' "
        "and evaluation_slice = 'all grades' and group_type = 'all students'",
        [HEADLINE],
    ).fetchone()
    for g in ("race_ethnicity", "free_reduced_lunch", "english_learner", "iep", "sex"):
        assert g in by and by[g][1] >= 2
        assert by[g][3] == everyone[0]  # every test student in exactly one group
    scoring_features = con.execute(
        "select features from ml.ml_model_registry where is_scoring_model and status = 'trained'"
    ).fetchall()
    for (f,) in scoring_features:
        assert "is_male" not in f and "race_" not in f and "economically" not in f


def test_shuffled_training_labels_give_chance_auc(built: Path, tmp_path: Path) -> None:
    """The negative control, trained as a challenger (var ml_mode train): its out-of-time
    AUC falls to chance, and promotion by evidence never lets it replace the promoted
    model (docs/model_lifecycle.md)."""
    db = copy_db(built, tmp_path, "shuffled.duckdb")
    proc = run_dbt(
        db,
        tmp_path,
        "run",
        "--select",
        "ml_model_store",
        "ml_model_registry",
        "--vars",
        "{ml_shuffle_training_labels: true, ml_mode: train}",
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    with duckdb.connect(str(db), read_only=True) as c:
        rows = c.execute(
            "select model_id, test_roc_auc, is_promoted from ml.ml_model_store "
            "where status = 'trained' and shuffled_training_labels"
        ).fetchall()
        promoted_shuffled = c.execute(
            "select count(*) from ml.ml_model_registry where shuffled_training_labels"
        ).fetchone()
    assert len(rows) >= 24
    off = [(m, a) for m, a, _ in rows if abs(a - 0.5) > 0.03]
    assert not off, off
    assert not [m for m, _, promoted in rows if promoted]
    assert promoted_shuffled == (0,)


def test_the_same_seed_gives_the_same_scores(built: Path, con, tmp_path: Path) -> None:
    """Retrained on the same data and seed (var ml_mode train), every challenger is the
    promoted model itself: the same version, kept, and the same scores."""
    db = copy_db(built, tmp_path, "again.duckdb")
    proc = run_dbt(
        db,
        tmp_path,
        "run",
        "--select",
        "ml_model_store",
        "ml_model_registry",
        "ml_risk_scores",
        "--vars",
        "{ml_mode: train}",
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    con.execute(f"attach '{db}' as again (read_only)")
    try:
        diff = con.execute(
            "select count(*) from ((select * from ml.ml_risk_scores except all "
            "select * from again.ml.ml_risk_scores) union all (select * from "
            "again.ml.ml_risk_scores except all select * from ml.ml_risk_scores))"
        ).fetchone()
        versions = con.execute(
            "select count(*) from ml.ml_model_registry as a join again.ml.ml_model_store "
            "as b using (model_id) where b.trained_at = (select max(trained_at) from "
            "again.ml.ml_model_store) and a.model_version is distinct from b.model_version"
        ).fetchone()
        decisions = con.execute(
            "select distinct promotion_decision from again.ml.ml_model_store "
            "where trained_at = (select max(trained_at) from again.ml.ml_model_store)"
        ).fetchall()
    finally:
        con.execute("detach again")
    assert diff == (0,)
    assert versions == (0,)
    assert set(decisions) <= {("kept",), ("not trained",)}
