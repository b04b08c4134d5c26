"""Ed-Fi resources of a warehouse's raw tables: schools, students, enrollments,
calendars, attendance and programs (the people and days of a district).

Codes are written as descriptors in the district's own namespace (``NAMESPACE``), whose
code values are the warehouse's codes, so the reader gives the same codes back; grade
levels use the Data Standard's default GradeLevelDescriptor values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

NAMESPACE = "uri://district.k12ews"
EDFI = "uri://ed-fi.org"
# the student characteristic flags and the default program type (or the district's own,
# for gifted identification, which the standard has no type for) each is written as
FLAG_PROGRAMS = {
    "has_iep": (
        "studentSpecialEducationProgramAssociations",
        f"{EDFI}/ProgramTypeDescriptor#Special Education",
    ),
    "has_504_plan": (
        "studentProgramAssociations",
        f"{EDFI}/ProgramTypeDescriptor#Section 504 Placement",
    ),
    "is_homeless": ("studentHomelessProgramAssociations", f"{EDFI}/ProgramTypeDescriptor#Homeless"),
    "is_english_learner": (
        "studentLanguageInstructionProgramAssociations",
        f"{EDFI}/ProgramTypeDescriptor#English as a Second Language (ESL)",
    ),
    "is_gifted": (
        "studentProgramAssociations",
        f"{NAMESPACE}/ProgramTypeDescriptor#GIFTED_IDENTIFIED",
    ),
}
FOOD_SERVICE = f"{EDFI}/ProgramTypeDescriptor#Student School Food Service"
SCHOOL_CATEGORY = "EducationOrganizationCategoryDescriptor#School"
HOME_LANGUAGE = f"{EDFI}/LanguageUseDescriptor#Home language"

Rows = list[dict[str, Any]]
Out = dict[str, list[dict[str, Any]]]


def local(descriptor: str, code: Any) -> str | None:
    """A code as a descriptor of the district's namespace."""
    return None if code is None else f"{NAMESPACE}/{descriptor}Descriptor#{code}"


def lea(school_id: Any) -> int:
    """The district (LEA) id of a school: its id without the last three digits."""
    return int(school_id) // 1000


def clean(d: dict[str, Any]) -> dict[str, Any]:
    """Leave out keys without a value (Ed-Fi omits them)."""
    return {k: v for k, v in d.items() if v is not None and v != [] and v != {}}


def iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else value


def year_bounds(year: int) -> tuple[str, str]:
    return dt.date(year - 1, 7, 1).isoformat(), dt.date(year, 6, 30).isoformat()


def schools(rows: Rows, grades: dict[int, str], out: Out) -> None:
    for r in rows:
        out.setdefault("schools", []).append(
            clean(
                {
                    "schoolId": r["school_id"],
                    "nameOfInstitution": r["school_name"],
                    "localEducationAgencyReference": {
                        "localEducationAgencyId": lea(r["school_id"])
                    },
                    "educationOrganizationCategories": [
                        {"educationOrganizationCategoryDescriptor": f"{EDFI}/{SCHOOL_CATEGORY}"}
                    ],
                    "schoolCategories": [
                        {"schoolCategoryDescriptor": local("SchoolCategory", r["school_level"])}
                    ]
                    if r["school_level"]
                    else None,
                    "gradeLevels": [
                        {"gradeLevelDescriptor": grades[g]}
                        for g in range(r["low_grade"], r["high_grade"] + 1)
                    ],
                    "addresses": [
                        {
                            "addressTypeDescriptor": f"{EDFI}/AddressTypeDescriptor#Physical",
                            "city": r["city"],
                        }
                    ]
                    if r["city"]
                    else None,
                }
            )
        )


def _indicators(years: list[tuple[int, bool]]) -> list[dict[str, Any]] | None:
    """Internet access at home, one student indicator per school year it is known."""
    out = []
    for year, value in years:
        begin, end = year_bounds(year)
        out.append(
            {
                "indicatorName": "InternetAccessInResidence",
                "indicator": "Yes" if value else "No",
                "periods": [{"beginDate": begin, "endDate": end}],
            }
        )
    return out or None


def students(
    rows: Rows, languages: dict[str, str], internet: dict[str, list[tuple[int, bool]]], out: Out
) -> None:
    for r in rows:
        out.setdefault("students", []).append(
            clean(
                {
                    "studentUniqueId": r["student_id"],
                    "firstName": r["first_name"],
                    "lastSurname": r["last_name"],
                    "birthDate": iso(r["birth_date"]),
                }
            )
        )
        race = r["race_ethnicity"]
        address = clean(
            {
                "addressTypeDescriptor": f"{EDFI}/AddressTypeDescriptor#Home",
                "streetNumberName": r["street_address"],
                "city": r["city"],
                "postalCode": r["postal_code"],
            }
        )
        language = languages.get(r["student_id"])
        out.setdefault("studentEducationOrganizationAssociations", []).append(
            clean(
                {
                    "educationOrganizationReference": {"educationOrganizationId": r["lea"]},
                    "studentReference": {"studentUniqueId": r["student_id"]},
                    "sexDescriptor": local("Sex", r["sex"]),
                    "hispanicLatinoEthnicity": None if race is None else race == "HI",
                    "races": [{"raceDescriptor": local("Race", race)}]
                    if race is not None and race != "HI"
                    else None,
                    "addresses": [address] if len(address) > 1 else None,
                    "languages": [
                        {
                            "languageDescriptor": f"{EDFI}/LanguageDescriptor#{language}",
                            "uses": [{"languageUseDescriptor": HOME_LANGUAGE}],
                        }
                    ]
                    if language
                    else None,
                    "studentIndicators": _indicators(internet.get(r["student_id"], [])),
                }
            )
        )


def enrollments(rows: Rows, grades: dict[int, str], out: Out) -> None:
    for r in rows:
        out.setdefault("studentSchoolAssociations", []).append(
            clean(
                {
                    "studentReference": {"studentUniqueId": r["student_id"]},
                    "schoolReference": {"schoolId": r["school_id"]},
                    "schoolYearTypeReference": {"schoolYear": r["school_year"]},
                    "entryDate": iso(r["entry_date"]),
                    "entryGradeLevelDescriptor": grades[r["grade_level"]],
                    "entryTypeDescriptor": local("EntryType", r["entry_type"]),
                    "exitWithdrawDate": iso(r["exit_date"]),
                    "exitWithdrawTypeDescriptor": local("ExitWithdrawType", r["exit_code"]),
                }
            )
        )


def calendars(days: Rows, out: Out) -> dict[tuple[int, int], list[tuple[str, str, str]]]:
    """Calendars, their dates and the sessions (one per quarter, semester and summer);
    return (school, year) -> [(term code, begin, end)] of the sessions."""
    by_calendar: dict[tuple[int, int], Rows] = {}
    for r in days:
        by_calendar.setdefault((r["school_id"], r["school_year"]), []).append(r)
    sessions: dict[tuple[int, int], list[tuple[str, str, str]]] = {}
    for (school, year), rows in sorted(by_calendar.items()):
        code = f"{school}-{year}"
        out.setdefault("calendars", []).append(
            {
                "calendarCode": code,
                "schoolReference": {"schoolId": school},
                "schoolYearTypeReference": {"schoolYear": year},
                "calendarTypeDescriptor": local("CalendarType", "school"),
            }
        )
        spans: dict[str, list[str]] = {}
        for r in rows:
            day = iso(r["calendar_date"])
            out.setdefault("calendarDates", []).append(
                {
                    "calendarReference": {
                        "calendarCode": code,
                        "schoolId": school,
                        "schoolYear": year,
                    },
                    "date": day,
                    "calendarEvents": [
                        {"calendarEventDescriptor": local("CalendarEvent", r["calendar_event"])}
                    ],
                }
            )
            for term in (
                f"Q{r['quarter']}" if r["quarter"] else None,
                f"S{r['semester']}" if r["semester"] else None,
            ):
                if term:
                    spans.setdefault(term, []).append(day)
        last = max(iso(r["calendar_date"]) for r in rows)
        spans["SU"] = [last]
        sessions[(school, year)] = [(t, min(d), max(d)) for t, d in sorted(spans.items())]
        for term, begin, end in sessions[(school, year)]:
            out.setdefault("sessions", []).append(
                {
                    "sessionName": f"{year} {term}",
                    "schoolReference": {"schoolId": school},
                    "schoolYearTypeReference": {"schoolYear": year},
                    "termDescriptor": local("Term", term),
                    "beginDate": begin,
                    "endDate": end,
                    "totalInstructionalDays": 0,
                }
            )
    return sessions


def attendance(rows: Rows, out: Out) -> None:
    for r in rows:
        out.setdefault("studentSchoolAttendanceEvents", []).append(
            clean(
                {
                    "studentReference": {"studentUniqueId": r["student_id"]},
                    "schoolReference": {"schoolId": r["school_id"]},
                    "sessionReference": {
                        "schoolId": r["school_id"],
                        "schoolYear": r["school_year"],
                    },
                    "attendanceEventCategoryDescriptor": local(
                        "AttendanceEventCategory", r["event_type"]
                    ),
                    "eventDate": iso(r["event_date"]),
                    "eventDuration": r["event_duration"],
                    "_ext": {"k12ews": {"minutesMissed": r["minutes_missed"]}}
                    if r["minutes_missed"] is not None
                    else None,
                }
            )
        )


def _program(org: int, name: str, program_type: str) -> dict[str, Any]:
    return {
        "educationOrganizationId": org,
        "programName": name,
        "programTypeDescriptor": program_type,
    }


def programs(services: Rows, characteristics: Rows, out: Out) -> None:
    """Programs, the services' associations, and the yearly characteristics as program
    associations spanning their school year."""
    defined: set[tuple[int, str]] = set()

    def define(org: int, name: str, program_type: str) -> dict[str, Any]:
        if (org, name) not in defined:
            defined.add((org, name))
            out.setdefault("programs", []).append(
                {
                    "programName": name,
                    "programTypeDescriptor": program_type,
                    "educationOrganizationReference": {"educationOrganizationId": org},
                }
            )
        return _program(org, name, program_type)

    for r in services:
        reference = define(r["school_id"], r["service"], local("ProgramType", r["service"]))  # type: ignore[arg-type]
        out.setdefault("studentProgramAssociations", []).append(
            clean(
                {
                    "beginDate": iso(r["start_date"]),
                    "endDate": iso(r["end_date"]),
                    "educationOrganizationReference": {"educationOrganizationId": r["school_id"]},
                    "programReference": reference,
                    "studentReference": {"studentUniqueId": r["student_id"]},
                    "_ext": {"k12ews": {"mtssTier": r["tier"]}} if r["tier"] is not None else None,
                }
            )
        )
    districts = sorted({r["lea"] for r in characteristics})
    for org in districts:  # the district runs every program a flag may come from
        for _, program_type in (*FLAG_PROGRAMS.values(), ("", FOOD_SERVICE)):
            define(org, program_type.rsplit("#", 1)[1], program_type)
    for r in characteristics:
        begin, end = year_bounds(r["school_year"])
        base = {
            "beginDate": begin,
            "endDate": end,
            "educationOrganizationReference": {"educationOrganizationId": r["lea"]},
            "studentReference": {"studentUniqueId": r["student_id"]},
        }
        for flag, (resource, program_type) in FLAG_PROGRAMS.items():
            if r[flag]:
                reference = _program(r["lea"], program_type.rsplit("#", 1)[1], program_type)
                out.setdefault(resource, []).append({**base, "programReference": reference})
        if r["frl_status"] is not None:
            reference = _program(r["lea"], FOOD_SERVICE.rsplit("#", 1)[1], FOOD_SERVICE)
            out.setdefault("studentSchoolFoodServiceProgramAssociations", []).append(
                {
                    **base,
                    "programReference": reference,
                    "schoolFoodServiceProgramServices": [
                        {
                            "schoolFoodServiceProgramServiceDescriptor": local(
                                "SchoolFoodServiceProgramService", r["frl_status"]
                            )
                        }
                    ],
                }
            )


def by_key(rows: Iterable[dict[str, Any]], *keys: str) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {tuple(r[k] for k in keys): r for r in rows}
