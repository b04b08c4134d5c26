"""What to generate and what was generated: the configuration of a synthetic district
(``GenerateConfig``), the record the generator returns (``District``), and the
counterfactual a replay of the future may impose (``ServiceOverride``)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field

import pandas as pd

from k12ews.synth.params import get_profile

GENERATOR_VERSION = "1"


@dataclass(frozen=True)
class ServiceOverride:
    """A counterfactual for replays of the future (k12ews.synth.counterfactuals): in
    the given quarters of school year ``year``, each student whose
    ``pop["service_override"]`` names a service (its index in services.SERVICES) is
    given it if ``force`` (when present, in an eligible grade and not yet served this
    year), else is kept from starting it. Every other draw follows the generator's own
    rules: other services, other quarters and later years are usual care."""

    year: int
    quarters: tuple[int, ...]
    force: bool


MIN_STUDENTS = 13


@dataclass(frozen=True)
class GenerateConfig:
    students: int = 10_000
    years: int = 12
    first_year: int = 2016
    seed: int = 42
    profile: str = "national"
    as_of_date: dt.date | None = None

    def __post_init__(self) -> None:
        # One student a grade (K-12) at least: a tiny district generates, and is what the
        # partial-district builds check the warehouse and the risk models survive
        # (python/tests/warehouse/test_partial_districts.py); realism needs thousands.
        if self.students < MIN_STUDENTS:
            raise ValueError(
                f"--students must be at least {MIN_STUDENTS} (one a grade), got {self.students}"
            )
        if not 1 <= self.years <= 40:
            raise ValueError(f"--years must be between 1 and 40, got {self.years}")
        if not 1990 <= self.first_year <= 2100:
            raise ValueError(f"--first-year must be a spring year 1990-2100, got {self.first_year}")
        if self.seed < 0:
            raise ValueError(f"--seed must be a non-negative integer, got {self.seed}")
        get_profile(self.profile)
        a = self.resolved_as_of
        lo, hi = dt.date(self.last_year - 1, 8, 1), dt.date(self.last_year, 6, 30)
        if not lo <= a <= hi:
            raise ValueError(f"--as-of-date {a} is outside the last school year ({lo} to {hi})")

    @property
    def last_year(self) -> int:
        return self.first_year + self.years - 1

    @property
    def resolved_as_of(self) -> dt.date:
        return self.as_of_date or dt.date(self.last_year - 1, 12, 1)


@dataclass
class District:
    raw: dict[str, pd.DataFrame]
    truth: dict[str, pd.DataFrame]
    config: GenerateConfig
    notes: dict[str, object] = field(default_factory=dict)


def config_json(config: GenerateConfig) -> str:
    d = asdict(config)
    d["as_of_date"] = config.resolved_as_of.isoformat()
    return json.dumps(d, sort_keys=True)
