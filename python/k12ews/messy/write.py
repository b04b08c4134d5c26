"""Write a generated district's raw tables as a messy export, with its manifest.

The kinds of mess are applied in the order of :data:`k12ews.messy.work.KINDS`: each
sees the rows as the kinds before it left them (duplicates copy rows after every other
change). ``messy_manifest.json`` beside the files records the seed, the rates, and for
each kind how many rows could have been changed and exactly which were, so a test can
measure what a loader recovers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from k12ews import contract, warehouse
from k12ews.export import FORMATS, Format, check_format, check_raw_schema, write_query
from k12ews.messy import enrollments, rows
from k12ews.messy.rates import MessRates
from k12ews.messy.work import KINDS, Outcome, Work

MANIFEST = "messy_manifest.json"
DEFAULT_SEEDS = Path(__file__).resolve().parents[3] / "seeds"
# tables every messy export changes (besides those with codes in other spellings)
CHANGED_TABLES = ("enrollments", "attendance_events", "student_characteristics")


@dataclass(frozen=True)
class MessyResult:
    written: dict[str, int]  # rows written per table, in contract order
    missing: tuple[str, ...]  # tables whose file was not written
    outcomes: tuple[Outcome, ...]
    manifest: Path


def check_drop_tables(names: Iterable[str]) -> tuple[str, ...]:
    """The tables to leave out, in contract order; ``ValueError`` on an unknown name."""
    asked = [n.strip() for n in names if n.strip()]
    unknown = sorted(set(asked) - set(contract.TABLE_BY_NAME))
    if unknown:
        raise ValueError(
            f"unknown table(s) to drop: {', '.join(unknown)}; "
            f"known: {', '.join(t.name for t in contract.TABLES)}"
        )
    return tuple(t.name for t in contract.TABLES if t.name in asked)


def _mess(work: Work, rates: MessRates, seed: int, spellings: rows.Spellings) -> list[Outcome]:
    steps: list[Callable[[], Outcome]] = [
        lambda: enrollments.transfer_overlaps(work, rates, seed),
        lambda: enrollments.prefilled_exits(work, rates, seed),
        lambda: enrollments.exits_next_year(work, rates, seed),
        lambda: enrollments.spells_without_school(work, rates, seed),
        lambda: rows.attendance_stops(work, rates, seed),
        lambda: rows.other_spellings(work, rates, seed, spellings),
        lambda: rows.duplicates(
            work, "enrollments", "duplicate_enrollments", rates.duplicate_enrollments, seed
        ),
        lambda: rows.duplicates(
            work,
            "student_characteristics",
            "duplicate_characteristics",
            rates.duplicate_characteristics,
            seed,
        ),
        lambda: rows.duplicates(
            work, "attendance_events", "duplicate_attendance", rates.duplicate_attendance, seed
        ),
    ]
    outcomes = [step() for step in steps]
    assert [o.kind for o in outcomes] == list(KINDS), "steps out of KINDS order"
    return outcomes


def _render(head: dict[str, object], outcomes: list[Outcome]) -> str:
    """The manifest as JSON: the head indented, then one line per changed row."""
    lines = ["{"] + [f" {json.dumps(k)}: {json.dumps(v)}," for k, v in head.items()]
    lines.append(' "mess": {')
    for i, o in enumerate(outcomes):
        rows_json = ",\n".join(f"   {json.dumps(c)}" for c in o.changes)
        body = f"[\n{rows_json}\n  ]" if o.changes else "[]"
        end = "," if i < len(outcomes) - 1 else ""
        lines.append(
            f'  {json.dumps(o.kind)}: {{"eligible": {o.eligible}, '
            f'"changed": {len(o.changes)}, "rows": {body}}}{end}'
        )
    lines += [" }", "}"]
    return "\n".join(lines) + "\n"


def export_messy(
    db_path: Path,
    out_dir: Path,
    fmt: Format,
    rates: MessRates | None = None,
    seed: int = 0,
    drop_tables: Iterable[str] = (),
    seeds_dir: Path = DEFAULT_SEEDS,
) -> MessyResult:
    """Write ``db_path``'s raw tables to ``out_dir`` with mess applied, and the manifest.

    With every rate 0 (:meth:`MessRates.off`) and nothing dropped the files are the
    clean export's, byte for byte. Raises ``ValueError`` on an unknown format or table,
    a database without a complete raw schema, or a folder that already holds a file of
    a table to leave out.
    """
    check_format(fmt)
    rates = rates if rates is not None else MessRates()
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"the messy seed must be a whole number >= 0, not {seed!r}")
    missing = check_drop_tables(drop_tables)
    out_dir = Path(out_dir)
    stale = [
        out_dir / f"{t}.{f}" for t in missing for f in FORMATS if (out_dir / f"{t}.{f}").exists()
    ]
    if stale:
        raise ValueError(f"{stale[0]} exists but its table is to be left out: use an empty folder")
    if not Path(db_path).is_file():
        raise ValueError(f"no database at {db_path}")
    spellings = rows.spelling_alternatives(seeds_dir) if rates.other_spelling > 0 else {}
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    with warehouse.connect(db_path, read_only=True) as con:
        check_raw_schema(con, db_path)
        work = Work(con, {*CHANGED_TABLES, *(t for t, _ in spellings)})
        outcomes = _mess(work, rates, seed, spellings)
        for t in contract.TABLES:
            if t.name in missing:
                continue
            write_query(con, work.output_sql(t.name), out_dir / f"{t.name}.{fmt}", fmt)
            written[t.name] = work.count(t.name)
    manifest = out_dir / MANIFEST
    head = {
        "seed": seed,
        "format": fmt,
        "database": Path(db_path).name,
        "rates": asdict(rates),
        "order": list(KINDS),
        "missing_tables": list(missing),
        "rows_written": written,
    }
    manifest.write_text(_render(head, outcomes), encoding="utf-8")
    return MessyResult(written, missing, tuple(outcomes), manifest)
