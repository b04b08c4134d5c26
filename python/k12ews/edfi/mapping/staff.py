"""Staff, their assignments and their caseloads: Staffs,
StaffEducationOrganizationAssignmentAssociations, Cohorts, StaffCohortAssociations and
StudentCohortAssociations (docs/edfi.md, docs/access.md).

- ``staff``: one row per Staff: staffUniqueId, firstName, lastSurname, and the e-mail
  address of its Work electronicMail (else its first).
- ``staff_assignments``: one row per assignment association: the role its
  StaffClassificationDescriptor as seed xwalk_staff_roles knows it (an unknown
  classification is rejected naming the seed); the school its educationOrganizationId,
  empty when that is the district (the localEducationAgency of the extract's schools):
  a district-wide assignment. Any other organisation id is kept, so the loader rejects
  it as a school that does not exist rather than granting district-wide access.
- ``staff_caseloads``: a cohort is a caseload when its CohortTypeDescriptor's code value
  is one of ``EdfiSettings.caseload_cohort_types`` (the standard's "Counselor List" is a
  counselling caseload, "Case Manager List" a case-management one); other cohorts
  (extracurricular activities, interventions) are not read. One row per student
  association of a caseload cohort and staff association of the same cohort whose
  dates overlap: the later of the two begin dates, the earlier of the two end dates; the
  school the cohort's organisation (else the student's school on the begin date), the
  school year that of the begin date.
"""

from __future__ import annotations

from k12ews.edfi.mapping.context import Mapping, staff_of, student_of
from k12ews.edfi.records import (
    code_value,
    date,
    descriptor,
    find,
    items,
    ref,
    school_year_of,
    text,
)

OPEN = "9999-12-31"  # the end of a span that has not ended


def _email(d: dict) -> str | None:
    mails = [e for e in items(d, "electronicMails", "electronicMail") if isinstance(e, dict)]
    work = [e for e in mails if code_value(descriptor(e, "electronicMailType")) == "Work"]
    return text(find((work or mails or [{}])[0], "electronicMailAddress"))


def map_staff(m: Mapping) -> None:
    for r in m.extract.of("staffs"):
        d = r.data
        m.out.add(
            "staff",
            {
                "staff_id": text(d.get("staffUniqueId")),
                "first_name": text(find(d, "firstName")),
                "last_name": text(find(d, "lastSurname")),
                "email": _email(d),
            },
            r.where,
        )


def _districts(m: Mapping) -> set[str]:
    """The local education agencies the extract's schools belong to."""
    found = set()
    for r in m.extract.of("schools"):
        lea = text(ref(r.data, "localEducationAgencyReference").get("localEducationAgencyId"))
        if lea:
            found.add(lea)
    return found


def map_staff_assignments(m: Mapping) -> None:
    districts = _districts(m)
    for r in m.extract.of("staffEducationOrganizationAssignmentAssociations"):
        d = r.data
        org = text(ref(d, "educationOrganizationReference").get("educationOrganizationId"))
        m.out.add(
            "staff_assignments",
            {
                "staff_id": staff_of(r),
                "school_id": None if org in districts else org,
                "staff_role": m.codes.resolve(
                    "xwalk_staff_roles", descriptor(d, "staffClassification")
                ),
                "begin_date": date(d.get("beginDate")),
                "end_date": date(d.get("endDate")),
            },
            r.where,
        )


def _cohort_key(reference: dict) -> tuple[str, str]:
    return (
        str(text(reference.get("cohortIdentifier"))),
        str(text(reference.get("educationOrganizationId"))),
    )


def _cohorts(m: Mapping) -> tuple[dict[tuple[str, str], str], set[tuple[str, str]]]:
    """(cohort, organisation) -> caseload type of the cohorts that are caseloads, and
    the keys of every cohort of the extract."""
    types = dict(m.settings.caseload_cohort_types)
    caseloads: dict[tuple[str, str], str] = {}
    every: set[tuple[str, str]] = set()
    for r in m.extract.of("cohorts"):
        org = ref(r.data, "educationOrganizationReference").get("educationOrganizationId")
        key = _cohort_key(
            {"cohortIdentifier": r.data.get("cohortIdentifier"), "educationOrganizationId": org}
        )
        every.add(key)
        caseload = types.get(str(code_value(descriptor(r.data, "cohortType"))))
        if caseload:
            caseloads[key] = caseload
    if len(every) > len(caseloads):
        m.out.notes.append(
            f"cohorts: {len(every) - len(caseloads):,} cohort(s) of types that are not "
            "caseloads not read (EdfiSettings.caseload_cohort_types)"
        )
    return caseloads, every


def _staff_spans(m: Mapping) -> dict[tuple[str, str], list[tuple[str | None, str, str]]]:
    spans: dict[tuple[str, str], list[tuple[str | None, str, str]]] = {}
    for r in m.extract.of("staffCohortAssociations"):
        key = _cohort_key(ref(r.data, "cohortReference"))
        begin, end = date(r.data.get("beginDate")), date(r.data.get("endDate"))
        spans.setdefault(key, []).append((staff_of(r), begin or "", end or OPEN))
    return spans


def map_caseloads(m: Mapping) -> None:
    caseloads, every = _cohorts(m)
    staff = _staff_spans(m)
    missing = unheld = 0
    for r in m.extract.of("studentCohortAssociations"):
        key = _cohort_key(ref(r.data, "cohortReference"))
        if key not in caseloads:
            missing += key not in every
            continue
        student = student_of(r)
        begin, end = date(r.data.get("beginDate")), date(r.data.get("endDate"))
        held = False
        for staff_id, staff_begin, staff_end in staff.get(key, []):
            first = max(begin, staff_begin) if begin else None
            last = min(end or OPEN, staff_end)
            if first is not None and last < first:
                continue  # the student was on the list while someone else held it
            held = True
            year = school_year_of(first)
            school = key[1] if key[1] in m.school_ids else m.school_of(student, first)
            if m.outside_k12(student, school, year):
                continue
            m.out.add(
                "staff_caseloads",
                {
                    "staff_id": staff_id,
                    "student_id": student,
                    "school_id": school,
                    "school_year": year,
                    "caseload_type": caseloads[key],
                    "begin_date": first,
                    "end_date": None if last == OPEN else last,
                },
                r.where,
            )
        unheld += not held
    if missing:
        m.out.notes.append(
            f"studentCohortAssociations: {missing:,} association(s) with a cohort that is "
            "not in the extract not read (its type is unknown)"
        )
    if unheld:
        m.out.notes.append(
            f"studentCohortAssociations: {unheld:,} association(s) with a caseload no staff "
            "member held over their dates (no StaffCohortAssociation) not read"
        )
