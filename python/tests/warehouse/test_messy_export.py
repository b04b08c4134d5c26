"""The messy export (``k12ews.messy``, ``k12ews export --messy``).

Each kind of mess happens at its stated rate (the count changed lies within four
binomial standard deviations of eligible x rate, eligibility recomputed here from the
clean files), a seed gives the same bytes, every rate 0 gives the clean export byte for
byte, and replaying the manifest on the clean files gives the messy files row for row,
so the manifest lists exactly the rows changed. The test district has one school per
level, so no mid-year moves between schools: transfer overlaps are measured on an
8,000-student district with several schools a level.
"""

from __future__ import annotations

import csv
import datetime as dt
import filecmp
import itertools
import json
import math
from collections import Counter
from pathlib import Path

import pytest

from k12ews import cli, contract, warehouse
from k12ews.export import export_raw
from k12ews.messy import MANIFEST, MessRates, export_messy
from k12ews.synth.config import GenerateConfig
from k12ews.synth.district import generate

REPO = Path(__file__).resolve().parents[3]
SEED = 3
YEAR_END = {"END_OF_YEAR", "GRADUATED", "CERTIFICATE"}
# every rate high enough that its count is measured within a few percent
HEAVY = MessRates(
    transfer_overlap=0.5,
    overlap_within_week=0.3,
    prefilled_exit=0.5,
    exit_next_year=0.2,
    spell_without_school=0.1,
    duplicate_enrollments=0.1,
    duplicate_characteristics=0.1,
    duplicate_attendance=0.05,
    other_spelling=0.2,
    attendance_stop_schools=2,
    attendance_stop_days=10,
)
Rows = list[tuple[str, ...]]


def _read(path: Path) -> tuple[list[str], Rows]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = [tuple(r) for r in csv.reader(f)]
    return list(rows[0]), rows[1:]


def _text(value: object) -> str:
    """A manifest value as the CSV writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _within(changed: int, eligible: int, rate: float) -> None:
    expected = eligible * rate
    sd = math.sqrt(eligible * rate * (1 - rate))
    assert abs(changed - expected) <= 4 * sd, (changed, eligible, rate)


def _spellings() -> dict[str, dict[str, set[str]]]:
    """seed -> code -> the codes with the same meaning columns (itself included), among
    the contract's codes and SIS spellings (an Ed-Fi descriptor value is no SIS spelling)."""
    out: dict[str, dict[str, set[str]]] = {}
    for path in sorted((REPO / "seeds").glob("xwalk_*.csv")):
        header, rows = _read(path)
        src = header.index("code_source")
        groups: dict[tuple[str, ...], set[str]] = {}
        for r in rows:
            if r[src] in ("k12ews", "sis"):
                meaning = tuple(v for i, v in enumerate(r) if i not in (0, src))
                groups.setdefault(meaning, set()).add(r[0])
        out[path.stem] = {code: g for g in groups.values() for code in g}
    return out


def _export(db: Path, folder: Path, rates: MessRates | None, seed: int = SEED) -> dict:
    export_messy(db, folder, "csv", rates=rates, seed=seed)
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def clean(small_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("clean")
    export_raw(small_db, folder, "csv")
    return folder


@pytest.fixture(scope="module", params=["default", "heavy"])
def messy(
    request: pytest.FixtureRequest, small_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict, MessRates]:
    rates = MessRates() if request.param == "default" else HEAVY
    folder = tmp_path_factory.mktemp(f"messy_{request.param}")
    return folder, _export(small_db, folder, rates), rates


@pytest.fixture(scope="module")
def moves_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    district = generate(GenerateConfig(students=8000, years=2, first_year=2022, seed=11))
    path = tmp_path_factory.mktemp("moves") / "moves.duckdb"
    with warehouse.connect(path) as con:
        warehouse.write_raw_and_truth(con, district.raw, district.truth)
    return path


def _replay(clean: Path, manifest: dict) -> dict[str, Rows]:
    """The clean files with every change the manifest lists applied, in its order."""
    tables: dict[str, tuple[list[str], Rows]] = {
        t.name: _read(clean / f"{t.name}.csv") for t in contract.TABLES
    }
    keyed: dict[str, dict[tuple[str, ...], dict[str, str]]] = {}
    for name, (header, rows) in tables.items():
        keys = contract.table(name).keys
        keyed[name] = {}
        for r in rows:
            d = dict(zip(header, r, strict=True))
            keyed[name][tuple(d[k] for k in keys)] = d
    enr = keyed["enrollments"]
    mess = manifest["mess"]

    def spell(c: dict) -> dict[str, str]:
        return enr[(c["student_id"], _text(c["school_id"]), c["entry_date"])]

    def move_exit(c: dict) -> None:
        assert spell(c)["exit_date"] == c["old_exit_date"] != c["new_exit_date"]
        spell(c)["exit_date"] = c["new_exit_date"]

    for c in mess["transfer_overlaps"]["rows"]:
        move_exit(c)
    for c in mess["prefilled_exits"]["rows"]:
        assert spell(c)["exit_date"] == "" and spell(c)["exit_code"] == ""
        spell(c).update(exit_date=c["new_exit_date"], exit_code=c["new_exit_code"])
    for c in mess["exits_next_year"]["rows"]:
        move_exit(c)
    for c in mess["spells_without_school"]["rows"]:
        assert spell(c)["school_id"] != "" and c["new_school_id"] is None
        spell(c)["school_id"] = ""
    for c in mess["attendance_stops"]["rows"]:
        att = keyed["attendance_events"]
        gone = [
            k
            for k, d in att.items()
            if d["school_id"] == str(c["school_id"]) and d["event_date"] > c["after_date"]
        ]
        assert len(gone) == c["rows_dropped"]
        for k in gone:
            del att[k]
    for c in mess["other_spellings"]["rows"]:
        keys = contract.table(c["table"]).keys
        row = keyed[c["table"]][tuple(_text(c["key"][k]) for k in keys)]
        assert row[c["column"]] == c["old"] != c["new"]
        row[c["column"]] = c["new"]
    out = {
        name: [tuple(d[h] for h in tables[name][0]) for d in keyed[name].values()]
        for name in tables
    }
    for kind in ("duplicate_enrollments", "duplicate_characteristics", "duplicate_attendance"):
        for c in mess[kind]["rows"]:
            header = tables[c["table"]][0]
            row = tuple(_text(c["row"][h]) for h in header)
            assert row in out[c["table"]], (kind, row)
            out[c["table"]].append(row)
    return out


def test_the_manifest_lists_exactly_the_rows_changed(
    clean: Path, messy: tuple[Path, dict, MessRates]
) -> None:
    folder, manifest, _ = messy
    replayed = _replay(clean, manifest)
    for t in contract.TABLES:
        header, rows = _read(folder / f"{t.name}.csv")
        assert header == t.column_names
        assert Counter(rows) == Counter(replayed[t.name]), t.name
        assert manifest["rows_written"][t.name] == len(rows)
    untouched = {
        "schools",
        "calendar_days",
        "courses",
        "course_grades",
        "discipline_incidents",
        "assessments",
        "program_services",
        "extracurricular_participation",
        "parent_contacts",
    }
    for name in untouched:
        assert filecmp.cmp(clean / f"{name}.csv", folder / f"{name}.csv", shallow=False), name


def test_each_kind_happens_at_its_stated_rate(
    clean: Path, messy: tuple[Path, dict, MessRates]
) -> None:
    _, manifest, rates = messy
    mess = manifest["mess"]
    _, enr = _read(clean / "enrollments.csv")
    _, chars = _read(clean / "student_characteristics.csv")
    _, students = _read(clean / "students.csv")
    _, att = _read(clean / "attendance_events.csv")
    last_year = max(r[2] for r in att)
    schools = {r[1] for r in att if r[2] == last_year}
    assert mess["attendance_stops"]["eligible"] == len(schools)
    stops = mess["attendance_stops"]["rows"]
    assert len(stops) == min(rates.attendance_stop_schools, len(schools))
    after = (
        dt.date.fromisoformat(max(r[3] for r in att))
        - dt.timedelta(days=rates.attendance_stop_days)
    ).isoformat()
    assert {s["after_date"] for s in stops} == {after}
    stopped = {str(s["school_id"]) for s in stops}
    att_kept = [r for r in att if not (r[1] in stopped and r[3] > after)]

    open_spells = sum(r[5] == "" for r in enr)
    year_end = sum(r[5] != "" and r[7] in YEAR_END for r in enr)
    spell = _spellings()
    coded = (
        sum(len(spell["xwalk_race_ethnicity"][r[5]]) > 1 for r in students)
        + sum(len(spell["xwalk_frl_status"][r[2]]) > 1 for r in chars)
        + sum(len(spell["xwalk_attendance_events"][r[4]]) > 1 for r in att_kept)
    )
    prefilled = len(mess["prefilled_exits"]["rows"])
    expected = {
        "prefilled_exits": (open_spells, rates.prefilled_exit),
        "exits_next_year": (year_end + prefilled, rates.exit_next_year),
        "spells_without_school": (len(enr), rates.spell_without_school),
        "other_spellings": (coded, rates.other_spelling),
        "duplicate_enrollments": (len(enr), rates.duplicate_enrollments),
        "duplicate_characteristics": (len(chars), rates.duplicate_characteristics),
        "duplicate_attendance": (len(att_kept), rates.duplicate_attendance),
    }
    assert open_spells > 1000 and coded > 90_000
    for kind, (eligible, rate) in expected.items():
        assert mess[kind]["eligible"] == eligible, kind
        assert mess[kind]["changed"] == len(mess[kind]["rows"])
        _within(mess[kind]["changed"], eligible, rate)


def test_each_change_is_the_kind_it_claims(
    small_db: Path, messy: tuple[Path, dict, MessRates]
) -> None:
    _, manifest, _ = messy
    mess = manifest["mess"]
    with warehouse.connect(small_db, read_only=True) as con:
        last_day = {
            (str(s), str(y)): d.isoformat()
            for s, y, d in con.execute(
                "select school_id, school_year, max(calendar_date) from raw.calendar_days "
                "where is_instructional_day group by all"
            ).fetchall()
        }
        year_of = {
            (s, str(sc), e.isoformat()): y
            for s, sc, e, y in con.execute(
                "select student_id, school_id, entry_date, school_year from raw.enrollments"
            ).fetchall()
        }
    for c in mess["prefilled_exits"]["rows"]:
        year = year_of[(c["student_id"], str(c["school_id"]), c["entry_date"])]
        assert c["new_exit_date"] == last_day[(str(c["school_id"]), str(year))]
        assert c["new_exit_code"] == "END_OF_YEAR"
    assert mess["exits_next_year"]["rows"]
    for c in mess["exits_next_year"]["rows"]:
        year = year_of[(c["student_id"], str(c["school_id"]), c["entry_date"])]
        assert dt.date(year, 7, 1).isoformat() <= c["new_exit_date"]
        assert c["new_exit_date"] <= dt.date(year, 9, 30).isoformat()
    seeds = {c.name: c.codes for t in contract.TABLES for c in t.columns}
    spell = _spellings()
    assert {c["column"] for c in mess["other_spellings"]["rows"]} == {
        "race_ethnicity",
        "frl_status",
        "event_type",
    }
    for c in mess["other_spellings"]["rows"]:
        assert c["new"] in spell[str(seeds[c["column"]])][c["old"]]


def test_transfer_overlaps_extend_mid_year_moves_past_the_next_entry(
    moves_db: Path, tmp_path: Path
) -> None:
    with warehouse.connect(moves_db, read_only=True) as con:
        spells = con.execute(
            "select student_id, school_id, school_year, entry_date, exit_date "
            "from raw.enrollments order by student_id, entry_date, school_id"
        ).fetchall()
    moves = {
        (a[0], a[1], a[3].isoformat()): b[3]
        for a, b in itertools.pairwise(spells)
        if a[0] == b[0] and a[2] == b[2] and a[1] != b[1]
    }
    assert len(moves) > 300
    for rates in (MessRates(), HEAVY):
        mess = _export(moves_db, tmp_path / str(rates.transfer_overlap), rates)["mess"]
        out = mess["transfer_overlaps"]
        assert out["eligible"] == len(moves)
        _within(out["changed"], len(moves), rates.transfer_overlap)
        days = []
        for c in out["rows"]:
            nxt = moves[(c["student_id"], c["school_id"], c["entry_date"])]
            assert c["next_entry_date"] == nxt.isoformat()
            d = (dt.date.fromisoformat(c["new_exit_date"]) - nxt).days
            assert d == c["days_past_next_entry"] and 1 <= d <= 10
            days.append(d)
        _within(sum(d <= 7 for d in days), len(days), rates.overlap_within_week)


def test_a_seed_gives_the_same_bytes_and_another_seed_other_mess(
    small_db: Path, messy: tuple[Path, dict, MessRates], tmp_path: Path
) -> None:
    folder, manifest, rates = messy
    again = _export(small_db, tmp_path / "again", rates)
    assert again == manifest
    for t in contract.TABLES:
        name = f"{t.name}.csv"
        assert filecmp.cmp(folder / name, tmp_path / "again" / name, shallow=False), name
    other = _export(small_db, tmp_path / "other", rates, seed=SEED + 1)
    assert other["mess"]["spells_without_school"] != manifest["mess"]["spells_without_school"]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_every_rate_off_gives_the_clean_export_byte_for_byte(
    small_db: Path, tmp_path: Path, fmt: str
) -> None:
    export_raw(small_db, tmp_path / "clean", fmt)  # type: ignore[arg-type]
    result = export_messy(small_db, tmp_path / "off", fmt, MessRates.off())  # type: ignore[arg-type]
    assert all(not o.changes for o in result.outcomes)
    for t in contract.TABLES:
        name = f"{t.name}.{fmt}"
        assert filecmp.cmp(tmp_path / "clean" / name, tmp_path / "off" / name, shallow=False)


def test_one_kind_off_leaves_the_others_draws_as_they_were(
    small_db: Path, messy: tuple[Path, dict, MessRates], tmp_path: Path
) -> None:
    _, manifest, rates = messy
    kept = _export(small_db, tmp_path / "x", MessRates(**{**vars(rates), "other_spelling": 0}))
    assert kept["mess"]["other_spellings"]["changed"] == 0
    for kind in ("prefilled_exits", "exits_next_year", "spells_without_school", "attendance_stops"):
        assert kept["mess"][kind] == manifest["mess"][kind], kind


def test_tables_left_out_are_not_written(small_db: Path, tmp_path: Path) -> None:
    result = export_messy(small_db, tmp_path, "csv", drop_tables=["program_services", "courses"])
    assert result.missing == ("courses", "program_services")
    files = {p.name for p in tmp_path.iterdir()}
    assert files == {f"{t.name}.csv" for t in contract.TABLES} - {
        "courses.csv",
        "program_services.csv",
    } | {MANIFEST}
    manifest = json.loads((tmp_path / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["missing_tables"] == ["courses", "program_services"]
    with pytest.raises(ValueError, match="unknown table"):
        export_messy(small_db, tmp_path / "y", "csv", drop_tables=["course"])
    with pytest.raises(ValueError, match="use an empty folder"):
        export_messy(small_db, tmp_path, "csv", drop_tables=["schools"])


@pytest.mark.parametrize(
    "field, value",
    [
        ("spell_without_school", 1.5),
        ("other_spelling", -0.1),
        ("attendance_stop_days", -1),
        ("attendance_stop_schools", 0.5),
        ("prefilled_exit", True),
    ],
)
def test_rates_out_of_range_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        MessRates(**{field: value})


def _run(argv: list[str]) -> int:
    try:
        return cli.main(argv)
    except SystemExit as e:  # argparse's own errors
        return int(e.code or 0)


@pytest.mark.parametrize(
    "extra",
    [
        ["--messy", "--messy-seed", "x"],
        ["--messy", "--messy-seed", "-2"],
        ["--messy-seed", "2"],
        ["--drop-tables", "courses"],
        ["--messy", "--drop-tables", "courses,nope"],
    ],
)
def test_bad_messy_arguments_exit_2_with_one_line(
    small_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str]
) -> None:
    argv = ["export", "--format", "csv", str(tmp_path / "o"), "--db", str(small_db), *extra]
    assert _run(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("k12ews: error: ") and err.count("\n") == 1, err
    assert not (tmp_path / "o" / MANIFEST).exists()


def test_the_messy_command_writes_what_the_function_writes(
    small_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "export",
        "--format",
        "csv",
        str(tmp_path / "cli"),
        "--db",
        str(small_db),
        "--messy",
        "--messy-seed",
        "5",
        "--drop-tables",
        "courses",
    ]
    assert _run(argv) == 0
    out = capsys.readouterr().out
    assert "messy export, seed 5" in out and "tables left out: courses" in out
    export_messy(small_db, tmp_path / "api", "csv", seed=5, drop_tables=["courses"])
    names = sorted(p.name for p in (tmp_path / "api").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "cli").iterdir())
    for name in names:
        assert filecmp.cmp(tmp_path / "api" / name, tmp_path / "cli" / name, shallow=False)
