"""Find and read the files of an Ed-Fi extract: records per API resource.

A folder holds one file per resource, as extract tools pull them from the ODS/API:
``<resource>.json`` (a JSON array of the resource's objects), ``<resource>.ndjson`` or
``.jsonl`` (one object per line), named by the resource (``studentSchoolAssociations``,
case-insensitive; a ``.json`` file holding ``{"<resource>": [...]}`` is read too), and
interchange XML files (``*.xml``, any name: each element says what it is). Contract
files (``<table>.csv`` or ``.parquet``) for the tables the reader has no resource for
(extracurricular_participation, parent_contacts, most success-metric tables) may lie
beside them.

A file that cannot be read (not JSON, a line that is not an object, XML that is not
well formed) is a file-level problem (rule ``edfi_syntax``): nothing loads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from k12ews import contract
from k12ews.edfi.records import Record
from k12ews.edfi.xml_source import XmlProblem, read_interchange

# the API resources the reader maps (k12ews.edfi.mapping): lower case -> the API's name
RESOURCES: tuple[str, ...] = (
    "schools",
    "students",
    "studentEducationOrganizationAssociations",
    "studentSchoolAssociations",
    "calendars",
    "calendarDates",
    "sessions",
    "studentSchoolAttendanceEvents",
    "studentSectionAttendanceEvents",
    "courses",
    "courseOfferings",
    "sections",
    "studentSectionAssociations",
    "grades",
    "courseTranscripts",
    "disciplineIncidents",
    "studentDisciplineIncidentBehaviorAssociations",
    "disciplineActions",
    "assessments",
    "studentAssessments",
    "programs",
    "studentProgramAssociations",
    "studentSpecialEducationProgramAssociations",
    "studentSchoolFoodServiceProgramAssociations",
    "studentHomelessProgramAssociations",
    "studentLanguageInstructionProgramAssociations",
    "studentCTEProgramAssociations",
    "staffs",
    "staffEducationOrganizationAssignmentAssociations",
    "cohorts",
    "staffCohortAssociations",
    "studentCohortAssociations",
    "staffSectionAssociations",
)
_BY_LOWER = {r.lower(): r for r in RESOURCES}


@dataclass
class SourceProblem(Exception):  # noqa: N818 (a problem found in the files)
    file: str
    line: int | None
    message: str
    rule: str = "edfi_syntax"

    def __str__(self) -> str:
        where = f" line {self.line}" if self.line else ""
        return f"{self.file}{where}: {self.rule}: {self.message}"


@dataclass
class Extract:
    """What a folder holds: records per resource, the files read, and what was left."""

    records: dict[str, list[Record]] = field(default_factory=dict)
    files: dict[str, int] = field(default_factory=dict)  # file -> records read
    contract_files: dict[str, Path] = field(default_factory=dict)  # table -> file
    notes: list[str] = field(default_factory=list)

    def of(self, resource: str) -> list[Record]:
        return self.records.get(resource, [])

    def has(self, resource: str) -> bool:
        return resource in self.records

    def add(self, record: Record) -> None:
        self.records.setdefault(record.resource, []).append(record)


def _resource(path: Path) -> str | None:
    return _BY_LOWER.get(path.name.split(".", 1)[0].lower())


def _json_records(path: Path, resource: str) -> list[Record]:
    try:
        value = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as e:
        raise SourceProblem(path.name, None, f"not UTF-8 text ({e.reason})") from None
    except json.JSONDecodeError as e:
        raise SourceProblem(path.name, e.lineno, f"not valid JSON: {e.msg}") from None
    if isinstance(value, dict) and isinstance(value.get(resource), list):
        value = value[resource]
    if not isinstance(value, list):
        raise SourceProblem(path.name, 1, f"expected a JSON array of {resource}")
    out = []
    for i, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            raise SourceProblem(path.name, None, f"record {i} is not a JSON object")
        out.append(Record(resource, item, f"{path.name} record {i}"))
    return out


def _ndjson_records(path: Path, resource: str) -> list[Record]:
    out = []
    with path.open(encoding="utf-8-sig") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as e:
                raise SourceProblem(path.name, n, f"not valid JSON: {e.msg}") from None
            if not isinstance(item, dict):
                raise SourceProblem(path.name, n, "the line is not a JSON object")
            out.append(Record(resource, item, f"{path.name} line {n}"))
    return out


def read_folder(folder: Path) -> Extract:
    """Every Ed-Fi file of ``folder``, read (raises :class:`SourceProblem`)."""
    extract = Extract()
    tables = {t.name for t in contract.TABLES}
    for path in sorted(p for p in Path(folder).iterdir() if p.is_file()):
        suffix = path.suffix.lower()
        stem = path.name.split(".", 1)[0]
        if suffix in (".csv", ".parquet") and stem in tables:
            extract.contract_files[stem] = path
            continue
        if suffix == ".xml":
            try:
                found = read_interchange(path)
            except XmlProblem as p:
                raise SourceProblem(path.name, p.line, p.message) from None
            for record in found.records:
                extract.add(record)
            extract.files[path.name] = len(found.records)
            extract.notes += found.notes
            continue
        resource = _resource(path)
        if resource is None or suffix not in (".json", ".ndjson", ".jsonl"):
            if suffix in (".json", ".ndjson", ".jsonl"):
                extract.notes.append(f"{path.name}: not a resource the reader maps; not read")
            continue
        records = (
            _json_records(path, resource) if suffix == ".json" else _ndjson_records(path, resource)
        )
        extract.records.setdefault(resource, []).extend(records)
        extract.files[path.name] = len(records)
    if not extract.files:
        raise SourceProblem(
            str(folder),
            None,
            "no Ed-Fi file found (<resource>.json, .ndjson, .jsonl or *.xml)",
            rule="missing_file",
        )
    return extract
