"""Read one contract file: its header, its records in file order, their line and text.

A CSV file is first scanned once in Python: its physical lines (header = line 1), its
header line, and whether any byte of it is a double quote, a control byte 0x01, a
NUL byte or a stray carriage return. Lines end with LF (or CRLF), or with CR alone in
a file that has no LF at all (Excel on older Macs); any other CR is stray, and rejects
its line. The header is checked (:func:`check_header`). The records are then read one
of two ways, with the same result:

- **plain** (no double quote, no 0x01 or NUL byte, no stray CR, more than one
  column): DuckDB's parallel CSV reader, comma-delimited, no quoting, every field as
  text, strict about the number of fields and about UTF-8. Records keep file order,
  so record k (from 0) is physical line k + 2. If the reader refuses a line, or
  returns anything but one record per physical line after the header (a blank
  line), the file is read the careful way instead (:func:`read_carefully`): the
  plain read never judges a line itself.
- **careful**: physical lines first (DuckDB, one VARCHAR column, no quoting), so every
  record keeps its line number and text, and a line DuckDB cannot decode (not UTF-8,
  a control byte) is kept as a rejected line rather than skipped (a file with a
  stray CR, or one DuckDB refuses or loses lines of, is split into lines in Python
  instead); fields are then split in SQL (a plain split on commas, or a quote-aware
  split for lines holding a double quote). A record may not span lines.

Every CSV value stays text here; the checks cast it. The original text of a line is
read again (:func:`texts`) only for the lines that are rejected.

Parquet files are read with their own types and ``file_row_number``; their "line" is
the 1-based row number, and a rejected row's text is rendered from its fields.

A careful relation (``_in_<table>``: a view, or a table when keyed hashes change its
rows) has ``_line``, ``_text`` (null for Parquet), ``_rule`` and ``_message`` (a
structural problem of the line, else null) and one column per contract column.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from k12ews import contract


@dataclass
class FileProblem(Exception):  # noqa: N818 (a problem found, not a failure of the code)
    """A problem with a whole file: no row of it can be judged."""

    file: str
    rule: str
    message: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = f" line {self.line}" if self.line else ""
        col = f", column {self.column}" if self.column else ""
        return f"{self.file}{where}{col}: {self.rule}: {self.message}"


@dataclass(frozen=True)
class CsvScan:
    lines: int  # physical lines: line ends, plus one for a last line without one
    header: bytes | None  # the first line without its line end (None: the file is empty)
    plain: bool  # no double quote, no byte 0x01, no NUL byte, no stray carriage return
    newline: bytes = b"\n"  # what ends a line: LF (or CRLF), or CR alone in a file without LF
    stray_cr: bool = False  # a carriage return that does not end a line (LF files only)


@dataclass
class Staged:
    table: str
    file: str  # the file's name, as reports show it
    fmt: str
    path: Path
    rows_read: int
    source_types: dict[str, str]  # contract column -> type of the staged column
    notes: list[str] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)  # CSV header, lower case
    plain: bool = False  # CSV read by DuckDB's parallel reader (see the module doc)
    newline: bytes = b"\n"  # CSV: what ends a line (CsvScan.newline)
    stray_cr: bool = False  # CSV: a carriage return inside a line (read line by line in Python)
    materialized: bool = False  # _in_<table> is a table (its rows changed in place)
    numbered: str | None = None  # CSV: SQL of (line_no, line, error_type), once read
    helpers: list[str] = field(default_factory=list)  # temp relations to drop

    def drop(self, con: duckdb.DuckDBPyConnection) -> None:
        """Drop the staging relations."""
        kind = "TABLE" if self.materialized else "VIEW"
        con.execute(f"DROP {kind} IF EXISTS {staging_name(self.table)}")
        for t in self.helpers:
            con.execute(f"DROP TABLE IF EXISTS {t}")


def staging_name(table: str) -> str:
    return f"_in_{table}"


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


# a field: quoted ("" escapes a quote) or plain (no comma, no quote)
_FIELD = r'(?:"(?:[^"]|"")*"|[^,"]*)'
_LINE_RE = f"{_FIELD}(?:,{_FIELD})*"
_EXTRACT_RE = f",({_FIELD})"

# DuckDB's error types for a line it could not read as one text column, and the
# Python line reader's own (_python_lines)
_READ_ERROR_RULES = {
    "INVALID ENCODING": ("encoding", "the line is not valid UTF-8"),
    "TOO MANY COLUMNS": ("control_character", "the line holds byte 0x01"),
    "CARRIAGE RETURN": (
        "control_character",
        "the line holds a carriage return that does not end it (CR alone inside a line)",
    ),
}
_CHUNK = 1 << 24
_HEADER_LIMIT = 1 << 20  # bytes of the first line kept: a longer header is no header


def scan_csv(path: Path) -> CsvScan:
    """Count the file's physical lines, keep its first line, and see if it is plain.

    Lines end with LF (a CR before it belongs to the line end), or, in a file with no
    LF at all, with CR alone (as Excel on older Macs writes). A CR anywhere else in a
    file with LF is a stray carriage return: the file is read line by line in Python,
    and the line holding it is rejected."""
    n_lf = n_cr = n_crlf = 0
    last, first = b"", b""
    plain, header_done = True, False
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            if not header_done:
                end = chunk.find(b"\n")
                first += chunk[: _HEADER_LIMIT - len(first)] if end < 0 else chunk[:end]
                header_done = end >= 0 or len(first) >= _HEADER_LIMIT
            n_lf += chunk.count(b"\n")
            if cr := chunk.count(b"\r"):  # most files have none: one pass less
                n_cr += cr
                n_crlf += chunk.count(b"\r\n")
            n_crlf += last == b"\r" and chunk[:1] == b"\n"
            plain = plain and not (b'"' in chunk or b"\x01" in chunk or b"\x00" in chunk)
            last = chunk[-1:]
    if not n_lf and n_cr:  # CR-only line ends
        lines = n_cr + (1 if last != b"\r" else 0)
        return CsvScan(lines, first.split(b"\r", 1)[0], plain, newline=b"\r")
    lines = n_lf + (1 if last not in (b"", b"\n") else 0)
    stray = n_cr != n_crlf
    header = first.removesuffix(b"\r") if lines else None
    return CsvScan(lines, header, plain and not stray, stray_cr=stray)


def _header_fields(file: str, header: bytes | None) -> list[str]:
    if header is None or not header.strip():
        raise FileProblem(file, "empty_file", "the file has no header line", 1)
    try:
        text = header.decode("utf-8")
    except UnicodeDecodeError:
        raise FileProblem(file, "encoding", "the header line is not valid UTF-8", 1) from None
    for char, words in (("\x00", "a NUL byte"), ("\x01", "byte 0x01"), ("\r", "a carriage return")):
        if char in text:
            raise FileProblem(file, "control_character", f"the header line holds {words}", 1)
    fields = [f.strip().strip("\ufeff").lower() for f in next(csv.reader([text]))]
    if len(fields) == 1:
        for name, delim in (("semicolon", ";"), ("tab", "\t"), ("pipe", "|")):
            if delim in text:
                raise FileProblem(
                    file,
                    "wrong_delimiter",
                    f"the header is {name}-delimited; contract files are comma-delimited",
                    line=1,
                )
    return fields


def check_header(file: str, fields: list[str], table: contract.Table) -> list[str]:
    """Raise on a duplicate contract column or a missing required one; return notes on
    the rest (columns not in the contract, named, unnamed or repeated, are ignored)."""
    contract_columns = set(table.column_names)
    seen: set[str] = set()
    for f in fields:
        if f in seen and f in contract_columns:
            raise FileProblem(file, "duplicate_column", f"column {f} appears twice", 1, f)
        seen.add(f)
    missing = [c.name for c in table.columns if c.required and c.name not in seen]
    if missing:
        raise FileProblem(
            file,
            "missing_column",
            f"required column(s) {', '.join(missing)} absent from the header",
            1,
            missing[0],
        )
    notes = []
    absent = [c.name for c in table.columns if not c.required and c.name not in seen]
    if absent:
        notes.append(f"{file}: optional column(s) {', '.join(absent)} absent: loaded as null")
    extra = [
        f or f"(unnamed, field {i + 1})" for i, f in enumerate(fields) if f not in contract_columns
    ]
    if extra:
        notes.append(f"{file}: column(s) {', '.join(extra)} not in the contract: ignored")
    return notes


# ---------------------------------------------------------------- the plain read


def plain_source(staged: Staged) -> str:
    """SQL of the file's records (contract columns, as text) in file order: the plain
    read. Raises a ``duckdb.Error`` when read if a line is not a plain record."""
    table = contract.table(staged.table)
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(staged.fields)))
    position = {f: i for i, f in enumerate(staged.fields)}
    values = ", ".join(
        f'c{position[c.name]} AS "{c.name}"'
        if c.name in position
        else f'NULL::VARCHAR AS "{c.name}"'
        for c in table.columns
    )
    return (
        f"SELECT {values} FROM read_csv('{_sql_path(staged.path)}', columns={{{columns}}}, "
        "delim=',', quote='', escape='', header=false, skip=1, auto_detect=false, "
        "strict_mode=true, null_padding=false, max_line_size=10000000)"
    )


# ---------------------------------------------------------------- the careful read


def _python_lines(con: duckdb.DuckDBPyConnection, staged: Staged, name: str) -> None:
    """Table ``name`` (line_no, line, error_type) of every physical line of the file."""
    data = staged.path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    parts = data.split(staged.newline)
    if parts and parts[-1] == b"":
        parts.pop()
    texts: list[str | None] = []
    errors: list[str | None] = []
    for raw in parts:
        raw = raw.removesuffix(b"\r")
        try:
            text = raw.decode("utf-8")
            error = (
                "TOO MANY COLUMNS"
                if "\x01" in text
                else "CARRIAGE RETURN"
                if "\r" in text
                else None
            )
        except UnicodeDecodeError:
            text, error = raw.decode("utf-8", errors="replace"), "INVALID ENCODING"
        texts.append(text if text.strip() or error else None)
        errors.append(error)
    frame = pa.table(
        {
            "line_no": pa.array(range(1, len(parts) + 1), pa.int64()),
            "line": pa.array(texts, pa.string()),
            "error_type": pa.array(errors, pa.string()),
        }
    )
    con.register("_python_lines_frame", frame)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _python_lines_frame")
    con.unregister("_python_lines_frame")


def _read_lines(con: duckdb.DuckDBPyConnection, staged: Staged) -> str:
    """Read the file's physical lines into temp tables; return the SQL numbering them
    (line_no from 1 = the header, line, error_type of a line DuckDB could not read)."""
    t = staged.table
    lines, rj, rs = f"_lines_{t}", f"_rj_{t}", f"_rs_{t}"
    for name in (lines, rj, rs):
        con.execute(f"DROP TABLE IF EXISTS {name}")
        staged.helpers.append(name)
    if staged.stray_cr:
        # DuckDB ends a line at a stray CR (or refuses the file): Python splits on LF
        _python_lines(con, staged, lines)
        return f"SELECT * FROM {lines}"
    try:
        # one text column per physical line: no quoting, a delimiter (0x01) no text holds
        con.execute(
            f"CREATE TEMP TABLE {lines} AS SELECT line FROM read_csv('{_sql_path(staged.path)}', "
            "columns={'line': 'VARCHAR'}, delim=chr(1), quote='', escape='', header=false, "
            "auto_detect=false, max_line_size=10000000, "
            f"store_rejects=true, rejects_table='{rj}', rejects_scan='{rs}')"
        )
        counted = con.execute(
            f"SELECT (SELECT count(*) FROM {lines}), (SELECT count(DISTINCT line) FROM {rj})"
        ).fetchone()
    except duckdb.Error:
        counted = None  # DuckDB refused the file: Python reads it
    n_lines, bad_count = (int(counted[0]), int(counted[1])) if counted else (-1, 0)
    if n_lines + bad_count != staged.rows_read + 1:
        # DuckDB refused the file or lost lines (seen with a control byte in a large
        # file): read the file line by line in Python instead, slower but every line
        # is accounted for
        _python_lines(con, staged, lines)
        return f"SELECT * FROM {lines}"
    if not bad_count:
        return f"SELECT rowid + 1 AS line_no, line, NULL::VARCHAR AS error_type FROM {lines}"
    # physical line numbers: lines DuckDB could not read are missing from _lines, so
    # row k is line k + 1 + (rejected lines before it)
    return f"""
        WITH bad AS (
            SELECT line AS bad_line, min(error_type) AS error_type,
                   min(csv_line) AS csv_line
            FROM {rj} GROUP BY line
        ),
        steps AS (
            SELECT bad_line - row_number() OVER (ORDER BY bad_line) AS k,
                   count(*) OVER (ORDER BY bad_line) AS j
            FROM bad
        ),
        steps_max AS (SELECT k, max(j) AS j FROM steps GROUP BY k),
        lines AS (SELECT rowid AS k, line FROM {lines})
        SELECT lines.k + 1 + coalesce(steps_max.j, 0) AS line_no, lines.line,
               NULL::VARCHAR AS error_type
        FROM lines ASOF LEFT JOIN steps_max ON lines.k >= steps_max.k
        UNION ALL
        SELECT bad_line, ltrim(csv_line, chr(10) || chr(13)), error_type FROM bad
    """


def _records(staged: Staged, only: str | None = None) -> str:
    """SQL of the careful relation over the numbered lines; ``only``: a relation whose
    column ``line`` names the lines wanted (the others are not split)."""
    assert staged.numbered is not None
    table = contract.table(staged.table)
    n = len(staged.fields)
    position = {f: i + 1 for i, f in enumerate(staged.fields)}
    # lines without a double quote (nearly all) are split on commas, the others with a
    # quote-aware regular expression; values are taken as written (no trimming)
    values = ",\n".join(
        f"nullif(f[{position[c.name]}], '') AS \"{c.name}\""
        if c.name in position
        else f'NULL::VARCHAR AS "{c.name}"'
        for c in table.columns
    )
    read_rules = " ".join(
        f"WHEN error_type = '{k}' THEN '{v[0]}'" for k, v in _READ_ERROR_RULES.items()
    )
    read_messages = " ".join(
        f"WHEN error_type = '{k}' THEN '{v[1]}'" for k, v in _READ_ERROR_RULES.items()
    )
    wanted = f" AND line_no IN (SELECT line FROM {only})" if only else ""
    return f"""
        WITH numbered AS ({staged.numbered}),
        split AS (
            SELECT line_no, line, error_type,
                line IS NULL OR trim(line) = '' AS is_blank,
                strpos(line, '"') > 0 AS has_quote,
                CASE
                    WHEN error_type IS NOT NULL THEN NULL
                    WHEN NOT has_quote THEN string_split(line, ',')
                    WHEN regexp_full_match(line, '{_LINE_RE}') THEN list_transform(
                        regexp_extract_all(',' || line, '{_EXTRACT_RE}', 1),
                        lambda x: CASE WHEN starts_with(x, '"') THEN replace(x[2:-2], '""', '"')
                             ELSE x END)
                END AS f,
                len(f) AS n_fields
            FROM numbered
            WHERE line_no > 1{wanted}
        )
        SELECT
            line_no AS _line,
            line AS _text,
            CASE
                WHEN error_type IS NOT NULL THEN CASE {read_rules} ELSE 'field_count' END
                WHEN is_blank THEN 'blank_line'
                WHEN has_quote AND f IS NULL THEN 'malformed_quotes'
                WHEN n_fields <> {n} THEN 'field_count'
            END AS _rule,
            CASE
                WHEN error_type IS NOT NULL
                    THEN CASE {read_messages} ELSE 'unreadable line' END
                WHEN is_blank THEN 'empty line'
                WHEN has_quote AND f IS NULL THEN 'unbalanced or misplaced double quotes'
                WHEN n_fields <> {n}
                    THEN 'expected {n} fields (as the header), found ' || n_fields
            END AS _message,
            {values}
        FROM split
    """


def read_carefully(con: duckdb.DuckDBPyConnection, staged: Staged, materialize: bool) -> None:
    """Create ``_in_<table>`` by the careful read (a table if ``materialize``)."""
    if staged.numbered is None:
        staged.numbered = _read_lines(con, staged)
    kind = "TABLE" if materialize else "VIEW"
    con.execute(f"CREATE OR REPLACE TEMP {kind} {staging_name(staged.table)} AS {_records(staged)}")
    staged.plain, staged.materialized = False, materialize


def stage_csv(
    con: duckdb.DuckDBPyConnection, table: contract.Table, path: Path, materialize: bool = True
) -> Staged:
    scan = scan_csv(path)
    fields = _header_fields(path.name, scan.header)
    notes = check_header(path.name, fields, table)
    staged = Staged(
        table=table.name,
        file=path.name,
        fmt="csv",
        path=path,
        # every physical line after the header is a record (or a rejected line)
        rows_read=scan.lines - 1,
        source_types={c.name: "VARCHAR" for c in table.columns},
        notes=notes,
        fields=fields,
        plain=scan.plain and len(fields) > 1 and not materialize,
        newline=scan.newline,
        stray_cr=scan.stray_cr,
    )
    if not staged.plain:
        read_carefully(con, staged, materialize)
    return staged


def stage_parquet(
    con: duckdb.DuckDBPyConnection, table: contract.Table, path: Path, materialize: bool = True
) -> Staged:
    file = path.name
    p = _sql_path(path)
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{p}')").fetchall()
    except duckdb.Error as e:
        raise FileProblem(file, "empty_file", f"not a readable Parquet file ({e})") from None
    types = {str(r[0]).lower(): str(r[1]) for r in described}
    names = [str(r[0]).lower() for r in described]
    notes = check_header(file, names, table)
    original = {str(r[0]).lower(): str(r[0]) for r in described}
    # text columns are staged as text whatever the file's type (a numeric student_id)
    values = ",\n".join(
        (
            f'CAST("{original[c.name]}" AS VARCHAR) AS "{c.name}"'
            if c.type.upper() == "VARCHAR"
            else f'"{original[c.name]}" AS "{c.name}"'
        )
        if c.name in types
        else f'NULL::VARCHAR AS "{c.name}"'
        for c in table.columns
    )
    kind = "TABLE" if materialize else "VIEW"  # a view: the checks read the file itself
    con.execute(
        f"""
        CREATE OR REPLACE TEMP {kind} {staging_name(table.name)} AS
        SELECT file_row_number + 1 AS _line, NULL::VARCHAR AS _text,
               NULL::VARCHAR AS _rule, NULL::VARCHAR AS _message,
               {values}
        FROM read_parquet('{p}', file_row_number=true)
        """
    )
    rows = con.execute(f"SELECT count(*) FROM read_parquet('{p}')").fetchone()
    return Staged(
        table=table.name,
        file=file,
        fmt="parquet",
        path=path,
        materialized=materialize,
        rows_read=int(rows[0]) if rows else 0,
        source_types={
            c.name: "VARCHAR" if c.type.upper() == "VARCHAR" else types.get(c.name, "VARCHAR")
            for c in table.columns
        },
        notes=notes,
    )


def texts(con: duckdb.DuckDBPyConnection, staged: Staged, wanted: str) -> str:
    """SQL of the careful relation restricted to the lines in relation ``wanted``
    (column ``line``): their text and each contract column's value as staged."""
    if staged.fmt == "csv" and not staged.materialized:
        if staged.numbered is None:
            staged.numbered = _read_lines(con, staged)
        return _records(staged, only=wanted)
    return f"SELECT * FROM {staging_name(staged.table)} WHERE _line IN (SELECT line FROM {wanted})"


def find_files(folder: Path) -> tuple[dict[str, Path], list[FileProblem]]:
    """The file of each contract table in ``folder`` and the file-level problems."""
    found: dict[str, Path] = {}
    problems: list[FileProblem] = []
    for t in contract.TABLES:
        candidates = [folder / f"{t.name}.{ext}" for ext in ("csv", "parquet")]
        present = [c for c in candidates if c.is_file()]
        if not present:
            problems.append(
                FileProblem(
                    f"{t.name}.csv",
                    "missing_file",
                    f"no {t.name}.csv or {t.name}.parquet in the folder",
                )
            )
        elif len(present) > 1:
            problems.append(
                FileProblem(
                    present[0].name,
                    "duplicate_file",
                    f"both {present[0].name} and {present[1].name}: keep one",
                )
            )
        else:
            found[t.name] = present[0]
    return found, problems


def stage(
    con: duckdb.DuckDBPyConnection, table: contract.Table, path: Path, materialize: bool = False
) -> Staged:
    """Check the file's header and prepare its records: ``materialize`` (keyed hashes
    change the rows in place) stages them as the table ``_in_<table>``."""
    if path.suffix == ".parquet":
        return stage_parquet(con, table, path, materialize)
    return stage_csv(con, table, path, materialize)
