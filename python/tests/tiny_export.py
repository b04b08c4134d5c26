"""A tiny valid district export, written by hand: every contract table, a few rows each.

Two schools, six students, one school week of calendar (2023-09-04 to 2023-09-10,
Monday to Sunday) in school year 2024, and a row or more in every other table, each
consistent with the rules (inside an enrollment spell, on an instructional day, codes
from the seeds). Small on purpose: the fuzz test loads it, mutated, a thousand times.
Load it with ``AS_OF`` so that no date is in the future.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from k12ews import contract

AS_OF = dt.date(2024, 6, 30)

_WEEK = [dt.date(2023, 9, 4) + dt.timedelta(days=i) for i in range(7)]

ROWS: dict[str, list[list[str]]] = {
    "schools": [
        ["101", "North Elementary", "Elementary", "0", "5", "Springfield"],
        ["202", "South Middle", "Middle", "6", "8", ""],
    ],
    "students": [
        ["S001", "Ana", "Diaz", "2014-03-02", "F", "HI", "1 Elm St", "Springfield", "12345"],
        ["S002", "Ben", "Okafor", "2013-11-20", "M", "BL", "", "", ""],
        ["S003", "Chloé", "Martin", "2013-05-09", "F", "WH", "9 Oak Ave", "Springfield", ""],
        ["S004", "Dev", "Patel", "2011-07-30", "M", "AS", "", "Springfield", "12346"],
        ["S005", "Eve", "Nguyen", "2010-12-01", "F", "AS", "", "", ""],
        ["S006", "Finn", "O'Brien", "2010-02-14", "M", "TW", "77 Pine Rd", "", ""],
    ],
    "student_characteristics": [
        ["S001", "2024", "F", "true", "false", "false", "false", "false", "true", "spa"],
        ["S002", "2024", "N", "false", "true", "false", "false", "false", "", ""],
        ["S003", "2024", "R", "false", "false", "true", "false", "false", "false", "fra"],
        ["S004", "2024", "N", "false", "false", "false", "true", "false", "true", "guj"],
        ["S005", "2024", "F", "true", "false", "false", "false", "true", "", "vie"],
        ["S006", "2024", "N", "false", "false", "false", "false", "false", "true", "eng"],
    ],
    "enrollments": [
        ["S001", "101", "2024", "3", "2023-09-04", "", "INITIAL_ENTRY", ""],
        ["S002", "101", "2024", "4", "2023-09-04", "", "NEXT_YEAR", ""],
        ["S003", "101", "2024", "5", "2023-09-04", "2023-09-07", "NEXT_YEAR", "TRANSFER_STATE"],
        ["S004", "202", "2024", "6", "2023-09-04", "", "FEEDER", ""],
        ["S005", "202", "2024", "7", "2023-09-05", "", "TRANSFER_DISTRICT", ""],
        ["S006", "202", "2024", "8", "2023-09-04", "", "NEXT_YEAR", ""],
    ],
    "calendar_days": [
        [
            school,
            "2024",
            day.isoformat(),
            "true" if day.weekday() < 5 else "false",
            "instructional" if day.weekday() < 5 else "weekend",
            "1",
            "1",
        ]
        for school in ("101", "202")
        for day in _WEEK
    ],
    "attendance_events": [
        ["S001", "101", "2024", "2023-09-05", "EA", "1.0", "360"],
        ["S002", "101", "2024", "2023-09-06", "T", "0.05", "20"],
        ["S003", "101", "2024", "2023-09-07", "UA", "0.5", ""],
        ["S004", "202", "2024", "2023-09-04", "ED", "0.25", "90"],
        ["S005", "202", "2024", "2023-09-08", "UA", "1", "400"],
        ["S006", "202", "2024", "2023-09-05", "T", "0.0", "5"],
    ],
    "courses": [
        ["ELA-03", "Reading 3", "ELA", "true", "0", "Elementary", "3"],
        ["MATH-05", "Math 5", "Math", "true", "0", "Elementary", ""],
        ["SCI-07", "Life Science", "Science", "true", "1.0", "Middle", "7"],
        ["ART-MS", "Art, Middle School", "Fine Arts", "false", "0.5", "Middle", ""],
    ],
    "course_grades": [
        ["S001", "101", "ELA-03", "2024", "Q1", "3", "", "0", "0"],
        ["S003", "101", "MATH-05", "2024", "Q1", "B", "84.5", "0", "0"],
        ["S004", "202", "SCI-07", "2024", "S1", "A", "93", "1.0", "1.0"],
        ["S005", "202", "SCI-07", "2024", "S1", "F", "41", "1.0", "0"],
        ["S006", "202", "ART-MS", "2024", "S1", "C", "", "0.5", "0.5"],
    ],
    "discipline_incidents": [
        ["INC-1", "S004", "202", "2024", "2023-09-06", "DISRUPT", "DET", "0"],
        ["INC-2", "S006", "202", "2024", "2023-09-07", "FIGHT", "OSS", "2"],
        ["INC-2", "S005", "202", "2024", "2023-09-07", "FIGHT", "ISS", "1"],
    ],
    "assessments": [
        ["S001", "101", "MAP-R", "2024", "2023-09-06", "3", "ELA", "201", "3", "true"],
        ["S004", "202", "MAP-M", "2024", "2023-09-06", "6", "Math", "188", "2", "false"],
    ],
    "program_services": [
        ["S002", "101", "2024", "TUTOR", "2", "2023-09-05", ""],
        ["S005", "202", "2024", "ATTEND", "3", "2023-09-06", "2023-09-08"],
    ],
    "extracurricular_participation": [
        ["S004", "202", "2024", "Robotics", "Club"],
        ["S006", "202", "2024", "Soccer", "Athletics"],
    ],
    "parent_contacts": [
        ["S003", "101", "2024", "2023-09-06", "attendance", "phone"],
        ["S005", "202", "2024", "2023-09-08", "behavior", "meeting"],
    ],
    "staff": [
        ["E1", "Grace", "Hopper", "grace.hopper@district.example"],
        ["E2", "Alan", "", ""],
        ["E3", "", "", ""],
        ["E4", "Ada", "Lovelace", ""],
    ],
    "staff_assignments": [
        ["E1", "101", "principal", "2023-07-01", ""],
        ["E2", "202", "counsellor", "2023-07-01", ""],
        ["E3", "202", "teacher", "2023-07-01", "2023-09-06"],
        ["E4", "202", "teacher", "2023-09-07", ""],
        ["E4", "", "district_analyst", "2022-07-01", "2023-06-30"],
    ],
    "staff_caseloads": [
        ["E2", "S004", "202", "2024", "counselling", "2023-09-04", ""],
        ["E2", "S005", "202", "2024", "counselling", "2023-09-05", ""],
    ],
    "sections": [
        ["202-2024-SCI-07-01", "202", "2024", "SCI-07"],
        ["202-2024-ART-MS-01", "202", "2024", "ART-MS"],
    ],
    "section_staff": [
        ["202-2024-SCI-07-01", "E3", "2023-09-04", "2023-09-06"],
        ["202-2024-SCI-07-01", "E4", "2023-09-07", ""],
        ["202-2024-ART-MS-01", "E4", "2023-09-07", ""],
    ],
    "section_enrollments": [
        ["202-2024-SCI-07-01", "S004", "202", "2024", "2023-09-04", ""],
        ["202-2024-SCI-07-01", "S005", "202", "2024", "2023-09-05", ""],
        ["202-2024-ART-MS-01", "S006", "202", "2024", "2023-09-04", "2023-09-08"],
    ],
    # the success-metric tables (#14); the middle-school students stand in for the high
    # school's (the loader checks an enrollment that year, not the grade)
    "sel_screener_results": [
        [
            "S001",
            "101",
            "2024",
            "2023-09-06",
            "3",
            "fall",
            "teacher",
            "52",
            "47",
            "55",
            "50",
            "",
            "51",
        ],
        [
            "S005",
            "202",
            "2024",
            "2023-09-07",
            "7",
            "fall",
            "self",
            "38",
            "41",
            "44",
            "36",
            "40",
            "39",
        ],
    ],
    "climate_survey_responses": [
        ["S002", "101", "2024", "2023-09-07", "4", "4.2", "3.8", "4.6", "15"],
        ["S006", "202", "2024", "2023-09-08", "8", "2.4", "", "3.0", "9"],
    ],
    "math_interim_assessments": [
        [
            "S003",
            "101",
            "2024",
            "2023-09-05",
            "5",
            "fall",
            "overall",
            "214",
            "3.1",
            "55",
            "",
            "",
            "",
        ],
        [
            "S004",
            "202",
            "2024",
            "2023-09-05",
            "6",
            "fall",
            "geometry",
            "209",
            "6.5",
            "31",
            "",
            "",
            "",
        ],
    ],
    "advanced_coursework": [
        ["S006", "202", "2024", "AP", "AP Calculus AB", "4", "true"],
        ["S005", "202", "2024", "DE", "ENG 101 College Composition", "", "false"],
    ],
    "college_readiness_exams": [
        ["S006", "202", "2024", "2023-09-09", "8", "SAT", "520", "510", "1030", "true", "false"],
    ],
    "cte_participation": [
        ["S004", "202", "2024", "Health Science", "1.0", "false"],
    ],
    "fafsa_completions": [
        ["S006", "202", "2024", "2023-10-02", "2023-10-20"],
    ],
    "postsecondary_enrollments": [
        [
            "S005",
            "202",
            "2023",
            "C0101",
            "City Community College",
            "2-year",
            "public",
            "2023-08-25",
            "2023-12-15",
            "H",
        ],
    ],
}


def table_rows(name: str) -> list[list[str]]:
    """The header and rows of table ``name`` (copies: change them freely)."""
    return [list(contract.table(name).column_names)] + [list(r) for r in ROWS[name]]


def csv_bytes(rows: list[list[str]]) -> bytes:
    """Rows as a contract CSV file: UTF-8, comma-delimited, quoted where needed, LF."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def files() -> dict[str, bytes]:
    """File name -> content of the whole export."""
    return {f"{t.name}.csv": csv_bytes(table_rows(t.name)) for t in contract.TABLES}


def _check_widths() -> None:
    for t in contract.TABLES:
        for row in ROWS[t.name]:
            assert len(row) == len(t.columns), (t.name, row)


_check_widths()
