"""``k12ews pages`` and ``k12ews export --as-staff`` on the small district's whole build
(small_built), for one staff member of each role class that sees students: the written
HTML and the slice's files hold no student outside the staff member's scope
(``core.fct_staff_student_access``, recomputed from raw by test_access.py) and no field of
a class the role is not granted (seed ``access_column_classes``): not its heading, not its
section, and for discipline detail not one incident id. The roles that are granted a class
do see it, so the searches can fail. Bad input (unknown staff id, a warehouse not built,
one without staff, no file, a staff member granted no student, a student out of scope)
gets one line and exit code 2."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import duckdb
import pytest
from dbt_runner import copy_db

from k12ews import cli
from k12ews.pages.caseload import student_file
from k12ews.pages.data import ALL_FIELDS

ROLES = ("teacher", "counsellor", "case_manager", "assistant_principal", "principal")
REPO = Path(__file__).resolve().parents[3]
# relations whose every row is a record of a class (a service, an incident)
with (REPO / "seeds" / "access" / "access_row_classes.csv").open(encoding="utf-8") as _f:
    ROW_CLASSES = {r["relation_name"]: r["field_class"] for r in csv.DictReader(_f)}
# student ids are alphanumeric (a file name student_<id>.html splits at the _); incident
# ids have a hyphen (INC2021-0000285)
TOKEN = re.compile(r"[A-Za-z0-9]+")
INCIDENT_TOKEN = re.compile(r"[A-Za-z0-9-]+")
CLASSES = (
    "core_indicators",
    "demographics",
    "discipline_detail",
    "disability_and_services",
    "social_emotional",
)


@pytest.fixture(scope="module")
def facts(small_built: Path) -> dict[str, object]:
    con = duckdb.connect(str(small_built), read_only=True)
    try:
        access = con.execute(
            "select staff_id, role_class, student_id, field_class "
            "from core.fct_staff_student_access"
        ).df()
        students = {r[0] for r in con.execute("select student_id from core.dim_student").fetchall()}
        incidents = dict(
            con.execute("select incident_id, student_id from core.fct_discipline").fetchall()
        )
        # staff members granted nothing on the as-of date (every assignment ended)
        ungranted = sorted(
            r[0]
            for r in con.execute(
                "select staff_id from raw.staff where staff_id not in "
                "(select staff_id from core.fct_staff_student_access)"
            ).fetchall()
        )
        column_classes = {
            (r, c): f
            for r, c, f in con.execute(
                "select relation_name, column_name, field_class from seeds.access_column_classes"
            ).fetchall()
        }
    finally:
        con.close()
    # the searches below split the HTML into tokens: the ids must be whole tokens
    assert all(TOKEN.fullmatch(s) for s in students)
    assert all(INCIDENT_TOKEN.fullmatch(i) for i in incidents)
    staff = {}
    for role in ROLES:
        mine = access[access["role_class"] == role]
        # the staff member of the role with the most students (ties: the lowest id)
        counts = mine.groupby("staff_id")["student_id"].nunique().reset_index()
        counts = counts.sort_values(["student_id", "staff_id"], ascending=[False, True])
        staff[role] = str(counts["staff_id"].iloc[0])
    return {
        "access": access,
        "students": students,
        "incidents": incidents,
        "ungranted": ungranted,
        "column_classes": column_classes,
        "staff": staff,
    }


def _scope(facts: dict[str, object], staff_id: str) -> tuple[set[str], set[str]]:
    access = facts["access"]
    mine = access[access["staff_id"] == staff_id]
    return set(mine["student_id"]), set(mine["field_class"])


@pytest.fixture(scope="module")
def written(
    small_built: Path, facts: dict[str, object], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    out = {}
    for role, staff_id in facts["staff"].items():
        folder = tmp_path_factory.mktemp(f"pages_{role}")
        assert (
            cli.main(
                ["pages", "--as-staff", staff_id, "--db", str(small_built), "--out", str(folder)]
            )
            == 0
        )
        out[role] = folder
    return out


def _tokens(text: str) -> set[str]:
    return set(TOKEN.findall(text))


@pytest.mark.parametrize("role", ROLES)
def test_pages_hold_only_the_students_in_scope(
    role: str, facts: dict[str, object], written: dict[str, Path]
) -> None:
    staff_id = facts["staff"][role]
    scope, _ = _scope(facts, staff_id)
    assert scope, role
    folder = written[role]
    pages = sorted(folder.glob("student_*.html"))
    assert {p.name for p in pages} == {student_file(s) for s in scope}
    outside = facts["students"] - scope
    assert outside  # no role here sees the whole district
    for page in [*pages, folder / "index.html"]:
        text = page.read_text(encoding="utf-8")
        leaked = _tokens(text) & outside
        assert not leaked, f"{role} {staff_id}: {page.name} names {sorted(leaked)[:5]}"
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert set(re.findall(r'data-student="([^"]+)"', index)) == scope


@pytest.mark.parametrize("role", ROLES)
def test_pages_hold_no_field_of_a_class_not_granted(
    role: str, facts: dict[str, object], written: dict[str, Path]
) -> None:
    staff_id = facts["staff"][role]
    _, held = _scope(facts, staff_id)
    classes = facts["column_classes"]
    hidden = {f.label for f in ALL_FIELDS if classes[(f.relation, f.column)] not in held}
    shown_labels: set[str] = set()
    sections: set[str] = set()
    incident_ids = set(facts["incidents"])
    incidents_seen: set[str] = set()
    for page in sorted(written[role].glob("*.html")):
        text = page.read_text(encoding="utf-8")
        labels = set(re.findall(r"<(?:th|dt)>([^<]+)</(?:th|dt)>", text))
        assert not labels & hidden, f"{role}: {page.name}: {sorted(labels & hidden)}"
        shown_labels |= labels
        sections |= set(re.findall(r'data-field-class="([a-z_]+)"', text))
        incidents_seen |= set(INCIDENT_TOKEN.findall(text)) & incident_ids
    assert sections <= held, role
    if "discipline_detail" in held:
        assert incidents_seen, f"{role} is granted discipline detail and sees no incident"
        assert all(facts["incidents"][i] in _scope(facts, staff_id)[0] for i in incidents_seen)
    else:
        assert not incidents_seen, role
    for cls, label in (
        ("disability_and_services", "IEP"),
        ("demographics", "Economically disadvantaged"),
        ("social_emotional", "Family contacts"),
    ):
        assert (label in shown_labels) == (cls in held), (role, cls)


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


@pytest.mark.parametrize("role", ["teacher", "counsellor", "case_manager"])
def test_slice_holds_only_the_rows_and_columns_granted(
    role: str, small_built: Path, facts: dict[str, object], tmp_path: Path
) -> None:
    staff_id = facts["staff"][role]
    scope, held = _scope(facts, staff_id)
    assert (
        cli.main(
            [
                "export",
                "--format",
                "csv",
                str(tmp_path),
                "--as-staff",
                staff_id,
                "--db",
                str(small_built),
            ]
        )
        == 0
    )
    manifest = json.loads((tmp_path / "slice.json").read_text())
    assert manifest["staff_id"] == staff_id and manifest["students"] == len(scope)
    classes = facts["column_classes"]
    relations = {r for r, _ in classes}
    files = sorted(tmp_path.glob("*.csv"))
    assert {p.stem for p in files} == relations
    record_rows: dict[str, int] = {}
    for path in files:
        header, rows = _read_csv(path)
        assert {classes[(path.stem, c)] for c in header} <= held, path.name
        left_out = [c for (r, c), f in classes.items() if r == path.stem and f not in held]
        assert not set(header) & set(left_out), path.name
        ids = {r["student_id"] for r in rows}
        assert ids <= scope, f"{path.name}: {sorted(ids - scope)[:5]}"
        if path.stem in ROW_CLASSES:
            # a service or incident row only for a student whose class she holds
            access = facts["access"]
            holders = set(
                access.loc[
                    (access["staff_id"] == staff_id)
                    & (access["field_class"] == ROW_CLASSES[path.stem]),
                    "student_id",
                ]
            )
            assert ids <= holders, f"{path.name}: {sorted(ids - holders)[:5]}"
            record_rows[path.stem] = len(rows)
        if path.stem == "core.fct_staff_student_access":
            assert {r["staff_id"] for r in rows} == {staff_id}
    _, students = _read_csv(tmp_path / "core.dim_student.csv")
    assert {r["student_id"] for r in students} == scope
    # a class not held gives no service or incident row at all (a teacher's); a principal
    # holds both and has rows of each
    for relation, rows_kept in record_rows.items():
        assert rows_kept == 0 or ROW_CLASSES[relation] in held, relation
    if role == "teacher":
        assert set(record_rows.values()) == {0}, record_rows
    if role == "principal":
        assert min(record_rows.values()) > 0, record_rows


def _fails(args: list[str], fragment: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1 and "Traceback" not in err, err


def test_bad_input_gets_one_line(
    small_built: Path,
    small_db: Path,
    facts: dict[str, object],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    teacher = facts["staff"]["teacher"]
    out = ["--out", str(tmp_path / "out")]
    _fails(
        ["pages", "--as-staff", "NOBODY", "--db", str(small_built), *out],
        "no staff member 'NOBODY'",
        capsys,
    )
    _fails(
        ["pages", "--as-staff", teacher, "--db", str(tmp_path / "none.duckdb"), *out],
        "no warehouse at",
        capsys,
    )
    # raw tables only: not built
    _fails(["pages", "--as-staff", teacher, "--db", str(small_db), *out], "run `dbt build`", capsys)
    _fails(
        [
            "export",
            "--format",
            "csv",
            str(tmp_path / "s"),
            "--as-staff",
            teacher,
            "--db",
            str(small_db),
        ],
        "run `dbt build`",
        capsys,
    )
    # a district whose export had no staff tables
    empty = copy_db(small_built, tmp_path / "nostaff", "nostaff.duckdb")
    con = duckdb.connect(str(empty))
    con.execute("delete from raw.staff")
    con.close()
    _fails(["pages", "--as-staff", teacher, "--db", str(empty), *out], "has no staff", capsys)
    assert facts["ungranted"], "no staff member without a current assignment"
    _fails(
        ["pages", "--as-staff", facts["ungranted"][0], "--db", str(small_built), *out],
        "may see no student",
        capsys,
    )
    scope, _ = _scope(facts, teacher)
    outside = sorted(facts["students"] - scope)[0]
    _fails(
        ["pages", "--as-staff", teacher, "--db", str(small_built), "--student", outside, *out],
        "not in the scope",
        capsys,
    )
    assert not (tmp_path / "out").exists()


def test_one_student_and_a_stale_page_removed(
    small_built: Path, facts: dict[str, object], tmp_path: Path
) -> None:
    teacher = facts["staff"]["teacher"]
    scope, _ = _scope(facts, teacher)
    one = sorted(scope)[0]
    assert (
        cli.main(
            [
                "pages",
                "--as-staff",
                teacher,
                "--db",
                str(small_built),
                "--out",
                str(tmp_path),
                "--student",
                one,
            ]
        )
        == 0
    )
    assert [p.name for p in tmp_path.iterdir()] == [student_file(one)]
    stale = tmp_path / student_file("0000000")
    stale.write_text("an earlier run's page", encoding="utf-8")
    assert (
        cli.main(["pages", "--as-staff", teacher, "--db", str(small_built), "--out", str(tmp_path)])
        == 0
    )
    assert not stale.exists()
    assert len(list(tmp_path.glob("student_*.html"))) == len(scope)
    # the staff member's field labels are the seed's: every field the pages read has one
    assert all((f.relation, f.column) in facts["column_classes"] for f in ALL_FIELDS)
