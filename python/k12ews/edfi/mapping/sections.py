"""Sections, their teachers and their students: Sections, StaffSectionAssociations and
StudentSectionAssociations (docs/edfi.md).

A section's identifier is its sectionIdentifier (the contract's ``section_id`` names one
section of the district: two sections sharing an identifier in different course
offerings are rejected as duplicates, naming both records).

- ``sections``: one row per Section: the school and school year of its
  courseOfferingReference, the course that CourseOffering's courseReference courseCode
  (else its localCourseCode).
- ``section_staff``: one row per StaffSectionAssociation: the section, the staff member,
  begin and end dates.
- ``section_enrollments``: one row per StudentSectionAssociation: the section, the
  student, the school and school year of its sectionReference, begin and end dates. An
  association of a spell left out (pre-kindergarten) is left out with it.

The two association tables are read only when the extract has Sections: an extract
that sends StudentSectionAssociations for section attendance alone
(:mod:`k12ews.edfi.mapping.attendance`) loads as before, without section tables.
"""

from __future__ import annotations

from k12ews.edfi.mapping.context import Mapping, staff_of, student_of
from k12ews.edfi.records import date, ref, school_year, text


def _offering_key(reference: dict) -> tuple[str | None, ...]:
    return tuple(
        text(reference.get(k)) for k in ("localCourseCode", "schoolId", "schoolYear", "sessionName")
    )


def map_sections(m: Mapping) -> None:
    courses: dict[tuple[str | None, ...], str | None] = {}
    for r in m.extract.of("courseOfferings"):
        d = r.data
        key = (
            text(d.get("localCourseCode")),
            text(ref(d, "schoolReference").get("schoolId")),
            text(ref(d, "sessionReference").get("schoolYear")),
            text(ref(d, "sessionReference").get("sessionName")),
        )
        courses[key] = text(ref(d, "courseReference").get("courseCode"))
    for r in m.extract.of("sections"):
        offering = ref(r.data, "courseOfferingReference")
        key = _offering_key(offering)
        m.out.add(
            "sections",
            {
                "section_id": text(r.data.get("sectionIdentifier")),
                "school_id": text(offering.get("schoolId")),
                "school_year": school_year(offering.get("schoolYear")),
                "course_code": courses.get(key) or key[0],
            },
            r.where,
        )


def _section_of(data: dict) -> str | None:
    return text(ref(data, "sectionReference").get("sectionIdentifier"))


def map_section_staff(m: Mapping) -> None:
    if not m.extract.has("sections"):
        _not_read(m, "staffSectionAssociations")
        return
    for r in m.extract.of("staffSectionAssociations"):
        m.out.add(
            "section_staff",
            {
                "section_id": _section_of(r.data),
                "staff_id": staff_of(r),
                "begin_date": date(r.data.get("beginDate")),
                "end_date": date(r.data.get("endDate")),
            },
            r.where,
        )


def map_section_enrollments(m: Mapping) -> None:
    if not m.extract.has("sections"):
        _not_read(m, "studentSectionAssociations")
        return
    left_out = 0
    for r in m.extract.of("studentSectionAssociations"):
        section = ref(r.data, "sectionReference")
        student = student_of(r)
        school = text(section.get("schoolId"))
        year = school_year(section.get("schoolYear"))
        if m.outside_k12(student, school, year):
            left_out += 1
            continue
        m.out.add(
            "section_enrollments",
            {
                "section_id": _section_of(r.data),
                "student_id": student,
                "school_id": school,
                "school_year": year,
                "begin_date": date(r.data.get("beginDate")),
                "end_date": date(r.data.get("endDate")),
            },
            r.where,
        )
    if left_out:
        m.out.notes.append(
            f"studentSectionAssociations: {left_out:,} association(s) of spells outside "
            "kindergarten to grade 12 left out"
        )


def _not_read(m: Mapping, resource: str) -> None:
    found = len(m.extract.of(resource))
    if found:
        m.out.notes.append(
            f"{resource}: {found:,} association(s) not read as a section table (no "
            "sections in the extract)"
        )
