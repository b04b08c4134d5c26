"""Courses and term marks: Courses, CourseOfferings, Sessions, Grades and
CourseTranscripts.

- ``courses``: one row per courseCode (a code several education organisations define
  is read once, from the lowest organisation id); its subject is its
  AcademicSubjectDescriptor and ``is_core`` that subject's (seed xwalk_subjects); its
  school level the level of the schools that offer it (CourseOfferings) when they all
  have one; its grade the one grade of its offeredGradeLevels; its credits
  maximumAvailableCredits.
- ``course_grades``: one row per student, course, school year and term, from the
  student's Final Grade of a section (its course through the section's CourseOffering,
  its term the Session's TermDescriptor) and the CourseTranscript of the same course,
  year and term: the mark is the grade's letter (else the transcript's final letter),
  the credits the transcript's (a mark without a transcript earns none). Grades of other
  types (grading periods, exams, progress) are not read yet.
"""

from __future__ import annotations

from k12ews.edfi.mapping.context import Mapping, student_of
from k12ews.edfi.records import (
    code_value,
    descriptor,
    item_descriptor,
    items,
    ref,
    school_year,
    text,
)


def map_courses(m: Mapping) -> None:
    levels: dict[str, set[str | None]] = {}
    schools = {str(r["school_id"]): r.get("school_level") for r in m.out.rows.get("schools", [])}
    for r in m.extract.of("courseOfferings"):
        code = text(ref(r.data, "courseReference").get("courseCode"))
        school = text(ref(r.data, "schoolReference").get("schoolId"))
        if code:
            levels.setdefault(code, set()).add(schools.get(str(school)))  # type: ignore[arg-type]
    seen: set[str] = set()
    repeated = 0
    records = sorted(
        m.extract.of("courses"),
        key=lambda r: str(
            ref(r.data, "educationOrganizationReference").get("educationOrganizationId")
        ),
    )
    for r in records:
        d = r.data
        code = text(d.get("courseCode"))
        if code in seen:
            repeated += 1
            continue
        seen.add(str(code))
        subject = m.codes.resolve("xwalk_subjects", descriptor(d, "academicSubject"))
        meaning = m.codes.meaning("xwalk_subjects", subject)
        grades = {
            m.codes.grade(item_descriptor(g, "gradeLevel"))[0]
            for g in items(d, "offeredGradeLevels", "offeredGradeLevel")
        }
        offered = levels.get(str(code), set())
        m.out.add(
            "courses",
            {
                "course_code": code,
                "course_title": text(d.get("courseTitle")),
                "subject": subject,
                "is_core": (meaning["is_core"].lower() == "true") if meaning else None,
                "credits": text(d.get("maximumAvailableCredits")),
                "school_level": offered.pop() if len(offered) == 1 else None,
                "grade_level": grades.pop() if len(grades) == 1 else None,
            },
            r.where,
        )
    if repeated:
        m.out.notes.append(
            f"courses: {repeated:,} course(s) defined by a second education organisation "
            "read once (the lowest organisation id)"
        )


def _sessions(m: Mapping) -> dict[tuple[str, str, str], str | None]:
    """(school, year, session name) -> its TermDescriptor as the seed knows it."""
    out = {}
    for r in m.extract.of("sessions"):
        d = r.data
        key = (
            str(ref(d, "schoolReference").get("schoolId")),
            str(
                school_year(ref(d, "schoolYearTypeReference").get("schoolYear"))
                or school_year(d.get("schoolYear"))
            ),
            str(d.get("sessionName")),
        )
        out[key] = m.codes.resolve("xwalk_terms", descriptor(d, "term"))
    return out


def map_course_grades(m: Mapping) -> None:
    sessions = _sessions(m)
    offerings = {
        (
            str(ref(r.data, "schoolReference").get("schoolId")),
            str(school_year(ref(r.data, "sessionReference").get("schoolYear"))),
            str(ref(r.data, "sessionReference").get("sessionName")),
            str(r.data.get("localCourseCode")),
        ): text(ref(r.data, "courseReference").get("courseCode"))
        for r in m.extract.of("courseOfferings")
    }
    marks: dict[tuple[str, str, int, str], dict[str, object]] = {}
    wheres: dict[tuple[str, str, int, str], str] = {}
    other_types = 0
    for r in m.extract.of("grades"):
        d = r.data
        if code_value(descriptor(d, "gradeType")) != "Final":
            other_types += 1
            continue
        ssa = ref(d, "studentSectionAssociationReference")
        school, year = str(ssa.get("schoolId")), school_year(ssa.get("schoolYear"))
        session = str(ssa.get("sessionName"))
        course = offerings.get((school, str(year), session, str(ssa.get("localCourseCode"))))
        term = sessions.get((school, str(year), session))
        key = (str(ssa.get("studentUniqueId")), str(course), year or 0, str(term))
        marks[key] = {
            "student_id": text(ssa.get("studentUniqueId")),
            "school_id": school,
            "course_code": course,
            "school_year": year,
            "term": term,
            "letter_grade": text(d.get("letterGradeEarned")),
            "numeric_grade": text(d.get("numericGradeEarned")),
            "credits_attempted": None,
            "credits_earned": 0,
        }
        wheres[key] = r.where
    for r in m.extract.of("courseTranscripts"):
        d = r.data
        record = ref(d, "studentAcademicRecordReference")
        student = student_of(r) or text(record.get("studentUniqueId"))
        course = text(ref(d, "courseReference").get("courseCode"))
        year = school_year(record.get("schoolYear"))
        term = m.codes.resolve("xwalk_terms", record.get("termDescriptor") or record.get("term"))
        key = (str(student), str(course), year or 0, str(term))
        mark = marks.get(key)
        if mark is None:
            org = text(ref(d, "courseReference").get("educationOrganizationId"))
            mark = marks[key] = {
                "student_id": student,
                "school_id": org if org in m.school_ids else None,
                "course_code": course,
                "school_year": year,
                "term": term,
                "letter_grade": text(d.get("finalLetterGradeEarned")),
                "numeric_grade": text(d.get("finalNumericGradeEarned")),
            }
            wheres[key] = r.where
        mark["credits_attempted"] = text(d.get("attemptedCredits"))
        mark["credits_earned"] = text(d.get("earnedCredits"))
        if mark.get("letter_grade") is None:
            mark["letter_grade"] = text(d.get("finalLetterGradeEarned"))
    for key, mark in marks.items():
        if m.outside_k12(mark["student_id"], mark["school_id"], mark["school_year"]):  # type: ignore[arg-type]
            continue
        m.out.add("course_grades", mark, wheres[key])
    if other_types:
        m.out.notes.append(
            f"grades: {other_types:,} grade(s) of types other than Final (grading "
            "periods, exams, progress) not read yet"
        )
