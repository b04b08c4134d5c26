"""``twin_report``: fidelity, privacy and utility of a district's twins, as tables (schema
``synthetic_twin_report`` of the twin's database) and a self-contained HTML page.

The comparison is at the student-year grain of the early-warning features (the
end-of-year rows of ``ml_features`` with their outcomes, ``learned.student_years``): the
fitted twin's after its own ``dbt build``, the learned twin's as sampled.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import duckdb
import pandas as pd

from k12ews.ml.vocabulary import GRADUATION
from k12ews.twin import fidelity, learned, privacy, utility
from k12ews.twin.aggregates import schema_of
from k12ews.twin.sources import as_of_date, real_frames

NUMERIC = learned.COMPARED_NUMERIC
CATEGORICAL = learned.COMPARED_CATEGORICAL
# the bars of the issue (docs/twin.md)
MAX_AUC_GAP = 0.03
MAX_MEMBERSHIP_ADVANTAGE = 0.05


@dataclass
class TwinReport:
    fidelity_columns: pd.DataFrame
    fidelity_pairs: pd.DataFrame
    fidelity_summary: pd.DataFrame
    privacy: pd.DataFrame
    utility: pd.DataFrame
    bars: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        return dict(self.__dict__)


def _twins(twin: duckdb.DuckDBPyConnection) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """method -> the twin's ml_features and ml_labels (learned: in that shape)."""
    out = {}
    try:
        schema_of(twin, "ml_features")
        out["fitted"] = real_frames(twin)
    except ValueError:
        pass
    try:
        schema_of(twin, "learned_student_years")
    except ValueError:
        return out
    synth = twin.execute("select * from synthetic_twin.learned_student_years").df()
    out["learned"] = (learned.as_features(synth), learned.as_labels(synth))
    return out


def build(real: duckdb.DuckDBPyConnection, twin: duckdb.DuckDBPyConnection) -> TwinReport:
    settings = twin.execute("select * from synthetic_twin.settings").df().iloc[0]
    feats, labels = real_frames(real)
    as_of = as_of_date(real)
    rows = learned.student_years(feats, labels)
    member = learned.members(
        rows["student_id"], 1 - float(settings["holdout"]), int(settings["seed"])
    )
    twins = _twins(twin)
    if not twins:
        raise ValueError(
            "the twin has neither a built fitted twin (run dbt build on it) nor a learned one"
        )
    real_reg = utility.train(feats, labels, as_of)
    cols, pairs, summ, priv, util = [], [], [], [], []
    for method, (t_feats, t_labels) in twins.items():
        synth = learned.student_years(t_feats, t_labels)
        c = fidelity.column_scores(rows, synth, NUMERIC, CATEGORICAL).assign(method=method)
        p = fidelity.pair_scores(rows, synth, NUMERIC, CATEGORICAL).assign(method=method)
        cols.append(c)
        pairs.append(p)
        summ.append({"method": method, **fidelity.summary(c, p)})
        holdout = rows[~member] if (~member).any() else rows.iloc[:0]
        if len(holdout):
            figs = privacy.privacy_figures(rows[member], holdout, synth, NUMERIC, CATEGORICAL)
            priv.append(figs.as_frame().assign(method=method))
            if method == "learned" and "learned_copies_redrawn" in settings:
                redrawn = float(settings["learned_copies_redrawn"])
                row = {"figure": "copies_redrawn", "value": redrawn, "method": method}
                priv.append(pd.DataFrame([row]))
        twin_reg = utility.train(t_feats, t_labels, as_of)
        util.append(utility.tstr(real_reg, twin_reg, feats, labels, method))
    report = TwinReport(
        fidelity_columns=pd.concat(cols, ignore_index=True),
        fidelity_pairs=pd.concat(pairs, ignore_index=True),
        fidelity_summary=pd.DataFrame(summ),
        privacy=(
            pd.concat(priv, ignore_index=True)
            if priv
            else pd.DataFrame(columns=["figure", "value", "method"])
        ),
        utility=pd.concat(util, ignore_index=True),
        bars=pd.DataFrame(),
    )
    report.bars = bars(report)
    return report


BAR_COLUMNS = ["bar", "method", "measured", "passes"]


def bars(report: TwinReport) -> pd.DataFrame:
    """The issue's bars, measured: the grade-9 graduation gap of the better method, exact
    copies and membership advantage of each method."""
    out = []
    u = report.utility
    grad = u[u["outcome"] == GRADUATION].dropna(subset=["roc_auc_train_twin"])
    for (scope, dp), part in grad.groupby(["scope", "decision_point"], sort=False):
        best = part.loc[part["roc_auc_train_twin"].idxmax()]
        out.append(
            {
                "bar": f"graduation TSTR ROC AUC within {MAX_AUC_GAP} of train-on-real "
                f"({scope}, {dp}, {int(best['test_students'])} students)",
                "method": best["method"],
                "measured": float(best["gap"]),
                "passes": bool(best["gap"] <= MAX_AUC_GAP),
            }
        )
    undefined = u[(u["outcome"] == GRADUATION) & u["roc_auc_train_real"].isna()]
    for r in undefined.drop_duplicates("decision_point").to_dict("records"):
        out.append(
            {
                "bar": f"graduation TSTR ROC AUC, {r['scope']} ({r['decision_point']}): "
                f"undefined, {r['test_students']} students with a known outcome, one outcome "
                "only",
                "method": "",
                "measured": float("nan"),
                "passes": False,
            }
        )
    p = report.privacy
    for method, part in p.groupby("method") if len(p) else []:
        fig = dict(zip(part["figure"], part["value"], strict=True))
        out.append(
            {
                "bar": "no synthetic student-year an exact copy of a real one",
                "method": method,
                "measured": fig["exact_copies"],
                "passes": fig["exact_copies"] == 0,
            }
        )
        out.append(
            {
                "bar": f"membership-inference advantage under {MAX_MEMBERSHIP_ADVANTAGE}",
                "method": method,
                "measured": fig["membership_advantage"],
                "passes": fig["membership_advantage"] < MAX_MEMBERSHIP_ADVANTAGE,
            }
        )
    return pd.DataFrame(out, columns=BAR_COLUMNS)


def write_tables(twin: duckdb.DuckDBPyConnection, report: TwinReport) -> None:
    twin.execute("drop schema if exists synthetic_twin_report cascade")
    twin.execute("create schema synthetic_twin_report")
    for name, frame in report.tables().items():
        twin.register("_frame", frame)
        twin.execute(
            f"create or replace table synthetic_twin_report.{name} as select * from _frame"
        )
        twin.unregister("_frame")


def _table(frame: pd.DataFrame, floatfmt: str = "{:.3f}") -> str:
    if frame.empty:
        return "<p>(none)</p>"
    return frame.to_html(
        index=False,
        border=0,
        float_format=lambda v: floatfmt.format(v),
        na_rep="",
        classes="t",
    )


def render_html(report: TwinReport, real_name: str, twin_name: str) -> str:
    worst = report.fidelity_columns.sort_values("score").head(10)
    worst_pairs = report.fidelity_pairs.sort_values("score").head(10)
    util = report.utility[
        [
            "method",
            "grade_band",
            "outcome",
            "decision_point",
            "scope",
            "test_students",
            "roc_auc_train_real",
            "roc_auc_train_twin",
            "gap",
        ]
    ]
    priv = (
        report.privacy.pivot(index="figure", columns="method", values="value").reset_index()
        if len(report.privacy)
        else report.privacy
    )
    style = (
        "body{font-family:sans-serif;max-width:70em;margin:2em auto;color:#222}"
        "table.t{border-collapse:collapse;margin:.5em 0 1.5em}"
        "table.t td,table.t th{padding:.2em .6em;border-bottom:1px solid #ddd;text-align:right}"
        "table.t th{background:#f3f3f3}"
    )
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>Twin report</title>"
        f"<style>{style}</style></head><body>",
        f"<h1>Synthetic twin report</h1><p>District <code>{html.escape(real_name)}</code>, "
        f"twin <code>{html.escape(twin_name)}</code>. What these figures do and do not "
        "promise: docs/twin.md. No figure here is a differential privacy guarantee.</p>",
        "<h2>Bars</h2>",
        _table(report.bars),
        "<h2>Fidelity</h2><p>Student-years (end-of-year features and outcomes); SDMetrics' "
        "definitions, 1 = identical.</p>",
        _table(report.fidelity_summary),
        "<h3>Least alike columns</h3>",
        _table(worst),
        "<h3>Least alike pairs</h3>",
        _table(worst_pairs),
        "<h2>Privacy</h2>",
        _table(priv, "{:.4f}"),
        "<h2>Utility: train on twin, test on the district's out-of-time cohort</h2>",
        _table(util),
        "</body></html>",
    ]
    return "\n".join(parts)
