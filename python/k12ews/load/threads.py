"""How many DuckDB threads a load uses: one for a small export.

A load runs a few hundred queries (about a dozen per contract table); on a small
export each is over in milliseconds, most of it planning, and a second thread's
pipeline costs more to start and to wait for than it saves. Measured on the 2-core
machine (docs/testing.md, "How long"): the small district's 15 MB CSV export loaded
in 1.9 to 2.3 s with one thread, 2.8 to 3.3 s with two.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from k12ews.load.read import Staged

# An export smaller than this loads in one DuckDB thread: its queries are many and each
# is over in milliseconds, so starting a second thread's pipeline costs more than it
# saves (the module doc).
ONE_THREAD_BYTES = 32 << 20


@contextmanager
def one_thread_if_small(
    con: duckdb.DuckDBPyConnection, staged: dict[str, Staged]
) -> Iterator[None]:
    """One DuckDB thread for a small export (:data:`ONE_THREAD_BYTES`), the database's
    own setting otherwise; the setting is the database's (other connections to it share
    it), so it is put back afterwards."""
    size = sum(s.path.stat().st_size for s in staged.values() if s.fmt != "absent")
    if size >= ONE_THREAD_BYTES:
        yield
        return
    row = con.execute("SELECT current_setting('threads')").fetchone()
    con.execute("SET threads = 1")
    try:
        yield
    finally:
        con.execute(f"SET threads = {int(row[0]) if row else os.cpu_count() or 1}")
