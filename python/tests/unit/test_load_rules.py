"""The loader's rules that resolve instead of reject, and what a partial export loads as.

Findings of the "messy export" issue, each a named test on a tiny district's CSV export:
exact duplicates are merged (finding 2), transfer overlaps load and are recorded (1),
exits after their school year are cut to it (3), contradictory rows are rejected (8),
a de-identified extract loads without invented values (9), the report counts every
problem by file and rule (10), and optional tables may be absent (5).
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from k12ews import warehouse
from k12ews.export import export_raw
from k12ews.load import LoadError, LoadSettings, load_folder
from k12ews.synth.config import GenerateConfig
from k12ews.synth.district import generate

REPO = Path(__file__).resolve().parents[3]
TINY = GenerateConfig(students=300, years=2, first_year=2023, seed=11)


def read_rows(folder: Path, table: str) -> list[list[str]]:
    with (folder / f"{table}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def write_rows(folder: Path, table: str, rows: list[list[str]]) -> None:
    with (folder / f"{table}.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


@pytest.fixture(scope="module")
def clean_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("rules")
    district = generate(TINY)
    with warehouse.connect(work / "gen.duckdb") as con:
        warehouse.write_raw_and_truth(con, district.raw, district.truth)
    export_raw(work / "gen.duckdb", work / "csv", "csv")
    return work / "csv"


@pytest.fixture
def folder(clean_export: Path, tmp_path: Path) -> Path:
    shutil.copytree(clean_export, tmp_path / "files")
    return tmp_path / "files"


def load(folder: Path, mode: str = "strict", **kwargs: object):  # type: ignore[no-untyped-def]
    db = folder.parent / "d.duckdb"
    return load_folder(folder, db, mode=mode, project_dir=REPO, **kwargs), db  # type: ignore[arg-type]


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def add_second_school(folder: Path, like_level: str) -> tuple[str, str]:
    """A second school of ``like_level`` (a copy of the first, with a new id)."""
    schools = read_rows(folder, "schools")
    first = next(r for r in schools[1:] if r[2] == like_level)
    twin = list(first)
    twin[0] = str(max(int(r[0]) for r in schools[1:]) + 1)
    twin[1] = "Second " + first[1]
    write_rows(folder, "schools", [*schools, twin])
    return first[0], twin[0]


def closed_spell(rows: list[list[str]], school: str, min_days: int = 60) -> int:
    """Index of a student's last spell, at ``school``, with an exit date at least
    ``min_days`` after its entry."""
    h = rows[0]
    last: dict[str, str] = {}
    for r in rows[1:]:
        last[r[0]] = max(last.get(r[0], ""), r[h.index("entry_date")])
    for i, r in enumerate(rows[1:], start=1):
        if r[h.index("entry_date")] != last[r[0]]:
            continue
        if r[h.index("school_id")] == school and r[h.index("exit_date")]:
            entry = dt.date.fromisoformat(r[h.index("entry_date")])
            if (dt.date.fromisoformat(r[h.index("exit_date")]) - entry).days >= min_days:
                return i
    raise AssertionError("no closed spell")


def test_finding_02_an_exact_duplicate_row_is_merged_not_rejected(folder: Path) -> None:
    rows = read_rows(folder, "attendance_events")
    absences_before = len(rows) - 1
    write_rows(folder, "attendance_events", [*rows, rows[5], rows[5]])
    result, db = load(folder)  # strict: nothing is rejected
    counts = {f.table: f for f in result.files}["attendance_events"]
    assert (counts.rows_read, counts.rows_loaded, counts.rows_merged) == (
        absences_before + 2,
        absences_before,
        2,
    )
    assert counts.rows_rejected == 0
    assert query(db, "select count(*) from raw.attendance_events") == [(absences_before,)]
    merged = query(
        db,
        "select line, rule, message from audit.raw_adjustments "
        "where table_name = 'attendance_events' order by line",
    )
    assert [(line, rule) for line, rule, _ in merged] == [
        (absences_before + 2, "exact_duplicate"),
        (absences_before + 3, "exact_duplicate"),
    ]
    assert all("identical to line 6" in m for _, _, m in merged)
    assert query(db, "select sum(rows_merged) from audit.raw_loads") == [(2,)]


def test_same_key_with_other_values_is_still_rejected(folder: Path) -> None:
    rows = read_rows(folder, "attendance_events")
    h = rows[0]
    copy = list(rows[5])
    copy[h.index("event_duration")] = "0.5" if copy[h.index("event_duration")] != "0.5" else "1.0"
    write_rows(folder, "attendance_events", [*rows, copy])
    with pytest.raises(LoadError) as e:
        load(folder)
    assert e.value.counts == {("attendance_events.csv", "duplicate_key"): 2}


def test_finding_01_a_transfer_overlap_loads_and_is_recorded(folder: Path) -> None:
    school_a, school_b = add_second_school(folder, "Elementary")
    rows = read_rows(folder, "enrollments")
    h = rows[0]
    i = closed_spell(rows, school_a)
    spell = rows[i]
    exit_a = dt.date.fromisoformat(spell[h.index("exit_date")])
    moved = list(spell)
    moved[h.index("school_id")] = school_b
    moved[h.index("entry_date")] = str(exit_a - dt.timedelta(days=4))  # 5 days of overlap
    moved[h.index("exit_date")] = ""
    moved[h.index("exit_code")] = ""
    moved[h.index("entry_type")] = "TRANSFER_DISTRICT"
    write_rows(folder, "enrollments", [*rows, moved])
    result, db = load(folder)  # strict: nothing is rejected
    counts = {f.table: f for f in result.files}["enrollments"]
    assert counts.rows_loaded == len(rows)  # both spells of the move load (header = new row)
    cut = query(
        db,
        "select line, old_value, new_value, message from audit.raw_adjustments "
        "where rule = 'overlap_cut'",
    )
    assert cut == [
        (
            i + 1,
            str(exit_a),
            str(exit_a - dt.timedelta(days=5)),
            cut[0][3],
        )
    ]
    assert "by 5 day(s)" in cut[0][3]


def test_an_overlap_longer_than_the_setting_is_rejected(folder: Path) -> None:
    school_a, school_b = add_second_school(folder, "Elementary")
    rows = read_rows(folder, "enrollments")
    h = rows[0]
    i = closed_spell(rows, school_a, min_days=40)
    spell = rows[i]
    exit_a = dt.date.fromisoformat(spell[h.index("exit_date")])
    moved = list(spell)
    moved[h.index("school_id")] = school_b
    moved[h.index("entry_date")] = str(exit_a - dt.timedelta(days=29))  # 30 days
    write_rows(folder, "enrollments", [*rows, moved])
    load(folder, settings=LoadSettings(max_overlap_days=30))  # 30 days: resolved
    with pytest.raises(LoadError) as e:
        load(folder, settings=LoadSettings(max_overlap_days=29))
    assert e.value.counts[("enrollments.csv", "overlapping_enrollment")] == 2
    assert any("by 30 days" in p.message for p in e.value.problems)


def test_finding_03_an_exit_after_its_school_year_is_cut_to_the_year(folder: Path) -> None:
    rows = read_rows(folder, "enrollments")
    h = rows[0]
    i = closed_spell(rows, rows[1][h.index("school_id")])
    year = int(rows[i][h.index("school_year")])
    rows[i][h.index("exit_date")] = f"{year + 3}-03-14"  # a typo three years on
    write_rows(folder, "enrollments", rows)
    result, db = load(folder)
    student, entry = rows[i][h.index("student_id")], rows[i][h.index("entry_date")]
    assert query(
        db,
        f"select exit_date from raw.enrollments where student_id = '{student}' "
        f"and entry_date = DATE '{entry}'",
    ) == [(dt.date(year, 6, 30),)]
    assert query(
        db,
        "select line, old_value, new_value from audit.raw_adjustments "
        "where rule = 'exit_after_school_year'",
    ) == [(i + 1, f"{year + 3}-03-14", f"{year}-06-30")]
    assert result.adjustments_by_file_rule == {("enrollments.csv", "exit_after_school_year"): 1}


def test_finding_05_an_optional_table_may_be_absent_or_empty(folder: Path) -> None:
    (folder / "attendance_events.csv").unlink()
    path = folder / "discipline_incidents.csv"
    path.write_bytes(path.read_bytes().split(b"\n", 1)[0] + b"\n")
    result, db = load(folder)
    status = {f.table: (f.status, f.rows_read, f.rows_loaded) for f in result.files}
    assert status["attendance_events"] == ("absent", 0, 0)
    assert status["discipline_incidents"] == ("empty", 0, 0)
    assert query(db, "select count(*) from raw.attendance_events") == [(0,)]
    assert query(
        db, "select status from audit.raw_loads where table_name = 'attendance_events'"
    ) == [("absent",)]
    text = result.render()
    assert "attendance_events.csv: no file; optional" in text
    assert "discipline_incidents.csv: a header and no rows" in text


def test_finding_08_a_header_only_required_file_fails_naming_it(folder: Path) -> None:
    path = folder / "enrollments.csv"
    path.write_bytes(path.read_bytes().split(b"\n", 1)[0] + b"\n")
    for mode in ("strict", "quarantine"):
        with pytest.raises(LoadError) as e:
            load(folder, mode=mode)
        assert "enrollments.csv" in str(e.value) and "no_rows" in str(e.value)


def test_finding_09_a_de_identified_extract_loads_without_invented_values(
    folder: Path,
) -> None:
    students = read_rows(folder, "students")
    keep = [students[0].index("student_id")]
    write_rows(folder, "students", [[r[i] for i in keep] for r in students])
    enrollments = read_rows(folder, "enrollments")
    h = enrollments[0]
    drop = {h.index("entry_type"), h.index("exit_code")}
    write_rows(
        folder, "enrollments", [[v for j, v in enumerate(r) if j not in drop] for r in enrollments]
    )
    result, db = load(folder)  # strict: nothing to reject
    assert result.rows_rejected == 0
    assert query(
        db,
        "select count(*), count(first_name), count(birth_date), count(sex), "
        "count(race_ethnicity) from raw.students",
    ) == [(len(students) - 1, 0, 0, 0, 0)]
    assert query(db, "select count(entry_type), count(exit_code) from raw.enrollments") == [(0, 0)]
    assert any("optional column(s)" in n and "students.csv" in n for n in result.notes)


def test_finding_10_the_report_counts_every_rule_of_every_file(folder: Path) -> None:
    rows = read_rows(folder, "attendance_events")
    h = rows[0]
    for r in rows[1:121]:
        r[h.index("event_duration")] = "lots"  # 120 type problems
    write_rows(folder, "attendance_events", rows)
    contacts = read_rows(folder, "parent_contacts")
    contacts[2][contacts[0].index("contact_reason")] = "gossip"
    write_rows(folder, "parent_contacts", contacts)
    with pytest.raises(LoadError) as e:
        load(folder)
    assert e.value.counts == {
        ("attendance_events.csv", "type"): 120,
        ("parent_contacts.csv", "unknown_code"): 1,
    }
    rules_listed = {(p.file, p.rule) for p in e.value.problems}
    assert rules_listed == set(e.value.counts)  # the rare rule is listed beside the common
    assert sum(p.rule == "type" for p in e.value.problems) == 10
    text = str(e.value)
    assert "problems by file and rule" in text and "parent_contacts.csv" in text


def test_unknown_codes_are_counted_on_rows_that_broke_another_rule_first(
    folder: Path,
) -> None:
    rows = read_rows(folder, "attendance_events")
    h = rows[0]
    for r in rows[1:4]:
        r[h.index("event_type")] = "ZZ"
    rows[1][h.index("school_year")] = "abc"  # this row breaks a rule checked earlier
    write_rows(folder, "attendance_events", rows)
    result, _ = load(folder, mode="quarantine")
    assert any(
        "unknown code 'ZZ' in attendance_events.event_type (3 rows)" in n for n in result.notes
    )


def test_without_a_calendar_attendance_loads_and_is_not_judged_by_it(folder: Path) -> None:
    (folder / "calendar_days.csv").unlink()
    result, _ = load(folder)  # strict: nothing is rejected for want of a calendar
    counts = {f.table: f for f in result.files}
    assert counts["attendance_events"].rows_loaded == counts["attendance_events"].rows_read > 0
    assert counts["calendar_days"].status == "absent"


def test_a_spell_without_its_school_takes_the_one_its_records_name(folder: Path) -> None:
    rows = read_rows(folder, "enrollments")
    h = rows[0]
    att = read_rows(folder, "attendance_events")
    student, school, year = att[1][0], att[1][1], att[1][2]
    i = next(
        i
        for i, r in enumerate(rows[1:], start=1)
        if r[0] == student and r[h.index("school_id")] == school and r[2] == year
    )
    rows[i][h.index("school_id")] = ""
    # another spell whose student's records name two schools: nothing decides
    j = next(
        j
        for j, r in enumerate(rows[1:], start=1)
        if r[0] != student and r[h.index("exit_date")] and r[2] == year
    )
    other = next(r[0] for r in read_rows(folder, "schools")[1:] if r[0] != rows[j][1])
    ah = att[0]
    stray = [""] * len(ah)
    stray[ah.index("student_id")], stray[ah.index("school_id")] = rows[j][0], other
    stray[ah.index("school_year")], stray[ah.index("event_date")] = year, rows[j][4]
    stray[ah.index("event_type")], stray[ah.index("event_duration")] = att[1][4], "1.0"
    write_rows(folder, "attendance_events", [*att, stray])
    rows[j][h.index("school_id")] = ""
    write_rows(folder, "enrollments", rows)
    result, db = load(folder, mode="quarantine")
    assert query(
        db,
        "select line, rule, new_value from audit.raw_adjustments "
        "where rule = 'school_from_records'",
    ) == [(i + 1, "school_from_records", school)]
    assert query(
        db, "select line, rule from audit.raw_rejects where table_name = 'enrollments'"
    ) == [(j + 1, "required")]
    assert result.rejects_by_file_rule[("enrollments.csv", "required")] == 1


def test_load_works_from_any_folder(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The seeds are the installed project's, wherever the command runs from."""
    from k12ews.cli import main

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv("K12EWS_PROJECT_DIR", raising=False)
    assert main(["load", str(folder), "--db", str(tmp_path / "d.duckdb")]) == 0


def test_keyed_hashes_with_an_optional_table_left_out(folder: Path) -> None:
    (folder / "parent_contacts.csv").unlink()
    result, _ = load(folder, id_secret=b"a district secret of 32 bytes!!!")
    assert result.hashed_ids and result.rows_rejected == 0


def test_a_calendar_for_some_years_judges_only_those_years(folder: Path) -> None:
    rows = read_rows(folder, "calendar_days")
    h = rows[0]
    years = sorted({r[h.index("school_year")] for r in rows[1:]})
    write_rows(folder, "calendar_days", [h, *(r for r in rows[1:] if r[1] == years[-1])])
    result, _ = load(folder)  # strict: the first year's attendance is not judged by it
    assert result.rows_rejected == 0


def test_a_one_day_spell_entered_beside_a_real_one_is_the_only_one_rejected(
    folder: Path,
) -> None:
    school_a, school_b = add_second_school(folder, "Elementary")
    rows = read_rows(folder, "enrollments")
    h = rows[0]
    i = closed_spell(rows, school_a)
    no_show = list(rows[i])
    no_show[h.index("school_id")] = school_b
    no_show[h.index("exit_date")] = no_show[h.index("entry_date")]
    write_rows(folder, "enrollments", [*rows, no_show])
    _, db = load(folder, mode="quarantine")
    ((line, rule, message),) = query(db, "select line, rule, message from audit.raw_rejects")
    assert (line, rule) == (len(rows) + 1, "overlapping_enrollment")
    assert f"line {i + 1}, which stands" in message


def test_marks_without_the_course_catalogue_fail_naming_both_files(folder: Path) -> None:
    (folder / "courses.csv").unlink()
    with pytest.raises(LoadError) as e:
        load(folder, mode="quarantine")
    assert e.value.counts == {("courses.csv", "missing_file"): 1}
    assert "course_grades.csv has rows" in str(e.value)


def test_a_copy_of_a_rejected_row_is_rejected_with_it(folder: Path) -> None:
    rows = read_rows(folder, "attendance_events")
    h = rows[0]
    other = list(rows[5])
    other[h.index("event_duration")] = "0.5" if other[h.index("event_duration")] != "0.5" else "1.0"
    write_rows(folder, "attendance_events", [*rows, rows[5], other])
    result, db = load(folder, mode="quarantine")
    n = len(rows)
    assert query(db, "select line, rule from audit.raw_rejects order by line") == [
        (6, "duplicate_key"),
        (n + 1, "duplicate_key"),
        (n + 2, "duplicate_key"),
    ]
    assert query(db, "select count(*) from audit.raw_adjustments") == [(0,)]
    counts = {f.table: f for f in result.files}["attendance_events"]
    assert (counts.rows_rejected, counts.rows_merged) == (3, 0)


def test_the_grade_span_check_can_be_switched_off(folder: Path) -> None:
    rows = read_rows(folder, "enrollments")
    h = rows[0]
    schools = {r[0]: (int(r[3]), int(r[4])) for r in read_rows(folder, "schools")[1:]}
    low, high = schools[rows[1][h.index("school_id")]]
    rows[1][h.index("grade_level")] = str(high + 1 if high < 12 else low - 1)
    write_rows(folder, "enrollments", rows)
    with pytest.raises(LoadError):
        load(folder)
    result, _ = load(folder, settings=LoadSettings(check_grade_span=False))
    assert result.rows_rejected == 0


def test_a_spell_without_its_school_in_a_file_read_line_by_line(folder: Path) -> None:
    """Found by the fuzz test: a file the plain read refuses (a broken line) and a spell
    without its school crashed the inference (a view where a table was to be made)."""
    rows = read_rows(folder, "enrollments")
    rows[3][1] = ""
    write_rows(folder, "enrollments", rows)
    with (folder / "enrollments.csv").open("a", encoding="utf-8") as f:
        f.write("a,line,with,too,few,fields\n")
    result, _ = load(folder, mode="quarantine")
    assert result.rejects_by_file_rule[("enrollments.csv", "field_count")] == 1
    assert result.adjustments_by_file_rule.get(("enrollments.csv", "school_from_records"), 0) == 1


def test_a_spell_without_its_school_beside_a_record_file_with_broken_bytes(
    folder: Path,
) -> None:
    """Found by the fuzz test: a record file whose plain read fails on a value the
    inference reads (not UTF-8) crashed it; the file is read line by line instead."""
    rows = read_rows(folder, "enrollments")
    rows[3][1] = ""
    write_rows(folder, "enrollments", rows)
    path = folder / "discipline_incidents.csv"
    lines = path.read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b",", b",\x80", 1)  # the student id's first byte
    path.write_bytes(b"\n".join(lines))
    result, _ = load(folder, mode="quarantine")
    assert result.rejects_by_file_rule[("discipline_incidents.csv", "encoding")] == 1
