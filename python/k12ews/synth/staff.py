"""Staff of the synthetic district: who works where, in which role, with which students.

Drawn after the students' years are simulated, from the raw tables the district already
has (schools, students, enrollments, course marks, characteristics), so the staff
tables are consistent with them and the simulation of students is untouched:

- **positions** (a school, a role, a department and a number) are needed each school
  year: one principal a school, an assistant principal per 450 students, a counsellor
  per 385 students (the national ratio of 2022-23, ASCA "Student-to-School-Counselor
  Ratio 2022-2023"), a special education case manager per 20 students with an IEP, a
  teacher per elementary homeroom of up to 22, a physical education teacher per 12
  elementary sections, a secondary teacher per 5 sections of up to 28 in a subject,
  and two district analysts;
- **people** hold positions from year to year; at each summer a holder leaves with the
  turnover of the NCES follow-up surveys (16% of teachers and counsellors: Teacher
  Follow-up Survey 2012-13, 8% moved school and 8% left teaching; 18% of principals
  and assistant principals: Principal Follow-up Survey 2016-17) and a new person takes
  the position on 1 July; in the current year a few holders leave before the as-of
  date and are replaced the next day (their assignments have ended: they grant nothing);
- **sections** are each course's students at a school and year (the courses of their
  marks, or, for a student-year without marks yet, the courses of their grade, as
  ``academics.courses_for`` gives them) split into classes; an elementary homeroom
  takes its core courses from one teacher;
- **caseloads** split a school's students among its counsellors alphabetically by last
  name (by grade in a high school with exactly four counsellors, one a class, as many
  districts do), and its students with an IEP among its case managers.

A student is in a section or on a caseload for each enrollment spell at the school, and
with a holder for the days both overlap.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from k12ews.synth.academics import courses_for

STUDENTS_PER_AP = 450
STUDENTS_PER_COUNSELLOR = 385
IEP_PER_CASE_MANAGER = 20
HOMEROOM_SIZE = 22
SECONDARY_SECTION_SIZE = 28
SECTIONS_PER_TEACHER = 5
ELEMENTARY_PE_SECTIONS = 12
TURNOVER = {"teacher": 0.16, "counsellor": 0.16, "case_manager": 0.16}
LEADER_TURNOVER = 0.18
MID_YEAR_LEAVERS = 0.02
DISTRICT_ANALYSTS = 2

Slot = tuple[int, str, str, int]  # (school_id or 0 for the district, role, department, number)


@dataclass
class _Hold:
    slot: Slot
    staff_id: str
    begin: dt.date
    end: dt.date | None


def _year_start(y: int) -> dt.date:
    return dt.date(y - 1, 7, 1)


def _year_end(y: int) -> dt.date:
    return dt.date(y, 6, 30)


def _student_courses(raw: dict[str, pd.DataFrame], spells: pd.DataFrame) -> pd.DataFrame:
    """(student_id, school_id, school_year, course_code) of every student-school-year."""
    cg = raw["course_grades"]
    marked = cg.loc[cg["term"].astype(str) != "SU", ["student_id", "school_id", "school_year"]]
    marked = marked.assign(course_code=cg["course_code"].astype(str)).drop_duplicates()
    years = spells.drop_duplicates(["student_id", "school_id", "school_year"])
    have = marked[["student_id", "school_id", "school_year"]].drop_duplicates()
    todo = years.merge(have, how="left", indicator=True)
    todo = todo.loc[todo["_merge"] == "left_only"].reset_index(drop=True)
    parts = [marked]
    if len(todo):
        grade = todo["grade_level"].to_numpy().astype(int)
        elective = todo["student_id"].astype(str).str[-1].astype(int).to_numpy() % 6
        for codes, _subj, _core, _cred in courses_for(grade, elective):
            part = todo[["student_id", "school_id", "school_year"]].assign(course_code=codes)
            parts.append(part.loc[part["course_code"] != ""])
    return pd.concat(parts, ignore_index=True).drop_duplicates()


def _sections(
    courses: pd.DataFrame, catalog: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """Each student-course placed in a section, with the position teaching it."""
    cat = catalog.set_index("course_code")
    df = courses.merge(
        catalog[["course_code", "subject", "school_level", "grade_level"]], how="left"
    )
    # one random key a student-year: classmates in one course are classmates in the others
    keys = df[["student_id", "school_year"]].drop_duplicates()
    keys = keys.assign(u=rng.random(len(keys)))
    df = df.merge(keys).sort_values(["school_id", "school_year", "course_code", "u"])
    grp = df.groupby(["school_id", "school_year", "course_code"], sort=False)
    n = grp["u"].transform("size").to_numpy()
    rank = grp.cumcount().to_numpy()
    elem = (df["school_level"] == "Elementary").to_numpy()
    size = np.where(elem, HOMEROOM_SIZE, SECONDARY_SECTION_SIZE)
    k = -(-n // size)
    df["section_no"] = rank * k // n
    # ids and teachers per section (tens of thousands), then joined to its students
    key = ["school_id", "school_year", "course_code", "section_no"]
    sec = df.drop_duplicates(key)[[*key, "subject", "school_level"]].reset_index(drop=True)
    sec["section_id"] = (
        sec["school_id"].astype(str)
        + "-"
        + sec["school_year"].astype(str)
        + "-"
        + sec["course_code"]
        + "-"
        + (sec["section_no"] + 1).astype(str).str.zfill(2)
    )
    grade = cat.loc[sec["course_code"], "grade_level"].to_numpy()
    depts, numbers = [], []
    counter: dict[tuple[int, int, str], int] = {}
    for row, g in zip(sec.itertuples(index=False), grade, strict=True):
        if row.school_level == "Elementary" and row.subject != "Physical Education":
            depts.append(f"grade {int(g)}")
            numbers.append(int(row.section_no))
            continue
        dept_key = (int(row.school_id), int(row.school_year), str(row.subject))
        i = counter.get(dept_key, 0)
        counter[dept_key] = i + 1
        per = ELEMENTARY_PE_SECTIONS if row.school_level == "Elementary" else SECTIONS_PER_TEACHER
        depts.append(str(row.subject))
        numbers.append(i // per)
    sec["dept"], sec["number"] = depts, numbers
    return df.merge(sec[[*key, "section_id", "dept", "number"]], on=key)


def _positions(
    spells: pd.DataFrame, chars: pd.DataFrame, taught: pd.DataFrame
) -> dict[int, list[Slot]]:
    """The positions each school year needs."""
    out: dict[int, list[Slot]] = {}
    stud = spells.drop_duplicates(["student_id", "school_id", "school_year"])
    iep = chars.loc[chars["has_iep"].fillna(False).astype(bool), ["student_id", "school_year"]]
    n_iep = stud.merge(iep).groupby(["school_id", "school_year"]).size()
    for (school, year), n in stud.groupby(["school_id", "school_year"]).size().items():
        s, y = int(school), int(year)
        slots: list[Slot] = [(s, "principal", "", 0)]
        slots += [(s, "assistant_principal", "", i) for i in range(int(n) // STUDENTS_PER_AP)]
        counsellors = max(1, round(int(n) / STUDENTS_PER_COUNSELLOR))
        slots += [(s, "counsellor", "", i) for i in range(counsellors)]
        m = int(n_iep.get((school, year), 0))
        slots += [(s, "case_manager", "", i) for i in range(-(-m // IEP_PER_CASE_MANAGER))]
        out.setdefault(y, []).extend(slots)
    teach = taught[["school_id", "school_year", "dept", "number"]].drop_duplicates()
    for row in teach.itertuples(index=False):
        out.setdefault(int(row.school_year), []).append(
            (int(row.school_id), "teacher", str(row.dept), int(row.number))
        )
    for y in out:
        out[y] += [(0, "district_analyst", "", i) for i in range(DISTRICT_ANALYSTS)]
    return out


def _holds(
    positions: dict[int, list[Slot]], as_of: dt.date, rng: np.random.Generator
) -> list[_Hold]:
    """Who holds each position when: turnover each summer, a few leavers this year."""
    holds: list[_Hold] = []
    current: dict[Slot, _Hold] = {}
    seq = 0

    def hire(slot: Slot, begin: dt.date) -> None:
        nonlocal seq
        seq += 1
        h = _Hold(slot, f"E{seq:05d}", begin, None)
        holds.append(h)
        current[slot] = h

    years = sorted(positions)
    for y in years:
        needed = sorted(set(positions[y]))
        for slot in sorted(set(current) - set(needed)):
            current.pop(slot).end = _year_end(y - 1)
        for slot in needed:
            rate = TURNOVER.get(slot[1], LEADER_TURNOVER)
            if slot in current and rng.random() < rate:
                current.pop(slot).end = _year_end(y - 1)
            if slot not in current:
                hire(slot, _year_start(y))
    last = years[-1]
    first_day = dt.date(last - 1, 8, 15)
    if (as_of - first_day).days >= 20:
        open_slots = sorted(s for s in current if s[1] != "district_analyst")
        pick = rng.random(len(open_slots)) < MID_YEAR_LEAVERS
        # at least one teacher and one counsellor leave, for the access rules to show
        for role in ("teacher", "counsellor"):
            idx = [i for i, s in enumerate(open_slots) if s[1] == role]
            if idx and not pick[idx].any():
                pick[idx[int(rng.integers(len(idx)))]] = True
        for slot, leave in zip(open_slots, pick, strict=True):
            if not leave:
                continue
            span = (as_of - first_day).days - 5
            end = first_day + dt.timedelta(days=int(rng.integers(5, span)))
            current.pop(slot).end = end
            hire(slot, end + dt.timedelta(days=1))
    return holds


def _with_holders(rows: pd.DataFrame, holds: pd.DataFrame) -> pd.DataFrame:
    """Rows with a slot and a span (begin, end) cut to each holder's days."""
    df = rows.merge(holds, on=["slot_school", "role", "dept", "number"])
    begin = np.maximum(df["begin"].to_numpy(), df["h_begin"].to_numpy())
    end = np.minimum(df["end"].to_numpy(), df["h_end"].to_numpy())
    keep = begin <= end
    df = df.loc[keep].assign(begin_date=begin[keep], end_date=end[keep])
    return df


def _hold_frame(holds: list[_Hold], open_end: dt.date) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "slot_school": [h.slot[0] for h in holds],
            "role": [h.slot[1] for h in holds],
            "dept": [h.slot[2] for h in holds],
            "number": [h.slot[3] for h in holds],
            "staff_id": [h.staff_id for h in holds],
            "h_begin": pd.to_datetime([h.begin for h in holds]),
            "h_end": pd.to_datetime([h.end or open_end for h in holds]),
        }
    )


def _spans(df: pd.DataFrame, open_end: pd.Timestamp) -> pd.DataFrame:
    """begin/end of a spell: its entry and exit (an open spell runs to ``open_end``)."""
    return df.assign(
        begin=pd.to_datetime(df["entry_date"]),
        end=pd.to_datetime(df["exit_date"]).fillna(open_end),
    )


def _open(end: pd.Series, open_end: pd.Timestamp) -> pd.Series:
    """End dates as dates, null where the span is still open."""
    d = pd.to_datetime(end)
    return d.dt.date.where(d < open_end, None).astype(object)


def _caseloads(
    spells: pd.DataFrame,
    students: pd.DataFrame,
    chars: pd.DataFrame,
    positions: dict[int, list[Slot]],
    hf: pd.DataFrame,
    open_end: pd.Timestamp,
) -> pd.DataFrame:
    counts: dict[tuple[int, int, str], int] = {}
    for y, slots in positions.items():
        for s, role, _d, _n in slots:
            if role in ("counsellor", "case_manager"):
                counts[(s, y, role)] = counts.get((s, y, role), 0) + 1
    sp = _spans(spells, open_end).merge(students[["student_id", "last_name"]], how="left")
    sp["last_name"] = sp["last_name"].fillna("").str.upper()
    parts = []
    # counsellors: alphabetical split, or one class each in a four-counsellor high school
    sp = sp.sort_values(["school_id", "school_year", "last_name", "student_id"])
    one = sp.drop_duplicates(["student_id", "school_id", "school_year"])
    grp = one.groupby(["school_id", "school_year"], sort=False)
    n = grp["student_id"].transform("size").to_numpy()
    rank = grp.cumcount().to_numpy()
    c = np.array(
        [
            counts.get((int(s), int(y), "counsellor"), 1)
            for s, y in zip(one["school_id"], one["school_year"], strict=True)
        ]
    )
    number = rank * c // n
    by_grade = (c == 4) & (one["grade_level"].to_numpy() >= 9)
    number = np.where(by_grade, np.clip(one["grade_level"].to_numpy() - 9, 0, 3), number)
    one = one.assign(number=number)[["student_id", "school_id", "school_year", "number"]]
    parts.append(sp.merge(one).assign(role="counsellor", caseload_type="counselling"))
    iep = chars.loc[chars["has_iep"].fillna(False).astype(bool), ["student_id", "school_year"]]
    ie = one.drop(columns="number").merge(iep)
    ie = ie.sort_values(["school_id", "school_year", "student_id"])
    m = np.array(
        [
            counts.get((int(s), int(y), "case_manager"), 1)
            for s, y in zip(ie["school_id"], ie["school_year"], strict=True)
        ]
    )
    ie = ie.assign(number=ie.groupby(["school_id", "school_year"]).cumcount().to_numpy() % m)
    parts.append(sp.merge(ie).assign(role="case_manager", caseload_type="case_management"))
    cl = pd.concat(parts, ignore_index=True).assign(slot_school=lambda d: d["school_id"], dept="")
    cl = _with_holders(cl, hf)
    return pd.DataFrame(
        {
            "staff_id": cl["staff_id"],
            "student_id": cl["student_id"],
            "school_id": cl["school_id"],
            "school_year": cl["school_year"],
            "caseload_type": cl["caseload_type"],
            "begin_date": pd.to_datetime(cl["begin_date"]).dt.date,
            "end_date": _open(cl["end_date"], open_end),
        }
    ).sort_values(["staff_id", "student_id", "begin_date"], ignore_index=True)


def _people(holds: list[_Hold], students: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    firsts = students["first_name"].dropna().unique()
    lasts = students["last_name"].dropna().unique()
    ids = [h.staff_id for h in holds]
    first = firsts[rng.integers(0, len(firsts), len(ids))] if len(firsts) else [None] * len(ids)
    last = lasts[rng.integers(0, len(lasts), len(ids))] if len(lasts) else [None] * len(ids)
    email = [
        f"{str(f).lower()}.{str(la).lower()}.{i.lower()}@district.example".replace(" ", "")
        for f, la, i in zip(first, last, ids, strict=True)
    ]
    return pd.DataFrame({"staff_id": ids, "first_name": first, "last_name": last, "email": email})


def staff_tables(
    raw: dict[str, pd.DataFrame], catalog: pd.DataFrame, seed: int, as_of: dt.date
) -> dict[str, pd.DataFrame]:
    """The staff raw tables of a district whose other raw tables are ``raw``."""
    rng = np.random.default_rng(seed + 15_015)
    en = raw["enrollments"]
    spells = en[
        ["student_id", "school_id", "school_year", "grade_level", "entry_date", "exit_date"]
    ].copy()
    open_end = pd.Timestamp(as_of) + pd.Timedelta(days=36_500)
    courses = _student_courses(raw, spells)
    taught = _sections(courses, catalog, rng)
    chars = raw["student_characteristics"]
    positions = _positions(spells, chars, taught)
    holds = _holds(positions, as_of, rng)
    hf = _hold_frame(holds, open_end.date())
    assignments = pd.DataFrame(
        {
            "staff_id": [h.staff_id for h in holds],
            "school_id": pd.array([h.slot[0] or None for h in holds], dtype="Int64"),
            "staff_role": [h.slot[1] for h in holds],
            "begin_date": [h.begin for h in holds],
            "end_date": [h.end for h in holds],
        }
    )
    # section membership: each spell at the school, cut to the course's sections
    se = taught.merge(spells, on=["student_id", "school_id", "school_year"])
    se = _spans(se, open_end)
    sections = taught.drop_duplicates("section_id")
    first_day = spells.groupby(["school_id", "school_year"])["entry_date"].min().rename("fd")
    teach = sections.merge(first_day.reset_index()).assign(
        begin=lambda d: pd.to_datetime(d["fd"]),
        end=lambda d: pd.to_datetime([_year_end(int(y)) for y in d["school_year"]]).where(
            d["school_year"] < max(positions), open_end
        ),
        slot_school=lambda d: d["school_id"],
        role="teacher",
    )
    ss = _with_holders(teach, hf)
    return {
        "staff": _people(holds, raw["students"], rng),
        "staff_assignments": assignments,
        "staff_caseloads": _caseloads(spells, raw["students"], chars, positions, hf, open_end),
        "sections": sections[["section_id", "school_id", "school_year", "course_code"]]
        .sort_values("section_id")
        .reset_index(drop=True),
        "section_staff": pd.DataFrame(
            {
                "section_id": ss["section_id"],
                "staff_id": ss["staff_id"],
                "begin_date": pd.to_datetime(ss["begin_date"]).dt.date,
                "end_date": _open(ss["end_date"], open_end),
            }
        ).sort_values(["section_id", "begin_date"], ignore_index=True),
        "section_enrollments": pd.DataFrame(
            {
                "section_id": se["section_id"],
                "student_id": se["student_id"],
                "school_id": se["school_id"],
                "school_year": se["school_year"],
                "begin_date": pd.to_datetime(se["begin"]).dt.date,
                "end_date": _open(se["end"], open_end),
            }
        ).sort_values(["section_id", "student_id", "begin_date"], ignore_index=True),
    }
