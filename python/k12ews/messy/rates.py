"""How often each kind of mess happens in a messy export (``docs/messy_exports.md``).

The default rates come from one measurement: a public, deliberately messy research
extract of one district's student files (about 16,400 students, 57,908 enrollment
spells over 7 school years). They are one district's figures, not a law. Where that
extract could not give a figure, the default is a stated choice and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

# Exit codes that end a spell at the end of a school year (seed xwalk_exit_codes:
# exit categories end_of_year, graduate and completer_other).
YEAR_END_EXIT_CODES: tuple[str, ...] = ("END_OF_YEAR", "GRADUATED", "CERTIFICATE")
# The exit code a SIS pre-fills on a spell that is still open.
PREFILLED_EXIT_CODE = "END_OF_YEAR"


def _is_share(value: object) -> bool:
    return isinstance(value, int | float) and 0.0 <= value <= 1.0


@dataclass(frozen=True)
class MessRates:
    """The rate of each kind of mess; a rate of 0 switches that kind off."""

    # Share of mid-year moves (a spell followed, in the same school year, by a spell of
    # the same student at another school) whose earlier spell's exit date is moved 1-10
    # days past the later spell's entry date (transfer lag: the sending school withdraws
    # the student days after the receiving school enrolled them). Extract: 1,645 pairs
    # of spells overlapped by 7 days or less against 1,766 student-years with two or
    # more schools, 1,645 / 1,766 = 0.93 (an upper bound: not every short overlap there
    # need be a move).
    transfer_overlap: float = 0.93
    # Of the overlaps made, the share lasting 1-7 days past the later entry (the rest
    # last 8-10 days). Extract: 1,645 of about 2,740 overlapping pairs, about 60%.
    overlap_within_week: float = 0.60
    # Share of the current year's open spells (no exit date yet) written with an exit
    # date on the school's last instructional day of the year and exit code END_OF_YEAR.
    # No figure measured (the extract is a closed history): a choice, since a SIS that
    # pre-fills exits does it for every open spell.
    prefilled_exit: float = 1.0
    # Share of year-end exits (END_OF_YEAR, GRADUATED, CERTIFICATE, pre-filled ones
    # included) whose exit date is moved to 1 July - 30 September of the next school
    # year. Extract: 410 of 57,908 spells (0.71%) exited in the next school year;
    # year-end exits are about 88% of the default district's spells once open spells
    # are pre-filled, so 0.8% of them is about 0.71% of all spells.
    exit_next_year: float = 0.008
    # Share of spells written with an empty school_id. Extract: 448 of 57,908 spells
    # (0.77%) had no school.
    spell_without_school: float = 0.0077
    # Share of enrollment rows written twice, byte-identical. Extract: 253 of 57,908
    # spells (0.44%) shared student, school and entry date with another, in pairs:
    # about 0.22% of spells sent a second time.
    duplicate_enrollments: float = 0.0022
    # Share of student_characteristics rows written twice, byte-identical. Extract: 18
    # student-years of about 53,500 (1,766 / 3.3%) were sent twice (36 rows, 16 of the
    # 18 pairs identical): about 0.034%.
    duplicate_characteristics: float = 0.00034
    # Share of attendance_events rows written twice, byte-identical. No figure measured
    # (the extract had no attendance; a second public sample had several events for one
    # student on one day): a choice, 0.1%.
    duplicate_attendance: float = 0.001
    # Share of coded values that have another spelling in their crosswalk seed (the same
    # meaning columns under another code, e.g. HI and Hispanic) written in one of those
    # spellings instead. No figure measured: a choice, 1%.
    other_spelling: float = 0.01
    # Number of schools that stop sending attendance: their events after the stop date
    # are not written. A choice: one school, as the generator's own lagging school.
    attendance_stop_schools: int = 1
    # The stop date: this many days before the district's last attendance date. A
    # choice: four weeks, well past the 7 days after which freshness warns.
    attendance_stop_days: int = 28

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type == "int":
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise ValueError(f"{f.name} must be a whole number >= 0, not {value!r}")
            elif isinstance(value, bool) or not _is_share(value):
                raise ValueError(f"{f.name} must be a share from 0 to 1, not {value!r}")

    @classmethod
    def off(cls) -> MessRates:
        """Every kind switched off: the export is the clean one, byte for byte."""
        return cls(**{f.name: 0 for f in fields(cls)})
