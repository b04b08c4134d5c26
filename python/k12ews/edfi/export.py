"""``k12ews export --format edfi-json DIR``: a warehouse's raw tables as Ed-Fi resources.

One ``<resource>.json`` file per ODS/API resource (a JSON array), as an extract tool
pulls them, targeting Data Standard v5: the test bed of ``k12ews load --edfi``, which
gives the same raw tables back (docs/edfi.md). The district's codes are written as
descriptors of its own namespace (``uri://district.k12ews/<Descriptor>#<code>``);
grade levels use the standard's default values; the yearly characteristics become
program associations spanning their school year, the MTSS tier and the minutes missed
the k12ews extension (``_ext.k12ews``). The tables Ed-Fi has no resource for (parent
contacts, extracurricular participation) are written beside them as contract CSV files,
and so are the success-metric tables (#14) whose resources are not mapped yet (CTE is:
``export_success``; the others' resources are named in docs/edfi.md). The staff tables are
Staff, assignment, Cohort and Section resources (``export_staff``).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from k12ews import contract, warehouse
from k12ews.contract_success import SUCCESS_TABLES
from k12ews.edfi import export_academics as academics
from k12ews.edfi import export_people as people
from k12ews.edfi import export_staff as staff
from k12ews.edfi import export_success as success
from k12ews.export import check_raw_schema, write_query

CONTRACT_FILES: tuple[str, ...] = (
    "extracurricular_participation",
    "parent_contacts",
    *(t.name for t in SUCCESS_TABLES if t.name != "cte_participation"),
)


def _rows(con: Any, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _seed_codes(seeds_dir: Path, column: str) -> set[str]:
    with (seeds_dir / "xwalk_letter_grades.csv").open(encoding="utf-8", newline="") as f:
        return {r["letter_grade"] for r in csv.DictReader(f) if r[column].lower() == "true"}


def _grade_descriptors(seeds_dir: Path) -> dict[int, str]:
    """Grade (K = 0) -> the standard's GradeLevelDescriptor URI naming it."""
    out: dict[int, str] = {}
    with (seeds_dir / "xwalk_grade_level_descriptors.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            code = r["grade_level_descriptor"]
            if r["grade_level"] and code.startswith("uri://ed-fi.org/"):
                out.setdefault(int(r["grade_level"]), code)
    return out


def _staff(rows: Any, district: int, sessions: staff.Sessions, out: people.Out) -> None:
    """The staff tables (after the courses: a section's course offering may be new)."""
    raw = warehouse.RAW
    staff.staff(rows(f"select * from {raw}.staff order by staff_id"), out)
    staff.assignments(
        rows(f"select * from {raw}.staff_assignments order by staff_id, begin_date, school_id"),
        district,
        out,
    )
    staff.caseloads(
        rows(f"select * from {raw}.staff_caseloads order by staff_id, student_id, begin_date"),
        out,
    )
    references = staff.sections(
        rows(f"select * from {raw}.sections order by section_id"), sessions, out
    )
    staff.section_staff(
        rows(f"select * from {raw}.section_staff order by section_id, staff_id, begin_date"),
        references,
        out,
    )
    staff.section_enrollments(
        rows(
            f"select * from {raw}.section_enrollments order by section_id, student_id, begin_date"
        ),
        references,
        out,
    )


def export_edfi(db_path: Path, out_dir: Path, seeds_dir: Path) -> dict[str, int]:
    """Write ``db_path``'s raw tables as Ed-Fi resources to ``out_dir``; return the
    records written per file."""
    if not Path(db_path).is_file():
        raise ValueError(f"no database at {db_path}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    grades = _grade_descriptors(seeds_dir)
    out: people.Out = {}
    raw = warehouse.RAW
    with warehouse.connect(db_path, read_only=True) as con:
        check_raw_schema(con, db_path)

        def rows(sql: str) -> list[dict[str, Any]]:
            return _rows(con, sql)

        schools = rows(f"select * from {raw}.schools order by school_id")
        lea = people.lea(schools[0]["school_id"]) if schools else 0
        people.schools(schools, grades, out)
        languages = {
            r["student_id"]: r["home_language"]
            for r in rows(
                f"select student_id, max(home_language) as home_language from "
                f"{raw}.student_characteristics where home_language is not null group by 1"
            )
        }
        internet: dict[str, list[tuple[int, bool]]] = {}
        for r in rows(
            f"select student_id, school_year, has_home_internet from {raw}.student_characteristics "
            "where has_home_internet is not null order by student_id, school_year"
        ):
            internet.setdefault(r["student_id"], []).append(
                (r["school_year"], r["has_home_internet"])
            )
        people.students(
            rows(f"select *, {lea} as lea from {raw}.students order by student_id"),
            languages,
            internet,
            out,
        )
        people.enrollments(
            rows(f"select * from {raw}.enrollments order by student_id, entry_date, school_id"),
            grades,
            out,
        )
        sessions = people.calendars(
            rows(f"select * from {raw}.calendar_days order by school_id, calendar_date"), out
        )
        people.attendance(
            rows(f"select * from {raw}.attendance_events order by student_id, event_date"), out
        )
        marks = rows(
            f"select * from {raw}.course_grades order by student_id, school_year, course_code, term"
        )
        academics.courses(
            rows(f"select * from {raw}.courses order by course_code"),
            schools,
            marks,
            grades,
            sessions,
            out,
        )
        academics.marks(
            marks, _seed_codes(seeds_dir, "is_failing"), _seed_codes(seeds_dir, "is_passing"), out
        )
        academics.discipline(
            rows(f"select * from {raw}.discipline_incidents order by incident_id, student_id"), out
        )
        academics.assessments(
            rows(f"select * from {raw}.assessments order by student_id, assessment_id"), grades, out
        )
        people.programs(
            rows(f"select * from {raw}.program_services order by student_id, start_date, service"),
            rows(
                f"select *, {lea} as lea from {raw}.student_characteristics "
                "order by student_id, school_year"
            ),
            out,
        )
        success.cte(
            rows(
                f"select * from {raw}.cte_participation "
                "order by student_id, school_year, program_area"
            ),
            out,
        )
        _staff(rows, lea, sessions, out)
        written: dict[str, int] = {}
        for table in CONTRACT_FILES:
            cols = ", ".join(f'"{c}"' for c in contract.table(table).column_names)
            write_query(con, f'select {cols} from {raw}."{table}"', out_dir / f"{table}.csv", "csv")
            written[f"{table}.csv"] = len(rows(f'select 1 from {raw}."{table}"'))
    for resource, records in sorted(out.items()):
        with (out_dir / f"{resource}.json").open("w", encoding="utf-8") as f:
            json.dump(records, f, ensure_ascii=False, separators=(",", ":"))
        written[f"{resource}.json"] = len(records)
    return written
