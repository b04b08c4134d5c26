"""Compare the relations of two DuckDB warehouses row for row (a test helper)."""

from __future__ import annotations

from pathlib import Path

import duckdb


def tables(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...]) -> list[tuple[str, str]]:
    """(schema, name) of every table and view of ``schemas`` in the current database."""
    return [
        (str(r[0]), str(r[1]))
        for r in con.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_catalog = current_database() and table_schema in {schemas} "
            "order by 1, 2"
        ).fetchall()
    ]


def differences(
    a: Path,
    b: Path,
    schemas: tuple[str, ...],
    b_values: dict[str, str] | None = None,
    b_subset: bool = False,
) -> list[str]:
    """Each relation's rows that one database has more often than the other (a view is
    computed once on each side: the rows of both, counted +1 and -1, must cancel).

    ``b_values`` maps text values of ``b`` back to ``a``'s (codes a district renamed):
    every text column of ``b`` is read through it. ``b_subset``: ``b`` was built from a
    selection of the models, so only its relations are compared (each must be in ``a``).
    """
    con = duckdb.connect()
    con.execute(f"attach '{a}' as a (read_only)")
    con.execute(f"attach '{b}' as b (read_only)")
    con.execute("use a")
    left = tables(con, schemas)
    con.execute("use b")
    right = tables(con, schemas)
    if b_subset:
        assert set(right) <= set(left), f"not in a: {sorted(set(right) - set(left))}"
        left = right
    assert left == right, "different tables"
    assert left, "nothing to compare"
    if b_values:
        con.execute("create temp table _renamed (new varchar, old varchar)")
        con.executemany("insert into _renamed values (?, ?)", list(b_values.items()))
    out = []
    for schema, name in left:
        b_side = f'b."{schema}"."{name}"'
        if b_values:
            cols = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_catalog = 'b' and table_schema = ? and table_name = ? "
                "order by ordinal_position",
                [schema, name],
            ).fetchall()
            exprs = [
                f'coalesce((select old from _renamed where new = t."{c}"), t."{c}") as "{c}"'
                if str(t).upper() == "VARCHAR"
                else f't."{c}"'
                for c, t in cols
            ]
            b_side = f"(select {', '.join(exprs)} from {b_side} as t)"
        surplus = con.execute(
            "select coalesce(sum(n) filter (where n > 0), 0), coalesce(-sum(n) filter "
            "(where n < 0), 0) from (select * exclude (_side), sum(_side) as n from ("
            f'select *, 1 as _side from a."{schema}"."{name}" union all '
            f"select *, -1 as _side from {b_side}) as both_sides "
            "group by all having sum(_side) <> 0)"
        ).fetchone()
        if surplus and (surplus[0] or surplus[1]):
            out.append(
                f"{schema}.{name}: {surplus[0]} rows of a not in b, {surplus[1]} of b not in a"
            )
    con.close()
    return out
