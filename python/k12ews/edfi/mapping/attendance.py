"""Attendance events: StudentSchoolAttendanceEvents as they are, and
StudentSectionAttendanceEvents turned into daily events by a stated rule.

- A school event is one contract row: its category (seed xwalk_attendance_events) is the
  event type, its eventDuration the share of the day, the minutes missed the k12ews
  extension's ``minutesMissed`` when sent (Ed-Fi has no such field). Several events of a
  student on a day all load; the warehouse keeps one (doc block
  attendance_daily_precedence).
- Section events count only on a day the student has no school event at that school.
  The day's sections are those of the student's StudentSectionAssociations at the school
  running on that date (else the sections with an event that day); the share of them
  with an absence event is the share of the day missed, a whole day from
  ``EdfiSettings.section_full_day_share``. The day's event is the section event that
  comes first by the daily precedence (unexcused before excused, ...); a day with only
  tardies is a tardy. Setting ``read_section_attendance`` false leaves them out.
"""

from __future__ import annotations

from k12ews.edfi.mapping.context import Mapping, student_of
from k12ews.edfi.records import (
    date,
    descriptor,
    extension,
    find,
    ref,
    school_year,
    school_year_of,
    text,
)


def _row(m: Mapping, student, school, year, day, event, duration, minutes) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        "student_id": student,
        "school_id": school,
        "school_year": year,
        "event_date": day,
        "event_type": m.codes.resolve("xwalk_attendance_events", event),
        "event_duration": duration,
        "minutes_missed": minutes,
    }


def map_school_attendance(m: Mapping) -> set[tuple[str, str, str]]:
    """Write the school events; return the (student, school, date) they cover."""
    covered: set[tuple[str, str, str]] = set()
    left_out = 0
    for r in m.extract.of("studentSchoolAttendanceEvents"):
        d = r.data
        student = student_of(r)
        school = text(ref(d, "schoolReference").get("schoolId"))
        day = date(find(d, "eventDate"))
        year = school_year(ref(d, "sessionReference").get("schoolYear")) or school_year_of(day)
        if m.outside_k12(student, school, year):
            left_out += 1
            continue
        m.out.add(
            "attendance_events",
            _row(
                m,
                student,
                school,
                year,
                day,
                descriptor(d, "attendanceEventCategory"),
                text(find(d, "eventDuration")),
                text(extension(d, "minutesMissed")),
            ),
            r.where,
        )
        covered.add((str(student), str(school), str(day)))
    if left_out:
        m.out.notes.append(
            f"studentSchoolAttendanceEvents: {left_out:,} event(s) of spells outside "
            "kindergarten to grade 12 left out"
        )
    return covered


def _section_key(reference: dict) -> tuple[str, ...]:
    return tuple(
        str(reference.get(k))
        for k in ("sectionIdentifier", "localCourseCode", "schoolId", "schoolYear", "sessionName")
    )


def _order(m: Mapping, event: str | None) -> tuple[int, int, str]:
    row = m.codes.meaning("xwalk_attendance_events", event)
    if row is None:
        return (1, 99, str(event))
    absence = 0 if row["is_absence"].lower() == "true" else 1
    return (absence, int(row["daily_precedence"] or 99), str(event))


def map_section_attendance(m: Mapping, covered: set[tuple[str, str, str]]) -> None:
    events = m.extract.of("studentSectionAttendanceEvents")
    if not events:
        return
    if not m.settings.read_section_attendance:
        m.out.notes.append(
            f"studentSectionAttendanceEvents: {len(events):,} event(s) not read (setting)"
        )
        return
    schedule: dict[tuple[str, str], list[tuple[tuple[str, ...], str, str]]] = {}
    for r in m.extract.of("studentSectionAssociations"):
        section = ref(r.data, "sectionReference")
        key = (str(student_of(r)), str(section.get("schoolId")))
        begin, end = date(r.data.get("beginDate")), date(r.data.get("endDate"))
        schedule.setdefault(key, []).append(
            (_section_key(section), begin or "", end or "9999-12-31")
        )
    days: dict[tuple[str, str, str], list[tuple[tuple[str, ...], str, object]]] = {}
    wheres: dict[tuple[str, str, str], str] = {}
    for r in events:
        d = r.data
        section = ref(d, "sectionReference")
        key = (str(student_of(r)), str(section.get("schoolId")), str(date(find(d, "eventDate"))))
        if key in covered:
            continue
        days.setdefault(key, []).append(
            (
                _section_key(section),
                str(descriptor(d, "attendanceEventCategory")),
                find(d, "eventDuration"),
            )
        )
        wheres.setdefault(key, r.where)
    full_day = m.settings.section_full_day_share
    for (student, school, day), found in days.items():
        scheduled = {
            s for s, begin, end in schedule.get((student, school), []) if begin <= day <= end
        } or {s for s, _, _ in found}
        absent = {
            s
            for s, event, _ in found
            if (row := m.codes.meaning("xwalk_attendance_events", event)) is not None
            and row["is_absence"].lower() == "true"
        }
        first = min((event for _, event, _ in found), key=lambda e: _order(m, e))
        share = len(absent) / len(scheduled) if absent else None
        duration = None if share is None else (1.0 if share >= full_day else round(share, 4))
        year = school_year_of(day)
        if m.outside_k12(student, school, year):
            continue
        m.out.add(
            "attendance_events",
            _row(m, student, school, year, day, first, duration, None),
            wheres[(student, school, day)] + " (with the student's other sections that day)",
        )
