"""Read an Ed-Fi extract into contract files: the first step of ``k12ews load --edfi``.

The extract's files are read (:mod:`k12ews.edfi.source`), mapped table by table
(:mod:`k12ews.edfi.mapping`) and written as contract CSV files with a sources file
naming each line's Ed-Fi record (:mod:`k12ews.edfi.tables`). A table none of whose
resources is in the extract is not written (it is absent: its indicators are unknown);
the contract files for tables Ed-Fi has no resource for are copied as they are.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from k12ews import contract
from k12ews.edfi.codes import Codes
from k12ews.edfi.mapping.assessments import map_assessments
from k12ews.edfi.mapping.attendance import map_school_attendance, map_section_attendance
from k12ews.edfi.mapping.calendar import map_calendar
from k12ews.edfi.mapping.context import Mapping
from k12ews.edfi.mapping.cte import map_cte
from k12ews.edfi.mapping.discipline import map_discipline
from k12ews.edfi.mapping.grades import map_course_grades, map_courses
from k12ews.edfi.mapping.people import map_enrollments, map_schools, map_students
from k12ews.edfi.mapping.programs import PROGRAM_RESOURCES, map_programs
from k12ews.edfi.mapping.sections import (
    map_section_enrollments,
    map_section_staff,
    map_sections,
)
from k12ews.edfi.mapping.staff import map_caseloads, map_staff, map_staff_assignments
from k12ews.edfi.settings import EdfiSettings
from k12ews.edfi.source import Extract, SourceProblem, read_folder
from k12ews.edfi.tables import SOURCES_FILE, Tables

# contract table -> the Ed-Fi resources it is read from (any one present writes it)
TABLE_RESOURCES: dict[str, tuple[str, ...]] = {
    "schools": ("schools",),
    "students": ("students",),
    "enrollments": ("studentSchoolAssociations",),
    "student_characteristics": (*PROGRAM_RESOURCES, "studentEducationOrganizationAssociations"),
    "calendar_days": ("calendarDates",),
    "attendance_events": ("studentSchoolAttendanceEvents", "studentSectionAttendanceEvents"),
    "courses": ("courses",),
    "course_grades": ("grades", "courseTranscripts"),
    "discipline_incidents": ("studentDisciplineIncidentBehaviorAssociations",),
    "assessments": ("studentAssessments",),
    "program_services": PROGRAM_RESOURCES,
    "cte_participation": ("studentCTEProgramAssociations",),
    "staff": ("staffs",),
    "staff_assignments": ("staffEducationOrganizationAssignmentAssociations",),
    "staff_caseloads": ("staffCohortAssociations",),
    "sections": ("sections",),
    "section_staff": ("staffSectionAssociations",),
    "section_enrollments": ("studentSectionAssociations",),
}
# a table read only when the extract also has this resource (studentSectionAssociations
# alone serve section attendance: k12ews.edfi.mapping.sections)
TABLE_NEEDS: dict[str, str] = {"section_staff": "sections", "section_enrollments": "sections"}


def _reads(extract: Extract, table: str) -> bool:
    """Whether ``table`` is read from the extract's resources."""
    needs = TABLE_NEEDS.get(table)
    if needs is not None and not extract.has(needs):
        return False
    return any(extract.has(r) for r in TABLE_RESOURCES.get(table, ()))


@dataclass
class ReadResult:
    tables: Tables
    written: list[str]  # contract tables written from Ed-Fi
    copied: list[str]  # contract files copied as they are
    files: dict[str, int]  # Ed-Fi file -> records read
    notes: list[str] = field(default_factory=list)


def read_extract(
    folder: Path, out: Path, seeds_dir: Path, settings: EdfiSettings | None = None
) -> ReadResult:
    """Read the Ed-Fi extract in ``folder`` and write contract files to ``out``."""
    extract = read_folder(Path(folder))
    both = sorted(t for t in extract.contract_files if _reads(extract, t))
    if both:
        raise SourceProblem(
            extract.contract_files[both[0]].name,
            None,
            f"{both[0]} is sent both as Ed-Fi resources and as a contract file: send one",
            rule="duplicate_file",
        )
    m = Mapping(extract, Codes(Path(seeds_dir)), settings or EdfiSettings())
    map_schools(m)
    map_students(m)
    map_enrollments(m)
    map_calendar(m)
    map_section_attendance(m, map_school_attendance(m))
    map_courses(m)
    map_course_grades(m)
    map_discipline(m)
    map_assessments(m)
    map_programs(m)
    map_cte(m)
    map_staff(m)
    map_staff_assignments(m)
    map_caseloads(m)
    map_sections(m)
    map_section_staff(m)
    map_section_enrollments(m)
    written = [t.name for t in contract.TABLES if _reads(extract, t.name)]
    m.out.write(Path(out), written)
    copied = []
    for table, path in sorted(extract.contract_files.items()):
        shutil.copy(path, Path(out) / path.name)
        copied.append(table)
    notes = [f"Ed-Fi files read: {', '.join(f'{f} ({n:,})' for f, n in extract.files.items())}"]
    notes += [f"{t}: read from the contract file beside the extract" for t in copied]
    return ReadResult(m.out, written, copied, extract.files, notes + extract.notes + m.out.notes)


__all__ = ["SOURCES_FILE", "ReadResult", "SourceProblem", "read_extract"]
