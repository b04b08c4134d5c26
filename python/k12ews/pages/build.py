"""Write the pages: one file per student in scope (or the few asked for) and, for the
whole scope, the caseload page ``index.html``. The files are written to a temporary folder
beside the output and moved in at the end, so a failure leaves the output as it was; a
student page left in the folder by an earlier run whose student is no longer in scope is
removed, so the folder never holds a student the role may not see."""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from k12ews.pages.caseload import render_caseload, safe_name, student_file
from k12ews.pages.data import load_pages_data
from k12ews.pages.student import render_student

INDEX = "index.html"


@dataclass(frozen=True)
class PagesResult:
    out_dir: Path
    staff_id: str
    role_classes: tuple[str, ...]
    students: int
    pages: int
    removed: int
    bytes: int
    read_seconds: float
    render_seconds: float
    seconds: float


def default_out(staff_id: str) -> Path:
    return Path("target") / "pages" / safe_name(staff_id)


def build_pages(
    db: Path, staff_id: str, out_dir: Path | None = None, students: list[str] | None = None
) -> PagesResult:
    """Pages of ``staff_id``'s students (``students``: only those, and no caseload page)."""
    t0 = time.perf_counter()
    data = load_pages_data(db, staff_id, students)
    t_read = time.perf_counter() - t0
    out = Path(out_dir) if out_dir is not None else default_out(staff_id)
    out.parent.mkdir(parents=True, exist_ok=True)
    written: dict[str, str] = {}
    size = 0
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.name}-") as tmp:
        for s in data.students:
            text = render_student(data, s, with_index=students is None)
            name = student_file(s)
            (Path(tmp) / name).write_text(text, encoding="utf-8")
            written[name] = s
            size += len(text.encode("utf-8"))
        if students is None:
            text = render_caseload(data)
            (Path(tmp) / INDEX).write_text(text, encoding="utf-8")
            size += len(text.encode("utf-8"))
        t_render = time.perf_counter() - t0 - t_read
        out.mkdir(parents=True, exist_ok=True)
        removed = 0
        if students is None:
            for old in out.glob("student_*.html"):
                if old.name not in written:
                    old.unlink()
                    removed += 1
        for f in Path(tmp).iterdir():
            os.replace(f, out / f.name)
    return PagesResult(
        out_dir=out,
        staff_id=staff_id,
        role_classes=data.scope.role_classes,
        students=len(data.scope.students),
        pages=len(written) + (1 if students is None else 0),
        removed=removed,
        bytes=size,
        read_seconds=t_read,
        render_seconds=t_render,
        seconds=time.perf_counter() - t0,
    )
