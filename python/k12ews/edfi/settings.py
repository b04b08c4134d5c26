"""The choices the Ed-Fi reader makes that a district may set differently."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EdfiSettings:
    # race_ethnicity when hispanicLatinoEthnicity is true, and for two or more races (the
    # contract's federal codes; seed xwalk_race_ethnicity)
    hispanic_code: str = "HI"
    two_or_more_races_code: str = "TW"
    # StudentSchoolAssociation.exitWithdrawDate is the last day enrolled (the contract's
    # exit_date); false: the first day not enrolled (loaded as the day before). The EDU
    # warehouse has the same choice (var edu:enroll:exit_withdraw_date_inclusive, true).
    exit_date_inclusive: bool = True
    # Section attendance to daily (k12ews.edfi.mapping.attendance): on a day without a
    # school attendance event, the share of the student's sections that day with an
    # absence is the share of the day missed; at least this share is a whole day.
    section_full_day_share: float = 1.0
    # False: section attendance events are not read at all.
    read_section_attendance: bool = True
    # The CohortTypeDescriptor code values (any namespace) of the cohorts that are
    # caseloads, and the contract's caseload_type of each (k12ews.edfi.mapping.staff).
    # "Counselor List" is the Data Standard's; it has no case-manager type, so the
    # export writes the district's own "Case Manager List".
    caseload_cohort_types: tuple[tuple[str, str], ...] = (
        ("Counselor List", "counselling"),
        ("Case Manager List", "case_management"),
    )
