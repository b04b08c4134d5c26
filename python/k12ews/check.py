"""``k12ews check DIR``: a readiness report on a district's export before it is loaded.

The export is loaded in quarantine mode into a throwaway database (nothing is written
to the warehouse), the dbt models that decide coverage are built on it (seeds, staging
and the coverage models, no risk model), and the report says: which tables are there,
which school years and schools they cover, the problems counted by file and rule (and
what the rules resolved), which indicators the data supports school-year by school-year
and which risk models it can train. The statuses come from the same dbt models as the
warehouse's (core.fct_indicator_coverage), so the report and the built marts agree.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from k12ews import warehouse
from k12ews.coverage import coverage_lines
from k12ews.dbt_command import run_dbt
from k12ews.load import LoadResult, LoadSettings, load_folder
from k12ews.load.loader import project_dir_default

# the dbt nodes the report reads, with everything they depend on
COVERAGE_SELECT = "+fct_indicator_coverage +fct_data_coverage ews_outcome_sources"


class CheckError(RuntimeError):
    """dbt could not build the coverage models on the export (the log's tail says why)."""


@dataclass(frozen=True)
class CheckReport:
    load: LoadResult
    coverage: list[str]
    years: tuple[int, int] | None
    schools: int

    @property
    def strict_load_passes(self) -> bool:
        return self.load.rows_rejected == 0

    def render(self) -> str:
        lines = []
        if self.years:
            lines.append(
                f"school years {self.years[0]}-{self.years[1]}, {self.schools} schools with "
                "enrollments"
            )
        lines.append(self.load.render())  # every file: read, loaded, rejected, merged
        lines += self.coverage
        lines.append(
            "a strict load would pass"
            if self.strict_load_passes
            else f"a strict load would fail: {self.load.rows_rejected:,} rows break the "
            "contract (quarantine mode loads the rest; the counts above say where)"
        )
        return "\n".join(lines)


def _build_coverage(db: Path, project: Path, work: Path, as_of: dt.date | None) -> None:
    as_of_vars = ["--vars", f"{{as_of_date: '{as_of.isoformat()}'}}"] if as_of else []
    for args in (["seed"], ["run", "--select", COVERAGE_SELECT, *as_of_vars]):
        proc = run_dbt(db, project, work, *args)
        if proc.returncode != 0:
            tail = (proc.stdout + proc.stderr).strip().splitlines()[-8:]
            raise CheckError(f"dbt {args[0]} failed on the export:\n" + "\n".join(tail))


def check_folder(
    folder: Path,
    as_of: dt.date | None = None,
    project_dir: Path | None = None,
    settings: LoadSettings | None = None,
) -> CheckReport:
    """Load ``folder`` into a throwaway database and report what it supports.

    Raises :class:`k12ews.load.LoadError` on file-level problems (no row can be judged)
    and :class:`CheckError` when dbt fails on the loaded rows.
    """
    project = Path(project_dir or project_dir_default()).resolve()
    work = Path(tempfile.mkdtemp(prefix="k12ews-check-"))
    try:
        db = work / "check.duckdb"
        result = load_folder(
            folder, db, "quarantine", as_of=as_of, project_dir=project, settings=settings
        )
        _build_coverage(db, project, work, as_of)
        with warehouse.connect(db, read_only=True) as con:
            span = con.execute(
                "select min(school_year), max(school_year), count(distinct school_id) "
                "from core.fct_indicator_coverage"
            ).fetchone()
            lines = coverage_lines(con)
        years = (int(span[0]), int(span[1])) if span and span[0] is not None else None
        return CheckReport(result, lines, years, int(span[2]) if span else 0)
    finally:
        shutil.rmtree(work, ignore_errors=True)
