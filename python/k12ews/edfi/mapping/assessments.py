"""State test results: StudentAssessments with their Assessments.

One row per StudentAssessment: the test is its assessmentIdentifier, its subject the
Assessment's first AcademicSubjectDescriptor, its date the administration date, its
grade the whenAssessedGradeLevelDescriptor; the scale score the scoreResult whose
reporting method is Scale score (AssessmentReportingMethodDescriptor), the level and
proficiency those of its first PerformanceLevelDescriptor (seed
xwalk_performance_level_descriptors); the school its reportedSchoolReference, else the
school of the student's one enrollment covering the date.
"""

from __future__ import annotations

from k12ews.edfi.mapping.context import Mapping, student_of
from k12ews.edfi.records import (
    code_value,
    date,
    descriptor,
    item_descriptor,
    items,
    ref,
    school_year,
    school_year_of,
    text,
)


def _score(d: dict) -> str | None:
    for s in items(d, "scoreResults", "scoreResult"):
        if (
            isinstance(s, dict)
            and (code_value(descriptor(s, "assessmentReportingMethod")) or "").lower()
            == "scale score"
        ):
            value = text(s.get("result"))
            if value and value.endswith(".0"):
                value = value[:-2]
            return value
    return None


def map_assessments(m: Mapping) -> None:
    subjects = {}
    for r in m.extract.of("assessments"):
        subject = next(
            (
                item_descriptor(x, "academicSubject")
                for x in items(r.data, "academicSubjects", "academicSubject")
            ),
            None,
        )
        subjects[str(r.data.get("assessmentIdentifier"))] = subject
    for r in m.extract.of("studentAssessments"):
        d = r.data
        student = student_of(r)
        test = text(ref(d, "assessmentReference").get("assessmentIdentifier"))
        day = date(d.get("administrationDate"))
        year = school_year(ref(d, "schoolYearTypeReference").get("schoolYear")) or school_year_of(
            day
        )
        school = text(ref(d, "reportedSchoolReference").get("schoolId")) or m.school_of(
            student, day
        )
        if m.outside_k12(student, school, year):
            continue
        levels = [
            p for p in items(d, "performanceLevels", "performanceLevel") if isinstance(p, dict)
        ]
        level_value = descriptor(levels[0], "performanceLevel") if levels else None
        level, proficient, known = m.codes.performance(level_value)
        grade_value = descriptor(d, "whenAssessedGradeLevel")
        grade, grade_known = m.codes.grade(grade_value)
        notes = []
        if level_value and not known:
            notes.append(
                f"performanceLevelDescriptor {level_value!r} is not in seed "
                "xwalk_performance_level_descriptors: add it, its level and proficiency"
            )
        if grade_value and not grade_known:
            notes.append(
                f"whenAssessedGradeLevelDescriptor {grade_value!r} is not in seed "
                "xwalk_grade_level_descriptors"
            )
        m.out.add(
            "assessments",
            {
                "student_id": student,
                "school_id": school,
                "assessment_id": test,
                "school_year": year,
                "administration_date": day,
                "grade_level": grade,
                "subject": m.codes.resolve("xwalk_subjects", subjects.get(str(test))),
                "scale_score": _score(d),
                "performance_level": level,
                "is_proficient": proficient,
            },
            r.where,
            "; ".join(notes) or None,
        )
