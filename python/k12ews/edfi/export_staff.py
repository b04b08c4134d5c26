"""Ed-Fi resources of a warehouse's staff tables (docs/access.md): staff and their
assignments, caseloads as cohorts, sections with their teachers and students.

- ``staff``: a Staff each, the e-mail a Work electronicMail;
- ``staff_assignments``: a StaffEducationOrganizationAssignmentAssociation each, the
  role a StaffClassificationDescriptor of the district's namespace, a district-wide
  assignment's organisation the district (LEA);
- ``staff_caseloads``: one Cohort per staff member, school, school year and caseload
  type (CohortTypeDescriptor the standard's "Counselor List", or the district's "Case
  Manager List": the standard has none), a StaffCohortAssociation spanning its students'
  dates, and a StudentCohortAssociation per caseload row;
- ``sections``: a Section each, its CourseOffering the course at the school in the
  first session of the year (one is written when the course catalogue's offerings lack
  it); ``section_staff`` and ``section_enrollments`` as StaffSectionAssociations and
  StudentSectionAssociations.
"""

from __future__ import annotations

from typing import Any

from k12ews.edfi.export_academics import course_offering
from k12ews.edfi.export_people import EDFI, NAMESPACE, Out, Rows, clean, iso, local
from k12ews.edfi.settings import EdfiSettings

WORK_MAIL = f"{EDFI}/ElectronicMailTypeDescriptor#Work"
# caseload_type -> the CohortTypeDescriptor written: the code value the reader takes
# for it (EdfiSettings.caseload_cohort_types), in the standard's namespace when the
# standard has the value, else the district's
STANDARD_COHORT_TYPES = ("Counselor List",)
CASELOAD_TYPES = {
    kind: f"{EDFI if code in STANDARD_COHORT_TYPES else NAMESPACE}/CohortTypeDescriptor#{code}"
    for code, kind in EdfiSettings().caseload_cohort_types
}
Sessions = dict[tuple[int, int], list[tuple[str, str, str]]]


def staff(rows: Rows, out: Out) -> None:
    for r in rows:
        out.setdefault("staffs", []).append(
            clean(
                {
                    "staffUniqueId": r["staff_id"],
                    "firstName": r["first_name"],
                    "lastSurname": r["last_name"],
                    "electronicMails": [
                        {
                            "electronicMailAddress": r["email"],
                            "electronicMailTypeDescriptor": WORK_MAIL,
                        }
                    ]
                    if r["email"]
                    else None,
                }
            )
        )


def assignments(rows: Rows, district: int, out: Out) -> None:
    for r in rows:
        org = r["school_id"] if r["school_id"] is not None else district
        out.setdefault("staffEducationOrganizationAssignmentAssociations", []).append(
            clean(
                {
                    "staffReference": {"staffUniqueId": r["staff_id"]},
                    "educationOrganizationReference": {"educationOrganizationId": org},
                    "staffClassificationDescriptor": local("StaffClassification", r["staff_role"]),
                    "beginDate": iso(r["begin_date"]),
                    "endDate": iso(r["end_date"]),
                }
            )
        )


def caseloads(rows: Rows, out: Out) -> None:
    cohorts: dict[tuple[Any, ...], Rows] = {}
    for r in rows:
        key = (r["staff_id"], r["school_id"], r["school_year"], r["caseload_type"])
        cohorts.setdefault(key, []).append(r)
    for (staff_id, school, year, kind), members in cohorts.items():
        cohort = {"cohortIdentifier": f"{staff_id}-{school}-{year}-{kind}"}
        reference = {**cohort, "educationOrganizationId": school}
        out.setdefault("cohorts", []).append(
            {
                **cohort,
                "educationOrganizationReference": {"educationOrganizationId": school},
                "cohortTypeDescriptor": CASELOAD_TYPES[kind],
                "cohortDescription": f"{kind} caseload of {staff_id}, {year}",
            }
        )
        ends = [m["end_date"] for m in members]
        out.setdefault("staffCohortAssociations", []).append(
            clean(
                {
                    "cohortReference": reference,
                    "staffReference": {"staffUniqueId": staff_id},
                    "beginDate": iso(min(m["begin_date"] for m in members)),
                    "endDate": None if None in ends else iso(max(ends)),
                }
            )
        )
        for m in members:
            out.setdefault("studentCohortAssociations", []).append(
                clean(
                    {
                        "cohortReference": reference,
                        "studentReference": {"studentUniqueId": m["student_id"]},
                        "beginDate": iso(m["begin_date"]),
                        "endDate": iso(m["end_date"]),
                    }
                )
            )


def _offerings(out: Out) -> set[tuple[Any, ...]]:
    return {
        (
            o["localCourseCode"],
            o["schoolReference"]["schoolId"],
            o["sessionReference"]["schoolYear"],
            o["sessionReference"]["sessionName"],
        )
        for o in out.get("courseOfferings", [])
    }


def sections(rows: Rows, sessions: Sessions, out: Out) -> dict[str, dict[str, Any]]:
    """Sections (and the course offerings they need); return section -> its reference."""
    offered = _offerings(out)
    references: dict[str, dict[str, Any]] = {}
    for r in rows:
        school, year, code = r["school_id"], r["school_year"], r["course_code"]
        first = sessions.get((school, year))
        session = f"{year} {first[0][0] if first else 'S1'}"
        offering = {
            "localCourseCode": code,
            "schoolId": school,
            "schoolYear": year,
            "sessionName": session,
        }
        if (code, school, year, session) not in offered:
            offered.add((code, school, year, session))
            out.setdefault("courseOfferings", []).append(
                course_offering(code, school, year, session)
            )
        out.setdefault("sections", []).append(
            {"sectionIdentifier": r["section_id"], "courseOfferingReference": offering}
        )
        references[r["section_id"]] = {"sectionIdentifier": r["section_id"], **offering}
    return references


def section_staff(rows: Rows, references: dict[str, dict[str, Any]], out: Out) -> None:
    for r in rows:
        out.setdefault("staffSectionAssociations", []).append(
            clean(
                {
                    "sectionReference": references[r["section_id"]],
                    "staffReference": {"staffUniqueId": r["staff_id"]},
                    "beginDate": iso(r["begin_date"]),
                    "endDate": iso(r["end_date"]),
                }
            )
        )


def section_enrollments(rows: Rows, references: dict[str, dict[str, Any]], out: Out) -> None:
    for r in rows:
        out.setdefault("studentSectionAssociations", []).append(
            clean(
                {
                    "sectionReference": references[r["section_id"]],
                    "studentReference": {"studentUniqueId": r["student_id"]},
                    "beginDate": iso(r["begin_date"]),
                    "endDate": iso(r["end_date"]),
                }
            )
        )
