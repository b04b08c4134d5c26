"""The staff tables of the raw contract (:mod:`k12ews.contract`): who works where, in
which role, with which students (docs/access.md). All optional: a district without them
loads as before, and no one is granted anything."""

from __future__ import annotations

from k12ews.contract_columns import SCHOOL_ID as _SCHOOL
from k12ews.contract_columns import SCHOOL_YEAR as _YEAR
from k12ews.contract_columns import STAFF_ID as _STAFF
from k12ews.contract_columns import STUDENT_ID as _STUDENT
from k12ews.contract_columns import Column, Table

STAFF_CONTRACT: tuple[Table, ...] = (
    Table(
        name="staff",
        grain="one row per staff member",
        description=(
            "Staff members of the district. Names stay in raw; access rules and pages read "
            "only the identifier and the role of each assignment."
        ),
        keys=("staff_id",),
        ed_fi="Staff",
        columns=(
            _STAFF,
            Column("first_name", "VARCHAR", "First name (personally identifying).", required=False),
            Column("last_name", "VARCHAR", "Last name (personally identifying).", required=False),
            Column("email", "VARCHAR", "Work e-mail address.", required=False),
        ),
    ),
    Table(
        name="staff_assignments",
        grain="one row per staff member per school per role per begin date",
        description=(
            "Assignments of staff to schools (or to the whole district) in a role, with "
            "dates. Access is granted only by an assignment current on the as-of date: an "
            "ended assignment grants nothing."
        ),
        keys=("staff_id", "school_id", "staff_role", "begin_date"),
        ed_fi="StaffEducationOrganizationAssignmentAssociation",
        references=(
            ("staff_id", "staff", "staff_id"),
            ("school_id", "schools", "school_id"),
        ),
        columns=(
            _STAFF,
            Column(
                "school_id",
                "INTEGER",
                "School of the assignment; empty for a district-wide assignment (a district "
                "analyst's, say).",
                required=False,
            ),
            Column(
                "staff_role",
                "VARCHAR",
                "The staff member's role in the assignment (Ed-Fi StaffClassification).",
                codes="xwalk_staff_roles",
            ),
            Column("begin_date", "DATE", "First day of the assignment."),
            Column(
                "end_date",
                "DATE",
                "Last day of the assignment (inclusive); null while it lasts.",
                required=False,
            ),
        ),
    ),
    Table(
        name="staff_caseloads",
        grain="one row per staff member per student per begin date",
        description=(
            "The students on a counsellor's or case manager's caseload, as the district "
            "assigns them (by an alphabetical split, by grade, or by programme), with dates."
        ),
        keys=("staff_id", "student_id", "begin_date"),
        ed_fi="Cohort, StaffCohortAssociation, StudentCohortAssociation",
        references=(
            ("staff_id", "staff", "staff_id"),
            ("student_id", "students", "student_id"),
            ("school_id", "schools", "school_id"),
        ),
        columns=(
            _STAFF,
            _STUDENT,
            _SCHOOL,
            _YEAR,
            Column(
                "caseload_type",
                "VARCHAR",
                "counselling (a school counsellor's list) or case_management (a special "
                "education case manager's students).",
            ),
            Column("begin_date", "DATE", "First day the student is on the caseload."),
            Column(
                "end_date",
                "DATE",
                "Last day on the caseload (inclusive); null while the student is on it.",
                required=False,
            ),
        ),
    ),
    Table(
        name="sections",
        grain="one row per section",
        description="Course sections: one class of a course at a school in a school year.",
        keys=("section_id",),
        ed_fi="Section (CourseOffering)",
        references=(
            ("school_id", "schools", "school_id"),
            ("course_code", "courses", "course_code"),
        ),
        columns=(
            Column("section_id", "VARCHAR", "Section identifier (Ed-Fi SectionIdentifier)."),
            _SCHOOL,
            _YEAR,
            Column("course_code", "VARCHAR", "Course of the section (raw courses)."),
        ),
    ),
    Table(
        name="section_staff",
        grain="one row per section per staff member per begin date",
        description="The teachers of each section, with dates (a replacement has its own row).",
        keys=("section_id", "staff_id", "begin_date"),
        ed_fi="StaffSectionAssociation",
        references=(
            ("section_id", "sections", "section_id"),
            ("staff_id", "staff", "staff_id"),
        ),
        columns=(
            Column("section_id", "VARCHAR", "Section identifier."),
            _STAFF,
            Column("begin_date", "DATE", "First day teaching the section."),
            Column(
                "end_date",
                "DATE",
                "Last day teaching the section (inclusive); null while teaching it.",
                required=False,
            ),
        ),
    ),
    Table(
        name="section_enrollments",
        grain="one row per section per student per begin date",
        description="The students enrolled in each section, with dates.",
        keys=("section_id", "student_id", "begin_date"),
        ed_fi="StudentSectionAssociation",
        references=(
            ("section_id", "sections", "section_id"),
            ("student_id", "students", "student_id"),
            ("school_id", "schools", "school_id"),
        ),
        columns=(
            Column("section_id", "VARCHAR", "Section identifier."),
            _STUDENT,
            _SCHOOL,
            _YEAR,
            Column("begin_date", "DATE", "First day in the section."),
            Column(
                "end_date",
                "DATE",
                "Last day in the section (inclusive); null while enrolled in it.",
                required=False,
            ),
        ),
    ),
)
