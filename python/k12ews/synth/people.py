"""Students: identities from mimesis and the latent traits everything else follows.

Latent traits per student (standard-normal scale unless said):
- ``ability``: general academic ability; ``read_dev``/``math_dev`` subject deviations
- ``engagement``: changes year to year (see ``district``), drives attendance,
  grades, behaviour and dropping out
- ``poverty``: family poverty, shifted by neighbourhood (school zone) and by race
  group (a structural gap, not a trait of the child); drives lunch eligibility,
  homelessness, internet access and part of attendance
- ``absence_re``/``behaviour_re``: persistent personal tendencies
- ``health``: a chronic health condition (more excused absences)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from mimesis import Address, Gender, Locale, Person

from k12ews.synth.params import RACE_CODES, Profile

_POOL = 600  # names drawn per pool; sampled with numpy so generation stays vectorised


@dataclass(frozen=True)
class NamePools:
    first_f: np.ndarray
    first_m: np.ndarray
    first_f_es: np.ndarray
    first_m_es: np.ndarray
    last: np.ndarray
    last_es: np.ndarray
    streets: np.ndarray
    cities: np.ndarray
    school_names: np.ndarray


def name_pools(seed: int) -> NamePools:
    """Deterministic pools of names from mimesis (English and Spanish locales)."""
    en = Person(Locale.EN, seed=seed)
    es = Person(Locale.ES, seed=seed + 1)
    addr = Address(Locale.EN, seed=seed + 2)

    def pool(fn: object, n: int = _POOL) -> np.ndarray:
        return np.array(sorted({fn() for _ in range(n)}))  # type: ignore[operator]

    return NamePools(
        first_f=pool(lambda: en.first_name(gender=Gender.FEMALE)),
        first_m=pool(lambda: en.first_name(gender=Gender.MALE)),
        first_f_es=pool(lambda: es.first_name(gender=Gender.FEMALE)),
        first_m_es=pool(lambda: es.first_name(gender=Gender.MALE)),
        last=pool(en.last_name, 2000),
        last_es=pool(es.last_name, 800),
        streets=pool(addr.street_name, 400),
        cities=pool(addr.city, 12)[:6],
        school_names=pool(addr.street_name, 200),
    )


def draw_names(
    rng: np.random.Generator, pools: NamePools, is_male: np.ndarray, race: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """First and last names; Hispanic students draw mostly from the Spanish pools."""
    n = len(is_male)
    hisp = race == RACE_CODES.index("HI")
    es_first = hisp & (rng.random(n) < 0.6)
    es_last = hisp & (rng.random(n) < 0.85)
    first = np.where(
        is_male,
        np.where(
            es_first,
            rng.choice(pools.first_m_es, n),
            rng.choice(pools.first_m, n),
        ),
        np.where(
            es_first,
            rng.choice(pools.first_f_es, n),
            rng.choice(pools.first_f, n),
        ),
    )
    last = np.where(es_last, rng.choice(pools.last_es, n), rng.choice(pools.last, n))
    return first, last


def draw_traits(
    rng: np.random.Generator,
    profile: Profile,
    n: int,
    zone_poverty: np.ndarray,
    zones: np.ndarray,
    mobile: bool,
) -> dict[str, np.ndarray]:
    """Static latent traits for ``n`` new students living in ``zones``.

    ``mobile`` marks students arriving mid-career (transfer-ins), who are on
    average a little poorer and less engaged, as movers are in real districts.
    """
    race = rng.choice(
        len(RACE_CODES), size=n, p=np.array(profile.race_shares) / sum(profile.race_shares)
    )
    shift = np.asarray(profile.race_poverty_shift)[race]
    poverty = profile.poverty_mean + zone_poverty[zones] + shift + rng.normal(0, 0.85, n)
    if mobile:
        poverty = poverty + 0.05
    is_male = rng.random(n) < 0.512
    disability = rng.random(n) < _logistic(
        np.log(profile.iep_share / (1 - profile.iep_share)) + 0.25 * is_male + 0.12
    )
    ability = (
        profile.ability_poverty_slope * (poverty - profile.poverty_mean)
        + rng.normal(0, 0.92, n)
        - 0.85 * disability
    )
    engagement = (
        rng.normal(0, 0.95, n) + 0.45 * ability - 0.15 * poverty - (0.05 if mobile else 0.0)
    )
    hisp = race == RACE_CODES.index("HI")
    asian = race == RACE_CODES.index("AS")
    el_logit = profile.el_base_logit + 2.9 * hisp + 2.3 * asian + 0.5 * poverty
    el = rng.random(n) < _logistic(el_logit)
    lang = np.full(n, "eng", dtype=object)
    lang[el & hisp] = "spa"
    other = el & ~hisp
    lang[other] = rng.choice(
        np.array(["vie", "zho", "ara", "kor", "tgl", "hat", "rus", "som"]), other.sum()
    )
    lang[~el & hisp & (rng.random(n) < 0.45)] = "spa"
    return {
        "race": race.astype(np.int8),
        "is_male": is_male,
        "poverty": poverty,
        "poverty_base": poverty.copy(),
        "ability": ability,
        "read_dev": rng.normal(0, 0.55, n) - 0.45 * el,
        "math_dev": rng.normal(0, 0.55, n) - 0.1 * el,
        "engagement": engagement,
        "absence_re": rng.normal(0, profile.absence_student_sd, n),
        "behaviour_re": rng.normal(0, 0.7, n),
        "health": rng.random(n) < 0.06,
        "disability": disability,
        "iep_grade": rng.choice(np.arange(6), size=n, p=[0.33, 0.2, 0.16, 0.14, 0.1, 0.07]).astype(
            np.int8
        ),
        "s504": rng.random(n) < profile.section504_share * 1.3,
        "s504_grade": rng.integers(1, 10, n).astype(np.int8),
        "el_entry": el,
        "el_exit_hazard": rng.normal(0, 0.6, n),
        "home_language": lang,
        "internet_re": rng.normal(0, 1, n),
        "zone": zones.astype(np.int16),
    }


def _logistic(x: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


logistic = _logistic
