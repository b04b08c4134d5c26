"""A messy export on purpose: a generated district written the way real SIS extracts
arrive (``k12ews export --messy``; ``docs/messy_exports.md``).

Transfer overlaps, exits pre-filled to the year's end, exits in the next school year,
spells without a school, a school that stops sending attendance, codes in other
spellings their seed lists, exact duplicate rows and missing tables, each at a stated
rate (:class:`MessRates`) and deterministic for a seed. Because the clean district is
known, the manifest written beside the files lets a test measure what a loader
recovers.
"""

from k12ews.messy.rates import MessRates
from k12ews.messy.write import MANIFEST, MessyResult, check_drop_tables, export_messy

__all__ = ["MANIFEST", "MessRates", "MessyResult", "check_drop_tables", "export_messy"]
