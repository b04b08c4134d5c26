"""The raw contract: the tables a district maps its SIS export to (schema ``raw``).

One source of truth for table grain, keys, column types and meanings. The
generator writes exactly these columns in this order; the dbt sources yml is
rendered from here (``python -m k12ews.dbt_sources --write``) and a test checks that the
committed yml is current. Tables and column names are modelled on Ed-Fi entities
(``k12ews.edfi`` reads an Ed-Fi extract into them); columns may be added, never
renamed. A column Ed-Fi makes optional is optional here: what it feeds is then unknown.
"""

from __future__ import annotations

from k12ews.contract_columns import SCHOOL_ID as _SCHOOL
from k12ews.contract_columns import SCHOOL_YEAR as _YEAR
from k12ews.contract_columns import STUDENT_ID as _STUDENT
from k12ews.contract_columns import Column, Table
from k12ews.contract_staff import STAFF_CONTRACT
from k12ews.contract_success import SUCCESS_TABLES

__all__ = ["STAFF_TABLES", "TABLES", "TABLE_BY_NAME", "Column", "Table", "table"]

# the SIS tables (the staff and success-metric tables follow them in TABLES)
_SIS_TABLES: tuple[Table, ...] = (
    Table(
        name="schools",
        required=True,
        grain="one row per school",
        description="Schools of the district with the grade span each serves.",
        keys=("school_id",),
        ed_fi="School",
        columns=(
            _SCHOOL,
            Column("school_name", "VARCHAR", "School name."),
            Column(
                "school_level",
                "VARCHAR",
                "Elementary, Middle or High; without it, the school's grade band is unknown.",
                required=False,
                codes="xwalk_school_levels",
            ),
            Column("low_grade", "INTEGER", "Lowest grade served (K = 0)."),
            Column("high_grade", "INTEGER", "Highest grade served."),
            Column("city", "VARCHAR", "City of the school's address.", required=False),
        ),
    ),
    Table(
        name="students",
        required=True,
        grain="one row per student",
        description=(
            "Student identity. Names, birth dates and addresses stay in raw and never reach a mart."
        ),
        keys=("student_id",),
        ed_fi="Student",
        columns=(
            _STUDENT,
            Column(
                "first_name",
                "VARCHAR",
                "Legal first name (personally identifying; no mart reads it).",
                required=False,
            ),
            Column(
                "last_name",
                "VARCHAR",
                "Legal last name (personally identifying; no mart reads it).",
                required=False,
            ),
            Column(
                "birth_date",
                "DATE",
                "Date of birth (personally identifying); without it, over-age is unknown.",
                required=False,
            ),
            Column(
                "sex",
                "VARCHAR",
                "Sex as recorded by the SIS: F or M; without it, the sex subgroup is unknown.",
                required=False,
                codes="xwalk_sex",
            ),
            Column(
                "race_ethnicity",
                "VARCHAR",
                "Federal race/ethnicity code (Hispanic of any race is HI); without it, the "
                "race/ethnicity subgroup is unknown.",
                required=False,
                codes="xwalk_race_ethnicity",
            ),
            Column(
                "street_address",
                "VARCHAR",
                "Home street address (personally identifying).",
                required=False,
            ),
            Column("city", "VARCHAR", "Home city.", required=False),
            Column("postal_code", "VARCHAR", "Home postal code.", required=False),
        ),
    ),
    Table(
        name="student_characteristics",
        grain="one row per student per school year",
        description="Yearly programme and status flags of a student.",
        keys=("student_id", "school_year"),
        ed_fi="StudentEducationOrganizationAssociation (characteristics, indicators)",
        references=(("student_id", "students", "student_id"),),
        columns=(
            _STUDENT,
            _YEAR,
            Column(
                "frl_status",
                "VARCHAR",
                "Free or reduced-price lunch: F (free), R (reduced), N (not eligible); "
                "without it, economic disadvantage is unknown.",
                required=False,
                codes="xwalk_frl_status",
            ),
            Column(
                "is_english_learner",
                "BOOLEAN",
                "Identified English learner this year (empty: unknown).",
                required=False,
            ),
            Column(
                "has_iep",
                "BOOLEAN",
                "Has an individualised education programme (IDEA) (empty: unknown).",
                required=False,
            ),
            Column(
                "has_504_plan",
                "BOOLEAN",
                "Has a Section 504 plan (empty: unknown).",
                required=False,
            ),
            Column(
                "is_gifted",
                "BOOLEAN",
                "Identified gifted and talented (empty: unknown).",
                required=False,
            ),
            Column(
                "is_homeless",
                "BOOLEAN",
                "Identified homeless (McKinney-Vento) this year (empty: unknown).",
                required=False,
            ),
            Column(
                "has_home_internet",
                "BOOLEAN",
                "Family reports internet access at home.",
                required=False,
            ),
            Column(
                "home_language",
                "VARCHAR",
                "ISO 639-3 code of the language spoken at home.",
                required=False,
            ),
        ),
    ),
    Table(
        name="enrollments",
        required=True,
        grain="one row per student per school per entry date",
        description=(
            "Enrollment spells. exit_date is the last day the student was enrolled "
            "(inclusive); it and exit_code are null while the student is still enrolled."
        ),
        keys=("student_id", "school_id", "entry_date"),
        ed_fi="StudentSchoolAssociation",
        references=(
            ("student_id", "students", "student_id"),
            ("school_id", "schools", "school_id"),
        ),
        columns=(
            _STUDENT,
            _SCHOOL,
            _YEAR,
            Column(
                "grade_level",
                "INTEGER",
                "Grade level of the spell (K = 0).",
                codes="xwalk_grade_levels",
            ),
            Column("entry_date", "DATE", "First day enrolled."),
            Column(
                "exit_date", "DATE", "Last day enrolled; null if still enrolled.", required=False
            ),
            Column(
                "entry_type",
                "VARCHAR",
                "How the student entered; without it, entries from outside the district "
                "are unknown.",
                required=False,
                codes="xwalk_entry_types",
            ),
            Column(
                "exit_code",
                "VARCHAR",
                "Why the spell ended; null if still enrolled (an exit date without a code "
                "is an exit for an unknown reason: graduation and dropping out are then "
                "unknown).",
                required=False,
                codes="xwalk_exit_codes",
            ),
        ),
    ),
    Table(
        name="calendar_days",
        grain="one row per school per calendar date",
        description=(
            "Each school's calendar from its first to its last day, weekends and breaks included."
        ),
        keys=("school_id", "calendar_date"),
        ed_fi="CalendarDate",
        references=(("school_id", "schools", "school_id"),),
        columns=(
            _SCHOOL,
            _YEAR,
            Column("calendar_date", "DATE", "The date."),
            Column("is_instructional_day", "BOOLEAN", "Students are expected in school."),
            Column(
                "calendar_event",
                "VARCHAR",
                "instructional, weekend, holiday, break or teacher_day.",
                codes="xwalk_calendar_events",
            ),
            Column(
                "quarter",
                "INTEGER",
                "Grading quarter (1-4) the date falls in; without it, quarter marks of the "
                "school cannot be dated.",
                required=False,
            ),
            Column(
                "semester",
                "INTEGER",
                "Semester (1-2) the date falls in; without it, semester marks of the school "
                "cannot be dated.",
                required=False,
            ),
        ),
    ),
    Table(
        name="attendance_events",
        grain="one row per student per school per date per event type",
        description=(
            "Attendance exceptions as the SIS records them. No event on an instructional "
            "day while enrolled means present. A student may have several events on a "
            "day (an absence and a tardy, say): the daily grain keeps one by a stated "
            "precedence (seed xwalk_attendance_events)."
        ),
        keys=("student_id", "school_id", "event_date", "event_type"),
        ed_fi="StudentSchoolAttendanceEvent",
        references=(
            ("student_id", "students", "student_id"),
            ("school_id", "schools", "school_id"),
        ),
        columns=(
            _STUDENT,
            _SCHOOL,
            _YEAR,
            Column("event_date", "DATE", "Date of the event."),
            Column(
                "event_type",
                "VARCHAR",
                "Attendance code (excused or unexcused absence, tardy, early departure).",
                codes="xwalk_attendance_events",
            ),
            Column(
                "event_duration",
                "DOUBLE",
                "Fraction of the school day missed (1 = whole day, 0.5 = half day); without "
                "it, the code's default (a whole day for an absence, seed "
                "xwalk_attendance_events).",
                required=False,
            ),
            Column("minutes_missed", "INTEGER", "Minutes of instruction missed.", required=False),
        ),
    ),
    Table(
        name="courses",
        grain="one row per course",
        description="Course catalogue.",
        keys=("course_code",),
        ed_fi="Course",
        columns=(
            Column("course_code", "VARCHAR", "Course code."),
            Column("course_title", "VARCHAR", "Course title as printed on a transcript."),
            Column(
                "subject",
                "VARCHAR",
                "Subject area (ELA, Math, Science, Social Studies, ...).",
                codes="xwalk_subjects",
            ),
            Column(
                "is_core", "BOOLEAN", "Core academic course (ELA, math, science, social studies)."
            ),
            Column("credits", "DOUBLE", "Credits a passing grade earns per term.", required=False),
            Column(
                "school_level",
                "VARCHAR",
                "Elementary, Middle or High.",
                required=False,
                codes="xwalk_school_levels",
            ),
            Column(
                "grade_level", "INTEGER", "Grade the course is normally taken in.", required=False
            ),
        ),
    ),
    Table(
        name="course_grades",
        grain="one row per student per course per school year per term",
        description=(
            "Final term marks. K-2 get standards-based marks (1-4), grades 3-5 letter "
            "marks by quarter, grades 6-12 letter marks by semester with credits; summer "
            "credit recovery is term SU, marked P."
        ),
        keys=("student_id", "course_code", "school_year", "term"),
        ed_fi="Grade",
        references=(
            ("student_id", "students", "student_id"),
            ("school_id", "schools", "school_id"),
            ("course_code", "courses", "course_code"),
        ),
        columns=(
            _STUDENT,
            _SCHOOL,
            Column("course_code", "VARCHAR", "Course code."),
            _YEAR,
            Column(
                "term",
                "VARCHAR",
                "Q1-Q4 (elementary), S1-S2 (secondary) or SU (summer).",
                codes="xwalk_terms",
            ),
            Column("letter_grade", "VARCHAR", "Mark as printed.", codes="xwalk_letter_grades"),
            Column("numeric_grade", "DOUBLE", "Percentage grade 0-100.", required=False),
            Column("credits_attempted", "DOUBLE", "Credits attempted.", required=False),
            Column(
                "credits_earned",
                "DOUBLE",
                "Credits earned (0 on a failing mark: rule credits_on_failing_mark).",
            ),
        ),
    ),
    Table(
        name="discipline_incidents",
        grain="one row per incident per student",
        description="Behaviour incidents and the action taken for each student involved.",
        keys=("incident_id", "student_id"),
        ed_fi="DisciplineIncident, DisciplineAction",
        references=(
            ("student_id", "students", "student_id"),
            ("school_id", "schools", "school_id"),
        ),
        columns=(
            Column("incident_id", "VARCHAR", "Incident identifier."),
            _STUDENT,
            _SCHOOL,
            _YEAR,
            Column("incident_date", "DATE", "Date of the incident."),
            Column(
                "behavior_category",
                "VARCHAR",
                "Behaviour code.",
                codes="xwalk_behaviour_categories",
            ),
            Column(
                "action",
                "VARCHAR",
                "Action code; without it, the incident counts and its consequence is unknown.",
                required=False,
                codes="xwalk_discipline_actions",
            ),
            Column(
                "days_removed",
                "DOUBLE",
                "School days removed from class or school (empty: unknown).",
                required=False,
            ),
        ),
    ),
    Table(
        name="assessments",
        grain="one row per student per test per school year",
        description="State assessment results in reading/ELA and math (grades 3-8 and 10).",
        keys=("student_id", "assessment_id", "school_year"),
        ed_fi="StudentAssessment",
        references=(
            ("student_id", "students", "student_id"),
            ("school_id", "schools", "school_id"),
        ),
        columns=(
            _STUDENT,
            _SCHOOL,
            Column("assessment_id", "VARCHAR", "Test identifier."),
            _YEAR,
            Column("administration_date", "DATE", "Date the test was taken."),
            Column("grade_level", "INTEGER", "Grade tested (empty: unknown).", required=False),
            Column("subject", "VARCHAR", "ELA or Math.", codes="xwalk_subjects"),
            Column("scale_score", "INTEGER", "Scale score (empty: not reported).", required=False),
            Column(
                "performance_level",
                "INTEGER",
                "1 below basic, 2 basic, 3 proficient, 4 advanced (empty: not reported, or "
                "a pass/fail result without a level).",
                required=False,
                codes="xwalk_performance_levels",
            ),
            Column(
                "is_proficient",
                "BOOLEAN",
                "Performance level 3 or 4, or a passing result (empty: unknown).",
                required=False,
            ),
        ),
    ),
    Table(
        name="program_services",
        grain="one row per student per service per start date",
        description="Supports a student received, with MTSS tier and dates.",
        keys=("student_id", "service", "start_date"),
        ed_fi="StudentProgramAssociation",
        references=(
            ("student_id", "students", "student_id"),
            ("school_id", "schools", "school_id"),
        ),
        columns=(
            _STUDENT,
            _SCHOOL,
            _YEAR,
            Column("service", "VARCHAR", "Service code.", codes="xwalk_services"),
            Column(
                "tier",
                "INTEGER",
                "MTSS tier 1-3 (Ed-Fi has no tier: empty: unknown).",
                required=False,
            ),
            Column("start_date", "DATE", "First day of the service."),
            Column("end_date", "DATE", "Last day of the service; null if ongoing.", required=False),
        ),
    ),
    Table(
        name="extracurricular_participation",
        grain="one row per student per activity per school year",
        description="Clubs, arts and athletics a student took part in.",
        keys=("student_id", "school_year", "activity"),
        ed_fi="StudentCohortAssociation (activities)",
        references=(
            ("student_id", "students", "student_id"),
            ("school_id", "schools", "school_id"),
        ),
        columns=(
            _STUDENT,
            _SCHOOL,
            _YEAR,
            Column("activity", "VARCHAR", "Activity name."),
            Column("activity_type", "VARCHAR", "Athletics, Arts or Club."),
        ),
    ),
    Table(
        name="parent_contacts",
        grain="one row per student per contact date per reason",
        description="Recorded contacts between school staff and a family.",
        keys=("student_id", "contact_date", "contact_reason"),
        ed_fi="(district extension)",
        references=(
            ("student_id", "students", "student_id"),
            ("school_id", "schools", "school_id"),
        ),
        columns=(
            _STUDENT,
            _SCHOOL,
            _YEAR,
            Column("contact_date", "DATE", "Date of the contact."),
            Column(
                "contact_reason",
                "VARCHAR",
                "attendance, academic, behavior or positive.",
                codes="xwalk_contact_reasons",
            ),
            Column("contact_method", "VARCHAR", "phone, email, letter or meeting."),
        ),
    ),
)
# the SIS tables, then the staff tables (k12ews.contract_staff), then the success-metric
# tables (k12ews.contract_success)
TABLES: tuple[Table, ...] = (*_SIS_TABLES, *STAFF_CONTRACT, *SUCCESS_TABLES)

TABLE_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}

# The staff tables: who may see which students (docs/access.md).
STAFF_TABLES: tuple[str, ...] = tuple(t.name for t in STAFF_CONTRACT)


def table(name: str) -> Table:
    """The contract table called ``name``."""
    try:
        return TABLE_BY_NAME[name]
    except KeyError:
        raise KeyError(f"no raw table named {name!r}; known: {sorted(TABLE_BY_NAME)}") from None
