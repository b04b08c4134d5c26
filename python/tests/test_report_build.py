"""`k12ews report` on the default district: built within its 60-second budget, every
figure on the page, and the graduation models placed against the published flags, with
the flags they do not beat listed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from k12ews.cli import main
from k12ews.report import data as report_data
from k12ews.report import roc
from k12ews.report.plots import PLOTS

pytestmark = pytest.mark.slow


def test_report_builds_in_budget_and_places_models_against_published_flags(
    national_built: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.html"
    assert main(["report", "--db", str(national_built), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    seconds = float(re.search(r"in ([0-9.]+) s", printed).group(1))  # type: ignore[union-attr]
    print(printed.strip())
    assert seconds <= 60
    page = out.read_text(encoding="utf-8")
    for plot in PLOTS:
        assert f'<figure data-plot="{plot.key}">' in page, plot.key
    # what the data supports comes first, one row per indicator family
    assert page.index("What the district's data supports") < page.index("<figure")
    assert "course marks and credits" in page

    data = report_data.load(national_built)
    placed = roc.place_literature(data.literature, roc.model_curves(data.out_of_time_scores))
    assert len(placed) == 110 and placed["is_model_better"].notna().all()
    beaten = placed.groupby("band")["is_model_better"].agg(["sum", "count"])
    print(beaten.to_string())
    # above and to the left of most published flags, the high-school model of nearly all
    assert beaten["sum"].sum() / 110 >= 0.7
    assert beaten.loc["high", "sum"] / beaten.loc["high", "count"] >= 0.9
    # ... and the page says where they are not: one row per flag the models do not beat
    table = page.split('class="not-beaten"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") - 1 == 110 - int(beaten["sum"].sum())
    assert f"<strong>{int(beaten['sum'].sum())} of 110</strong>" in page


def test_report_on_an_unbuilt_warehouse_says_what_to_do(
    small_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--db", str(small_db), "--out", str(tmp_path / "r.html")]) == 1
    assert "run `dbt build`" in capsys.readouterr().err
