"""Schools, students and enrollment spells.

- ``schools``: one row per School; its level is its first SchoolCategoryDescriptor, its
  grade span the lowest and highest of its gradeLevels that are kindergarten to grade
  12 (seed xwalk_grade_level_descriptors), its city that of its Physical address (else
  its first).
- ``students``: one row per Student (names, birth date); sex, race and address come
  from the student's StudentEducationOrganizationAssociations, the first that has each
  (by education organisation id). Race: Hispanic (hispanicLatinoEthnicity true) is the
  Hispanic code, two or more races the two-or-more code (settings), one race its
  RaceDescriptor.
- ``enrollments``: one row per StudentSchoolAssociation; the school year is its
  schoolYear (or its calendar's), else the year of its entry date. A spell at a grade
  outside kindergarten to 12 is left out, and so are the records of that student at
  that school that year (the notes count them).
"""

from __future__ import annotations

import datetime as dt

from k12ews.edfi.mapping.context import Mapping, Spell, student_of
from k12ews.edfi.records import (
    date,
    descriptor,
    find,
    item_descriptor,
    items,
    ref,
    school_year,
    school_year_of,
    text,
)


def map_schools(m: Mapping) -> None:
    for r in m.extract.of("schools"):
        d = r.data
        school_id = text(d.get("schoolId"))
        categories = [
            item_descriptor(c, "schoolCategory")
            for c in items(d, "schoolCategories", "schoolCategory")
        ]
        grades: list[int] = []
        unknown: list[str] = []
        for g in items(d, "gradeLevels", "gradeLevel"):
            value = item_descriptor(g, "gradeLevel")
            grade, known = m.codes.grade(value)
            if grade is not None:
                grades.append(grade)
            elif not known and value:
                unknown.append(value)
        addresses = [a for a in items(d, "addresses", "address") if isinstance(a, dict)]
        physical = [
            a for a in addresses if (descriptor(a, "addressType") or "").endswith("Physical")
        ]
        city = text(find((physical or addresses or [{}])[0], "city"))
        note = (
            f"gradeLevelDescriptor {unknown[0]!r} is not in seed xwalk_grade_level_descriptors"
            if unknown and not grades
            else None
        )
        m.out.add(
            "schools",
            {
                "school_id": school_id,
                "school_name": text(d.get("nameOfInstitution")),
                "school_level": m.codes.resolve(
                    "xwalk_school_levels", next(iter(c for c in categories if c), None)
                ),
                "low_grade": min(grades) if grades else None,
                "high_grade": max(grades) if grades else None,
                "city": city,
            },
            r.where,
            note,
        )
        if school_id:
            m.school_ids.add(school_id)


def _race(m: Mapping, assoc: dict) -> str | None:
    hispanic = assoc.get("hispanicLatinoEthnicity")
    if hispanic is True or str(hispanic).lower() == "true":
        return m.settings.hispanic_code
    races = {
        m.codes.resolve("xwalk_race_ethnicity", item_descriptor(x, "race"))
        for x in items(assoc, "races", "race")
    } - {None}
    if len(races) > 1:
        return m.settings.two_or_more_races_code
    return races.pop() if races else None


def map_students(m: Mapping) -> None:
    by_student: dict[str, list[dict]] = {}
    for r in sorted(
        m.extract.of("studentEducationOrganizationAssociations"),
        key=lambda r: str(
            ref(r.data, "educationOrganizationReference").get("educationOrganizationId")
        ),
    ):
        student = student_of(r)
        if student:
            by_student.setdefault(student, []).append(r.data)
    for r in m.extract.of("students"):
        d = r.data
        student = text(d.get("studentUniqueId"))
        assocs = by_student.get(student or "", [])

        def first(get, assocs=assocs):  # type: ignore[no-untyped-def]
            return next((v for v in (get(a) for a in assocs) if v is not None), None)

        address = (
            first(
                lambda a: next(
                    iter(x for x in items(a, "addresses", "address") if isinstance(x, dict)), None
                )
            )
            or {}
        )
        sex = first(lambda a: descriptor(a, "sex")) or descriptor(d, "sex")
        m.out.add(
            "students",
            {
                "student_id": student,
                "first_name": text(find(d, "firstName")),
                "last_name": text(find(d, "lastSurname")),
                "birth_date": date(find(d, "birthDate")),
                "sex": m.codes.resolve("xwalk_sex", sex),
                "race_ethnicity": first(lambda a: _race(m, a)),
                "street_address": text(find(address, "streetNumberName")),
                "city": text(find(address, "city")),
                "postal_code": text(find(address, "postalCode")),
            },
            r.where,
        )


def _day_before(day: str | None) -> str | None:
    if not day:
        return day
    try:
        return (dt.date.fromisoformat(day) - dt.timedelta(days=1)).isoformat()
    except ValueError:
        return day


def map_enrollments(m: Mapping) -> None:
    left_out: dict[str, int] = {}
    for r in m.extract.of("studentSchoolAssociations"):
        d = r.data
        student = student_of(r)
        school = text(ref(d, "schoolReference").get("schoolId"))
        entry = date(d.get("entryDate"))
        year = (
            school_year(ref(d, "schoolYearTypeReference").get("schoolYear"))
            or school_year(d.get("schoolYear"))
            or school_year(ref(d, "calendarReference").get("schoolYear"))
            or school_year_of(entry)
        )
        grade_value = descriptor(d, "entryGradeLevel")
        grade, known = m.codes.grade(grade_value)
        if known and grade is None:
            m.left_out_spells.add((str(student), str(school), year or 0))
            left_out[str(grade_value)] = left_out.get(str(grade_value), 0) + 1
            continue
        exit_date = date(d.get("exitWithdrawDate"))
        if exit_date and not m.settings.exit_date_inclusive:
            exit_date = _day_before(exit_date)
        note = (
            f"entryGradeLevelDescriptor {grade_value!r} is not in seed "
            "xwalk_grade_level_descriptors: add it and its grade"
            if grade_value and not known
            else None
        )
        m.out.add(
            "enrollments",
            {
                "student_id": student,
                "school_id": school,
                "school_year": year,
                "grade_level": grade,
                "entry_date": entry,
                "exit_date": exit_date,
                "entry_type": m.codes.resolve("xwalk_entry_types", descriptor(d, "entryType")),
                "exit_code": m.codes.resolve("xwalk_exit_codes", descriptor(d, "exitWithdrawType")),
            },
            r.where,
            note,
        )
        if student and school and year and entry:
            m.spells.setdefault(student, []).append(Spell(school, year, entry, exit_date))
    for value, n in sorted(left_out.items()):
        m.out.notes.append(
            f"studentSchoolAssociations: {n:,} spell(s) at {value} left out (outside "
            "kindergarten to grade 12, seed xwalk_grade_level_descriptors), with the "
            "student's records at that school that year"
        )
