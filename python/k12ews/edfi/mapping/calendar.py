"""School calendars: CalendarDates, with quarters and semesters from Sessions.

- One row per school and date: a school with several calendars (tracks, grade bands)
  gets one, where a date is an instructional day if any of its calendars says so; its
  event is then the first instructional one, else the first sent (seed
  xwalk_calendar_events, is_instructional).
- The quarter and semester of a date: the term number of the school's Session of that
  year whose term is a quarter (or a semester) and whose begin and end dates hold the
  date (seed xwalk_terms: term_type and term_number of the Session's TermDescriptor).
  A date in no such session has none: marks of that term cannot be dated at that school.
"""

from __future__ import annotations

from k12ews.edfi.mapping.context import Mapping
from k12ews.edfi.records import date, descriptor, item_descriptor, items, ref, school_year, text


def term_of(m: Mapping, value: str | None) -> tuple[str | None, int | None]:
    """(term_type, term_number) of a TermDescriptor (seed xwalk_terms)."""
    row = m.codes.meaning("xwalk_terms", value)
    if row is None:
        return None, None
    number = row["term_number"]
    return row["term_type"] or None, int(number) if number else None


def sessions_by_school_year(m: Mapping) -> dict[tuple[str, int], list[tuple[str, str, str, int]]]:
    """(school, year) -> (begin, end, term_type, term_number) of its numbered sessions."""
    out: dict[tuple[str, int], list[tuple[str, str, str, int]]] = {}
    for r in m.extract.of("sessions"):
        d = r.data
        school = text(ref(d, "schoolReference").get("schoolId"))
        year = school_year(ref(d, "schoolYearTypeReference").get("schoolYear")) or school_year(
            d.get("schoolYear")
        )
        kind, number = term_of(m, descriptor(d, "term"))
        begin, end = date(d.get("beginDate")), date(d.get("endDate"))
        if school and year and kind and number and begin and end:
            out.setdefault((school, year), []).append((begin, end, kind, number))
    return out


def map_calendar(m: Mapping) -> None:
    sessions = sessions_by_school_year(m)
    days: dict[tuple[str, str], dict[str, object]] = {}
    wheres: dict[tuple[str, str], str] = {}
    for r in m.extract.of("calendarDates"):
        d = r.data
        cal = ref(d, "calendarReference")
        school = text(cal.get("schoolId"))
        year = school_year(cal.get("schoolYear"))
        day = date(d.get("date"))
        events = [
            item_descriptor(e, "calendarEvent") for e in items(d, "calendarEvents", "calendarEvent")
        ]
        events = [e for e in events if e]
        instructional = [
            e
            for e in events
            if (row := m.codes.meaning("xwalk_calendar_events", e)) is not None
            and row["is_instructional"].lower() == "true"
        ]
        key = (str(school), str(day))
        row = days.get(key)
        if row is not None:
            if instructional and not row["is_instructional_day"]:
                row["is_instructional_day"] = True
                row["calendar_event"] = m.codes.resolve("xwalk_calendar_events", instructional[0])
            continue
        quarter = semester = None
        for begin, end, kind, number in sessions.get((str(school), year or 0), []):
            if day and begin <= day <= end:
                if kind == "quarter":
                    quarter = number
                elif kind == "semester":
                    semester = number
        chosen = instructional[0] if instructional else (events[0] if events else None)
        days[key] = {
            "school_id": school,
            "school_year": year,
            "calendar_date": day,
            "is_instructional_day": bool(instructional),
            "calendar_event": m.codes.resolve("xwalk_calendar_events", chosen),
            "quarter": quarter,
            "semester": semester,
        }
        wheres[key] = r.where
    for key, row in days.items():
        m.out.add("calendar_days", row, wheres[key])
