"""Access by role enforced on PostgreSQL (docs/access.md): the SQL layer built on a
throwaway server from the default district (``national_db``: 10,000 students a year, 12
years, as issue #15's bars ask), ``k12ews publish``, then a login as staff members of
each role.

- a principal sees exactly the students enrolled at her school on the as-of date;
- a counsellor exactly his current caseload;
- a teacher exactly her current section rosters, and no disability or discipline-detail
  column (a read of one is refused), and no service or incident row at all (seed
  access_row_classes);
- a staff member whose every assignment has ended sees nothing;
- a district analyst sees every row;
- every published table with a ``student_id`` has a row-level security policy.

The expected students are read from the raw tables as the server's superuser.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dbt_runner import REPO, run_dbt

from k12ews.engines.postgres_access import login_name, unprotected
from k12ews.engines.postgres_server import PostgresServer, running_postgres
from k12ews.export import export_raw

pytestmark = pytest.mark.engines


def _module(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO, env=env, capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def server(national_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    work = tmp_path_factory.mktemp("access_publish")
    export_raw(national_db, work / "parquet", "parquet")
    with running_postgres() as pg:
        env = {**os.environ, **pg.env()}
        proc = _module(env, "k12ews.engines.postgres_load", str(work / "parquet"))
        assert proc.returncode == 0, proc.stderr[-3000:]
        with pytest.MonkeyPatch.context() as patch:
            for key, value in env.items():
                patch.setenv(key, value)
            for command in ("seed", "run"):
                proc = run_dbt(
                    work / "unused.duckdb",
                    work,
                    command,
                    "--target",
                    "postgres",
                    "--selector",
                    "sql_layer",
                )
                assert proc.returncode == 0, proc.stdout[-4000:]
        proc = _module(env, "k12ews.cli", "publish")
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        assert "row-level security on" in proc.stdout
        yield pg


def _connect(pg: PostgresServer, user: str) -> Any:
    import psycopg2

    return psycopg2.connect(host=pg.host, port=pg.port, user=user, dbname=pg.database)


def _rows(pg: PostgresServer, user: str, sql: str) -> list[tuple[Any, ...]]:
    con = _connect(pg, user)
    try:
        cur = con.cursor()
        cur.execute(sql)
        return list(cur.fetchall())
    finally:
        con.close()


def _ids(pg: PostgresServer, user: str, sql: str) -> set[str]:
    return {r[0] for r in _rows(pg, user, sql)}


@pytest.fixture(scope="module")
def as_of(server: PostgresServer) -> dt.date:
    return _rows(server, server.user, "select as_of_date from int.int_warehouse__as_of_date")[0][0]


def _current(as_of: dt.date, begin: str = "begin_date", end: str = "end_date") -> str:
    day = f"date '{as_of.isoformat()}'"
    return f"{begin} <= {day} and ({end} is null or {end} >= {day})"


def _staff(pg: PostgresServer, as_of: dt.date, role: str) -> list[tuple[str, int | None]]:
    return [
        (r[0], r[1])
        for r in _rows(
            pg,
            pg.user,
            f"select staff_id, school_id from raw.staff_assignments "
            f"where staff_role = '{role}' and {_current(as_of)} order by staff_id",
        )
    ]


def test_a_principal_sees_exactly_her_school(server: PostgresServer, as_of: dt.date) -> None:
    principals = _staff(server, as_of, "principal")
    assert principals
    for staff_id, school in principals:
        expected = _ids(
            server,
            server.user,
            f"select student_id from core.fct_enrollments where school_id = {school} "
            f"and {_current(as_of, 'entry_date', 'exit_date')}",
        )
        seen = _ids(server, login_name(staff_id), "select student_id from core.dim_student")
        assert seen == expected and seen, staff_id
        years = _ids(server, login_name(staff_id), "select student_id from ews.ews_student_year")
        assert years <= expected and years
        # she holds the classes of service and incident rows (seed access_row_classes)
        for relation in ("core.fct_program_services", "core.fct_discipline"):
            records = _ids(server, login_name(staff_id), f"select student_id from {relation}")
            assert records <= expected and records, relation


def test_a_counsellor_sees_exactly_his_caseload(server: PostgresServer, as_of: dt.date) -> None:
    counsellors = _staff(server, as_of, "counsellor")
    assert counsellors
    for staff_id, school in counsellors:
        expected = _ids(
            server,
            server.user,
            f"select student_id from raw.staff_caseloads where staff_id = '{staff_id}' "
            f"and school_id = {school} and {_current(as_of)}",
        )
        seen = _ids(server, login_name(staff_id), "select student_id from core.dim_student")
        assert seen == expected and seen, staff_id


def test_a_teacher_sees_her_rosters_and_no_restricted_column(
    server: PostgresServer, as_of: dt.date
) -> None:
    import psycopg2

    teachers = _staff(server, as_of, "teacher")
    assert teachers
    checked = 0
    for staff_id, school in teachers[:8]:
        expected = _ids(
            server,
            server.user,
            "select e.student_id from raw.section_enrollments e "
            "join raw.section_staff t on t.section_id = e.section_id "
            "join raw.sections s on s.section_id = e.section_id "
            f"where t.staff_id = '{staff_id}' and s.school_id = {school} "
            f"and {_current(as_of, 't.begin_date', 't.end_date')} "
            f"and {_current(as_of, 'e.begin_date', 'e.end_date')}",
        )
        seen = _ids(server, login_name(staff_id), "select student_id from core.dim_student")
        assert seen == expected, staff_id
        checked += bool(seen)
        # a service or an incident row is a record of its class, not a core indicator:
        # not one row of either, though their student, school and year columns are core
        for relation in ("core.fct_program_services", "core.fct_discipline"):
            assert _rows(server, login_name(staff_id), f"select count(*) from {relation}") == [
                (0,)
            ], relation
        for sql in (
            "select has_iep from ews.ews_student_year",
            "select has_504_plan from core.dim_student",
            "select days_removed from ews.ews_student_year",
            "select incident_id from core.fct_discipline",
            "select * from ews.ews_student_year",
        ):
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                _rows(server, login_name(staff_id), sql)
        view = _connect(server, login_name(staff_id))
        try:
            cur = view.cursor()
            cur.execute("select * from access_teacher.ews_student_year")
            columns = {d[0] for d in cur.description}
            assert {r[0] for r in cur.fetchall()} <= expected
        finally:
            view.close()
        assert "student_id" in columns and not {"has_iep", "days_removed"} & columns
    assert checked


def test_an_ended_assignment_sees_nothing(server: PostgresServer, as_of: dt.date) -> None:
    ended = _rows(
        server,
        server.user,
        "select staff_id from raw.staff_assignments group by staff_id "
        f"having max(coalesce(end_date, date '9999-12-31')) < date '{as_of.isoformat()}' "
        "and max(end_date) > date "
        f"'{dt.date(as_of.year - (as_of.month < 7), 7, 1).isoformat()}'",
    )
    assert ended, "the generator ends some assignments before the as-of date"
    import psycopg2

    for (staff_id,) in ended:
        login = login_name(staff_id)
        for table in ("core.dim_student", "ews.ews_student_year", "core.fct_staff_student_access"):
            # she belongs to no role group: every read is refused, no row comes back
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                _rows(server, login, f"select count(*) from {table}")
        # she can still log in: the refusal is the grants', not a missing login
        assert _rows(server, login, "select current_user") == [(login,)]


def test_a_district_analyst_sees_everything(server: PostgresServer, as_of: dt.date) -> None:
    analysts = _staff(server, as_of, "district_analyst")
    assert analysts
    for table in ("core.dim_student", "ews.ews_student_year", "core.fct_program_services"):
        total = _rows(server, server.user, f"select count(*) from {table}")
        for staff_id, _ in analysts:
            assert _rows(server, login_name(staff_id), f"select count(*) from {table}") == total


def test_every_published_table_with_student_rows_has_a_policy(server: PostgresServer) -> None:
    con = _connect(server, server.user)
    try:
        assert unprotected(con.cursor()) == []
    finally:
        con.close()
