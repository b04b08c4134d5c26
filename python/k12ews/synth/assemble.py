"""Turn the simulation's arrays into the raw contract tables and the truth tables.

Also applies the as-of date to the last, partial year (nothing after it is
known: open enrollments have no exit, later events are not written) and the
one school whose attendance is submitted a week late in the current year.
Parent contacts and extracurricular participation are derived here from what
was simulated (contacts follow unexcused absences, suspensions and failing
marks, as district attendance and discipline policies require).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from k12ews import contract
from k12ews.synth import success
from k12ews.synth.academics import course_catalog
from k12ews.synth.calendar import axis_start
from k12ews.synth.config import GENERATOR_VERSION, District, GenerateConfig, config_json
from k12ews.synth.params import RACE_CODES, Profile
from k12ews.synth.people import NamePools
from k12ews.synth.staff import staff_tables

ATTENDANCE_LAG_DAYS = 7


class Simulated(Protocol):
    """What a finished simulation (``k12ews.synth.district.Simulation``) hands over."""

    cfg: GenerateConfig
    p: Profile
    names: NamePools
    out: dict[str, list[pd.DataFrame]]  # each table's pieces, year by year
    pop: dict[str, np.ndarray]  # the population's arrays, by population index
    school_ids: np.ndarray
    n_schools: int
    schools_df: pd.DataFrame
    effects: pd.DataFrame  # the services' true effects (truth.service_effects)


def _is_leap(y: np.ndarray) -> np.ndarray:
    return ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)


def to_date(year: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Date of axis ``day`` in school year ``year`` (axis starts 1 August of the fall)."""
    fall = np.asarray(year, dtype=np.int64) - 1
    jan1 = (fall - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    aug1 = jan1 + (212 + _is_leap(fall).astype(np.int64)).astype("timedelta64[D]")
    return aug1 + np.asarray(day, dtype=np.int64).astype("timedelta64[D]")


@dataclass(frozen=True)
class _Ids:
    """How the simulation's numbers become the contract's: student and school ids, and
    the cut of the last, partial year at the as-of date (axis day ``as_of_day``)."""

    sid_to_id: np.ndarray
    school_ids: np.ndarray
    last: int
    as_of_day: int

    def student(self, sid: pd.Series) -> np.ndarray:
        return self.sid_to_id[sid.to_numpy()]

    def school(self, school: pd.Series) -> np.ndarray:
        return self.school_ids[school.to_numpy()]

    def cut(self, df: pd.DataFrame, day_col: str = "day") -> pd.DataFrame:
        """Rows of the last year dated after the as-of date left out."""
        last_rows = df["school_year"].to_numpy() == self.last
        keep = ~last_rows | (df[day_col].to_numpy() <= self.as_of_day)
        return df.loc[keep].reset_index(drop=True)


def assemble(sim: Simulated) -> District:
    cfg = sim.cfg
    out = {}
    for k in list(sim.out):
        out[k] = pd.concat(sim.out.pop(k), ignore_index=True)  # free each year's pieces
    # student ids are numbers here; the contract casts them to VARCHAR on write, which
    # keeps tens of millions of Python strings out of memory on large districts
    ids = _Ids(
        sid_to_id=np.arange(len(sim.pop["grade"]), dtype=np.int64) + 1_000_001,
        school_ids=sim.school_ids,
        last=cfg.last_year,
        as_of_day=(cfg.resolved_as_of - axis_start(cfg.last_year)).days,
    )
    rng = np.random.default_rng(cfg.seed + 7_001)
    lag_school = int(rng.integers(0, sim.n_schools))

    en = _spells_known(out.pop("enrollments"), ids)
    seen_last = set(en.loc[en["school_year"].to_numpy() == ids.last, "sid"].tolist())
    cg = ids.cut(out.pop("course_grades"), "end_day")
    sv = ids.cut(out.pop("services"), "start")
    attendance_events = _attendance_events(out.pop("attendance_events"), ids, lag_school)
    discipline = _discipline(
        ids.cut(out.pop("discipline")) if "discipline" in out else pd.DataFrame(columns=["sid"]),
        ids,
    )
    course_grades = _course_grades(cg, ids)
    raw = {
        "schools": sim.schools_df,
        "students": _students(sim, np.unique(en["sid"].to_numpy()), ids),
        "student_characteristics": _characteristics(
            out.pop("student_characteristics"), ids, seen_last
        ),
        "enrollments": _enrollments(en, ids),
        "calendar_days": out.pop("calendar_days"),
        "attendance_events": attendance_events,
        "courses": course_catalog(),
        "course_grades": course_grades,
        "discipline_incidents": discipline,
        "assessments": _assessments(ids.cut(out.pop("assessments")), ids),
        "program_services": _program_services(sv, ids),
    }
    ty = out.pop("truth_student_year")
    ty = ty.loc[(ty["school_year"] != ids.last) | ty["sid"].isin(seen_last)]
    raw["extracurricular_participation"] = _extracurricular(
        rng, ty, en, ids.sid_to_id, ids.school_ids
    )
    raw["parent_contacts"] = _parent_contacts(attendance_events, discipline, course_grades, cg, raw)
    added, college_draws = success.tables(
        sim.pop,
        ty,
        en,
        cg,
        ids.sid_to_id,
        ids.school_ids,
        ids.last,
        ids.as_of_day,
        cfg.seed,
        sim.p.poverty_mean,
        int(np.flatnonzero(sim.schools_df["school_level"].to_numpy() == "High")[0]),
    )
    raw.update(added)
    raw.update(staff_tables(raw, raw["courses"], cfg.seed, cfg.resolved_as_of))
    for name, df in raw.items():
        raw[name] = df[contract.table(name).column_names].reset_index(drop=True)
    draws = pd.concat([out.pop("truth_outcomes"), college_draws], ignore_index=True)
    truth = _truth(sim, draws, ty, sv, ids, lag_school)
    return District(raw=raw, truth=truth, config=cfg)


def _spells_known(en: pd.DataFrame, ids: _Ids) -> pd.DataFrame:
    """The enrollment spells entered by the as-of date."""
    is_last = en["school_year"].to_numpy() == ids.last
    return en.loc[~is_last | (en["start"].to_numpy() <= ids.as_of_day)].reset_index(drop=True)


def _enrollments(en: pd.DataFrame, ids: _Ids) -> pd.DataFrame:
    """A spell still open on the as-of date has no exit date or code yet."""
    is_last = en["school_year"].to_numpy() == ids.last
    open_ = is_last & (en["end"].to_numpy() > ids.as_of_day)
    exit_date = pd.Series(to_date(en["school_year"].to_numpy(), en["end"].to_numpy()))
    exit_date[open_] = pd.NaT
    exit_code = en["exit_code"].astype(object).copy()
    exit_code[open_] = None
    return pd.DataFrame(
        {
            "student_id": ids.student(en["sid"]),
            "school_id": ids.school(en["school"]),
            "school_year": en["school_year"],
            "grade_level": en["grade_level"],
            "entry_date": to_date(en["school_year"].to_numpy(), en["start"].to_numpy()),
            "exit_date": exit_date,
            "entry_type": en["entry_type"],
            "exit_code": exit_code,
        }
    )


def _attendance_events(att: pd.DataFrame, ids: _Ids, lag_school: int) -> pd.DataFrame:
    """The lagging school has submitted only up to a week before the as-of date."""
    att = ids.cut(att)
    lag = (
        (att["school_year"].to_numpy() == ids.last)
        & (att["school"].to_numpy() == lag_school)
        & (att["day"].to_numpy() > ids.as_of_day - ATTENDANCE_LAG_DAYS)
    )
    att = att.loc[~lag].reset_index(drop=True)
    return pd.DataFrame(
        {
            "student_id": ids.student(att["sid"]),
            "school_id": ids.school(att["school"]),
            "school_year": att["school_year"],
            "event_date": to_date(att["school_year"].to_numpy(), att["day"].to_numpy()),
            "event_type": pd.Categorical.from_codes(
                att["code"].to_numpy() - 1, ["EA", "UA", "T", "ED"]
            ),
            "event_duration": att["event_duration"],
            "minutes_missed": att["minutes_missed"],
        }
    )


def _course_grades(cg: pd.DataFrame, ids: _Ids) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "student_id": ids.student(cg["sid"]),
            "school_id": ids.school(cg["school"]),
            "course_code": cg["course_code"].astype("category"),
            "school_year": cg["school_year"],
            "term": cg["term"].astype("category"),
            "letter_grade": cg["letter_grade"].astype("category"),
            "numeric_grade": cg["numeric_grade"],
            "credits_attempted": cg["credits_attempted"],
            "credits_earned": cg["credits_earned"],
        }
    )


def _discipline(di: pd.DataFrame, ids: _Ids) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "incident_id": di["incident_id"],
            "student_id": ids.student(di["sid"]),
            "school_id": ids.school(di["school"]),
            "school_year": di["school_year"],
            "incident_date": to_date(di["school_year"].to_numpy(), di["day"].to_numpy()),
            "behavior_category": di["behavior_category"],
            "action": di["action"],
            "days_removed": di["days_removed"],
        }
    )


def _assessments(asm: pd.DataFrame, ids: _Ids) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "student_id": ids.student(asm["sid"]),
            "school_id": ids.school(asm["school"]),
            "assessment_id": asm["assessment_id"],
            "school_year": asm["school_year"],
            "administration_date": to_date(asm["school_year"].to_numpy(), asm["day"].to_numpy()),
            "grade_level": asm["grade_level"],
            "subject": asm["subject"],
            "scale_score": asm["scale_score"],
            "performance_level": asm["performance_level"],
            "is_proficient": asm["is_proficient"],
        }
    )


def _program_services(sv: pd.DataFrame, ids: _Ids) -> pd.DataFrame:
    """A service still running on the as-of date has no end date yet."""
    sv_open = (sv["school_year"].to_numpy() == ids.last) & (sv["end"].to_numpy() > ids.as_of_day)
    sv_end = pd.Series(to_date(sv["school_year"].to_numpy(), sv["end"].to_numpy()))
    sv_end[sv_open] = pd.NaT
    return pd.DataFrame(
        {
            "student_id": ids.student(sv["sid"]),
            "school_id": ids.school(sv["school"]),
            "school_year": sv["school_year"],
            "service": sv["service"],
            "tier": sv["tier"],
            "start_date": to_date(sv["school_year"].to_numpy(), sv["start"].to_numpy()),
            "end_date": sv_end,
        }
    )


def _characteristics(ch: pd.DataFrame, ids: _Ids, seen_last: set[int]) -> pd.DataFrame:
    """This year's rows only for students enrolled by the as-of date."""
    ch = ch.loc[(ch["school_year"] != ids.last) | ch["sid"].isin(seen_last)].reset_index(drop=True)
    return ch.assign(student_id=ids.sid_to_id[ch["sid"].to_numpy()]).drop(columns="sid")


def _students(sim: Simulated, seen: np.ndarray, ids: _Ids) -> pd.DataFrame:
    """Every student with a spell by the as-of date."""
    pop = sim.pop
    return pd.DataFrame(
        {
            "student_id": ids.sid_to_id[seen],
            "first_name": pop["first_name"][seen],
            "last_name": pop["last_name"][seen],
            "birth_date": pop["birth"][seen],
            "sex": np.where(pop["is_male"][seen], "M", "F"),
            "race_ethnicity": np.array(RACE_CODES)[pop["race"][seen]],
            "street_address": pop["street"][seen],
            "city": sim.names.cities[pop["zone"][seen] % len(sim.names.cities)],
            "postal_code": pop["postal"][seen],
        }
    )


def _truth(
    sim: Simulated,
    truth_outcomes: pd.DataFrame,
    ty: pd.DataFrame,
    sv: pd.DataFrame,
    ids: _Ids,
    lag_school: int,
) -> dict[str, pd.DataFrame]:
    """The truth tables: latent student-years, outcome draws, service effects, the
    generation's settings and profile."""
    cfg, as_of = sim.cfg, sim.cfg.resolved_as_of
    truth_outcomes = truth_outcomes.loc[truth_outcomes["school_year"] != ids.last]
    svt = sv.assign(
        student_id=ids.student(sv["sid"]),
        start_date=to_date(sv["school_year"].to_numpy(), sv["start"].to_numpy()),
    )
    generation = {
        "config": config_json(cfg),
        "generator_version": GENERATOR_VERSION,
        "profile_description": sim.p.description,
        "as_of_date": as_of.isoformat(),
        "attendance_lag_school_id": str(int(ids.school_ids[lag_school])),
        "attendance_complete_through": (as_of - dt.timedelta(days=ATTENDANCE_LAG_DAYS)).isoformat(),
    }
    return {
        "student_years": ty.assign(student_id=ids.student(ty["sid"])).drop(columns="sid")[
            ["student_id", *[c for c in ty.columns if c != "sid"]]
        ],
        "outcome_draws": truth_outcomes.assign(student_id=ids.student(truth_outcomes["sid"]))[
            ["student_id", "school_year", "event", "probability", "occurred"]
        ],
        "service_effects": sim.effects,
        "student_services": svt[
            [
                "student_id",
                "service",
                "start_date",
                "school_year",
                "quarter",
                "grade",
                "engagement_effect",
                "academic_effect",
            ]
        ].rename(columns={"quarter": "start_quarter", "grade": "start_grade"}),
        "generation": pd.DataFrame({"key": list(generation), "value": list(generation.values())}),
        "profile": pd.DataFrame(
            {"parameters": [json.dumps(_profile_dict(sim), sort_keys=True, default=str)]}
        ),
    }


def _profile_dict(sim: Simulated) -> dict[str, object]:
    from dataclasses import asdict

    return asdict(sim.p)


_ACTIVITIES = {
    1: ("Soccer", "Basketball", "Band", "Art Club", "Robotics", "Student Council", "Chorus"),
    2: (
        "Football",
        "Soccer",
        "Basketball",
        "Track",
        "Band",
        "Theatre",
        "Debate",
        "Robotics",
        "Yearbook",
        "Student Council",
    ),
}
_ACTIVITY_TYPE = {
    "Soccer": "Athletics",
    "Basketball": "Athletics",
    "Football": "Athletics",
    "Track": "Athletics",
    "Band": "Arts",
    "Chorus": "Arts",
    "Theatre": "Arts",
    "Art Club": "Arts",
}


def _extracurricular(
    rng: np.random.Generator,
    ty: pd.DataFrame,
    en: pd.DataFrame,
    sid_to_id: np.ndarray,
    school_ids: np.ndarray,
) -> pd.DataFrame:
    from k12ews.synth.people import logistic

    last_school = en.groupby(["sid", "school_year"], sort=False)["school"].last()
    t = ty.loc[ty["grade_level"] >= 6]
    band = np.where(t["grade_level"].to_numpy() <= 8, 1, 2)
    p = logistic(-0.9 + 0.6 * t["engagement"].to_numpy() - 0.3 * t["poverty"].to_numpy())
    k = rng.binomial(3, p)
    rows = []
    sids, years = t["sid"].to_numpy(), t["school_year"].to_numpy()
    for b in (1, 2):
        acts = np.array(_ACTIVITIES[b])
        for j in range(3):
            m = (band == b) & (k > j)
            pick = rng.integers(0, len(acts), int(m.sum()))
            rows.append(
                pd.DataFrame({"sid": sids[m], "school_year": years[m], "activity": acts[pick]})
            )
    df = pd.concat(rows, ignore_index=True).drop_duplicates(["sid", "school_year", "activity"])
    school = last_school.reindex(
        pd.MultiIndex.from_arrays([df["sid"], df["school_year"]])
    ).to_numpy()
    df = df.loc[~pd.isna(school)].assign(school=school[~pd.isna(school)].astype(int))
    return pd.DataFrame(
        {
            "student_id": sid_to_id[df["sid"].to_numpy()],
            "school_id": school_ids[df["school"].to_numpy()],
            "school_year": df["school_year"].to_numpy(),
            "activity": df["activity"].to_numpy(),
            "activity_type": [_ACTIVITY_TYPE.get(x, "Club") for x in df["activity"]],
        }
    ).sort_values(["school_year", "student_id", "activity"], ignore_index=True)


def _parent_contacts(
    att: pd.DataFrame,
    disc: pd.DataFrame,
    grades: pd.DataFrame,
    cg_internal: pd.DataFrame,
    raw: dict[str, pd.DataFrame],
) -> pd.DataFrame:
    frames = []
    un = att.loc[
        att["event_type"] == "UA", ["student_id", "school_id", "school_year", "event_date"]
    ]
    un = un.sort_values(["student_id", "school_year", "event_date"])
    nth = un.groupby(["student_id", "school_year"]).cumcount() + 1
    hit = un.loc[nth.isin([3, 6, 10]).to_numpy()]
    method = np.where(nth.loc[hit.index] == 10, "letter", "phone")
    frames.append(
        pd.DataFrame(
            {
                "student_id": hit["student_id"],
                "school_id": hit["school_id"],
                "school_year": hit["school_year"],
                "contact_date": hit["event_date"],
                "contact_reason": "attendance",
                "contact_method": method,
            }
        )
    )
    d = disc.loc[disc["action"].isin(["ISS", "OSS", "EXP"])]
    frames.append(
        pd.DataFrame(
            {
                "student_id": d["student_id"],
                "school_id": d["school_id"],
                "school_year": d["school_year"],
                "contact_date": d["incident_date"],
                "contact_reason": "behavior",
                "contact_method": np.where(d["action"] == "ISS", "phone", "meeting"),
            }
        )
    )
    failing = grades["letter_grade"].isin(["F", "1"]).to_numpy()
    f = grades.loc[failing].assign(
        contact_date=to_date(
            cg_internal.loc[failing, "school_year"].to_numpy(),
            cg_internal.loc[failing, "end_day"].to_numpy(),
        )
    )
    frames.append(
        pd.DataFrame(
            {
                "student_id": f["student_id"],
                "school_id": f["school_id"],
                "school_year": f["school_year"],
                "contact_date": f["contact_date"],
                "contact_reason": "academic",
                "contact_method": "email",
            }
        )
    )
    out = pd.concat(frames, ignore_index=True)
    return out.drop_duplicates(["student_id", "contact_date", "contact_reason"]).sort_values(
        ["school_year", "student_id", "contact_date", "contact_reason"], ignore_index=True
    )
