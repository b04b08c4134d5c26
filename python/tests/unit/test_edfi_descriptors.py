"""Descriptors as data: the crosswalk seeds against the Ed-Fi Data Standard's default
descriptor values (python/k12ews/edfi/standard/ds_descriptors.csv, Data Standard 5.1
with the race values of 6.1; its README names the source and licence).

- Every default value of a descriptor a coded column reads is in that column's seed,
  by its short code value and by its full URI, with a meaning (the integer columns:
  in their descriptor seeds).
- No seed row marked ``ed-fi`` names a value the standard does not have, and every URI
  of the ed-fi.org namespace in a seed is one of the standard's.
- The meaning columns of the seeds agree between the two forms of one value.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from k12ews import contract
from k12ews.dbt_sources import CROSSWALK_CODE_COLUMNS

REPO = Path(__file__).resolve().parents[3]
FIXTURE = REPO / "python" / "k12ews" / "edfi" / "standard" / "ds_descriptors.csv"

# descriptor -> (seed, its code column) that gives its values a meaning
SEEDS: dict[str, tuple[str, str]] = {
    "AcademicSubjectDescriptor": ("xwalk_subjects", "subject"),
    "AttendanceEventCategoryDescriptor": ("xwalk_attendance_events", "event_type"),
    "BehaviorDescriptor": ("xwalk_behaviour_categories", "behaviour_category"),
    "CalendarEventDescriptor": ("xwalk_calendar_events", "calendar_event"),
    "DisciplineDescriptor": ("xwalk_discipline_actions", "action"),
    "EntryTypeDescriptor": ("xwalk_entry_types", "code"),
    "ExitWithdrawTypeDescriptor": ("xwalk_exit_codes", "exit_code"),
    "GradeLevelDescriptor": ("xwalk_grade_level_descriptors", "grade_level_descriptor"),
    "PerformanceLevelDescriptor": (
        "xwalk_performance_level_descriptors",
        "performance_level_descriptor",
    ),
    "ProgramTypeDescriptor": ("xwalk_services", "service"),
    "RaceDescriptor": ("xwalk_race_ethnicity", "race_ethnicity"),
    "SchoolCategoryDescriptor": ("xwalk_school_levels", "school_level"),
    "SchoolFoodServiceProgramServiceDescriptor": ("xwalk_frl_status", "frl_status"),
    "SexDescriptor": ("xwalk_sex", "sex"),
    "TermDescriptor": ("xwalk_terms", "term"),
}
# descriptors the fixture lists that no coded column reads (the reader does not use them
# yet: docs/edfi.md)
NOT_READ = {"LimitedEnglishProficiencyDescriptor", "StudentCharacteristicDescriptor"}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def standard() -> list[dict[str, str]]:
    return read_csv(FIXTURE)


def seed_rows(seed: str) -> list[dict[str, str]]:
    return read_csv(REPO / "seeds" / f"{seed}.csv")


def test_the_fixture_names_its_source_and_every_descriptor_is_mapped_or_listed_as_unread(
    standard: list[dict[str, str]],
) -> None:
    readme = (FIXTURE.parent / "README.md").read_text(encoding="utf-8")
    assert "Ed-Fi-Alliance-OSS/Ed-Fi-Data-Standard" in readme and "Apache" in readme
    assert {r["descriptor"] for r in standard} == set(SEEDS) | NOT_READ
    assert all(r["uri"] == f"uri://ed-fi.org/{r['descriptor']}#{r['code_value']}" for r in standard)
    assert {r["data_standard_version"] for r in standard} == {"5.1.0", "6.1.0"}
    # every coded column's seed is one the standard's values are checked in
    coded = {c.codes for t in contract.TABLES for c in t.columns if c.codes}
    assert {seed for seed, _ in SEEDS.values()} - coded == {
        "xwalk_grade_level_descriptors",
        "xwalk_performance_level_descriptors",
    }


@pytest.mark.parametrize("descriptor", sorted(SEEDS))
def test_every_default_value_maps_to_a_meaning_by_short_value_and_by_uri(
    standard: list[dict[str, str]], descriptor: str
) -> None:
    seed, column = SEEDS[descriptor]
    rows = {r[column]: r for r in seed_rows(seed)}
    meaning_columns = [c for c in next(iter(rows.values())) if c not in (column, "code_source")]
    missing = []
    for value in (r for r in standard if r["descriptor"] == descriptor):
        short, uri = rows.get(value["code_value"]), rows.get(value["uri"])
        if short is None or uri is None:
            missing.append(value["uri"])
            continue
        assert uri["code_source"] == "ed-fi", uri
        # the two forms mean the same (description included)
        assert [short[c] for c in meaning_columns] == [uri[c] for c in meaning_columns], value
        assert uri["description"], value
    assert not missing, f"{seed} lacks: {missing}"


@pytest.mark.parametrize(
    "seed", sorted({s for s, _ in SEEDS.values()} | set(CROSSWALK_CODE_COLUMNS))
)
def test_no_seed_claims_a_descriptor_the_standard_does_not_have(
    standard: list[dict[str, str]], seed: str
) -> None:
    column = dict(SEEDS.values()).get(seed) or CROSSWALK_CODE_COLUMNS[seed]
    uris = {r["uri"] for r in standard}
    shorts = {r["code_value"] for r in standard if SEEDS.get(r["descriptor"], ("",))[0] == seed}
    for row in seed_rows(seed):
        code = row[column]
        if code.startswith("uri://ed-fi.org/"):
            assert code in uris, f"{seed}: {code} is not a default value of the standard"
        if row["code_source"] == "ed-fi":
            assert code in uris or code in shorts, f"{seed}: {code} is marked ed-fi"
