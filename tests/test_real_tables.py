"""The README's real-data sentiment (and intent) tables are what `voxindex eval --suite real`
prints: every row is rendered from the command's stored `--json` output, never typed by hand.

Regenerate after retraining (see indexer/evals/real_tables.py):
    voxindex eval --suite real --task sentiment --json models/sentiment/real-eval.json
    voxindex eval --suite real --task intent --json models/intent/real-eval.json
    python -m indexer.evals.real_tables models/sentiment/real-eval.json models/intent/real-eval.json
and paste the printed rows into README.md."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.evals.real_tables import intent_table, sentiment_table

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _stored(path: str) -> dict:
    p = ROOT / path
    if not p.exists():
        pytest.skip(f"{path} not stored")
    return json.loads(p.read_text())


def test_the_readme_sentiment_table_is_the_eval_command_output():
    doc = _stored("models/sentiment/real-eval.json")
    # the full default run: every row of every shared sentiment dev corpus, seed 0
    assert doc["suite"] == "real" and doc["limit"] is None and doc["seed"] == 0
    rows = sentiment_table(doc["tasks"]["sentiment"])
    assert len(rows) == 2 + 7
    for row in rows:
        assert row in README, f"README lacks the eval's row: {row}"


def test_the_readme_intent_table_is_the_eval_command_output():
    doc = _stored("models/intent/real-eval.json")
    assert doc["suite"] == "real" and doc["limit"] is None and doc["seed"] == 0
    for row in intent_table(doc["tasks"]["intent"]):
        assert row in README, f"README lacks the eval's row: {row}"


def test_a_table_cell_is_the_printed_metric_rounded_as_printed():
    m = {"value": 0.61234, "lo": 0.6, "hi": 0.62449, "n": 1000}
    metrics = {f"sentiment.sst5-dev.{who}.{k}": m for who in ("model", "rules") for k in ("macro_f1", "accuracy")}
    metrics["sentiment.sst5-dev.constant.macro_f1"] = {"value": 0.19, "lo": 0.19, "hi": 0.19, "n": 1000}
    row = sentiment_table(metrics)[2]
    assert row == ("| sst5-dev | 1,000 | 0.612 [0.600, 0.624] | 0.612 [0.600, 0.624] | 0.612 [0.600, 0.624] | "
                   "0.612 [0.600, 0.624] | 0.190 |")
