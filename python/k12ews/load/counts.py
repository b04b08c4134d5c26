"""A load's counts: rows read, loaded, rejected and merged per file, the rejects by
rule, the first problems to report (:class:`k12ews.load.result.LoadResult`), and the
``_counts`` temp table that becomes ``audit.raw_loads``."""

from __future__ import annotations

import duckdb

from k12ews import contract
from k12ews.load import checks, rules
from k12ews.load.read import Staged
from k12ews.load.result import (
    EXAMPLES_PER_RULE,
    REPORT_LIMIT,
    FileCounts,
    LoadResult,
    Mode,
    Problem,
)


def _file_rule_counts(con: duckdb.DuckDBPyConnection, relation: str) -> dict[tuple[str, str], int]:
    order = {name: i for i, name in enumerate([*rules.RULES, *rules.ADJUSTMENTS])}
    files = {name: i for i, name in enumerate(rules.LOAD_ORDER)}
    rows = con.execute(f"SELECT table_name, file, rule, count(*) FROM {relation} GROUP BY ALL")
    found = sorted(
        rows.fetchall(), key=lambda r: (files.get(str(r[0]), 99), order.get(str(r[2]), 99))
    )
    return {(str(f), str(r)): int(n) for _, f, r, n in found}


def counts(
    con: duckdb.DuckDBPyConnection, staged: dict[str, Staged], merged: dict[str, int], mode: Mode
) -> LoadResult:
    loaded = dict(
        con.execute(
            " UNION ALL ".join(
                f"SELECT {checks.lit(t.name)}, count(*) FROM _ok_{t.name}" for t in contract.TABLES
            )
        ).fetchall()
    )
    rejected = dict(
        con.execute("SELECT table_name, count(*) FROM _rejects GROUP BY table_name").fetchall()
    )
    files = []
    for t in contract.TABLES:
        s = staged[t.name]
        status = "absent" if s.fmt == "absent" else "empty" if s.rows_read == 0 else "loaded"
        counts = FileCounts(
            t.name,
            s.file,
            s.rows_read,
            int(loaded[t.name]),
            int(rejected.get(t.name, 0)),
            merged[t.name],
            status,
        )
        if counts.rows_read != counts.rows_loaded + counts.rows_rejected + counts.rows_merged:
            raise AssertionError(f"{s.file}: rows read != loaded + rejected + merged ({counts})")
        files.append(counts)
    by_file_rule = _file_rule_counts(con, "_rejects")
    by_rule: dict[str, int] = {}
    for (_, rule), n in by_file_rule.items():
        by_rule[rule] = by_rule.get(rule, 0) + n
    order = {name: i for i, name in enumerate(rules.LOAD_ORDER)}
    first = con.execute(
        "SELECT file, line, column_name, value, rule, message FROM _rejects "
        "QUALIFY row_number() OVER (PARTITION BY file, rule ORDER BY line) <= ? "
        "ORDER BY list_position(?, table_name), rule, line LIMIT ?",
        [EXAMPLES_PER_RULE, sorted(order, key=order.__getitem__), REPORT_LIMIT],
    ).fetchall()
    return LoadResult(
        mode=mode,
        files=files,
        rejects_by_rule=dict(sorted(by_rule.items(), key=lambda kv: _rule_rank(kv[0]))),
        rejects_by_file_rule=by_file_rule,
        adjustments_by_file_rule=_file_rule_counts(con, checks.ADJUSTMENTS),
        problems=[Problem(*r) for r in first],
    )


def _rule_rank(rule: str) -> int:
    return list(rules.RULES).index(rule) if rule in rules.RULES else len(rules.RULES)


def write_counts(con: duckdb.DuckDBPyConnection, result: LoadResult) -> None:
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _counts (table_name VARCHAR, file VARCHAR, "
        "mode VARCHAR, rows_read BIGINT, rows_loaded BIGINT, rows_rejected BIGINT, "
        "rows_merged BIGINT, status VARCHAR)"
    )
    con.executemany(
        "INSERT INTO _counts VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [
                f.table,
                f.file,
                result.mode,
                f.rows_read,
                f.rows_loaded,
                f.rows_rejected,
                f.rows_merged,
                f.status,
            ]
            for f in result.files
        ],
    )
