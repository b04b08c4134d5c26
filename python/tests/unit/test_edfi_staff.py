"""The staff tables read from Ed-Fi (k12ews.edfi.mapping.staff, .sections): a tiny
generated district written as Ed-Fi resources gives its six staff tables back, each line
naming its record; the caseload and district-wide rules hold; bad input (an unknown
staff classification, an association with a section the extract lacks, an assignment to
an organisation that is neither a school nor the district) is rejected at its record,
never a traceback; StudentSectionAssociations without Sections serve section attendance
alone, as before."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from test_edfi_load import EDFI, load, query, records, write

from k12ews import warehouse
from k12ews.edfi.export import export_edfi
from k12ews.load import LoadError
from k12ews.synth.district import GenerateConfig, generate

REPO = Path(__file__).resolve().parents[3]
TINY = GenerateConfig(students=300, years=2, first_year=2023, seed=5)
STAFF_TABLES = (
    "staff",
    "staff_assignments",
    "staff_caseloads",
    "sections",
    "section_staff",
    "section_enrollments",
)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    work = tmp_path_factory.mktemp("edfi_staff")
    district = generate(TINY)
    with warehouse.connect(work / "gen.duckdb") as con:
        warehouse.write_raw_and_truth(con, district.raw, district.truth)
    export_edfi(work / "gen.duckdb", work / "extract", REPO / "seeds")
    return work / "gen.duckdb", work / "extract"


@pytest.fixture
def extract(generated: tuple[Path, Path], tmp_path: Path) -> Path:
    shutil.copytree(generated[1], tmp_path / "extract")
    return tmp_path / "extract"


def _table(db: Path, table: str) -> list[tuple[Any, ...]]:
    return sorted(query(db, f"select * from raw.{table}"), key=repr)


def test_the_staff_tables_come_back_from_ed_fi_resources(
    generated: tuple[Path, Path], extract: Path
) -> None:
    assert not any((extract / f"{t}.csv").exists() for t in STAFF_TABLES)
    result, db = load(extract)
    assert result.rows_rejected == 0
    for table in STAFF_TABLES:
        rows = _table(generated[0], table)
        assert rows, f"the tiny district has {table}"
        assert _table(db, table) == rows, table
    assert query(
        db,
        "select table_name, source from audit.raw_line_sources where line = 2 "
        "and table_name in ('staff', 'staff_caseloads', 'section_enrollments') order by 1",
    ) == [
        ("section_enrollments", "studentSectionAssociations.json record 1"),
        ("staff", "staffs.json record 1"),
        ("staff_caseloads", "studentCohortAssociations.json record 1"),
    ]
    assert query(db, "select count(*) from raw.staff_assignments where school_id is null") != [
        (0,)
    ], "a district-wide assignment is written to the district and read back as one"


def test_an_unknown_staff_classification_is_rejected_naming_the_seed(extract: Path) -> None:
    assignments = records(extract, "staffEducationOrganizationAssignmentAssociations")
    unknown = f"{EDFI}/StaffClassificationDescriptor#School Counselor"  # not in the seed
    assignments[3]["staffClassificationDescriptor"] = unknown
    write(extract, "staffEducationOrganizationAssignmentAssociations", assignments)
    with pytest.raises(LoadError) as strict:
        load(extract)
    (p,) = strict.value.problems
    assert (p.file, p.column, p.value, p.rule) == (
        "staffEducationOrganizationAssignmentAssociations.json record 4",
        "staff_role",
        unknown,
        "unknown_code",
    )
    assert "seeds/xwalk_staff_roles.csv" in p.message
    result, _ = load(extract, mode="quarantine")
    assert result.rows_rejected == 1


def test_a_section_association_whose_section_is_not_in_the_extract_is_rejected(
    extract: Path,
) -> None:
    enrolled = records(extract, "studentSectionAssociations")
    enrolled[5]["sectionReference"]["sectionIdentifier"] = "NO-SUCH-SECTION"
    write(extract, "studentSectionAssociations", enrolled)
    with pytest.raises(LoadError) as strict:
        load(extract)
    (p,) = strict.value.problems
    assert (p.file, p.column, p.value, p.rule) == (
        "studentSectionAssociations.json record 6",
        "section_id",
        "NO-SUCH-SECTION",
        "orphan_reference",
    )
    assert "no such section_id in sections" in p.message


def test_an_assignment_to_an_unknown_organisation_grants_nothing(extract: Path) -> None:
    """Only the district itself makes an assignment district-wide: any other id stays a
    school id, and a school that does not exist is rejected."""
    assignments = records(extract, "staffEducationOrganizationAssignmentAssociations")
    school = next(
        a
        for a in assignments
        if a["educationOrganizationReference"]["educationOrganizationId"] > 10**6
    )
    school["educationOrganizationReference"]["educationOrganizationId"] = 999
    write(extract, "staffEducationOrganizationAssignmentAssociations", assignments)
    with pytest.raises(LoadError) as strict:
        load(extract)
    (p,) = strict.value.problems
    assert (p.column, p.value, p.rule) == ("school_id", "999", "orphan_reference")
    assert p.file.startswith("staffEducationOrganizationAssignmentAssociations.json record ")


def test_a_cohort_is_a_caseload_by_its_type(extract: Path) -> None:
    """The standard's Counselor List in any namespace is a counselling caseload; a
    cohort of another type (an extracurricular activity) is not a caseload; a student
    association of a cohort the extract lacks is not read; all are counted in notes."""
    cohorts = records(extract, "cohorts")
    counsel = [c for c in cohorts if c["cohortTypeDescriptor"].endswith("#Counselor List")]
    assert counsel and len(counsel) < len(cohorts)
    counsel[0]["cohortTypeDescriptor"] = (
        "uri://district.example/CohortTypeDescriptor#Counselor List"
    )
    club = counsel[1]
    club["cohortTypeDescriptor"] = f"{EDFI}/CohortTypeDescriptor#Extracurricular Activity"
    write(extract, "cohorts", cohorts)
    members = records(extract, "studentCohortAssociations")
    in_club = sum(
        m["cohortReference"]["cohortIdentifier"] == club["cohortIdentifier"] for m in members
    )
    members.append(
        {**members[0], "cohortReference": {"cohortIdentifier": "X", "educationOrganizationId": 1}}
    )
    write(extract, "studentCohortAssociations", members)
    result, db = load(extract)
    assert result.rows_rejected == 0
    assert query(db, "select count(*) from raw.staff_caseloads") == [(len(members) - 1 - in_club,)]
    assert query(
        db,
        "select count(*) from raw.staff_caseloads where caseload_type = 'counselling' "
        "and staff_id = ?",
        [counsel[0]["cohortIdentifier"].split("-")[0]],
    ) != [(0,)]
    notes = "\n".join(result.notes)
    assert "cohorts: 1 cohort(s) of types that are not caseloads not read" in notes
    assert "studentCohortAssociations: 1 association(s) with a cohort that is not in" in notes


def test_section_associations_without_sections_serve_attendance_alone(extract: Path) -> None:
    (extract / "sections.json").unlink()
    result, db = load(extract)
    assert result.rows_rejected == 0
    loaded = {t for (t,) in query(db, "select distinct table_name from audit.raw_line_sources")}
    assert not loaded & {"sections", "section_staff", "section_enrollments"}
    assert {"staff", "staff_assignments", "staff_caseloads"} <= loaded
    notes = "\n".join(result.notes)
    assert "studentSectionAssociations: " in notes and "(no sections in the extract)" in notes
