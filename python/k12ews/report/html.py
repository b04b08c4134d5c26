"""The report page: one HTML file with its figures inline, no scripts and no links out,
so it opens offline in any browser and can be mailed or archived as one file."""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd

from k12ews.report import roc
from k12ews.report.data import ReportData
from k12ews.report.style import CSS

# published flag kinds (seed bowers2013_flag_kinds) that combine several indicators
COMBINED_KINDS = ("multiple_flags", "model")


@dataclass(frozen=True)
class Figure:
    key: str
    title: str
    svg: str
    caption: str


def _fmt(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() and abs(value) >= 1 else f"{value:.3f}"
    return str(value)


def table(frame: pd.DataFrame, columns: dict[str, str], css_class: str = "") -> str:
    """An HTML table of ``frame``'s ``columns`` (column -> header), values escaped."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in columns.values())
    rows = []
    for r in frame.to_dict("records"):
        cells = []
        for c in columns:
            v = r.get(c)
            cls = ' class="num"' if isinstance(v, int | float) and not isinstance(v, bool) else ""
            text = html.escape(_fmt(v))
            if c == "check_result" and v in ("pass", "fail"):
                text = f'<span class="{v}">{text}</span>'
            cells.append(f"<td{cls}>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cls = f' class="{css_class}"' if css_class else ""
    return (
        f'<div class="scroll"><table{cls}><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def placement_section(data: ReportData) -> str:
    """Where the graduation models sit among the published flags, and where they do not."""
    placed = roc.place_literature(data.literature, roc.model_curves(data.out_of_time_scores))
    known = placed[placed["is_model_better"].notna()]
    if known.empty:
        return (
            "<p>No graduation model was trained on this warehouse, so the published flags "
            "cannot be compared with one.</p>"
        )
    parts = []
    for band, g in known.groupby("band", sort=False):
        better = int(g["is_model_better"].astype(bool).sum())
        parts.append(
            f"the {band}-school model beats {better} of the {len(g)} flags compared with it"
        )
    single = known[~known["flag_kind"].isin(COMBINED_KINDS)]
    single_text = (
        f" Of the {len(single)} flags on a single indicator (not a combination of flags or a "
        f"statistical model), the models beat {int(single['is_model_better'].astype(bool).sum())}."
    )
    not_better = known[~known["is_model_better"].astype(bool)].copy()
    not_better["grades"] = (
        not_better["grade_from"].astype(str) + "-" + not_better["grade_to"].astype(str)
    )
    not_better["shortfall"] = not_better["sensitivity"] - not_better["model_sensitivity"]
    text = (
        "<p>At the false positive rate of each published flag, the graduation model of the "
        "flag's band (its end-of-year model, on the out-of-time cohort) catches more "
        "non-graduates than the flag for "
        f"<strong>{int(known['is_model_better'].astype(bool).sum())} of {len(known)}</strong> "
        f"flags: {'; '.join(parts)}.{single_text}</p>"
    )
    if not_better.empty:
        return text + "<p>There is no published flag the models do not beat.</p>"
    return (
        text + "<p>Where they do not: these published flags reach a higher sensitivity than the "
        "model at the same or a lower false positive rate (read them with their sample in "
        "mind: they come from other districts, years and definitions).</p>"
        + table(
            not_better.sort_values("shortfall", ascending=False),
            {
                "flag_id": "flag",
                "study": "study",
                "dropout_indicator": "flag in the study's words",
                "grades": "grades",
                "flag_kind": "kind",
                "band": "compared with",
                "false_positive_rate": "false positive rate",
                "sensitivity": "flag's sensitivity",
                "model_sensitivity": "model's sensitivity",
            },
            "not-beaten",
        )
    )


def flags_section(data: ReportData) -> str:
    flags = data.flag_accuracy[data.flag_accuracy["method_type"] == "flag"]
    return table(
        flags.sort_values(["evaluation_slice", "method"]),
        {
            "method": "flag",
            "evaluation_slice": "grade",
            "test_school_years": "cohort years",
            "students": "students",
            "events": "non-graduates",
            "precision": "precision",
            "sensitivity": "sensitivity",
            "specificity": "specificity",
            "literature_study": "published flag",
            "literature_precision": "its precision",
            "literature_sensitivity": "its sensitivity",
            "literature_specificity": "its specificity",
            "literature_kind_flags": "published of this kind",
            "literature_kind_median_sensitivity": "their median sensitivity",
            "literature_kind_median_specificity": "their median specificity",
        },
    )


def models_section(data: ReportData) -> str:
    acc = data.flag_accuracy
    models = acc[
        (acc["method_type"] == "model")
        & (acc["decision_point"] == "eoy")
        & (acc["evaluation_slice"] == "all grades")
    ]
    return table(
        models.sort_values(["grade_band", "risk_threshold"]),
        {
            "method": "model",
            "risk_threshold": "flagged at risk >=",
            "test_school_years": "cohort years",
            "students": "students",
            "flag_rate": "flag rate",
            "precision": "precision",
            "sensitivity": "sensitivity",
            "specificity": "specificity",
        },
    )


def base_rates_section(data: ReportData) -> str:
    return table(
        data.base_rates,
        {
            "measure": "measure",
            "population": "population",
            "benchmark_school_year": "year",
            "benchmark_value": "national",
            "district_rate": "district",
            "district_students": "students",
            "tolerance": "tolerance",
            "check_result": "result",
            "benchmark_source": "source",
        },
    )


def explanations_section(data: ReportData) -> str:
    """What an explanation is and is not, the direction check, what the constraints cost
    and what would change the scores."""
    checks = data.explanation_checks
    text = (
        "<p>An explanation (ml_risk_explanations) says what the model weighed: how far each "
        "of a student's values moves the score from the typical student of the same grade at "
        "the same point of the year. It is not a cause, and not proof that changing the "
        "value would change the outcome. Each indicator moves the score only the way the "
        "field agrees on (seed ml_feature_directions): more absence, failures, incidents, "
        "suspensions, moves or retentions never lower it; a higher GPA or test level never "
        "raises it.</p>"
    )
    if len(checks) and int(checks["scores"].iloc[0]):
        r = checks.iloc[0]
        text += (
            f"<p>Of {int(r['checkable']):,} explanation rows of {int(r['scores']):,} current "
            "scores with an agreed direction, a known value and a typical value, "
            f"{int(r['against']):,} read an indicator against its direction.</p>"
        )
    costs = data.constraint_costs.copy()
    within = ""
    if len(costs):
        # four decimals: at three, a cost of 0.0102 reads as the bar itself
        costs["auc_cost"] = [f"{c:+.4f}" for c in costs["auc_cost"]]
        passed = int((costs["check_result"] == "pass").sum())
        within = f" {passed} of {len(costs)} models cost at most 0.01 ROC AUC."
    text += (
        "<p>What the directions cost, out of time: each model beside the same candidate "
        f"fitted without them on the same cohorts.{within}</p>"
        + table(
            costs,
            {
                "model_id": "model",
                "test_roc_auc": "ROC AUC",
                "unconstrained_test_roc_auc": "without directions",
                "auc_cost": "cost",
                "check_result": "within 0.01",
                "test_calibration_error": "calibration error",
                "unconstrained_test_calibration_error": "without directions",
            },
        )
    )
    return text + (
        "<p>What would change it (ml_risk_recourse): for each student in the High or "
        "Moderate tier, the smallest set of changes still possible this year (more of the "
        "school days left attended or on time, better marks in the terms to come) that "
        "moves the model's score down a tier. It is what the model weighs, not a promise: "
        "attendance and marks go with things the records do not show, and published "
        "estimates of what attendance itself does are smaller than the patterns a model "
        "learns (docs/explanations.md).</p>"
        + table(
            data.recourse_outcomes,
            {
                "outcome": "outcome",
                "risk_tier": "tier now",
                "recourse_status": "recourse",
                "students": "students",
                "median_more_days_attended": "median days more attended",
                "median_school_days_left": "median school days left",
            },
        )
    )


def coverage_section(data: ReportData) -> str:
    """What the district's data supports: school-years per indicator family and status."""
    return table(
        data.coverage,
        {
            "indicator": "indicator",
            "present": "present",
            "partial": "partial",
            "absent": "absent (unknown)",
            "not_yet": "not yet due",
            "not_applicable": "not applicable",
            "example": "where and why (one example)",
        },
    )


def cards_section(data: ReportData) -> str:
    """One collapsible model card per promoted scoring model (ml_model_cards)."""
    cards = data.model_cards
    if cards.empty:
        return "<p>No promoted model yet: nothing is scored.</p>"
    out = []
    for model_id, card in cards.groupby("model_id", sort=False):
        first = card.iloc[0]
        title = (
            f"{first['grade_band']} {first['outcome'].replace('_', ' ')}, "
            f"{first['decision_point']} (version {first['model_version']})"
        )
        rows = "".join(
            f"<dt>{html.escape(str(r['section']))}</dt><dd>{html.escape(str(r['content']))}</dd>"
            for _, r in card.sort_values("section_order").iterrows()
        )
        out.append(
            f'<details class="model-card" id="card-{html.escape(str(model_id))}">'
            f"<summary>{html.escape(title)}</summary><dl>{rows}</dl></details>"
        )
    return "\n".join(out)


def render(data: ReportData, figures: list[Figure], build_seconds: float | None = None) -> str:
    figure_html = "\n".join(
        f'<section id="{f.key}"><h2>{html.escape(f.title)}</h2>'
        f'<figure data-plot="{f.key}">{f.svg}'
        f"<figcaption>{html.escape(f.caption)}</figcaption></figure></section>"
        for f in figures
    )
    timing = f" Built in {build_seconds:.1f} s." if build_seconds is not None else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>k12ews: validation and early-warning report</title>
<style>{CSS}</style>
</head>
<body>
<h1>k12ews: validation and early-warning report</h1>
<p class="meta">Warehouse as of {html.escape(data.as_of_date)};
district: {html.escape(data.district_source)}.{timing}
Every figure and table is read from the warehouse's marts (docs/report.md).</p>

<h2>What the district's data supports</h2>
<p>School-years by indicator family and whether the data supports it
(core.fct_indicator_coverage). Where it is absent the indicator is unknown: its columns
are empty in every mart and it raises no flag; every figure below is computed from the
school-years that have the data.</p>
{coverage_section(data)}

<h2>Where the models sit among the published flags</h2>
{placement_section(data)}

{figure_html}

<h2>The project's flags beside the published flags</h2>
<p>Precision, sensitivity and specificity for not graduating on time, on the graduation
models' out-of-time cohorts (validation_flag_accuracy), beside the published flag with the
same definition and grade and the median of the published flags of the same kind (Bowers,
Sprott &amp; Taff 2013, The High School Journal 96(2):77-100).</p>
{flags_section(data)}
<p>The end-of-year graduation models at a few thresholds, on their whole out-of-time
cohort:</p>
{models_section(data)}

<h2>Explanations and what would change them</h2>
{explanations_section(data)}

<h2>Model cards</h2>
<p>For each promoted model that scores (ml_model_cards; Mitchell et al. 2019, Model Cards
for Model Reporting): what it is for and not for, what it learnt from, how right it was out
of time and, once the outcomes are known, how right its stored scores were; its tiers,
drift and promotion (docs/model_lifecycle.md).</p>
{cards_section(data)}

<h2>The district beside national base rates</h2>
<p>validation_base_rates: the district's rate, the national figure and the tolerance the
synthetic district is held to; a failing enforced row fails <code>dbt build</code>.</p>
{base_rates_section(data)}
</body>
</html>
"""
