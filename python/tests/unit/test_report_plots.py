"""The report's pieces on small made-up warehouses (seconds, no dbt): each figure draws
what it is given and says so in its caption, an empty warehouse gives empty panels that
say why, ROC placement is right on models whose answer is known, the page is
self-contained."""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from k12ews.report import html, roc, svg
from k12ews.report.build import render_figure
from k12ews.report.data import QUERIES, ReportData
from k12ews.report.plots import PLOTS
from k12ews.report.plots.roc_space import label_positions

REPO = Path(__file__).resolve().parents[3]
SEEDS = REPO / "seeds" / "validation"


def _literature() -> pd.DataFrame:
    flags = pd.read_csv(SEEDS / "bowers2013_dropout_flags.csv", dtype={"grade_from": str})
    return flags.merge(pd.read_csv(SEEDS / "bowers2013_flag_kinds.csv"), on="flag_id")


def _scores(rng: np.random.Generator, strength: float) -> pd.DataFrame:
    """Out-of-time scores of calibrated models: risk p, outcome drawn with probability p.
    ``strength`` spreads the risks (0: everyone the base rate, a useless model)."""
    parts = []
    for band, outcome, grades in (
        ("middle", "on_time_graduation", (6, 7, 8)),
        ("high", "on_time_graduation", (9, 10, 11, 12)),
        ("elementary", "next_grade_success", (1, 2, 3)),
        ("middle", "next_grade_success", (6, 7, 8)),
    ):
        n = 1500
        p = 1 / (1 + np.exp(-(-2.0 + strength * rng.normal(size=n))))
        parts.append(
            pd.DataFrame(
                {
                    "model_id": f"{band}__{outcome}__eoy__actionable",
                    "grade_band": band,
                    "outcome": outcome,
                    "decision_point": "eoy",
                    "feature_set": "actionable",
                    "is_scoring_model": True,
                    "test_school_years": "2022-2023",
                    "school_year": 2022,
                    "grade_level": rng.choice(grades, size=n),
                    "is_adverse_outcome": rng.random(n) < p,
                    "risk_probability": p,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _flag_accuracy() -> pd.DataFrame:
    rows = []
    for grade, band in ((6, "middle"), (9, "high")):
        for i, method in enumerate(("chronic_absence", "retained", "core_course_failure")):
            rows.append(
                {
                    "method_type": "flag",
                    "method": method,
                    "risk_threshold": np.nan,
                    "evaluation_slice": f"grade {grade}",
                    "grade_band": band,
                    "decision_point": "eoy",
                    "test_school_years": "2022-2023",
                    "students": 1000,
                    "events": 150,
                    "precision": 0.3,
                    "sensitivity": 0.2 + 0.2 * i,
                    "specificity": 0.9 - 0.05 * i,
                    "false_positive_rate": 0.1 + 0.05 * i,
                }
            )
        rows.append(
            {
                "method_type": "model",
                "method": f"{band}__on_time_graduation__eoy__actionable",
                "risk_threshold": 0.4,
                "evaluation_slice": "all grades",
                "grade_band": band,
                "decision_point": "eoy",
                "test_school_years": "2022-2023",
                "students": 3000,
                "events": 400,
                "precision": 0.7,
                "sensitivity": 0.5,
                "specificity": 0.97,
                "false_positive_rate": 0.03,
            }
        )
    return pd.DataFrame(rows)


def _data(strength: float = 1.5, seed: int = 1) -> ReportData:
    rng = np.random.default_rng(seed)
    grades = np.arange(13)
    chronic = pd.DataFrame(
        [
            {
                "school_year": year,
                "grade_level": g,
                "students": 800,
                "chronically_absent": int(800 * (0.1 + 0.01 * abs(g - 4) + (year == 2022) * 0.1)),
                "is_complete_year": year < 2024,
            }
            for year in (2021, 2022, 2023, 2024)
            for g in grades
        ]
    )
    current = pd.DataFrame(
        {
            "outcome": "next_grade_success",
            "grade_band": "elementary",
            "school_year": 2024,
            "decision_point": "q1",
            "school_id": rng.choice([1, 2, 3], size=600),
            "risk_probability": rng.beta(2, 6, size=600),
            "risk_tier": "Low",
        }
    )
    current["school_name"] = current["school_id"].map({1: "Ash", 2: "Birch", 3: "Cedar"})
    groups = pd.DataFrame(
        [
            {
                "model_id": "high__on_time_graduation__eoy__actionable",
                "grade_band": "high",
                "outcome": "on_time_graduation",
                "decision_point": "eoy",
                "is_scoring_model": True,
                "group_type": group_type,
                "group_value": value,
                "students": students,
                "false_positive_rate": 0.02 + 0.01 * i,
                "false_negative_rate": 0.4 + 0.05 * i,
            }
            for group_type, values in (
                ("race_ethnicity", ("black", "hispanic", "white")),
                ("free_reduced_lunch", ("False", "True")),
                ("english_learner", ("False", "True")),
                ("iep", ("False", "True")),
                ("sex", ("F", "M")),
            )
            for i, (value, students) in enumerate(zip(values, (900, 400, 60), strict=False))
        ]
    )
    base_rates = pd.DataFrame(
        {
            "measure": ["acgr"],
            "population": ["all students"],
            "benchmark_school_year": [2022],
            "benchmark_value": [0.87],
            "district_rate": [0.85],
            "district_students": [5000],
            "tolerance": [0.03],
            "check_result": ["pass"],
            "benchmark_source": ["NCES <2024>"],
            "district_source": ["generated (national profile, 10000 students a year)"],
        }
    )
    lead_time = pd.DataFrame(
        [
            {
                "method": method,
                "grade_level": g,
                "decision_point": dp,
                "decision_point_order": i + 1,
                "first_identified_share": min(1.0, share * ((g - 6) * 4 + i + 1) / 8),
                "precision_by_then": precision,
            }
            for method, share, precision in (
                ("model: High tier", 0.5, 0.4),
                ("model: risk >= 0.60", 0.3, 0.55),
                ("baseline: balfanz_abc", 0.4, 0.25),
            )
            for g in (6, 7, 8, 9)
            for i, dp in enumerate(("q1", "q2", "q3", "eoy"))
        ]
    )
    statement = pd.DataFrame(
        {
            "by_end_of_grade": [6, 8, 9],
            "method": "model: risk >= 0.60",
            "share_identified": [0.15, 0.3, 0.45],
            "precision_by_then": [0.57, 0.53, 0.53],
            "non_graduates": 126,
            "panel_school_years": "2019-2020",
        }
    )
    return ReportData(
        literature=_literature(),
        flag_accuracy=_flag_accuracy(),
        base_rates=base_rates,
        out_of_time_scores=_scores(rng, strength),
        chronic_absence_by_grade=chronic,
        current_scores=current,
        group_evaluation=groups,
        lead_time=lead_time,
        lead_time_statement=statement,
        as_of=pd.DataFrame({"as_of_date": [pd.Timestamp("2023-12-01")]}),
        coverage=pd.DataFrame(
            {
                "indicator": ["attendance", "state tests"],
                "present": [10, 9],
                "partial": [1, 0],
                "absent": [1, 0],
                "not_yet": [0, 3],
                "not_applicable": [0, 0],
                "example": ["School A 2024: attendance_events: no attendance recorded", None],
            }
        ),
    )


def _empty(data: ReportData) -> ReportData:
    return ReportData(**{name: getattr(data, name).iloc[0:0] for name in QUERIES})


def _marks(fig: Figure) -> int:
    return sum(len(ax.lines) + len(ax.collections) + len(ax.patches) for ax in fig.axes)


def test_every_query_has_a_frame_and_every_plot_a_unique_key() -> None:
    assert set(QUERIES) == set(ReportData.__dataclass_fields__)
    keys = [p.key for p in PLOTS]
    assert len(keys) == len(set(keys)) == 6


@pytest.mark.parametrize("plot", PLOTS, ids=lambda p: p.key)
def test_each_plot_draws_its_data_and_captions_it(plot) -> None:
    data = _data()
    fig = plot.draw(data)
    assert _marks(fig) >= 3, plot.key
    caption = plot.caption(data)
    assert len(caption) > 150 and any(ch.isdigit() for ch in caption), caption
    out = svg.to_svg(fig, plot.key)
    assert out.startswith("<svg") and f'data-plot="{plot.key}"' in out
    assert "<script" not in out and "<metadata>" not in out


@pytest.mark.parametrize("plot", PLOTS, ids=lambda p: p.key)
def test_each_plot_says_why_it_is_empty(plot) -> None:
    data = _empty(_data())
    fig = plot.draw(data)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert any(texts), plot.key
    assert "no" in plot.caption(data).lower()


def test_roc_step_curve_credits_only_reachable_thresholds() -> None:
    curve = roc.curve(np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.7, 0.1]))
    assert roc.sensitivity_at(curve, 0.0) == 0.5  # the 0.9 threshold alone
    assert roc.sensitivity_at(curve, 0.49) == 0.5  # 0.8 would flag a graduate: FPR 0.5
    assert roc.sensitivity_at(curve, 0.5) == 1.0
    assert roc.band_for_grade("K") == "middle"
    assert roc.band_for_grade("8") == "middle"
    assert roc.band_for_grade(9) == "high"


def test_a_perfect_model_beats_every_published_flag_and_a_useless_one_few() -> None:
    literature = _literature()
    y = np.r_[np.ones(100), np.zeros(900)]
    perfect = {band: roc.curve(y, y) for band in roc.BANDS}
    assert roc.place_literature(literature, perfect)["is_model_better"].all()
    useless = {band: roc.curve(y, np.zeros_like(y)) for band in roc.BANDS}
    placed = roc.place_literature(literature, useless)
    # a constant score reaches only (0, 0) and (1, 1): it beats no flag with a false
    # positive rate below 1
    assert not placed["is_model_better"].any()
    assert len(placed) == 110


def test_flag_labels_never_overlap() -> None:
    flags = pd.DataFrame(
        {
            "method": ["a", "b", "c", "d"],
            "false_positive_rate": [0.1, 0.12, 0.11, 0.5],
            "sensitivity": [0.20, 0.21, 0.215, 0.6],
        }
    )
    ys = [label[1] for _, label, _ in label_positions(flags, gap=0.03)]
    assert all(b - a >= 0.03 - 1e-12 for a, b in itertools.pairwise(ys))


def test_page_is_self_contained_escaped_and_has_every_figure() -> None:
    data = _data()
    figures = [render_figure(p, data) for p in PLOTS]
    page = html.render(data, figures, 1.0)
    assert page.count("<figure ") == len(PLOTS)
    assert "<script" not in page and "src=" not in page
    assert "NCES &lt;2024&gt;" in page  # table text is escaped
    assert "Where they do not" in page


def test_explanations_section_states_the_direction_check_costs_and_recourse() -> None:
    data = replace(
        _data(),
        explanation_checks=pd.DataFrame({"scores": [17873], "checkable": [339097], "against": [3]}),
        constraint_costs=pd.DataFrame(
            {
                "model_id": ["grad_high_q1", "reading_eoy"],
                "test_roc_auc": [0.854, 0.7526],
                "unconstrained_test_roc_auc": [0.8575, 0.7628],
                "auc_cost": [0.0035, 0.0102],
                "check_result": ["pass", "fail"],
                "test_calibration_error": [0.01, 0.0224],
                "unconstrained_test_calibration_error": [0.0115, 0.03],
            }
        ),
        recourse_outcomes=pd.DataFrame(
            {
                "outcome": ["on_time_graduation"],
                "risk_tier": ["High"],
                "recourse_status": ["found"],
                "students": [128],
                "median_more_days_attended": [10.0],
                "median_school_days_left": [115.0],
            }
        ),
    )
    section = html.explanations_section(data)
    assert "339,097 explanation rows of 17,873 current scores" in section
    assert "3 read an indicator against its direction" in section
    assert "grad_high_q1" in section and "on_time_graduation" in section
    # a cost just over the bar is shown as over it, not rounded onto it
    assert "1 of 2 models cost at most 0.01 ROC AUC" in section
    assert "+0.0102" in section and '<span class="fail">fail</span>' in section
    assert "not a cause" in section
    # an older warehouse without the tables: the text, no figures, no error
    empty = html.explanations_section(_empty(data))
    assert "not a cause" in empty and "against its direction" not in empty
