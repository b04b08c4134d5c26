"""What the pages show: published columns, each with a label and a format. The field
class of each is not here: it is the seed's (``access_column_classes``), looked up when a
page is drawn, so a column the seed moves to another class moves on the pages too."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# rate: a share shown as a percentage with a decimal; percent: a risk, whole percent;
# points: percentage points as stored; pp: a change of a share, shown in points;
# note: words that are absent when there is nothing to say (a dash, not "not on record")
Kind = Literal["text", "int", "number", "rate", "percent", "flag", "date", "points", "pp", "note"]

NOT_ON_RECORD = "not on record"
NOTHING = "\u2014"


@dataclass(frozen=True)
class Field:
    relation: str
    column: str
    label: str
    kind: Kind = "text"


def _f(relation: str, kind: Kind, column: str, label: str) -> Field:
    return Field(relation, column, label, kind)


YEAR = "ews.ews_student_year"
STUDENT = "core.dim_student"
CURRENT = "ews.ews_student_current"
PLAN = "ews.ews_intervention_plan"
TRAJECTORY = "ml.ml_risk_trajectories"
EXPLANATION = "ml.ml_risk_explanations"
RECOURSE = "ml.ml_risk_recourse"
SCORES = "ml.ml_risk_scores"
SERVICES = "core.fct_program_services"
DISCIPLINE = "core.fct_discipline"
# the features of the explanations and trajectories are ml_features columns: an
# explanation is shown only when its feature's class is held (a days-removed factor
# is discipline detail, not core)
FEATURES = "ml.ml_features"

# one row per indicator of the indicators-by-year table, a column per school year
YEAR_FIELDS: tuple[Field, ...] = (
    _f(YEAR, "int", "grade_level", "Grade"),
    _f(YEAR, "flag", "is_enrolled_on_as_of_date", "Enrolled on the as-of date"),
    _f(YEAR, "int", "days_enrolled", "Days enrolled"),
    _f(YEAR, "rate", "attendance_rate", "Attendance rate"),
    _f(YEAR, "number", "days_absent", "Days absent"),
    _f(YEAR, "number", "unexcused_absence_days", "Unexcused absence days"),
    _f(YEAR, "flag", "is_chronically_absent", "Chronically absent"),
    _f(YEAR, "int", "core_courses_graded", "Core courses graded"),
    _f(YEAR, "int", "core_failures", "Core course failures"),
    _f(YEAR, "number", "year_gpa", "GPA"),
    _f(YEAR, "number", "credits_behind", "Credits behind"),
    _f(YEAR, "flag", "is_on_track_for_graduation", "On track to graduate"),
    _f(YEAR, "int", "reading_performance_level", "State reading test level"),
    _f(YEAR, "int", "math_performance_level", "State math test level"),
    _f(YEAR, "int", "incidents", "Discipline incidents"),
    _f(YEAR, "int", "in_school_suspensions", "In-school suspensions"),
    _f(YEAR, "int", "out_of_school_suspensions", "Out-of-school suspensions"),
    _f(YEAR, "number", "days_removed", "Days removed from class"),
    _f(YEAR, "int", "mid_year_school_changes", "Mid-year school changes"),
    _f(YEAR, "flag", "has_been_retained", "Ever retained"),
    _f(YEAR, "int", "abc_flag_count", "ABC flags (attendance, behaviour, course)"),
    _f(YEAR, "int", "service_spells_this_year", "Service spells this year"),
    _f(YEAR, "int", "highest_mtss_tier_this_year", "Highest MTSS tier this year"),
    _f(YEAR, "int", "family_contacts", "Family contacts"),
    _f(YEAR, "int", "attendance_family_contacts", "Family contacts about attendance"),
)

# facts of the student on the page's header
STUDENT_FIELDS: tuple[Field, ...] = (
    _f(STUDENT, "text", "sex_description", "Sex"),
    _f(STUDENT, "text", "race_ethnicity_reporting_group", "Race and ethnicity"),
    _f(STUDENT, "flag", "is_economically_disadvantaged", "Economically disadvantaged"),
    _f(STUDENT, "flag", "is_english_learner", "English learner"),
    _f(STUDENT, "flag", "is_gifted", "Gifted"),
    _f(STUDENT, "flag", "is_homeless", "Homeless"),
    _f(STUDENT, "flag", "has_iep", "IEP"),
    _f(STUDENT, "flag", "has_504_plan", "Section 504 plan"),
)

CURRENT_FIELDS: tuple[Field, ...] = (
    _f(CURRENT, "int", "grade_level", "Grade"),
    _f(CURRENT, "int", "school_id", "School"),
    _f(CURRENT, "int", "flag_count", "Early-warning flags"),
    _f(CURRENT, "note", "flag_reasons", "Flagged for"),
    _f(CURRENT, "note", "unknown_indicators", "Indicators not on record"),
)

TRAJECTORY_FIELDS: tuple[Field, ...] = (
    _f(TRAJECTORY, "int", "school_year", "School year"),
    _f(TRAJECTORY, "text", "decision_point", "Point of the year"),
    _f(TRAJECTORY, "percent", "risk_probability", "Risk"),
    _f(TRAJECTORY, "text", "risk_tier", "Tier"),
    _f(TRAJECTORY, "pp", "risk_probability_change", "Change (points)"),
    _f(TRAJECTORY, "note", "indicator_sentence", "What moved it most"),
)

PLAN_FIELDS: tuple[Field, ...] = (
    _f(PLAN, "int", "plan_rank", "Place in the school's plan"),
    _f(PLAN, "int", "risk_rank_in_school", "Place by risk alone"),
    _f(PLAN, "flag", "is_within_capacity_by_risk", "Within capacity by risk alone"),
    _f(PLAN, "text", "outcome", "Outcome"),
    _f(PLAN, "percent", "risk_probability", "Risk now"),
    _f(PLAN, "text", "risk_tier", "Tier"),
    _f(PLAN, "text", "service_description", "Suggested service"),
    _f(PLAN, "int", "start_school_year", "Start (school year)"),
    _f(PLAN, "int", "start_quarter", "Start (quarter)"),
    _f(PLAN, "points", "estimated_effect_points", "Estimated effect (points)"),
    _f(PLAN, "points", "effect_ci_low_points", "95% interval, low"),
    _f(PLAN, "points", "effect_ci_high_points", "95% interval, high"),
    _f(PLAN, "percent", "risk_if_served", "Risk if served"),
    _f(PLAN, "points", "added_benefit_points", "Added benefit (points)"),
    _f(PLAN, "text", "why_this_service", "Why this service"),
)

SERVICE_FIELDS: tuple[Field, ...] = (
    _f(SERVICES, "int", "school_year", "School year"),
    _f(SERVICES, "text", "service_description", "Service"),
    _f(SERVICES, "text", "service_domain", "Domain"),
    _f(SERVICES, "int", "mtss_tier", "MTSS tier"),
    _f(SERVICES, "date", "start_date", "Started"),
    _f(SERVICES, "date", "end_date", "Ended"),
    _f(SERVICES, "flag", "is_running_on_as_of_date", "Running now"),
)

DISCIPLINE_FIELDS: tuple[Field, ...] = (
    _f(DISCIPLINE, "text", "incident_id", "Incident"),
    _f(DISCIPLINE, "date", "incident_date", "Date"),
    _f(DISCIPLINE, "text", "behaviour_category", "Behaviour"),
    _f(DISCIPLINE, "int", "behaviour_severity", "Severity"),
    _f(DISCIPLINE, "text", "discipline_action", "Action"),
    _f(DISCIPLINE, "number", "days_removed", "Days removed"),
)

# the caseload page: one row per student, all from the current record and the plan
CASELOAD_FIELDS: tuple[Field, ...] = (
    _f(CURRENT, "int", "grade_level", "Grade"),
    _f(PLAN, "int", "plan_rank", "Plan place"),
    _f(PLAN, "text", "service_description", "Suggested service"),
    _f(PLAN, "points", "added_benefit_points", "Added benefit (points)"),
    _f(SCORES, "percent", "risk_probability", "Highest risk now"),
    _f(SCORES, "text", "risk_tier", "Tier"),
    _f(CURRENT, "rate", "attendance_rate", "Attendance this year"),
    _f(CURRENT, "int", "core_failures", "Core failures"),
    _f(CURRENT, "int", "flag_count", "Flags"),
    _f(CURRENT, "note", "flag_reasons", "Flagged for"),
)


def columns_of(relation: str, fields: tuple[Field, ...]) -> list[str]:
    return [f.column for f in fields if f.relation == relation]
