"""Quality gates: each enrichment metric must stay at or above the floor measured when it was
built (see the README's eval table). A regression fails CI.

Two datasets: the hand-written fixture (phrasing unlike the demo generator: a generalization
check) and a small demo dataset generated into a temp dir, scored on a sample (--limit)."""
from __future__ import annotations

from pathlib import Path

import pytest

from indexer.evals.cli import run_tasks

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "enrich_gt"
DEMO_LIMIT = 400

# measured 2026-11 (fixture: theme 0.90, sub 0.84, sentiment acc 0.88, intent F1 0.89, dups F1 1.0)
FIXTURE_FLOORS = {
    ("taxonomy", "theme", "macro_f1"): 0.85,
    ("taxonomy", "sub_theme", "macro_f1"): 0.78,
    # Sentiment now comes from the trained model (real-data gates: tests/test_sentiment_model.py);
    # the rules scored 0.88 here, but their cues were written together with this fixture (issue 9).
    # Measured with the model: 0.796 (L=3 branch).
    ("sentiment", "sentiment", "accuracy"): 0.76,
    ("sentiment", "intent", "macro_f1"): 0.82,
    ("sentiment", "severity_within_one_level"): 0.92,
    # A constant "medium" is within one level of 0.94 of this fixture: severity must beat the best
    # constant's macro-F1 (measured +0.558).
    ("sentiment", "severity_macro_f1_over_constant"): 0.5,
    ("duplicates", "f1"): 0.9,
    ("attribution", "customer_vs_other", "accuracy"): 0.98,
}
# measured on demo seed 7, 1500-unit sample: theme 0.89, sub 0.87, sentiment acc 0.80, intent F1 0.75
DEMO_FLOORS = {
    ("taxonomy", "theme", "macro_f1"): 0.82,
    ("taxonomy", "sub_theme", "macro_f1"): 0.78,
    ("sentiment", "sentiment", "accuracy"): 0.74,
    ("sentiment", "intent", "macro_f1"): 0.68,
    ("sentiment", "severity_within_one_level"): 0.88,
    # within one level, a constant "medium" scores 0.958 here (the model 0.950): gate on the
    # macro-F1 margin over the best constant instead (measured +0.470; sentiment acc 0.828 with the model)
    ("sentiment", "severity_macro_f1_over_constant"): 0.44,
}


def dig(d, path):
    for k in path:
        d = d[k]
    return d


def check(result, floors):
    failures = []
    for path, floor in floors.items():
        value = dig(result["tasks"], path)
        if value is None or value < floor:
            failures.append(f"{'.'.join(path)} = {value} < floor {floor}")
    assert not failures, "quality regression: " + "; ".join(failures)


def test_enrichment_quality_holds_on_hand_labeled_feedback():
    tasks = sorted({p[0] for p in FIXTURE_FLOORS})
    check(run_tasks(str(FIXTURE), tasks, echo=lambda *_: None), FIXTURE_FLOORS)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    try:
        from indexer.demo.generate import generate
    except ImportError:
        pytest.skip("the demo generator is not built yet")
    out = tmp_path_factory.mktemp("demo")
    try:
        generate(out, seed=7, days=30, scale=0.3, progress=False)
    except Exception as exc:  # the generator's own tests own its failures
        if not (out / "ground_truth" / "units.jsonl").exists():
            pytest.skip(f"demo generator failed: {exc}")
    return out


def test_enrichment_quality_holds_on_demo_data(demo_dir):
    tasks = sorted({p[0] for p in DEMO_FLOORS})
    check(run_tasks(str(demo_dir), tasks, DEMO_LIMIT, echo=lambda *_: None), DEMO_FLOORS)
