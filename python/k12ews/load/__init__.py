"""Load a district's own SIS export (contract files) into ``raw``, checked.

``load_folder`` is the entry point; ``rules`` holds the checks beyond column types;
``read`` stages files with their line numbers; ``checks`` is the set-based SQL.
"""

from k12ews.load.loader import FileCounts, LoadError, LoadResult, Problem, load_folder

__all__ = ["FileCounts", "LoadError", "LoadResult", "Problem", "load_folder"]
