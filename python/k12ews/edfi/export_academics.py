"""Ed-Fi resources of a warehouse's raw tables: courses and marks, behaviour incidents
and state tests (see :mod:`k12ews.edfi.export_people` for the descriptors written)."""

from __future__ import annotations

from typing import Any

from k12ews.edfi.export_people import EDFI, NAMESPACE, Out, Rows, clean, iso, lea, local

FINAL = f"{EDFI}/GradeTypeDescriptor#Final"
SCALE_SCORE = f"{EDFI}/AssessmentReportingMethodDescriptor#Scale score"
ATTEMPT = {True: "Pass", False: "Fail"}
ATTEMPT_RESULT = f"{EDFI}/CourseAttemptResultDescriptor"


def courses(
    rows: Rows,
    schools: Rows,
    marks: Rows,
    grades: dict[int, str],
    sessions: dict[tuple[int, int], list[tuple[str, str, str]]],
    out: Out,
) -> None:
    """Courses, and their offerings: every term a mark was given in, and the first
    session of each year at every school of the course's level (so the catalogue's
    courses without marks are offered too)."""
    years = sorted({year for _, year in sessions})
    offered: set[tuple[str, int, int, str]] = {
        (m["course_code"], m["school_id"], m["school_year"], m["term"]) for m in marks
    }
    for c in rows:
        district = lea(schools[0]["school_id"])
        out.setdefault("courses", []).append(
            clean(
                {
                    "courseCode": c["course_code"],
                    "educationOrganizationReference": {"educationOrganizationId": district},
                    "courseTitle": c["course_title"],
                    "academicSubjectDescriptor": local("AcademicSubject", c["subject"]),
                    "numberOfParts": 1,
                    "offeredGradeLevels": [{"gradeLevelDescriptor": grades[c["grade_level"]]}]
                    if c["grade_level"] is not None
                    else None,
                    "maximumAvailableCredits": c["credits"],
                }
            )
        )
        for s in schools:
            if c["school_level"] is not None and s["school_level"] == c["school_level"]:
                for year in years:
                    first = sessions.get((s["school_id"], year))
                    if first:
                        offered.add((c["course_code"], s["school_id"], year, first[0][0]))
    for code, school, year, term in sorted(offered, key=str):
        out.setdefault("courseOfferings", []).append(
            course_offering(code, school, year, f"{year} {term}")
        )


def course_offering(code: str, school: int, year: int, session: str) -> dict[str, Any]:
    """A CourseOffering of the district's course ``code`` at ``school`` in the session
    named ``session`` of school year ``year``."""
    return {
        "localCourseCode": code,
        "courseReference": {"courseCode": code, "educationOrganizationId": lea(school)},
        "schoolReference": {"schoolId": school},
        "sessionReference": {"schoolId": school, "schoolYear": year, "sessionName": session},
    }


def marks(rows: Rows, failing: set[str], passing: set[str], out: Out) -> None:
    """A Final grade and a course transcript per mark."""
    for m in rows:
        session = f"{m['school_year']} {m['term']}"
        out.setdefault("grades", []).append(
            clean(
                {
                    "gradeTypeDescriptor": FINAL,
                    "studentSectionAssociationReference": {
                        "localCourseCode": m["course_code"],
                        "schoolId": m["school_id"],
                        "schoolYear": m["school_year"],
                        "sectionIdentifier": f"{m['course_code']}-{m['term']}",
                        "sessionName": session,
                        "studentUniqueId": m["student_id"],
                    },
                    "letterGradeEarned": m["letter_grade"],
                    "numericGradeEarned": m["numeric_grade"],
                }
            )
        )
        result = (
            ATTEMPT[True]
            if m["letter_grade"] in passing
            else ATTEMPT[False]
            if m["letter_grade"] in failing
            else "Incomplete"
        )
        out.setdefault("courseTranscripts", []).append(
            clean(
                {
                    "courseAttemptResultDescriptor": f"{ATTEMPT_RESULT}#{result}",
                    "courseReference": {
                        "courseCode": m["course_code"],
                        "educationOrganizationId": lea(m["school_id"]),
                    },
                    "studentAcademicRecordReference": {
                        "educationOrganizationId": lea(m["school_id"]),
                        "schoolYear": m["school_year"],
                        "studentUniqueId": m["student_id"],
                        "termDescriptor": local("Term", m["term"]),
                    },
                    "attemptedCredits": m["credits_attempted"],
                    "earnedCredits": m["credits_earned"],
                    "finalLetterGradeEarned": m["letter_grade"],
                    "finalNumericGradeEarned": m["numeric_grade"],
                }
            )
        )


def discipline(rows: Rows, out: Out) -> None:
    """An incident per incident, the student's behaviour association, and an action."""
    seen: set[tuple[str, int]] = set()
    for r in rows:
        behaviour = local("Behavior", r["behavior_category"])
        if (r["incident_id"], r["school_id"]) not in seen:
            seen.add((r["incident_id"], r["school_id"]))
            out.setdefault("disciplineIncidents", []).append(
                {
                    "incidentIdentifier": r["incident_id"],
                    "schoolReference": {"schoolId": r["school_id"]},
                    "incidentDate": iso(r["incident_date"]),
                    "behaviors": [{"behaviorDescriptor": behaviour}],
                }
            )
        incident = {"incidentIdentifier": r["incident_id"], "schoolId": r["school_id"]}
        out.setdefault("studentDisciplineIncidentBehaviorAssociations", []).append(
            {
                "behaviorDescriptor": behaviour,
                "disciplineIncidentReference": incident,
                "studentReference": {"studentUniqueId": r["student_id"]},
            }
        )
        if r["action"] is None:
            continue
        out.setdefault("disciplineActions", []).append(
            clean(
                {
                    "disciplineActionIdentifier": r["incident_id"],
                    "disciplineDate": iso(r["incident_date"]),
                    "studentReference": {"studentUniqueId": r["student_id"]},
                    "disciplines": [{"disciplineDescriptor": local("Discipline", r["action"])}],
                    "actualDisciplineActionLength": r["days_removed"],
                    "responsibilitySchoolReference": {"schoolId": r["school_id"]},
                    "studentDisciplineIncidentBehaviorAssociations": [
                        {
                            "studentDisciplineIncidentBehaviorAssociationReference": {
                                **incident,
                                "behaviorDescriptor": behaviour,
                                "studentUniqueId": r["student_id"],
                            }
                        }
                    ],
                }
            )
        )


def assessments(rows: Rows, grades: dict[int, str], out: Out) -> None:
    """An assessment per test, and a student assessment per result."""
    namespace = f"{NAMESPACE}/Assessment"
    subjects: dict[str, Any] = {}
    for r in rows:
        subjects.setdefault(r["assessment_id"], r["subject"])
        out.setdefault("studentAssessments", []).append(
            clean(
                {
                    "studentAssessmentIdentifier": (
                        f"{r['student_id']}-{r['assessment_id']}-{r['school_year']}"
                    ),
                    "assessmentReference": {
                        "assessmentIdentifier": r["assessment_id"],
                        "namespace": namespace,
                    },
                    "studentReference": {"studentUniqueId": r["student_id"]},
                    "schoolYearTypeReference": {"schoolYear": r["school_year"]},
                    "reportedSchoolReference": {"schoolId": r["school_id"]},
                    "administrationDate": iso(r["administration_date"]),
                    "whenAssessedGradeLevelDescriptor": grades.get(r["grade_level"]),
                    "scoreResults": [
                        {
                            "assessmentReportingMethodDescriptor": SCALE_SCORE,
                            "result": str(r["scale_score"]),
                        }
                    ]
                    if r["scale_score"] is not None
                    else None,
                    "performanceLevels": [
                        {
                            "assessmentReportingMethodDescriptor": SCALE_SCORE,
                            "performanceLevelDescriptor": local(
                                "PerformanceLevel", r["performance_level"]
                            ),
                        }
                    ]
                    if r["performance_level"] is not None
                    else None,
                }
            )
        )
    for test, subject in sorted(subjects.items()):
        out.setdefault("assessments", []).append(
            {
                "assessmentIdentifier": test,
                "namespace": namespace,
                "assessmentTitle": test,
                "academicSubjects": [
                    {"academicSubjectDescriptor": local("AcademicSubject", subject)}
                ],
            }
        )
