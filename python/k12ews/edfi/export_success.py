"""Ed-Fi resources of the success-metric tables (#14) that have one mapped so far.

``cte_participation`` -> ``studentCTEProgramAssociations``: one association per student,
programme area and school year, spanning the school year, at the school; the programme
is the school's Career and Technical Education program named by the area, its
``ctePrograms`` the area as a CareerPathwayDescriptor of the district's namespace. Ed-Fi
has no field for the credits earned or for Perkins V concentrator status: they travel in
the k12ews extension (``_ext.k12ews.creditsEarned``, ``isConcentrator``).
"""

from __future__ import annotations

from k12ews.edfi.export_people import EDFI, Out, Rows, clean, local, year_bounds

CTE_PROGRAM_TYPE = f"{EDFI}/ProgramTypeDescriptor#Career and Technical Education"


def cte(rows: Rows, out: Out) -> None:
    for r in rows:
        begin, end = year_bounds(r["school_year"])
        ext = clean({"creditsEarned": r["credits_earned"], "isConcentrator": r["is_concentrator"]})
        out.setdefault("studentCTEProgramAssociations", []).append(
            clean(
                {
                    "beginDate": begin,
                    "endDate": end,
                    "educationOrganizationReference": {"educationOrganizationId": r["school_id"]},
                    "programReference": {
                        "educationOrganizationId": r["school_id"],
                        "programName": r["program_area"],
                        "programTypeDescriptor": CTE_PROGRAM_TYPE,
                    },
                    "studentReference": {"studentUniqueId": r["student_id"]},
                    "ctePrograms": [
                        {
                            "careerPathwayDescriptor": local("CareerPathway", r["program_area"]),
                            "primaryCTEProgramIndicator": True,
                        }
                    ],
                    "_ext": {"k12ews": ext} if ext else None,
                }
            )
        )
