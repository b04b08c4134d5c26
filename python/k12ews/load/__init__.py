"""Load a district's own SIS export (contract files) into ``raw``, checked.

``load_folder`` is the entry point; ``rules`` holds the checks beyond column types and
the rules that resolve rather than reject; ``read`` reads files with their line numbers;
``checks`` types the rows and checks each row, ``sets`` checks rows against other rows
(set-based SQL, no loop over rows); ``result`` is what a load reports.
"""

from k12ews.load.loader import LoadCrash, load_folder
from k12ews.load.result import FileCounts, LoadError, LoadResult, Problem
from k12ews.load.rules import LoadSettings

__all__ = [
    "FileCounts",
    "LoadCrash",
    "LoadError",
    "LoadResult",
    "LoadSettings",
    "Problem",
    "load_folder",
]
