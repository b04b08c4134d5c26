"""District profiles: the knobs the generator is calibrated with.

Each profile is a set of intercepts and effect sizes on the latent scale. The
figures they are tuned to (and the tolerances the tests hold them to) live in
``seeds/synth_calibration_targets.csv`` with their published sources; this
module holds only the model parameters that reproduce them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

RACE_CODES: tuple[str, ...] = ("WH", "HI", "BL", "AS", "TW", "AM", "PI")


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    # population
    race_shares: tuple[float, ...]  # in RACE_CODES order
    race_poverty_shift: tuple[float, ...]  # mean shift of latent poverty by race (structural)
    poverty_mean: float  # mean latent family poverty (standard normal scale)
    frl_threshold: float  # latent poverty above this -> free/reduced lunch eligible
    el_base_logit: float  # English learner at school entry (before race terms)
    iep_share: float
    gifted_share: float
    section504_share: float
    homeless_base_logit: float
    ability_poverty_slope: float  # academic ability lower with family poverty
    school_effect_sd: float
    # attendance (daily absence logit)
    absence_intercept: float
    absence_grade_shift: tuple[float, ...]  # K..12
    absence_year_shift: dict[int, float] = field(default_factory=dict)
    absence_engagement_slope: float = -0.55
    absence_poverty_slope: float = 0.25
    absence_student_sd: float = 0.55
    tardy_intercept: float = -3.6
    # course grades
    grade_intercept: float = 83.5
    grade_absence_slope: float = -95.0  # points per unit of term absence rate
    # discipline (incidents per year, log scale)
    incident_intercept: float = -1.75
    incident_engagement_slope: float = -0.45
    oss_bias_black: float = 1.2  # documented disproportionality in the action given
    referral_bias_black: float = 0.4  # and in referrals for subjective offences (Skiba et al. 2002)
    # outcomes
    dropout_intercept: float = -7.55
    retention_intercept: float = -5.8
    credit_recovery_intercept: float = 2.4  # summer recovery of failed high-school courses
    transfer_out_rate: float = 0.055
    # mobility within the district
    midyear_move_rate: float = 0.035
    summer_move_rate: float = 0.05
    # services: assignment logit intercept
    service_intercept: float = -2.4
    # assessments: proficient share targets by (subject, grade) anchor points
    proficiency_shift: float = 0.0  # latent shift of the test scale for the profile


_GRADE_ABSENCE = (0.06, 0.0, -0.05, -0.08, -0.10, -0.10, -0.02, 0.04, 0.10, 0.20, 0.28, 0.36, 0.48)
# Year shifts on the daily-absence logit: the post-2020 rise in chronic absence
# (15% in 2019 to 28% in 2022, 26% in 2023; Dee 2024) and a slow decline after.
_YEAR_ABSENCE = {
    2020: 0.10,
    2021: 0.36,
    2022: 0.50,
    2023: 0.44,
    2024: 0.38,
    2025: 0.34,
    2026: 0.31,
    2027: 0.29,
    2028: 0.28,
}

NATIONAL = Profile(
    name="national",
    description="US averages: graduation about 87%, half eligible for free or reduced lunch.",
    race_shares=(0.45, 0.28, 0.15, 0.055, 0.045, 0.01, 0.01),
    race_poverty_shift=(-0.30, 0.35, 0.50, -0.30, 0.0, 0.55, 0.30),
    poverty_mean=0.0,
    frl_threshold=-0.05,
    el_base_logit=-3.6,
    iep_share=0.15,
    gifted_share=0.07,
    section504_share=0.03,
    homeless_base_logit=-4.6,
    ability_poverty_slope=-0.30,
    school_effect_sd=0.10,
    absence_intercept=-3.45,
    absence_grade_shift=_GRADE_ABSENCE,
    absence_year_shift=_YEAR_ABSENCE,
)

URBAN_HIGH_POVERTY = replace(
    NATIONAL,
    name="urban_high_poverty",
    description=(
        "A high-poverty urban district like the Philadelphia cohorts behind the Balfanz "
        "flags: graduation near 60%, most students eligible for free lunch."
    ),
    race_shares=(0.14, 0.22, 0.53, 0.07, 0.035, 0.003, 0.002),
    poverty_mean=1.0,
    frl_threshold=0.0,
    el_base_logit=-3.2,
    homeless_base_logit=-3.6,
    school_effect_sd=0.15,
    absence_intercept=-2.55,
    absence_student_sd=0.75,
    credit_recovery_intercept=-0.2,
    incident_engagement_slope=-1.6,
    grade_intercept=85.5,
    incident_intercept=-2.3,
    oss_bias_black=0.3,
    referral_bias_black=0.1,
    dropout_intercept=-5.1,
    retention_intercept=-4.2,
    transfer_out_rate=0.08,
    midyear_move_rate=0.07,
    summer_move_rate=0.08,
    proficiency_shift=-0.35,
)

PROFILES: dict[str, Profile] = {p.name: p for p in (NATIONAL, URBAN_HIGH_POVERTY)}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; choose one of {sorted(PROFILES)}") from None
