"""The Ed-Fi cases of the bad-input battery, and the forms an extract arrives in.

A tiny generated district written as Ed-Fi resources (``export_edfi``) is changed the
way an Ed-Fi extract differs from it, then loaded with ``load_edfi``: a missing optional
descriptor loads as unknown; two events on a day both load and one stands for the day;
credits on an F load as 0; an unknown descriptor URI is rejected at its record, naming
the seed to edit; the Data Standard's own default descriptors need no new rows; section
attendance becomes daily by the stated rule; a file that is not JSON fails naming its
line; and a few elements of Ed-Fi's sample district in interchange XML load.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from k12ews import warehouse
from k12ews.edfi.export import export_edfi
from k12ews.edfi.load import load_edfi
from k12ews.load import LoadError
from k12ews.synth.district import GenerateConfig, generate

REPO = Path(__file__).resolve().parents[3]
TINY = GenerateConfig(students=300, years=2, first_year=2023, seed=5)
SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "edfi_interchange"
EDFI = "uri://ed-fi.org"


@pytest.fixture(scope="module")
def clean_extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("edfi_tiny")
    district = generate(TINY)
    with warehouse.connect(work / "gen.duckdb") as con:
        warehouse.write_raw_and_truth(con, district.raw, district.truth)
    export_edfi(work / "gen.duckdb", work / "extract", REPO / "seeds")
    return work / "extract"


@pytest.fixture
def extract(clean_extract: Path, tmp_path: Path) -> Path:
    shutil.copytree(clean_extract, tmp_path / "extract")
    return tmp_path / "extract"


def records(folder: Path, resource: str) -> list[dict[str, Any]]:
    return json.loads((folder / f"{resource}.json").read_text(encoding="utf-8"))


def write(folder: Path, resource: str, rows: list[dict[str, Any]]) -> None:
    (folder / f"{resource}.json").write_text(json.dumps(rows), encoding="utf-8")


def load(folder: Path, mode: str = "strict", **kwargs: Any):  # type: ignore[no-untyped-def]
    db = folder.parent / "d.duckdb"
    return load_edfi(folder, db, mode=mode, project_dir=REPO, **kwargs), db  # type: ignore[arg-type]


def query(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_a_missing_optional_descriptor_loads_as_unknown(extract: Path) -> None:
    seoa = records(extract, "studentEducationOrganizationAssociations")
    student = seoa[0]["studentReference"]["studentUniqueId"]
    for key in ("sexDescriptor", "races", "hispanicLatinoEthnicity"):
        seoa[0].pop(key, None)
    write(extract, "studentEducationOrganizationAssociations", seoa)
    ssa = records(extract, "studentSchoolAssociations")
    entered = next(s for s in ssa if "entryTypeDescriptor" in s)
    entered.pop("entryTypeDescriptor")
    write(extract, "studentSchoolAssociations", ssa)
    events = records(extract, "studentSchoolAttendanceEvents")
    events[0].pop("eventDuration")
    write(extract, "studentSchoolAttendanceEvents", events)
    result, db = load(extract)  # strict: nothing is rejected
    assert result.rows_rejected == 0
    assert query(
        db, "select sex, race_ethnicity from raw.students where student_id = ?", [student]
    ) == [(None, None)]
    assert query(db, "select count(*) from raw.enrollments where entry_type is null") == [(1,)]
    assert query(db, "select count(*) from raw.attendance_events where event_duration is null") == [
        (1,)
    ]


def test_two_events_on_a_day_both_load_and_one_stands_for_the_day(extract: Path) -> None:
    events = records(extract, "studentSchoolAttendanceEvents")
    whole = next(
        e
        for e in events
        if e["attendanceEventCategoryDescriptor"].endswith("#EA") and e["eventDuration"] == 1
    )
    partial = {
        **{k: v for k, v in whole.items() if k not in ("eventDuration", "_ext")},
        "attendanceEventCategoryDescriptor": f"{EDFI}/AttendanceEventCategoryDescriptor#Partial",
    }
    write(extract, "studentSchoolAttendanceEvents", [*events, partial])
    result, db = load(extract)
    assert result.rows_rejected == 0
    day = [whole["studentReference"]["studentUniqueId"], whole["eventDate"]]
    assert query(
        db,
        "select event_type from raw.attendance_events where student_id = ? and event_date = ? "
        "order by 1",
        day,
    ) == [("EA",), (f"{EDFI}/AttendanceEventCategoryDescriptor#Partial",)]
    recorded = query(
        db,
        "select s.source, a.new_value from audit.raw_adjustments as a "
        "join audit.raw_line_sources as s on s.table_name = a.table_name and s.line = a.line "
        "where a.rule = 'attendance_daily_precedence'",
    )
    assert recorded == [(f"studentSchoolAttendanceEvents.json record {len(events) + 1}", "EA")]


def test_credits_on_an_f_load_as_zero_and_are_recorded(extract: Path) -> None:
    transcripts = records(extract, "courseTranscripts")
    i, failed = next(
        (i, t)
        for i, t in enumerate(transcripts)
        if t.get("finalLetterGradeEarned") == "F" and t.get("attemptedCredits")
    )
    failed["earnedCredits"] = failed["attemptedCredits"]
    write(extract, "courseTranscripts", transcripts)
    result, db = load(extract)
    assert result.rows_rejected == 0
    ref = failed["studentAcademicRecordReference"]
    assert query(
        db,
        "select letter_grade, credits_earned from raw.course_grades where student_id = ? "
        "and course_code = ? and school_year = ? and term = ?",
        [
            ref["studentUniqueId"],
            failed["courseReference"]["courseCode"],
            ref["schoolYear"],
            ref["termDescriptor"].rsplit("#", 1)[1],
        ],
    ) == [("F", 0.0)]
    assert query(
        db,
        "select old_value, new_value from audit.raw_adjustments "
        "where rule = 'credits_on_failing_mark'",
    ) == [(str(float(failed["attemptedCredits"])), "0.0")]
    assert i >= 0


def test_an_unknown_descriptor_uri_is_rejected_at_its_record(extract: Path) -> None:
    events = records(extract, "studentSchoolAttendanceEvents")
    unknown = f"{EDFI}/AttendanceEventCategoryDescriptor#Absent"
    events[4]["attendanceEventCategoryDescriptor"] = unknown
    write(extract, "studentSchoolAttendanceEvents", events)
    with pytest.raises(LoadError) as strict:
        load(extract)
    p = next(p for p in strict.value.problems if p.rule == "unknown_code")
    assert (p.file, p.column, p.value) == (
        "studentSchoolAttendanceEvents.json record 5",
        "event_type",
        unknown,
    )
    assert "seeds/xwalk_attendance_events.csv" in p.message
    assert "studentSchoolAttendanceEvents.json record 5" in str(strict.value)
    result, db = load(extract, mode="quarantine")
    assert result.rows_rejected == 1
    assert query(
        db,
        "select s.source, r.rule, r.value from audit.raw_rejects as r join audit.raw_line_sources "
        "as s on s.table_name = r.table_name and s.line = r.line",
    ) == [("studentSchoolAttendanceEvents.json record 5", "unknown_code", unknown)]


def test_malformed_values_are_rejected_at_their_record_never_a_crash(extract: Path) -> None:
    actions = records(extract, "disciplineActions")
    actions[0]["actualDisciplineActionLength"] = ["two"]  # not a number
    actions[1]["studentDisciplineIncidentBehaviorAssociations"].append(7)  # not a reference
    write(extract, "disciplineActions", actions)
    with pytest.raises(LoadError) as strict:  # before: TypeError, AttributeError
        load(extract)
    (p,) = strict.value.problems
    assert (p.rule, p.column, p.value) == ("type", "days_removed", "['two']")
    assert p.file.startswith("studentDisciplineIncidentBehaviorAssociations.json record ")
    result, _ = load(extract, mode="quarantine")
    assert result.rows_rejected == 1


def test_an_unknown_grade_descriptor_is_rejected_naming_its_seed(extract: Path) -> None:
    ssa = records(extract, "studentSchoolAssociations")
    ssa[2]["entryGradeLevelDescriptor"] = "uri://district.example/GradeLevelDescriptor#Grade 14"
    write(extract, "studentSchoolAssociations", ssa)
    with pytest.raises(LoadError) as strict:
        load(extract)
    p = next(
        p for p in strict.value.problems if p.file == "studentSchoolAssociations.json record 3"
    )
    assert (p.rule, p.column) == ("unknown_code", "grade_level")
    assert "xwalk_grade_level_descriptors" in p.message


def _in_contract_files(folder: Path) -> set[str]:
    """Students with rows in the contract files beside the extract (copied as sent)."""
    found: set[str] = set()
    for path in folder.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as f:
            found |= {r["student_id"] for r in csv.DictReader(f) if "student_id" in r}
    return found


def test_a_pre_kindergarten_spell_is_left_out_with_its_records(extract: Path) -> None:
    """Its Ed-Fi records are left out with it. (Rows of the contract files beside the
    extract are copied as sent: one of a left-out spell is rejected as outside_enrollment,
    docs/edfi.md; this test takes a student with none.)"""
    ssa = records(extract, "studentSchoolAssociations")
    beside = _in_contract_files(extract)
    i = next(k for k, a in enumerate(ssa) if a["studentReference"]["studentUniqueId"] not in beside)
    ssa[i]["entryGradeLevelDescriptor"] = f"{EDFI}/GradeLevelDescriptor#Prekindergarten"
    write(extract, "studentSchoolAssociations", ssa)
    student = ssa[i]["studentReference"]["studentUniqueId"]
    year = ssa[i]["schoolYearTypeReference"]["schoolYear"]
    result, db = load(extract)  # strict: its attendance, marks, caseloads and sections
    assert result.rows_rejected == 0  # are left out with it
    assert any("Prekindergarten left out" in n for n in result.notes)
    for table in ("enrollments", "staff_caseloads", "section_enrollments"):
        assert query(
            db,
            f"select count(*) from raw.{table} where student_id = ? and school_year = ?",
            [student, year],
        ) == [(0,)], table


def test_the_standards_default_descriptors_need_no_new_rows(extract: Path) -> None:
    defaults = {
        "studentEducationOrganizationAssociations": (
            "sexDescriptor",
            f"{EDFI}/SexDescriptor#Female",
        ),
        "studentSchoolAttendanceEvents": (
            "attendanceEventCategoryDescriptor",
            f"{EDFI}/AttendanceEventCategoryDescriptor#Unexcused Absence",
        ),
        "studentSchoolAssociations": (
            "entryTypeDescriptor",
            f"{EDFI}/EntryTypeDescriptor#Transfer",
        ),
        "courses": ("academicSubjectDescriptor", f"{EDFI}/AcademicSubjectDescriptor#Reading"),
    }
    for resource, (key, value) in defaults.items():
        rows = records(extract, resource)
        for r in rows:
            if key in r:
                r[key] = value
        write(extract, resource, rows)
    result, db = load(extract)
    assert result.rows_rejected == 0
    assert query(db, "select distinct subject from raw.courses") == [
        (f"{EDFI}/AcademicSubjectDescriptor#Reading",)
    ]


def test_section_attendance_becomes_daily_by_the_stated_rule(extract: Path) -> None:
    ssa = records(extract, "studentSchoolAssociations")
    spell = next(s for s in ssa if "exitWithdrawDate" in s)
    student, school = (
        spell["studentReference"]["studentUniqueId"],
        spell["schoolReference"]["schoolId"],
    )
    year = spell["schoolYearTypeReference"]["schoolYear"]
    school_events = {
        e["eventDate"]
        for e in records(extract, "studentSchoolAttendanceEvents")
        if e["studentReference"]["studentUniqueId"] == student
    }
    days = sorted(
        d["date"]
        for d in records(extract, "calendarDates")
        if d["calendarReference"]["schoolId"] == school
        and d["calendarEvents"][0]["calendarEventDescriptor"].endswith("#instructional")
        and spell["entryDate"] <= d["date"] <= spell["exitWithdrawDate"]
        and d["date"] not in school_events
    )
    half, whole = days[0], days[1]
    # an extract with section attendance but no Sections: the associations serve the
    # attendance rule alone (no section tables are read; test_edfi_staff)
    (extract / "sections.json").unlink()

    def section(n: int) -> dict[str, Any]:
        return {
            "sectionIdentifier": f"S{n}",
            "localCourseCode": f"C{n}",
            "schoolId": school,
            "schoolYear": year,
            "sessionName": f"{year} S1",
        }

    write(
        extract,
        "studentSectionAssociations",
        [
            {
                "sectionReference": section(n),
                "studentReference": {"studentUniqueId": student},
                "beginDate": spell["entryDate"],
            }
            for n in (1, 2)
        ],
    )
    absent = f"{EDFI}/AttendanceEventCategoryDescriptor#Unexcused Absence"
    write(
        extract,
        "studentSectionAttendanceEvents",
        [
            {
                "sectionReference": section(n),
                "studentReference": {"studentUniqueId": student},
                "eventDate": day,
                "attendanceEventCategoryDescriptor": absent,
            }
            for n, day in ((1, half), (1, whole), (2, whole))
        ],
    )
    result, db = load(extract)
    assert result.rows_rejected == 0
    assert query(
        db,
        "select event_date, event_duration from raw.attendance_events where student_id = ? "
        "and event_type = ? order by 1",
        [student, absent],
    ) == [(dt.date.fromisoformat(half), 0.5), (dt.date.fromisoformat(whole), 1.0)]


def test_a_file_that_is_not_json_fails_naming_its_line(extract: Path) -> None:
    path = extract / "students.json"
    path.write_text(
        path.read_text(encoding="utf-8").replace("},{", "},\n{oops", 1), encoding="utf-8"
    )
    with pytest.raises(LoadError) as error:
        load(extract)
    p = error.value.problems[0]
    assert (p.file, p.line, p.rule) == ("students.json", 2, "edfi_syntax")


def test_interchange_xml_of_the_sample_district_loads(tmp_path: Path) -> None:
    db = tmp_path / "sample.duckdb"
    result = load_edfi(SAMPLE, db, as_of=dt.date(2022, 7, 1), project_dir=REPO)
    assert result.rows_rejected == 0
    assert query(db, "select school_id, low_grade, high_grade, city from raw.schools") == [
        (255901107, 1, 5, "Grand Bend")
    ]
    assert query(db, "select student_id, race_ethnicity from raw.students order by 1") == [
        ("604822", f"{EDFI}/RaceDescriptor#White"),
        ("604823", "TW"),  # two races
    ]
    assert query(db, "select count(*), count(distinct event_date) from raw.attendance_events") == [
        (4, 3)
    ]
    # the sample's excused absence and partial day on 2021-12-15: the whole day stands
    assert query(
        db,
        "select s.source, a.old_value, a.new_value from audit.raw_adjustments as a join "
        "audit.raw_line_sources as s on s.table_name = a.table_name and s.line = a.line",
    ) == [
        (
            "StudentSchoolAttendance.xml line 61",
            f"{EDFI}/AttendanceEventCategoryDescriptor#Partial",
            f"{EDFI}/AttendanceEventCategoryDescriptor#Excused Absence",
        )
    ]


def test_a_cte_association_without_the_extension_loads_its_credits_as_unknown(
    extract: Path,
) -> None:
    """StudentCTEProgramAssociation: the area is the primary program's career pathway
    (else the program's name); Ed-Fi has no field for credits or concentrator status."""
    cte = records(extract, "studentCTEProgramAssociations")
    assert cte, "the tiny district has CTE participation"
    bare = cte[0]
    student = bare["studentReference"]["studentUniqueId"]
    area = bare["programReference"]["programName"]
    bare.pop("_ext")
    bare.pop("ctePrograms")
    write(extract, "studentCTEProgramAssociations", cte)
    result, db = load(extract)
    assert result.rows_rejected == 0
    assert query(
        db,
        "select credits_earned, is_concentrator from raw.cte_participation "
        "where student_id = ? and program_area = ?",
        [student, area],
    ) == [(None, None)]
    assert query(db, "select count(*) from raw.cte_participation") == [(len(cte),)]
