"""What the report shows, read from a built warehouse in one read-only connection.

Every frame comes from a mart, a validation model or a seed (docs/report.md lists
them); the report computes nothing a reader could not recompute from those tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from k12ews import warehouse

# name -> the query that reads it; each names the relations it needs
QUERIES: dict[str, str] = {
    "literature": """
        select flags.*, kinds.flag_kind
        from seeds.bowers2013_dropout_flags as flags
        join seeds.bowers2013_flag_kinds as kinds using (flag_id)
        order by flag_id
    """,
    "flag_accuracy": "select * from validation.validation_flag_accuracy",
    "base_rates": """
        select * from validation.validation_base_rates
        order by measure, population, benchmark_school_year
    """,
    "out_of_time_scores": """
        select model_id, grade_band, outcome, decision_point, feature_set,
               is_scoring_model, test_school_years, school_year, grade_level,
               is_adverse_outcome, risk_probability
        from ml.ml_out_of_time_scores
    """,
    "chronic_absence_by_grade": """
        select students.school_year, students.grade_level,
               count(*) filter (where students.is_rated_for_chronic_absence) as students,
               count(*) filter (where students.is_chronically_absent) as chronically_absent,
               coalesce(bool_or(points.is_complete), false) as is_complete_year
        from ews.ews_student_year as students
        left join ml.ml_decision_points as points
          on points.school_year = students.school_year and points.decision_point = 'eoy'
        group by students.school_year, students.grade_level
        order by students.school_year, students.grade_level
    """,
    "current_scores": """
        select scores.outcome, scores.grade_band, scores.school_year,
               scores.decision_point, scores.school_id, schools.school_name,
               scores.risk_probability, scores.risk_tier
        from ml.ml_risk_scores as scores
        left join core.dim_school as schools using (school_id)
    """,
    "group_evaluation": """
        select * from ml.ml_model_evaluation
        where method = 'model' and evaluation_slice = 'all grades'
    """,
    "lead_time": """
        select method, grade_level, decision_point, decision_point_order,
               first_identified_share, precision_by_then
        from ml.ml_lead_time
        order by method, grade_level, decision_point_order
    """,
    "lead_time_statement": "select * from ml.ml_lead_time_statement order by by_end_of_grade",
    "as_of": "select max(as_of_date) as as_of_date from ews.ews_student_year",
    "explanation_checks": """
        select count(distinct student_id || '|' || outcome) as scores,
               count(*) filter (where checkable) as checkable,
               count(*) filter (where checkable and (
                   (agreed_direction = 'higher_is_riskier' and feature_value > reference_value
                       and direction = 'lowers')
                   or (agreed_direction = 'higher_is_riskier'
                       and feature_value < reference_value and direction = 'raises')
                   or (agreed_direction = 'higher_is_safer' and feature_value > reference_value
                       and direction = 'raises')
                   or (agreed_direction = 'higher_is_safer' and feature_value < reference_value
                       and direction = 'lowers'))) as against
        from (
            select *, is_value_known and reference_value is not null
                and agreed_direction <> 'not_constrained' as checkable
            from ml.ml_risk_explanations
        )
    """,
    "constraint_costs": """
        select model_id, test_roc_auc, unconstrained_test_roc_auc,
               unconstrained_test_roc_auc - test_roc_auc as auc_cost,
               case when unconstrained_test_roc_auc - test_roc_auc <= 0.01
                   then 'pass' else 'fail' end as check_result,
               test_calibration_error, unconstrained_test_calibration_error
        from ml.ml_model_registry
        where status = 'trained' and unconstrained_test_roc_auc is not null
        order by model_id
    """,
    "recourse_outcomes": """
        select outcome, risk_tier, recourse_status, count(*) as students,
               median(more_days_attended) as median_more_days_attended,
               median(school_days_left) as median_school_days_left
        from ml.ml_risk_recourse
        where risk_tier <> 'Low'
        group by all
        order by all
    """,
    # a model card for each promoted model that scores (docs/model_lifecycle.md)
    "model_cards": """
        select cards.*
        from ml.ml_model_cards as cards
        inner join ml.ml_model_registry as registry using (model_id)
        where registry.is_scoring_model
        order by cards.outcome, cards.grade_band, cards.decision_point, cards.section_order
    """,
    # what the data supports (doc block data_coverage): one row per indicator family
    "coverage": """
        select indicator_words as indicator,
               count(*) filter (where status = 'present') as present,
               count(*) filter (where status = 'partial') as partial,
               count(*) filter (where status = 'absent') as absent,
               count(*) filter (where status in ('not_due', 'not_started')) as not_yet,
               count(*) filter (where status = 'not_applicable') as not_applicable,
               min(case when status in ('absent', 'partial')
                        then school_name || ' ' || school_year || ': ' || reason end)
                   as example
        from core.fct_indicator_coverage
        group by indicator_words
        order by absent desc, partial desc, indicator_words
    """,
}


class MissingWarehouseTableError(RuntimeError):
    """The database lacks a table the report reads: the warehouse is not built."""


@dataclass(frozen=True)
class ReportData:
    literature: pd.DataFrame
    flag_accuracy: pd.DataFrame
    base_rates: pd.DataFrame
    out_of_time_scores: pd.DataFrame
    chronic_absence_by_grade: pd.DataFrame
    current_scores: pd.DataFrame
    group_evaluation: pd.DataFrame
    lead_time: pd.DataFrame
    lead_time_statement: pd.DataFrame
    as_of: pd.DataFrame
    coverage: pd.DataFrame
    # Explanations and recourse (default empty: frames of an older warehouse's tests)
    explanation_checks: pd.DataFrame = field(default_factory=pd.DataFrame)
    constraint_costs: pd.DataFrame = field(default_factory=pd.DataFrame)
    recourse_outcomes: pd.DataFrame = field(default_factory=pd.DataFrame)
    # Model cards of the promoted models (empty: a warehouse built before the lifecycle)
    model_cards: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def as_of_date(self) -> str:
        value = self.as_of["as_of_date"].iloc[0] if len(self.as_of) else None
        return "unknown" if value is None or pd.isna(value) else str(value)[:10]

    @property
    def district_source(self) -> str:
        sources = self.base_rates.get("district_source", pd.Series(dtype=str)).dropna()
        return str(sources.iloc[0]) if len(sources) else "unknown"


def read(con: duckdb.DuckDBPyConnection) -> ReportData:
    frames = {}
    for name, sql in QUERIES.items():
        try:
            frames[name] = con.execute(sql).df()
        except duckdb.CatalogException as exc:
            raise MissingWarehouseTableError(
                f"the report reads tables the warehouse does not have ({exc}); "
                "run `dbt build` on this database first"
            ) from None
    return ReportData(**frames)


def load(db: Path) -> ReportData:
    """The report's frames from the warehouse at ``db`` (opened read-only)."""
    if not Path(db).exists():
        raise FileNotFoundError(f"no warehouse at {db}")
    with warehouse.connect(db, read_only=True) as con:
        return read(con)
