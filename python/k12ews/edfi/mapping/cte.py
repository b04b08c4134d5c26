"""Career and technical education: StudentCTEProgramAssociations.

One ``cte_participation`` row per association: the student, the school its
educationOrganizationReference, the school year that of its begin date, the programme
area the code value of its primary (else first) cteProgram's CareerPathwayDescriptor,
else the program's name; credits earned and concentrator status from the k12ews
extension (``creditsEarned``, ``isConcentrator``; Ed-Fi has no field for either, so an
extract without them loads them empty: unknown).
"""

from __future__ import annotations

from k12ews.edfi.mapping.context import Mapping, student_of
from k12ews.edfi.records import (
    code_value,
    date,
    descriptor,
    extension,
    items,
    ref,
    school_year_of,
    text,
)


def _area(d: dict) -> str | None:
    programs = [p for p in items(d, "ctePrograms", "cteProgram") if isinstance(p, dict)]
    primary = [p for p in programs if p.get("primaryCTEProgramIndicator") in (True, "true")]
    for p in primary + programs:
        area = code_value(descriptor(p, "careerPathway"))
        if area:
            return area
    return text(ref(d, "programReference").get("programName"))


def map_cte(m: Mapping) -> None:
    for r in m.extract.of("studentCTEProgramAssociations"):
        d = r.data
        student = student_of(r)
        year = school_year_of(date(d.get("beginDate")))
        school = text(ref(d, "educationOrganizationReference").get("educationOrganizationId"))
        if m.outside_k12(student, school, year):
            continue
        m.out.add(
            "cte_participation",
            {
                "student_id": student,
                "school_id": school,
                "school_year": year,
                "program_area": _area(d),
                "credits_earned": extension(d, "creditsEarned"),
                "is_concentrator": extension(d, "isConcentrator"),
            },
            r.where,
        )
