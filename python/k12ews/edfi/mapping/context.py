"""What every mapping reads: the extract, the seeds, the settings and the rows so far."""

from __future__ import annotations

from dataclasses import dataclass, field

from k12ews.edfi.codes import Codes
from k12ews.edfi.records import Record, ref, text
from k12ews.edfi.settings import EdfiSettings
from k12ews.edfi.source import Extract
from k12ews.edfi.tables import Tables


@dataclass(frozen=True)
class Spell:
    school_id: str
    school_year: int
    entry_date: str
    exit_date: str | None


@dataclass
class Mapping:
    extract: Extract
    codes: Codes
    settings: EdfiSettings
    out: Tables = field(default_factory=Tables)
    school_ids: set[str] = field(default_factory=set)
    # the K-12 enrollment spells the reader wrote, per student
    spells: dict[str, list[Spell]] = field(default_factory=dict)
    # (student, school, school year) of spells left out (outside kindergarten to 12)
    left_out_spells: set[tuple[str, str, int]] = field(default_factory=set)

    def school_of(self, student: str | None, day: str | None) -> str | None:
        """The school of the student's one spell covering ``day`` (None if none or two)."""
        if student is None or day is None:
            return None
        found = {
            s.school_id
            for s in self.spells.get(student, [])
            if s.entry_date <= day and (s.exit_date is None or day <= s.exit_date)
        }
        return found.pop() if len(found) == 1 else None

    def outside_k12(self, student: str | None, school: str | None, year: int | None) -> bool:
        """The record belongs to a spell left out (a pre-K or ungraded spell) and to no
        K-12 spell of the student at that school that year."""
        key = (str(student), str(school), year or 0)
        if key not in self.left_out_spells:
            return False
        return not any(
            s.school_id == str(school) and s.school_year == year
            for s in self.spells.get(str(student), [])
        )


def student_of(record: Record) -> str | None:
    return text(ref(record.data, "studentReference").get("studentUniqueId"))


def staff_of(record: Record) -> str | None:
    return text(ref(record.data, "staffReference").get("staffUniqueId"))
