"""What a built warehouse's data supports, in words: the section ``k12ews check`` and
``k12ews summary`` print (doc block ``data_coverage`` of the dbt project).

Reads ``core.fct_indicator_coverage`` (school x year x indicator family: present,
partial, absent, not due, not started, not applicable) and seed
``ews_outcome_sources`` (the indicators each outcome is labelled from). Nothing here
decides a status: the dbt models do, once; this module counts and words them.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

# An outcome's models need labelled cohorts to learn from, to calibrate on and to test
# on (k12ews.ml.risk.splits): at least this many complete school years in which each of the
# outcome's indicators is known (present or partial) at this share of school-years.
MIN_LABELLED_YEARS = 3
MIN_KNOWN_SHARE = 0.8
_KNOWN = ("present", "partial")


@dataclass(frozen=True)
class IndicatorCoverage:
    indicator: str
    words: str
    school_years: int
    by_status: dict[str, int]
    example: str | None  # one school-year's reason where the indicator is not present

    @property
    def known_share(self) -> float:
        known = sum(self.by_status.get(s, 0) for s in _KNOWN)
        judged = self.school_years - self.by_status.get("not_applicable", 0)
        return known / judged if judged else 1.0


@dataclass(frozen=True)
class OutcomeSupport:
    outcome: str
    indicators: tuple[str, ...]
    supported_years: int  # complete years where every indicator is known widely enough

    @property
    def is_supported(self) -> bool:
        return self.supported_years >= MIN_LABELLED_YEARS


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]  # type: ignore[index]
    )


def indicator_coverage(con: duckdb.DuckDBPyConnection) -> list[IndicatorCoverage]:
    """Each indicator family's statuses over the district's school-years."""
    rows = con.execute(
        """
        select indicator, any_value(indicator_words), status, count(*),
               min(case when status not in ('present', 'not_applicable')
                        then 'school ' || school_id || ', ' || school_year || ': ' || reason
                   end)
        from core.fct_indicator_coverage
        group by indicator, status
        order by indicator, status
        """
    ).fetchall()
    found: dict[str, dict] = {}
    for indicator, words, status, n, example in rows:
        entry = found.setdefault(indicator, {"words": words, "by": {}, "example": None})
        entry["by"][status] = int(n)
        if example and (entry["example"] is None or status == "absent"):
            entry["example"] = example
    return [
        IndicatorCoverage(name, e["words"], sum(e["by"].values()), e["by"], e["example"])
        for name, e in found.items()
    ]


def outcome_support(con: duckdb.DuckDBPyConnection) -> list[OutcomeSupport]:
    """Per outcome, the complete school years whose label sources are known widely."""
    rows = con.execute(
        f"""
        with years as (
            select c.school_year, o.outcome, o.indicator,
                   avg(case when c.status in ('present', 'partial') then 1.0 else 0.0 end)
                       as known_share
            from core.fct_indicator_coverage as c
            join seeds.ews_outcome_sources as o on o.indicator = c.indicator
            where c.status <> 'not_applicable'
              and c.school_year < (select max(school_year) from core.fct_indicator_coverage)
            group by all
        )
        select outcome, list(distinct indicator order by indicator),
               count(distinct school_year) filter (where ok)
        from (
            select school_year, outcome, indicator,
                   min(known_share) over (partition by school_year, outcome)
                       >= {MIN_KNOWN_SHARE} as ok
            from years
        )
        group by outcome order by outcome
        """
    ).fetchall()
    return [OutcomeSupport(str(o), tuple(i), int(n)) for o, i, n in rows]


def _status_words(c: IndicatorCoverage) -> str:
    order = ("present", "partial", "not_due", "not_started", "absent", "not_applicable")
    parts = [f"{c.by_status[s]:,} {s.replace('_', ' ')}" for s in order if c.by_status.get(s)]
    return ", ".join(parts)


def coverage_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The 'what the data supports' section of a built warehouse, in words."""
    if not _exists(con, "core", "fct_indicator_coverage"):
        return ["what the data supports: not built yet (core.fct_indicator_coverage absent)"]
    span = con.execute(
        "select count(distinct school_id), min(school_year), max(school_year) "
        "from core.fct_indicator_coverage"
    ).fetchone()
    schools, first, last = span if span else (0, None, None)
    lines = [
        f"what the data supports ({schools} schools, school years {first}-{last}; "
        "core.fct_indicator_coverage):"
    ]
    for c in indicator_coverage(con):
        absent = c.by_status.get("absent", 0)
        flag = f"  <- unknown in {absent:,} school-year(s)" if absent else ""
        lines.append(f"  {c.words}: {_status_words(c)} school-years{flag}")
        if c.example and (absent or c.by_status.get("partial")):
            lines.append(f"      e.g. {c.example}")
    if _exists(con, "seeds", "ews_outcome_sources"):
        lines.append(
            "risk models the data can label (seed ews_outcome_sources; after a build, "
            "ml_model_registry.status_reason says what trained):"
        )
        for o in outcome_support(con):
            verdict = "yes" if o.is_supported else "no "
            lines.append(
                f"  {o.outcome:<22} {verdict} {o.supported_years} complete year(s) with "
                f"{', '.join(o.indicators)} known (needs {MIN_LABELLED_YEARS})"
            )
    if _exists(con, "ews", "ews_student_current"):
        try:
            row = con.execute(
                "select count(*) filter (where unknown_indicators is not null), count(*) "
                "from ews.ews_student_current"
            ).fetchone()
        except duckdb.Error:  # a warehouse built before the column existed
            row = None
        if row and row[1]:
            lines.append(
                f"current students with an unknown indicator: {row[0]:,} of {row[1]:,} "
                "(ews_student_current.unknown_indicators)"
            )
    return lines
