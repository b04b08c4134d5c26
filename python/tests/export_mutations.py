"""Hypothesis strategies that damage a contract export: bytes, lines and fields.

Each strategy draws a :class:`Mutated` export from the tiny valid one
(:mod:`tiny_export`): the files' new contents and a list of what was done, which a
failing example prints. Byte-level mutations insert, delete or replace bytes (line
ends, NUL and control bytes, quotes, commas, a byte-order mark, broken UTF-8), cut
the file short, repeat or swap lines and change every line end. Field-level
mutations blank, swap or replace values (text in numbers, dates far off, unknown
codes), repeat rows (exact copies and repeated keys), delete rows, shift dates so
spells overlap, rename, drop or reorder columns, and write a table as Parquet.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import tiny_export
from hypothesis import strategies as st

from k12ews import contract

FILES = tuple(f"{t.name}.csv" for t in contract.TABLES)

# bytes a broken export holds: line ends, NUL and control bytes, quotes and commas,
# a byte-order mark, bytes that are not UTF-8 (a lone continuation byte, a cut
# sequence, Latin-1), another delimiter, Ctrl-Z, a non-breaking space
BYTES = (
    b"\r",
    b"\n",
    b"\r\n",
    b"\n\r",
    b"\x00",
    b"\x01",
    b"\x02",
    b"\x1a",
    b"\x7f",
    b'"',
    b'""',
    b",",
    b",,",
    b";",
    b"\t",
    b" ",
    b"\\",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\xfe",
    b"\x80",
    b"\xc3",
    b"\xe9",
    b"\xc2\xa0",
    b"\xe2\x80",
    b"'",
)

# values to put in a field: words in numbers, numbers out of range, impossible or
# far-off dates, dates in other formats, unknown codes, booleans in other words,
# quotes, commas, line ends and control bytes inside a value, padding, unicode
# digits, long text
VALUES = (
    "abc",
    "12.5",
    "1e3",
    "1e400",
    "-1",
    "-0",
    "+5",
    "0x1F",
    "NaN",
    "inf",
    "-inf",
    "99999999999",
    "9223372036854775808",
    " 3",
    "3 ",
    "٣",
    "2024-02-30",
    "2023-13-01",
    "1800-01-01",
    "1899-12-31",
    "2100-12-31",
    "9999-12-31",
    "0000-00-00",
    "10/25/2023",
    "2023-9-5",
    "20230905",
    "2023-09-05T00:00:00",
    "ZZ",
    "zz",
    "maybe",
    "TRUE",
    "Y",
    "",
    " ",
    "NULL",
    "é",
    '"',
    ",",
    "a,b",
    'x"y',
    "a\nb",
    "a\rb",
    "a\x00b",
    "a\x01b",
    "\t",
    "x" * 300,
    "101",
    "202",
    "S001",
    "S006",
    "2024",
    "2023",
    "2025",
)


@dataclass(repr=False)
class Mutated:
    """A mutated export: file name -> content (``None``: the file is removed)."""

    files: dict[str, bytes | None] = field(default_factory=lambda: dict(tiny_export.files()))
    done: list[str] = field(default_factory=list)

    def __repr__(self) -> str:  # what was done, not the files' bytes
        return f"Mutated({'; '.join(self.done) or 'nothing'})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # Hypothesis's printer
        printer.text(repr(self))

    def write(self, folder: Path) -> None:
        folder.mkdir(parents=True)
        for name, data in self.files.items():
            if data is not None:
                (folder / name).write_bytes(data)


# ---------------------------------------------------------------- byte level


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


@st.composite
def line_index(draw: st.DrawFn, lines: list[bytes]) -> int:
    """A line of the file (0: the header): a record line fifteen times in sixteen.
    Hypothesis favours small numbers, which would put nearly every edit in the header,
    and a damaged header ends the whole load with a file problem."""
    if len(lines) > 1 and draw(st.integers(0, 15)):
        return draw(st.integers(1, len(lines) - 1))
    return 0


@st.composite
def position(draw: st.DrawFn, data: bytes) -> int:
    """A byte offset in ``data`` (its length included), in a line from line_index."""
    lines = _lines(data)
    line = draw(line_index(lines))
    start = sum(len(x) + 1 for x in lines[:line])
    return start + draw(st.integers(0, len(lines[line])))


@st.composite
def byte_edit(draw: st.DrawFn, data: bytes) -> tuple[bytes, str]:
    """One byte- or line-level edit of ``data``: the new bytes and what was done."""
    kind = draw(
        st.sampled_from(
            (
                "insert",
                "insert",
                "replace",
                "delete",
                "truncate",
                "duplicate_line",
                "swap_lines",
                "line_ends",
                "bom",
            )
        )
    )
    if kind in ("insert", "replace"):
        at = draw(position(data))
        payload = draw(st.sampled_from(BYTES) | st.binary(min_size=1, max_size=3))
        width = draw(st.integers(1, 3)) if kind == "replace" else 0
        return data[:at] + payload + data[at + width :], f"{kind} {payload!r} at byte {at}"
    if kind == "delete":
        at = draw(position(data))
        width = draw(st.integers(1, 12))
        return data[:at] + data[at + width :], f"delete {width} bytes at byte {at}"
    if kind == "truncate":
        at = draw(position(data))
        return data[:at], f"truncate at byte {at}"
    lines = _lines(data)
    if kind == "duplicate_line":
        i = draw(line_index(lines))
        return b"\n".join([*lines[: i + 1], lines[i], *lines[i + 1 :]]), f"duplicate line {i + 1}"
    if kind == "swap_lines":
        i = draw(line_index(lines))
        j = draw(line_index(lines))
        lines[i], lines[j] = lines[j], lines[i]
        return b"\n".join(lines), f"swap lines {i + 1} and {j + 1}"
    if kind == "line_ends":
        end = draw(st.sampled_from((b"\r", b"\r\n", b"\n\r", b"\r\r\n")))
        return data.replace(b"\n", end), f"every line end {end!r}"
    return b"\xef\xbb\xbf" + data, "byte-order mark"


@st.composite
def byte_mutations(draw: st.DrawFn) -> Mutated:
    """One to three files of the export, each with one to three byte-level edits."""
    m = Mutated()
    names = draw(st.lists(st.sampled_from(FILES), min_size=1, max_size=3, unique=True))
    for name in names:
        data = m.files[name]
        assert data is not None
        for _ in range(draw(st.integers(1, 3))):
            data, what = draw(byte_edit(data))
            m.done.append(f"{name}: {what}")
        m.files[name] = data
    return m


# ---------------------------------------------------------------- field level


def _date_columns(table: str) -> list[int]:
    return [i for i, c in enumerate(contract.table(table).columns) if c.type == "DATE"]


@st.composite
def field_edit(draw: st.DrawFn, table: str, rows: list[list[str]]) -> str:
    """One edit of ``rows`` (header first, changed in place); returns what was done."""
    width = len(rows[0])
    body = len(rows) - 1
    kinds = ["value", "value", "control", "blank", "swap_fields", "other_row_value", "header"]
    if body:
        kinds += ["duplicate_row", "repeat_key", "delete_row", "shift_date", "quote"]
    kind = draw(st.sampled_from(kinds))
    if kind == "header":
        how = draw(st.sampled_from(("rename", "drop", "add", "reorder", "upper")))
        c = draw(st.integers(0, width - 1))
        if how == "rename":
            rows[0][c] = rows[0][c] + "_x"
        elif how == "drop":
            for r in rows:
                del r[c]
        elif how == "add":
            rows[0].append("extra")
            for r in rows[1:]:
                r.append(draw(st.sampled_from(VALUES)))
        elif how == "reorder":
            order = draw(st.permutations(range(width)))
            rows[:] = [[r[i] for i in order] for r in rows]
        else:
            rows[0][c] = rows[0][c].upper()
        return f"header: {how} column {c + 1}"
    if not body:  # no row to change: change the header's text instead
        c = draw(st.integers(0, width - 1))
        rows[0][c] = draw(st.sampled_from(VALUES))
        return f"header column {c + 1} set"
    r = draw(st.integers(1, body))
    c = draw(st.integers(0, width - 1))
    if kind == "value":
        value = draw(st.sampled_from(VALUES) | st.text(max_size=6))
        rows[r][c] = value
        return f"line {r + 1} column {c + 1} = {value!r}"
    if kind == "control":
        char = draw(st.sampled_from(("\x00", "\x01", "\r", "\x1b")))
        at = draw(st.integers(0, len(rows[r][c])))
        rows[r][c] = rows[r][c][:at] + char + rows[r][c][at:]
        return f"line {r + 1} column {c + 1}: {char!r} inserted at {at}"
    if kind == "blank":
        rows[r][c] = ""
        return f"line {r + 1} column {c + 1} blank"
    if kind == "swap_fields":
        c2 = draw(st.integers(0, width - 1))
        rows[r][c], rows[r][c2] = rows[r][c2], rows[r][c]
        return f"line {r + 1} columns {c + 1} and {c2 + 1} swapped"
    if kind == "other_row_value":
        r2 = draw(st.integers(1, body))
        rows[r][c] = rows[r2][c]
        return f"line {r + 1} column {c + 1} from line {r2 + 1}"
    if kind == "duplicate_row":
        rows.insert(draw(st.integers(1, len(rows))), list(rows[r]))
        return f"line {r + 1} repeated"
    if kind == "repeat_key":
        # the row again with one other value: its key repeated (or, for enrollments
        # at another school, an overlapping spell)
        copy = list(rows[r])
        copy[c] = draw(st.sampled_from(VALUES))
        rows.append(copy)
        return f"line {r + 1} repeated with column {c + 1} = {copy[c]!r}"
    if kind == "delete_row":
        del rows[r]
        return f"line {r + 1} deleted"
    if kind == "shift_date":
        dates = _date_columns(table)
        if not dates:
            rows[r][c] = ""
            return f"line {r + 1} column {c + 1} blank"
        c = draw(st.sampled_from(dates))
        days = draw(st.integers(-800, 800))
        try:
            shifted = dt.date.fromisoformat(rows[r][c]) + dt.timedelta(days=days)
        except ValueError:
            return f"line {r + 1} column {c + 1} not a date: left"
        rows[r][c] = shifted.isoformat()
        return f"line {r + 1} column {c + 1} shifted {days} days"
    rows[r][c] = f'"{rows[r][c]}"'
    return f"line {r + 1} column {c + 1} in literal quotes"


def _parquet(rows: list[list[str]]) -> bytes:
    """Rows as a Parquet file of text columns (an empty value is null)."""
    header, body = rows[0], rows[1:]
    names = [h if h not in header[:i] else f"{h}_{i}" for i, h in enumerate(header)]
    columns = {
        name: pa.array([(r[i] if i < len(r) else None) or None for r in body], pa.string())
        for i, name in enumerate(names)
    }
    out = io.BytesIO()
    pq.write_table(pa.table(columns), out)
    return out.getvalue()


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


@st.composite
def field_mutations(draw: st.DrawFn) -> Mutated:
    """One to three tables, each with one to four field-level edits, written as CSV
    (or, sometimes, as Parquet)."""
    m = Mutated()
    names = draw(
        st.lists(st.sampled_from([t.name for t in contract.TABLES]), min_size=1, max_size=3)
    )
    for name in dict.fromkeys(names):
        rows = tiny_export.table_rows(name)
        for _ in range(draw(st.integers(1, 4))):
            m.done.append(f"{name}: {draw(field_edit(name, rows))}")
        if draw(st.integers(0, 5)) == 0:
            m.files[f"{name}.csv"] = None
            m.files[f"{name}.parquet"] = _parquet(rows)
            m.done.append(f"{name}: written as Parquet")
        else:
            m.files[f"{name}.csv"] = _csv(rows)
    return m
