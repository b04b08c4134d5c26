"""What a load found: counts per file, problems per file and rule, the report text.

:class:`LoadResult` is what a load that commits returns; :class:`LoadError` is raised by
one that does not (``raw`` unchanged). Both count every row (read = loaded + rejected +
merged, per file) and list, for each file and rule, its first lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Mode = Literal["strict", "quarantine"]
EXAMPLES_PER_RULE = 10  # lines listed per file and rule in a report (all are counted)
REPORT_LIMIT = 300  # lines listed in a report in all


@dataclass(frozen=True)
class FileCounts:
    table: str
    file: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    rows_merged: int = 0  # copies of an identical earlier row, loaded once
    status: str = "loaded"  # loaded, empty (a header and no rows) or absent (no file)


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    column: str | None
    value: str | None
    rule: str
    message: str

    def __str__(self) -> str:
        where = f" line {self.line}" if self.line is not None else ""
        col = f", column {self.column}" if self.column else ""
        val = f", value {self.value!r}" if self.value is not None else ""
        return f"{self.file}{where}{col}{val}: {self.rule}: {self.message}"


@dataclass
class LoadResult:
    mode: Mode
    files: list[FileCounts]
    notes: list[str] = field(default_factory=list)
    rejects_by_rule: dict[str, int] = field(default_factory=dict)
    # (file, rule) -> rows: every rejected row counted, by the rule it broke first
    rejects_by_file_rule: dict[tuple[str, str], int] = field(default_factory=dict)
    adjustments_by_file_rule: dict[tuple[str, str], int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # the first lines of each rule
    hashed_ids: int | None = None

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    @property
    def rows_merged(self) -> int:
        return sum(f.rows_merged for f in self.files)

    def render(self) -> str:
        head = f"{'file':<36} {'read':>10} {'loaded':>10} {'rejected':>10} {'merged':>8}"
        lines = [
            head,
            *(
                f"{f.file:<36} {f.rows_read:>10,} {f.rows_loaded:>10,} {f.rows_rejected:>10,} "
                f"{f.rows_merged:>8,}" + ("" if f.status == "loaded" else f"  ({f.status})")
                for f in self.files
            ),
            f"{'total':<36} {self.rows_read:>10,} {self.rows_loaded:>10,} "
            f"{self.rows_rejected:>10,} {self.rows_merged:>8,}",
        ]
        lines += render_counts("rejected rows by file and rule", self.rejects_by_file_rule)
        lines += render_counts(
            "rows adjusted by a rule (audit.raw_adjustments)", self.adjustments_by_file_rule
        )
        if self.hashed_ids is not None:
            lines.append(f"student identifiers replaced by keyed hashes: {self.hashed_ids:,}")
        lines += self.notes
        return "\n".join(lines)


def render_counts(title: str, counts: dict[tuple[str, str], int]) -> list[str]:
    """Lines of a count per file and rule, under ``title`` (none when there are none)."""
    if not counts:
        return []
    return [f"{title}:"] + [f"  {f:<34} {r:<28} {n:>10,}" for (f, r), n in counts.items()]


class LoadError(ValueError):
    """The load failed; ``raw`` is as it was. ``problems`` lists the first lines of each
    file and rule; ``counts`` (file, rule) -> rows counts every one."""

    def __init__(
        self,
        summary: str,
        problems: list[Problem],
        total: int,
        counts: dict[tuple[str, str], int] | None = None,
    ) -> None:
        self.summary = summary
        self.problems = problems
        self.total = total
        self.counts = counts or {}
        table = render_counts("problems by file and rule", self.counts)
        listed = "\n".join(f"  {p}" for p in problems)
        more = (
            f"\n  ... the first {EXAMPLES_PER_RULE} of each file and rule are listed"
            if total > len(problems)
            else ""
        )
        body = "\n".join([*table, "first problems:" if table else ""]).strip("\n")
        super().__init__(f"{summary}\n{body}\n{listed}{more}".replace("\n\n", "\n"))


class LoadCrash(RuntimeError):  # noqa: N818 (the loader's own failure, named as such)
    """The loader itself failed (a bug, not a data problem) on ``file``; ``raw`` is as
    it was. The original exception is the cause."""

    def __init__(self, file: str, error: BaseException) -> None:
        self.file = file
        first = (str(error).strip().splitlines() or [""])[0]
        super().__init__(f"{file}: {type(error).__name__}: {first}")
