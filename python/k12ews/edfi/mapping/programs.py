"""Program associations: services received, and the yearly student characteristics.

Every kind of student program association is read the same way: its program's
ProgramTypeDescriptor, through seed xwalk_services, says what it is.

- A type without a ``student_flag`` is a service: one ``program_services`` row (the
  type is the service; the school the association's education organisation when it is
  a school, else the program's, else the student's school on its begin date; the MTSS
  tier the k12ews extension's ``mtssTier``, which Ed-Fi has no field for).
- A type with a ``student_flag`` sets that flag of ``student_characteristics`` for each
  school year the association spans (has_iep for Special Education and IDEA, has_504_plan
  for Section 504 Placement, is_homeless, is_english_learner for ESL and Bilingual,
  is_gifted for the district's identification type); a food service association sets
  ``frl_status`` from its services (the first of free, reduced, full price and other,
  seed xwalk_frl_status). A flag is false for a student-year without such an
  association when the extract lists a Program of that kind or any student has one;
  otherwise it is unknown (empty).
- ``home_language`` is the language of use Home language in the student's
  StudentEducationOrganizationAssociations; ``has_home_internet`` their student
  indicator named InternetAccessInResidence (Ed-Fi 5 has no field for it: states that
  collect it, Minnesota's digital-equity collection for one, use this indicator), true
  for yes or true, for the school years of its periods (all years without one).

A characteristics row is written for each school year the student has a spell in, when
one of its values is known.
"""

from __future__ import annotations

import datetime as dt

from k12ews.edfi.mapping.context import Mapping, student_of
from k12ews.edfi.records import (
    code_value,
    date,
    descriptor,
    extension,
    item_descriptor,
    items,
    ref,
    school_year_of,
    text,
)

PROGRAM_RESOURCES = (
    "studentProgramAssociations",
    "studentSpecialEducationProgramAssociations",
    "studentSchoolFoodServiceProgramAssociations",
    "studentHomelessProgramAssociations",
    "studentLanguageInstructionProgramAssociations",
)
FLAGS = ("is_english_learner", "has_iep", "has_504_plan", "is_gifted", "is_homeless")
MEAL_ORDER = {"free": 0, "reduced": 1, "full_price": 2, "other": 3}


def _years(begin: str | None, end: str | None) -> range:
    """The school years a span from ``begin`` to ``end`` (open: to today) touches."""
    first = school_year_of(begin)
    last = school_year_of(end) if end else school_year_of(dt.date.today().isoformat())
    if first is None:
        return range(0)
    return range(first, max(first, last or first) + 1)


def _school(m: Mapping, d: dict, student: str | None, begin: str | None) -> str | None:
    for name in ("educationOrganizationReference", "programReference"):
        org = text(ref(d, name).get("educationOrganizationId"))
        if org in m.school_ids:
            return org
    return m.school_of(student, begin)


def map_programs(m: Mapping) -> None:
    set_flags: dict[tuple[str, int], set[str]] = {}
    meals: dict[tuple[str, int], list[str]] = {}
    known: set[str] = set()
    for r in m.extract.of("programs"):
        flag = m.codes.flag(descriptor(r.data, "programType"))
        if flag:
            known.add(flag)
    for resource in PROGRAM_RESOURCES:
        for r in m.extract.of(resource):
            d = r.data
            student = student_of(r)
            program_type = descriptor(ref(d, "programReference"), "programType")
            flag = m.codes.flag(program_type)
            begin, end = date(d.get("beginDate")), date(d.get("endDate"))
            if flag is None:
                school = _school(m, d, student, begin)
                year = school_year_of(begin)
                if m.outside_k12(student, school, year):
                    continue
                m.out.add(
                    "program_services",
                    {
                        "student_id": student,
                        "school_id": school,
                        "school_year": year,
                        "service": m.codes.resolve("xwalk_services", program_type),
                        "tier": text(extension(d, "mtssTier")),
                        "start_date": begin,
                        "end_date": end,
                    },
                    r.where,
                )
                continue
            known.add(flag)
            for year in _years(begin, end):
                key = (str(student), year)
                if flag == "frl_status":
                    meals.setdefault(key, []).extend(
                        v
                        for s in items(
                            d, "schoolFoodServiceProgramServices", "schoolFoodServiceProgramService"
                        )
                        if (v := item_descriptor(s, "schoolFoodServiceProgramService"))
                    )
                else:
                    set_flags.setdefault(key, set()).add(flag)
    _write_characteristics(m, set_flags, meals, known)


def _meal(m: Mapping, values: list[str]) -> str | None:
    def rank(value: str) -> tuple[int, str]:
        row = m.codes.meaning("xwalk_frl_status", value)
        return (MEAL_ORDER.get(row["meal_eligibility"], 9) if row else 9, value)

    return m.codes.resolve("xwalk_frl_status", min(values, key=rank)) if values else None


def _home_languages(m: Mapping) -> dict[str, str]:
    out: dict[str, str] = {}
    for r in m.extract.of("studentEducationOrganizationAssociations"):
        student = student_of(r)
        for lang in items(r.data, "languages", "language"):
            if not isinstance(lang, dict):
                continue
            uses = [
                code_value(item_descriptor(u, "languageUse")) for u in items(lang, "uses", "use")
            ]
            if "Home language" in uses and student and student not in out:
                value = code_value(descriptor(lang, "language"))
                if value:
                    out[student] = value
    return out


def _internet(m: Mapping) -> dict[tuple[str, int | None], bool]:
    """(student, school year or None for every year) -> internet access at home."""
    out: dict[tuple[str, int | None], bool] = {}
    for r in m.extract.of("studentEducationOrganizationAssociations"):
        student = str(student_of(r))
        for ind in items(r.data, "studentIndicators", "studentIndicator"):
            if not isinstance(ind, dict) or str(ind.get("indicatorName")).lower() != (
                "internetaccessinresidence"
            ):
                continue
            value = str(ind.get("indicator")).strip().lower() in ("yes", "true", "y", "1")
            periods = [p for p in items(ind, "periods", "period") if isinstance(p, dict)]
            for p in periods:
                for year in _years(date(p.get("beginDate")), date(p.get("endDate"))):
                    out[(student, year)] = value
            if not periods:
                out[(student, None)] = value
    return out


def _write_characteristics(
    m: Mapping,
    set_flags: dict[tuple[str, int], set[str]],
    meals: dict[tuple[str, int], list[str]],
    known: set[str],
) -> None:
    languages = _home_languages(m)
    internet = _internet(m)
    student_years = sorted(
        {(s, spell.school_year) for s, spells in m.spells.items() for spell in spells}
    )
    for student, year in student_years:
        flags = set_flags.get((student, year), set())
        row: dict[str, object] = {
            "student_id": student,
            "school_year": year,
            "frl_status": _meal(m, meals.get((student, year), [])),
            "home_language": languages.get(student),
            "has_home_internet": internet.get((student, year), internet.get((student, None))),
        }
        for flag in FLAGS:
            row[flag] = True if flag in flags else (False if flag in known else None)
        if any(
            row[c] is not None for c in (*FLAGS, "frl_status", "home_language", "has_home_internet")
        ):
            m.out.add(
                "student_characteristics",
                row,
                "studentSchoolAssociations and program associations of the student that year",
            )
