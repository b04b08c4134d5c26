"""Mess in rows of any table: a school that stops sending attendance, codes in other
spellings their crosswalk seed lists, and rows written twice."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from k12ews import contract
from k12ews.messy.rates import MessRates
from k12ews.messy.work import Outcome, Work, pick, stream

# (table, column) -> code -> the other codes its seed gives the same meaning
Spellings = dict[tuple[str, str], dict[str, tuple[str, ...]]]


# the spellings a SIS extract writes (seed column code_source); an Ed-Fi value is not one
SIS_SOURCES = ("k12ews", "sis")


def spelling_alternatives(seeds_dir: Path) -> Spellings:
    """Codes with other spellings: rows of a crosswalk seed whose columns other than the
    code (the first column) and its source are identical are spellings of one meaning.
    Only the contract's codes and SIS spellings are used (not Ed-Fi descriptor values)."""
    out: Spellings = {}
    for t in contract.TABLES:
        for c in t.columns:
            if c.codes is None or c.type != "VARCHAR":
                continue
            path = Path(seeds_dir) / f"{c.codes}.csv"
            if not path.is_file():
                raise ValueError(f"no crosswalk seed {path} (the other spellings come from it)")
            with path.open(encoding="utf-8", newline="") as f:
                header, *rows = list(csv.reader(f))
            source = header.index("code_source") if "code_source" in header else None
            by_meaning: dict[tuple[str, ...], list[str]] = {}
            for row in rows:
                if source is not None and row[source] not in SIS_SOURCES:
                    continue
                meaning = tuple(v for i, v in enumerate(row) if i not in (0, source))
                by_meaning.setdefault(meaning, []).append(row[0])
            alts = {
                code: tuple(other for other in codes if other != code)
                for codes in by_meaning.values()
                if len(codes) > 1
                for code in codes
            }
            if alts:
                out[(t.name, c.name)] = alts
    return out


def attendance_stops(work: Work, rates: MessRates, seed: int) -> Outcome:
    """Drop the attendance events of chosen schools after a stop date."""
    con = work.con
    schools = [
        int(r[0])
        for r in con.execute(
            "SELECT DISTINCT school_id FROM m_attendance_events WHERE school_year = "
            "(SELECT max(school_year) FROM m_attendance_events) ORDER BY school_id"
        ).fetchall()
    ]
    out = Outcome("attendance_stops", len(schools))
    n = min(rates.attendance_stop_schools, len(schools))
    row = con.execute("SELECT max(event_date) FROM m_attendance_events").fetchone()
    last: dt.date | None = row[0] if row else None
    if n == 0 or last is None:
        return out
    chosen = sorted(stream(seed, out.kind).choice(len(schools), size=n, replace=False))
    after = last - dt.timedelta(days=rates.attendance_stop_days)
    for i in chosen:
        where = f"school_id = {schools[i]} AND event_date > DATE '{after.isoformat()}'"
        dropped = con.execute(f"SELECT count(*) FROM m_attendance_events WHERE {where}").fetchone()
        con.execute(f"DELETE FROM m_attendance_events WHERE {where}")
        out.changes.append(
            {
                "school_id": schools[i],
                "after_date": after.isoformat(),
                "rows_dropped": int(dropped[0]) if dropped else 0,
            }
        )
    return out


def other_spellings(work: Work, rates: MessRates, seed: int, spellings: Spellings) -> Outcome:
    """Write some codes in another spelling that their seed gives the same meaning."""
    out = Outcome("other_spellings", 0)
    rng = stream(seed, out.kind)
    for (table, column), alts in spellings.items():
        codes = ", ".join("'" + code.replace("'", "''") + "'" for code in alts)
        got = work.con.execute(
            f'SELECT _rid, "{column}" AS code FROM {work.relation(table)} '
            f'WHERE "{column}" IN ({codes}) ORDER BY _rid'
        ).fetchnumpy()
        out.eligible += len(got["_rid"])
        chosen = pick(rng, len(got["_rid"]), rates.other_spelling)
        if len(chosen) == 0:
            continue
        rids = np.asarray(got["_rid"], dtype=np.int64)[chosen]
        old = [str(got["code"][i]) for i in chosen]
        new = [alts[o][int(rng.integers(len(alts[o])))] for o in old]
        keys = work.rows(table, rids, contract.table(table).keys)
        out.changes += [
            {"table": table, "column": column, "key": k, "old": o, "new": n}
            for k, o, n in zip(keys, old, new, strict=True)
        ]
        work.update(table, column, rids, new)
    return out


def duplicates(work: Work, table: str, kind: str, rate: float, seed: int) -> Outcome:
    """Write some rows of ``table`` twice, byte-identical (copies of the rows as they are
    after every other kind of mess)."""
    rids = work.rids(f'SELECT _rid FROM "m_{table}" ORDER BY _rid')
    out = Outcome(kind, len(rids))
    chosen = rids[pick(stream(seed, kind), len(rids), rate)]
    if len(chosen) == 0:
        return out
    out.changes = [
        {"table": table, "row": row}
        for row in work.rows(table, chosen, contract.table(table).column_names)
    ]
    work.con.register("_copies", pd.DataFrame({"_rid": chosen}))
    try:
        work.con.execute(
            f'INSERT INTO "m_{table}" SELECT * FROM "m_{table}" '
            "WHERE _rid IN (SELECT _rid FROM _copies)"
        )
    finally:
        work.con.unregister("_copies")
    return out
