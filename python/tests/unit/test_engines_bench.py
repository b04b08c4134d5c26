"""The engine benchmark's own measuring: process tree, memory, CPU seconds, report."""

from __future__ import annotations

import os
import sys

from k12ews.engines.bench import EngineTimes, Usage, cpu_ticks, report, run_timed, tree_pids

BURN = "import time\nend = time.process_time() + 1.5\nwhile time.process_time() < end: pass"


def test_tree_pids_includes_the_root() -> None:
    assert os.getpid() in tree_pids([os.getpid()])


def test_cpu_ticks_of_a_live_and_a_missing_process() -> None:
    seen = cpu_ticks(os.getpid())
    assert seen is not None and seen[0][0] == os.getpid()
    assert cpu_ticks(2**22 + 1) is None  # above the kernel's pid_max


def test_usage_counts_cpu_of_a_grandchild() -> None:
    # The grandchild burns 1.5 s of CPU; its parent waits for it, so both the sampling
    # and the waited-for accounting see it.
    usage = Usage()
    code = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {BURN!r}])"
    seconds = run_timed([sys.executable, "-c", code], dict(os.environ), usage)
    assert seconds >= 1.4
    assert 1.4 <= usage.cpu_s <= seconds + 5
    assert usage.peak > 0
    assert usage.loads


def test_report_lists_times_cpu_and_largest_tables() -> None:
    row = EngineTimes(
        "duckdb", None, 2.0, 3.0, 1.5, cpu_s=4.0, loads=[1.0, 3.0], rows={"raw.a": 5, "int.b": 9}
    )
    text = report("title", [row])
    assert (
        "duckdb            -      2.0      3.0       5.0        4      1.50  2.0 (max 3.0)" in text
    )
    assert "duckdb largest tables: int.b 9, raw.a 5" in text
