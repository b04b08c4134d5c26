"""docs/data_contract.md is generated from the contract, the loader rules and the seeds."""

from __future__ import annotations

from pathlib import Path

from k12ews import contract
from k12ews.contract_docs import DOC, render
from k12ews.load import rules

REPO = Path(__file__).resolve().parents[3]


def test_committed_contract_doc_is_current() -> None:
    text = render(REPO / "seeds")
    assert (REPO / DOC).read_text(encoding="utf-8") == text, (
        "run `python -m k12ews.contract_docs --write`"
    )


def test_contract_doc_names_every_table_column_and_rule() -> None:
    text = render(REPO / "seeds")
    for t in contract.TABLES:
        assert f"### {t.name}\n" in text
        for c in t.columns:
            assert f"| `{c.name}` | {c.type} |" in text
    for rule in rules.RULES:
        assert f"| `{rule}` |" in text
