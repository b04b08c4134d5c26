"""The raw contract's success-metric tables (#14), appended to ``contract.TABLES``.

All are optional: a district that does not send one loads without it, and what it
feeds is unknown. Their generator is :mod:`k12ews.synth.success`.
"""

from __future__ import annotations

from k12ews.contract_columns import SCHOOL_ID as _SCHOOL
from k12ews.contract_columns import SCHOOL_YEAR as _YEAR
from k12ews.contract_columns import STUDENT_ID as _STUDENT
from k12ews.contract_columns import Column, Table

_REFS = (("student_id", "students", "student_id"), ("school_id", "schools", "school_id"))
_GRADE = Column("grade_level", "INTEGER", "Grade level when tested (K = 0).", required=False)


def _t(name: str, what: str) -> Column:
    return Column(
        name,
        "INTEGER",
        f"{what}: T-score (norm mean 50, sd 10; DESSA-style 28-72, 40 or less is a need "
        "for instruction, 60 or more a strength); empty: not rated.",
        required=False,
    )


SUCCESS_TABLES: tuple[Table, ...] = (
    Table(
        name="sel_screener_results",
        grain="one row per student per school year per screening window",
        description=(
            "A social-emotional screener (DESSA-style) given in fall, winter and spring: "
            "the five CASEL competencies and a composite as T-scores, rated by the teacher "
            "(kindergarten to grade 5) or by the student (grades 6-12)."
        ),
        keys=("student_id", "school_year", "screening_window"),
        ed_fi="StudentAssessment (social-emotional screener; scoreResults per competency)",
        references=_REFS,
        columns=(
            _STUDENT,
            _SCHOOL,
            _YEAR,
            Column("administration_date", "DATE", "Date the rating was completed."),
            _GRADE,
            Column("screening_window", "VARCHAR", "fall, winter or spring."),
            Column(
                "rater",
                "VARCHAR",
                "teacher or self (empty: unknown, the scores still count).",
                required=False,
            ),
            _t("self_awareness", "Self-awareness"),
            _t("self_management", "Self-management"),
            _t("social_awareness", "Social awareness"),
            _t("relationship_skills", "Relationship skills"),
            _t("responsible_decision_making", "Responsible decision-making"),
            Column(
                "composite_t_score",
                "INTEGER",
                "The social-emotional composite as a T-score (same scale).",
            ),
        ),
    ),
    Table(
        name="climate_survey_responses",
        grain="one row per student per school year",
        description=(
            "The annual school climate survey (grades 3-12): the mean of the student's "
            "1-5 Likert items on each scale (5 most favourable)."
        ),
        keys=("student_id", "school_year"),
        ed_fi="SurveyResponse (with Survey, SurveyQuestionResponse; means per SurveySection)",
        references=_REFS,
        columns=(
            _STUDENT,
            _SCHOOL,
            _YEAR,
            Column("administration_date", "DATE", "Date the survey was answered."),
            _GRADE,
            Column(
                "belonging",
                "DOUBLE",
                "Sense of belonging at school, mean of the scale's items (1-5; empty: "
                "no item answered).",
                required=False,
            ),
            Column(
                "peer_relationships",
                "DOUBLE",
                "Relationships with other students, mean of the scale's items (1-5).",
                required=False,
            ),
            Column(
                "adult_support",
                "DOUBLE",
                "Support from adults at school, mean of the scale's items (1-5).",
                required=False,
            ),
            Column("items_answered", "INTEGER", "Items the student answered.", required=False),
        ),
    ),
    Table(
        name="math_interim_assessments",
        grain="one row per student per school year per test window per domain",
        description=(
            "Math interim assessments (MAP Growth-like) in fall, winter and spring: the "
            "overall score and each domain's, national percentile, and growth since fall "
            "against the norm group's typical growth."
        ),
        keys=("student_id", "school_year", "test_window", "domain"),
        ed_fi="StudentAssessment (interim; overall score and StudentObjectiveAssessment "
        "per domain)",
        references=_REFS,
        columns=(
            _STUDENT,
            _SCHOOL,
            _YEAR,
            Column("administration_date", "DATE", "Date the test was taken."),
            _GRADE,
            Column("test_window", "VARCHAR", "fall, winter or spring."),
            Column(
                "domain",
                "VARCHAR",
                "overall, or a domain: operations_algebraic_thinking, number_operations, "
                "measurement_data, geometry.",
            ),
            Column("scale_score", "INTEGER", "Scale score (RIT-like)."),
            Column(
                "standard_error", "DOUBLE", "Standard error of the scale score.", required=False
            ),
            Column(
                "national_percentile",
                "INTEGER",
                "Percentile of the score in the national norm for the grade and window "
                "(1-99; empty: not reported).",
                required=False,
            ),
            Column(
                "growth_from_fall",
                "DOUBLE",
                "Scale-score points gained since the fall test (empty in fall, or without "
                "a fall score).",
                required=False,
            ),
            Column(
                "typical_growth",
                "DOUBLE",
                "The norm group's typical growth from fall to this window (empty: as above).",
                required=False,
            ),
            Column(
                "growth_percentile",
                "INTEGER",
                "Conditional growth percentile against the norm (1-99; 50 is typical "
                "growth; empty: as above).",
                required=False,
            ),
        ),
    ),
    Table(
        name="advanced_coursework",
        grain="one row per student per school year per programme per course",
        description=(
            "Advanced Placement, International Baccalaureate and dual-enrollment courses "
            "and their exam results."
        ),
        keys=("student_id", "school_year", "program", "course_title"),
        ed_fi="CourseTranscript (courseAttemptResult, dual credit) and StudentAssessment "
        "(AP and IB exams)",
        references=_REFS,
        columns=(
            _STUDENT,
            _SCHOOL,
            _YEAR,
            Column("program", "VARCHAR", "AP, IB or DE (dual enrollment)."),
            Column("course_title", "VARCHAR", "Course title."),
            Column(
                "exam_score",
                "INTEGER",
                "AP exam 1-5 or IB exam 1-7 (empty: no exam taken, or a dual-enrollment course).",
                required=False,
            ),
            Column(
                "earned_college_credit",
                "BOOLEAN",
                "Earned college credit: AP 3 or more, IB 4 or more, dual enrollment C or "
                "better (empty: unknown).",
                required=False,
            ),
        ),
    ),
    Table(
        name="college_readiness_exams",
        grain="one row per student per exam per administration date",
        description=(
            "A college-readiness exam (SAT-like: the grade 11 school-day test and "
            "retakes) with its section scores and benchmarks."
        ),
        keys=("student_id", "exam", "administration_date"),
        ed_fi="StudentAssessment (college readiness)",
        references=_REFS,
        columns=(
            _STUDENT,
            _SCHOOL,
            _YEAR,
            Column("administration_date", "DATE", "Date the exam was taken."),
            _GRADE,
            Column("exam", "VARCHAR", "SAT or ACT."),
            Column(
                "reading_writing_score",
                "INTEGER",
                "Evidence-based reading and writing score (SAT 200-800; ACT 1-36).",
                required=False,
            ),
            Column("math_score", "INTEGER", "Math score (SAT 200-800; ACT 1-36).", required=False),
            Column("total_score", "INTEGER", "Total (SAT 400-1600) or composite (ACT 1-36)."),
            Column(
                "meets_reading_writing_benchmark",
                "BOOLEAN",
                "At or above the publisher's college-readiness benchmark in reading and "
                "writing (SAT 480).",
                required=False,
            ),
            Column(
                "meets_math_benchmark",
                "BOOLEAN",
                "At or above the publisher's benchmark in math (SAT 530).",
                required=False,
            ),
        ),
    ),
    Table(
        name="cte_participation",
        grain="one row per student per school year per CTE programme area",
        description=(
            "Career and technical education courses by programme area: credits earned "
            "that year, and whether the student is a concentrator (Perkins V: two or "
            "more credits in one programme)."
        ),
        keys=("student_id", "school_year", "program_area"),
        ed_fi="StudentCTEProgramAssociation",
        references=_REFS,
        columns=(
            _STUDENT,
            _SCHOOL,
            _YEAR,
            Column("program_area", "VARCHAR", "CTE programme area (career cluster)."),
            Column("credits_earned", "DOUBLE", "CTE credits earned this year.", required=False),
            Column(
                "is_concentrator",
                "BOOLEAN",
                "A concentrator in this programme by the end of the year (empty: unknown).",
                required=False,
            ),
        ),
    ),
    Table(
        name="fafsa_completions",
        grain="one row per student per school year",
        description=(
            "Seniors who submitted the Free Application for Federal Student Aid, from "
            "the state's FAFSA completion data; a senior without a row has not submitted."
        ),
        keys=("student_id", "school_year"),
        ed_fi="(district extension)",
        references=_REFS,
        columns=(
            _STUDENT,
            _SCHOOL,
            _YEAR,
            Column("submitted_date", "DATE", "Date the FAFSA was submitted."),
            Column(
                "completed_date",
                "DATE",
                "Date it was complete (processed without problems); empty: not yet.",
                required=False,
            ),
        ),
    ),
    Table(
        name="postsecondary_enrollments",
        grain="one row per graduate per college per term begin date",
        description=(
            "College enrollment of graduates as a National Student Clearinghouse "
            "StudentTracker match returns it: one row per term; school_id and "
            "school_year are the high school and year of graduation."
        ),
        keys=("student_id", "college_id", "enrollment_begin"),
        ed_fi="(district extension: StudentTracker for High Schools)",
        references=_REFS,
        columns=(
            _STUDENT,
            Column("school_id", "INTEGER", "The high school graduated from."),
            Column("school_year", "INTEGER", "School year of graduation (spring year)."),
            Column("college_id", "VARCHAR", "College identifier (OPEID or the match's code)."),
            Column("college_name", "VARCHAR", "College name.", required=False),
            Column(
                "college_level",
                "VARCHAR",
                "4-year, 2-year or less-than-2-year (empty: unknown).",
                required=False,
            ),
            Column(
                "college_control",
                "VARCHAR",
                "public or private (empty: unknown).",
                required=False,
            ),
            Column("enrollment_begin", "DATE", "First day of the term."),
            Column(
                "enrollment_end",
                "DATE",
                "Last day of the term (empty: not ended).",
                required=False,
            ),
            Column(
                "enrollment_status",
                "VARCHAR",
                "F full-time, Q three-quarter, H half-time, L less than half-time, A leave, "
                "W withdrawn, D deceased (empty: unknown).",
                required=False,
            ),
        ),
    ),
)
