"""``k12ews publish``: access by role enforced on the PostgreSQL peer (docs/access.md).

After ``dbt build --target postgres`` has built the SQL layer (and with it
``core.fct_staff_student_access`` and the seeds ``access_rules`` and
``access_column_classes``), publishing:

- creates a group role per role class (``k12ews_<role class>``, no login) and a login
  role per staff member of ``raw.staff`` (``staff_<staff_id>``, lower case), a member of
  the groups of the role classes that grant it something on the as-of date; a staff
  member whose assignments have all ended logs in to no group and sees nothing;
- records which login is which staff member (``access.staff_logins``);
- grants the groups usage of the published schemas (core, ews);
- on every published table with a ``student_id``, enables row-level security with one
  policy: a row is visible to a login whose staff member may see that student's core
  indicators in ``core.fct_staff_student_access`` (the access table itself: the staff
  member's own rows), or for a relation whose rows are records of a class (seed
  ``access_row_classes``: services, incidents), that class;
- grants each group SELECT on exactly the columns of the field classes its role class is
  allowed (seed ``access_column_classes``): a restricted column is readable only by the
  roles allowed it, and a view per group and table (schema ``access_<role class>``,
  ``security_invoker``, so the policy applies) holds those columns for ``select *``;
- grants the aggregate marts (no ``student_id``: school summaries, with cells under
  ``min_cell_size`` suppressed as built) to every group.

Publishing again replaces the policies, grants and views; the login roles of staff no
longer in ``raw.staff`` are kept (a DBA drops them) but belong to no group.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

PUBLISHED = ("core", "ews")
POLICY = "k12ews_staff_rows"
ACCESS_TABLE = "fct_staff_student_access"
_NAME = re.compile(r"[a-z0-9_]+")


@dataclass
class Published:
    logins: int = 0
    groups: list[str] = field(default_factory=list)
    policies: list[str] = field(default_factory=list)
    open_tables: list[str] = field(default_factory=list)
    views: int = 0


def login_name(staff_id: str) -> str:
    """The Postgres login of a staff member: ``staff_`` and the id, lower case, with any
    character outside a-z, 0-9 and _ written as _ (an id that collides is an error)."""
    return "staff_" + re.sub(r"[^a-z0-9_]", "_", staff_id.lower())


def group_name(role_class: str) -> str:
    return f"k12ews_{role_class}"


def _ident(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValueError(f"not a plain SQL name: {name!r}")
    return f'"{name}"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _fetch(cur: Any, sql: str) -> list[tuple[Any, ...]]:
    cur.execute(sql)
    return list(cur.fetchall())


def _relations(cur: Any) -> dict[str, list[str]]:
    """schema.table -> its columns, for the published tables."""
    rows = _fetch(
        cur,
        "select c.table_schema, c.table_name, c.column_name from information_schema.columns c "
        "join information_schema.tables t on t.table_schema = c.table_schema "
        "and t.table_name = c.table_name and t.table_type = 'BASE TABLE' "
        f"where c.table_schema in ({', '.join(_lit(s) for s in PUBLISHED)}) "
        "order by c.table_schema, c.table_name, c.ordinal_position",
    )
    out: dict[str, list[str]] = {}
    for schema, table, column in rows:
        out.setdefault(f"{schema}.{table}", []).append(column)
    return out


def _role_exists(cur: Any, name: str) -> bool:
    return bool(_fetch(cur, f"select 1 from pg_roles where rolname = {_lit(name)}"))


def publish(con: Any) -> Published:
    """Publish access on the connected database (a superuser connection); one transaction."""
    cur = con.cursor()
    out = Published()
    rules = _fetch(cur, "select role_class, field_class from seeds.access_rules")
    classes = {
        (r, c): f
        for r, c, f in _fetch(
            cur, "select relation_name, column_name, field_class from seeds.access_column_classes"
        )
    }
    row_classes = dict(
        _fetch(cur, "select relation_name, field_class from seeds.access_row_classes")
    )
    allowed: dict[str, set[str]] = {}
    for role_class, field_class in rules:
        allowed.setdefault(role_class, set()).add(field_class)
    relations = _relations(cur)
    staff = [r[0] for r in _fetch(cur, "select staff_id from raw.staff order by staff_id")]
    grants = _fetch(
        cur, f"select distinct staff_id, role_class from core.{ACCESS_TABLE} order by 1, 2"
    )
    logins = {login_name(s): s for s in staff}
    if len(logins) != len(staff):
        raise ValueError("two staff ids give the same login name; rename one in raw.staff")
    groups = sorted(allowed)
    for g in groups:
        name = group_name(g)
        _ident(name)
        if not _role_exists(cur, name):
            cur.execute(f"create role {name} nologin")
        # a fresh start: the group's memberships are given again below
        for (member,) in _fetch(
            cur,
            "select m.rolname from pg_auth_members a join pg_roles m on m.oid = a.member "
            f"join pg_roles g on g.oid = a.roleid where g.rolname = {_lit(name)}",
        ):
            cur.execute(f'revoke {name} from "{member}"')
    out.groups = [group_name(g) for g in groups]
    for login in logins:
        _ident(login)
        if not _role_exists(cur, login):
            cur.execute(f"create role {login} login")
    for staff_id, role_class in grants:
        if role_class in allowed:
            cur.execute(f"grant {group_name(role_class)} to {login_name(staff_id)}")
    out.logins = len(logins)
    everyone = ", ".join(out.groups)
    cur.execute("create schema if not exists access")
    cur.execute(
        "create table if not exists access.staff_logins "
        "(login_name text primary key, staff_id text not null)"
    )
    cur.execute("truncate access.staff_logins")
    cur.executemany("insert into access.staff_logins values (%s, %s)", sorted(logins.items()))
    cur.execute(f"grant usage on schema access to {everyone}")
    cur.execute(f"grant select on access.staff_logins to {everyone}")
    for schema in PUBLISHED:
        cur.execute(f"grant usage on schema {schema} to {everyone}")
        cur.execute(f"revoke all on all tables in schema {schema} from {everyone}")
    mine = "(select l.staff_id from access.staff_logins l where l.login_name = current_user)"
    for relation, columns in relations.items():
        if "student_id" not in columns:
            cur.execute(f"grant select on {relation} to {everyone}")
            out.open_tables.append(relation)
            continue
        cur.execute(f"alter table {relation} enable row level security")
        cur.execute(f"drop policy if exists {POLICY} on {relation}")
        if relation == f"core.{ACCESS_TABLE}":
            using = f"staff_id = {mine}"
        else:
            row_class = _lit(row_classes.get(relation, "core_indicators"))
            using = (
                f"student_id in (select a.student_id from core.{ACCESS_TABLE} a "
                f"where a.staff_id = {mine} and a.field_class = {row_class})"
            )
        cur.execute(
            f"create policy {POLICY} on {relation} for select to {everyone} using ({using})"
        )
        out.policies.append(relation)
        missing = [c for c in columns if (relation, c) not in classes]
        if missing:
            raise ValueError(
                f"{relation}: columns without a field class in seed access_column_classes: "
                f"{', '.join(missing)}"
            )
        for g in groups:
            cols = [c for c in columns if classes[(relation, c)] in allowed[g]]
            if not cols:
                continue
            col_list = ", ".join(f'"{c}"' for c in cols)
            cur.execute(f"grant select ({col_list}) on {relation} to {group_name(g)}")
            view_schema = f"access_{g}"
            _ident(view_schema)
            cur.execute(f"create schema if not exists {view_schema}")
            cur.execute(f"grant usage on schema {view_schema} to {group_name(g)}")
            view = f"{view_schema}.{relation.split('.')[1]}"
            cur.execute(f"drop view if exists {view}")
            cur.execute(
                f"create view {view} with (security_invoker = true) as "
                f"select {col_list} from {relation}"
            )
            cur.execute(f"grant select on {view} to {group_name(g)}")
            out.views += 1
    con.commit()
    return out


def unprotected(cur: Any) -> list[str]:
    """Published tables with a ``student_id`` and no row-level security policy."""
    rows = _fetch(
        cur,
        "select c.table_schema || '.' || c.table_name from information_schema.columns c "
        "join information_schema.tables t on t.table_schema = c.table_schema "
        "and t.table_name = c.table_name and t.table_type = 'BASE TABLE' "
        f"where c.column_name = 'student_id' and c.table_schema in "
        f"({', '.join(_lit(s) for s in PUBLISHED)}) "
        "and (not exists (select 1 from pg_policies p where p.schemaname = c.table_schema "
        "and p.tablename = c.table_name) "
        "or not exists (select 1 from pg_class k join pg_namespace n on n.oid = k.relnamespace "
        "where n.nspname = c.table_schema and k.relname = c.table_name and k.relrowsecurity)) "
        "order by 1",
    )
    return [r[0] for r in rows]
