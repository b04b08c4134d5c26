"""``k12ews load --edfi DIR``: an Ed-Fi extract checked and loaded like any export.

The extract is read into contract files in a temporary folder
(:func:`k12ews.edfi.reader.read_extract`), which :func:`k12ews.load.load_folder` then
checks and loads with every rule and the same accounting; nothing is written unless the
load commits. Each problem is reported at the Ed-Fi record it came from (file and record
number, NDJSON or XML line), and ``audit.raw_line_sources`` names the record of every
loaded or rejected contract line.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import tempfile
from pathlib import Path

from k12ews.edfi.reader import SOURCES_FILE, SourceProblem, read_extract
from k12ews.edfi.settings import EdfiSettings
from k12ews.load import LoadError, LoadResult, LoadSettings, Problem, load_folder
from k12ews.load.loader import project_dir_default
from k12ews.load.result import Mode

Sources = dict[tuple[str, int], tuple[str, str]]  # (file, line) -> (Ed-Fi record, note)


def _sources(path: Path) -> Sources:
    with path.open(encoding="utf-8", newline="") as f:
        return {
            (f"{r['table_name']}.csv", int(r["line"])): (r["source"], r["note"])
            for r in csv.DictReader(f)
        }


def at_source(p: Problem, sources: Sources) -> Problem:
    """A contract file's problem, placed at the Ed-Fi record the line came from."""
    if p.line is None or (p.file, p.line) not in sources:
        return p
    where, note = sources[(p.file, p.line)]
    rule, message = p.rule, p.message
    if note and p.rule == "required":  # a descriptor the reader could not turn into a number
        rule, message = "unknown_code", note
    return Problem(
        where,
        None,
        p.column,
        p.value,
        rule,
        f"{message} (raw {p.file.removesuffix('.csv')} row {p.line - 1})",
    )


def load_edfi(
    folder: Path,
    db_path: Path | None = None,
    mode: Mode = "strict",
    as_of: dt.date | None = None,
    project_dir: Path | None = None,
    id_secret: bytes | None = None,
    settings: LoadSettings | None = None,
    edfi_settings: EdfiSettings | None = None,
) -> LoadResult:
    """Read the Ed-Fi extract in ``folder`` and load it into ``raw`` of ``db_path``
    (raises :class:`LoadError`, ``raw`` unchanged, as :func:`load_folder` does)."""
    seeds = Path(project_dir or project_dir_default()) / "seeds"
    with tempfile.TemporaryDirectory(prefix="k12ews-edfi-") as work:
        try:
            read = read_extract(Path(folder), Path(work), seeds, edfi_settings)
        except SourceProblem as p:
            problem = Problem(p.file, p.line, None, None, p.rule, p.message)
            raise LoadError(
                "load failed: the Ed-Fi extract cannot be read; raw left unchanged",
                [problem],
                1,
                {(p.file, p.rule): 1},
            ) from None
        sources = _sources(Path(work) / SOURCES_FILE)
        try:
            result = load_folder(
                Path(work),
                db_path,
                mode=mode,
                as_of=as_of,
                project_dir=project_dir,
                id_secret=id_secret,
                settings=settings,
                line_sources=Path(work) / SOURCES_FILE,
            )
        except LoadError as e:
            raise LoadError(
                e.summary + "\n" + "\n".join(read.notes),
                [at_source(p, sources) for p in e.problems],
                e.total,
                e.counts,
            ) from None
    return dataclasses.replace(
        result,
        problems=[at_source(p, sources) for p in result.problems],
        notes=read.notes + result.notes,
    )
