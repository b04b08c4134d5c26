"""Load a district's own SIS export (contract files) into ``raw``, checked.

``load_folder`` is the entry point; ``rules`` holds the checks beyond column types;
``read`` reads files with their line numbers; ``checks`` types the rows and checks each
row, ``sets`` checks rows against other rows (set-based SQL, no loop over rows).
"""

from k12ews.load.loader import (
    FileCounts,
    LoadCrash,
    LoadError,
    LoadResult,
    Problem,
    load_folder,
)

__all__ = ["FileCounts", "LoadCrash", "LoadError", "LoadResult", "Problem", "load_folder"]
