"""`voxindex eval` reads any labeled directory in the ground-truth format, prints a table per
task, writes the same numbers as JSON, and runs every registered task (a skip must name the missing data)."""
from __future__ import annotations

import json
from pathlib import Path

from indexer.evals.metrics import classification, pairwise

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "enrich_gt"


def test_metrics_are_the_textbook_definitions():
    r = classification(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    assert r["accuracy"] == 0.75
    assert r["per_class"]["a"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2}
    assert r["macro_f1"] == round((0.6667 + 0.8) / 2, 4)
    p = pairwise([["x", "y", "z"]], [["x", "y"], ["z", "w"]])
    assert (p["precision"], p["recall"], p["gold_pairs"]) == (0.5, round(1 / 3, 4), 3)


def test_eval_all_prints_every_task_and_writes_json(tmp_path, capsys):
    from indexer.evals.cli import _eval
    from indexer.evals.registry import task_names

    class Args:
        suite, task, data, json, limit = "demo", "all", str(FIXTURE), str(tmp_path / "m.json"), None

    assert _eval(Args) == 0
    printed = capsys.readouterr().out
    result = json.loads((tmp_path / "m.json").read_text())
    assert set(result["tasks"]) == set(task_names())
    for name in result["tasks"]:
        assert f"== {name}" in printed
    # every task is built and scored here; the one skip is for data this fixture does not hold, and says so
    skipped = {name: m["skipped"] for name, m in result["tasks"].items() if m.get("skipped")}
    assert set(skipped) == {"pii-leaks"} and "pii.jsonl" in str(skipped["pii-leaks"]), skipped
    for name, metrics in result["tasks"].items():
        assert name in skipped or set(metrics) - {"seconds", "skipped", "note"}, f"{name} measured nothing"
    t = result["tasks"]["taxonomy"]
    assert 0 < t["theme"]["macro_f1"] <= 1 and "per_class" in t["sub_theme"]
    assert result["tasks"]["sentiment"]["stars"]["n"] > 0


def test_eval_explains_what_to_do_when_there_is_no_ground_truth(tmp_path):
    import pytest

    from indexer.evals.cli import run_tasks
    from indexer.evals.data import NoGroundTruth

    with pytest.raises(NoGroundTruth, match="voxindex demo-data"):
        run_tasks(str(tmp_path), ["taxonomy"])


def test_real_suite_prints_every_metric_with_a_confidence_interval(tmp_path):
    import pytest

    from indexer.evals.real.corpora import DEFAULT_CORPORA
    from voxindex.cli import main

    if not (DEFAULT_CORPORA / "intent").is_dir():
        pytest.skip(f"the shared corpora are not at {DEFAULT_CORPORA}")
    out = tmp_path / "real.json"
    assert main(["eval", "--suite", "real", "--task", "taxonomy", "--limit", "40", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    metrics = result["tasks"]["taxonomy"]
    assert result["suite"] == "real" and result["limit"] == 40
    assert {"banking77.zero_shot.macro_f1", "clinc150.zero_shot.accuracy", "hint3-curekart.zero_shot.macro_f1"} <= set(metrics)
    for name, m in metrics.items():
        assert m["lo"] <= m["value"] <= m["hi"] and m["n"] > 0, name
    assert main(["eval", "--suite", "real", "--task", "pii"]) == 1  # a demo task is not a real-suite task


def test_real_suite_says_where_the_corpora_should_be(tmp_path):
    import pytest

    from indexer.evals.real.runner import run_real

    with pytest.raises(FileNotFoundError, match="--corpora"):
        run_real(tmp_path, ["taxonomy"])
