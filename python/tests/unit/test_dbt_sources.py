"""The dbt sources yml is rendered from the raw contract and agrees with the seeds."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from k12ews import dbt_sources
from k12ews.contract import TABLES

REPO = Path(__file__).resolve().parents[3]


def test_committed_sources_yml_is_current() -> None:
    committed = (REPO / dbt_sources.SOURCES_YML).read_text(encoding="utf-8")
    assert committed == dbt_sources.render_sources_yml(), (
        "models/staging/sis/_sis__sources.yml is stale: run `python -m k12ews.dbt_sources --write`"
    )


def test_every_coded_column_names_a_known_crosswalk() -> None:
    for table in TABLES:
        for column in table.columns:
            if column.codes:
                assert column.codes in dbt_sources.CROSSWALK_CODE_COLUMNS, (
                    f"{table.name}.{column.name}"
                )


@pytest.mark.parametrize("seed, code_column", sorted(dbt_sources.CROSSWALK_CODE_COLUMNS.items()))
def test_crosswalk_seed_starts_with_its_code_column(seed: str, code_column: str) -> None:
    with (REPO / "seeds" / f"{seed}.csv").open(newline="", encoding="utf-8") as f:
        header = next(csv.reader(f))
    assert header[0] == code_column


def test_check_fails_on_a_stale_file_and_passes_after_write(tmp_path: Path) -> None:
    (tmp_path / "dbt_project.yml").write_text("name: scratch\n", encoding="utf-8")
    args = ["--project-dir", str(tmp_path)]
    assert dbt_sources.main(["--check", *args]) == 1
    assert dbt_sources.main(["--write", *args]) == 0
    assert dbt_sources.main(["--check", *args]) == 0
    (tmp_path / dbt_sources.SOURCES_YML).write_text("sources: []\n", encoding="utf-8")
    assert dbt_sources.main(["--check", *args]) == 1


def test_rendered_yml_round_trips_the_contract() -> None:
    yaml = pytest.importorskip("yaml")
    (source,) = yaml.safe_load(dbt_sources.render_sources_yml())["sources"]
    assert [t["name"] for t in source["tables"]] == [t.name for t in TABLES]
    for rendered, table in zip(source["tables"], TABLES, strict=True):
        assert table.grain in rendered["description"]
        assert [c["name"] for c in rendered["columns"]] == table.column_names
        for column, contract_column in zip(rendered["columns"], table.columns, strict=True):
            assert column["description"].startswith(contract_column.description)
