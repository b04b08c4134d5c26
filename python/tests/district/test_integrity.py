"""A generated district honours the raw contract: keys, references, dates, calendars."""

from __future__ import annotations

import json

import duckdb
import pytest

from k12ews.contract import TABLES


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.execute(sql).fetchone()[0])  # type: ignore[index]


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_columns_and_types_follow_the_contract(any_db: duckdb.DuckDBPyConnection, table) -> None:  # type: ignore[no-untyped-def]
    cols = any_db.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'raw' and table_name = ? order by ordinal_position",
        [table.name],
    ).fetchall()
    assert [(c.name, c.type) for c in table.columns] == cols


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_keys_unique_and_required_columns_filled(any_db: duckdb.DuckDBPyConnection, table) -> None:  # type: ignore[no-untyped-def]
    keys = ", ".join(table.keys)
    dupes = _one(
        any_db,
        f"select count(*) from (select {keys} from raw.{table.name} "
        "group by all having count(*) > 1)",
    )
    assert dupes == 0, f"{table.name}: {dupes} duplicated keys ({keys})"
    assert _one(any_db, f"select count(*) from raw.{table.name}") > 0
    for c in table.columns:
        if c.required:
            nulls = _one(any_db, f"select count(*) from raw.{table.name} where {c.name} is null")
            assert nulls == 0, f"{table.name}.{c.name} has {nulls} nulls"


@pytest.mark.parametrize("table", [t for t in TABLES if t.references], ids=lambda t: t.name)
def test_every_reference_resolves(any_db: duckdb.DuckDBPyConnection, table) -> None:  # type: ignore[no-untyped-def]
    for col, ref_table, ref_col in table.references:
        orphans = _one(
            any_db,
            # an empty reference points at nothing (a district-wide staff assignment
            # has no school): only a filled one must resolve
            f"select count(*) from raw.{table.name} t anti join raw.{ref_table} r "
            f"on t.{col} = r.{ref_col} where t.{col} is not null",
        )
        assert orphans == 0, f"{table.name}.{col}: {orphans} rows point at no {ref_table}"


def test_attendance_only_on_instructional_days_inside_an_enrollment(
    any_db: duckdb.DuckDBPyConnection,
) -> None:
    off_calendar = _one(
        any_db,
        "select count(*) from raw.attendance_events a left join raw.calendar_days c "
        "on c.school_id = a.school_id and c.calendar_date = a.event_date "
        "where not coalesce(c.is_instructional_day, false)",
    )
    outside = _one(
        any_db,
        "select count(*) from raw.attendance_events a anti join raw.enrollments e "
        "on e.student_id = a.student_id and e.school_id = a.school_id "
        "and a.event_date between e.entry_date and coalesce(e.exit_date, a.event_date)",
    )
    assert (off_calendar, outside) == (0, 0)


def test_events_fall_inside_an_enrollment(any_db: duckdb.DuckDBPyConnection) -> None:
    for table, date_col in (
        ("discipline_incidents", "incident_date"),
        ("assessments", "administration_date"),
    ):
        outside = _one(
            any_db,
            f"select count(*) from raw.{table} a anti join raw.enrollments e "
            f"on e.student_id = a.student_id and e.school_id = a.school_id "
            f"and a.{date_col} between e.entry_date and coalesce(e.exit_date, a.{date_col})",
        )
        assert outside == 0, f"{table}: {outside} rows outside an enrollment"


def test_enrollments_do_not_overlap_and_run_forward(any_db: duckdb.DuckDBPyConnection) -> None:
    backwards = _one(any_db, "select count(*) from raw.enrollments where exit_date < entry_date")
    overlaps = _one(
        any_db,
        "select count(*) from raw.enrollments a join raw.enrollments b "
        "on a.student_id = b.student_id and a.entry_date < b.entry_date "
        "and b.entry_date <= coalesce(a.exit_date, date '9999-12-31')",
    )
    assert (backwards, overlaps) == (0, 0)


def test_only_the_current_year_has_open_enrollments(any_db: duckdb.DuckDBPyConnection) -> None:
    years = any_db.execute(
        "select distinct school_year from raw.enrollments "
        "where exit_date is null or exit_code is null"
    ).fetchall()
    last = _one(any_db, "select max(school_year) from raw.enrollments")
    assert years == [(last,)]
    both = _one(
        any_db,
        "select count(*) from raw.enrollments where (exit_date is null) <> (exit_code is null)",
    )
    assert both == 0


def test_nothing_recorded_after_the_as_of_date(any_db: duckdb.DuckDBPyConnection) -> None:
    as_of = any_db.execute(
        "select value from truth.generation where key = 'as_of_date'"
    ).fetchone()[0]  # type: ignore[index]
    for table, col in (
        ("attendance_events", "event_date"),
        ("discipline_incidents", "incident_date"),
        ("assessments", "administration_date"),
        ("enrollments", "entry_date"),
        ("enrollments", "exit_date"),
        ("program_services", "start_date"),
        ("program_services", "end_date"),
        ("parent_contacts", "contact_date"),
    ):
        late = _one(any_db, f"select count(*) from raw.{table} where {col} > date '{as_of}'")
        assert late == 0, f"{table}.{col}: {late} rows after the as-of date {as_of}"


def test_birth_dates_plausible_for_grade(any_db: duckdb.DuckDBPyConnection) -> None:
    """Age on 1 September: 4-7 in kindergarten, at most 3 years over-age in K-8 (entered
    late, held back once), and no one past 21 (returning dropouts may be older for grade)."""
    ages = any_db.execute(
        "with a as (select e.grade_level, "
        "floor(date_diff('day', s.birth_date, make_date(e.school_year - 1, 9, 1)) / 365.25) as age "
        "from raw.enrollments e join raw.students s using (student_id)) "
        "select min(age) filter (where grade_level = 0), max(age) filter (where grade_level = 0), "
        "min(age - grade_level), max(age - grade_level) filter (where grade_level <= 8), max(age) "
        "from a"
    ).fetchone()
    assert ages is not None
    k_min, k_max, over_min, over_max_k8, oldest = ages
    assert k_min >= 4 and k_max <= 7, ages
    assert over_min >= 4 and over_max_k8 <= 8 and oldest <= 21, ages


def test_grade_spans_match_school_levels(any_db: duckdb.DuckDBPyConnection) -> None:
    wrong = _one(
        any_db,
        "select count(*) from raw.enrollments e join raw.schools s using (school_id) "
        "where e.grade_level not between s.low_grade and s.high_grade",
    )
    assert wrong == 0


def test_truth_probabilities_are_the_ones_drawn(national_db) -> None:  # type: ignore[no-untyped-def]
    """The truth schema records the probability each event was drawn with: across many
    draws the events occur at the recorded rate (a mismatch means truth and data disagree)."""
    con = duckdb.connect(str(national_db), read_only=True)
    rows = con.execute(
        "select event, avg(probability), avg(occurred::int), count(*) "
        "from truth.outcome_draws group by 1"
    ).fetchall()
    for event, p, rate, n in rows:
        se = max((p * (1 - p) / n) ** 0.5, 1e-4)
        assert abs(p - rate) < 4 * se + 0.002, (
            f"{event}: mean probability {p:.4f} vs rate {rate:.4f} (n={n})"
        )
    assert {r[0] for r in rows} >= {
        "dropout",
        "graduation",
        "retention",
        "transfer_out",
        "grade3_reading_proficient",
    }
    cfg = json.loads(
        con.execute("select value from truth.generation where key = 'config'").fetchone()[0]
    )  # type: ignore[index]
    assert cfg["profile"] == "national"
    con.close()


@pytest.mark.parametrize("students", [1_300, 10_000, 100_000, 400_000])
def test_school_ids_stay_unique_at_any_size(students: int) -> None:
    """Schools scale with enrollment (over 100 elementary schools at 100,000 students);
    their identifiers must never collide across levels."""
    from k12ews.synth.config import GenerateConfig
    from k12ews.synth.district import Simulation

    sim = Simulation(GenerateConfig(students=students, years=1, first_year=2024), None)
    ids = sim.schools_df["school_id"].tolist()
    assert len(ids) == len(set(ids))
    assert sim.schools_df.groupby("school_level").size().to_dict()["Elementary"] >= 1
