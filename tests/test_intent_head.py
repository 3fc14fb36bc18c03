"""The learned intent head (models/intent/): small, loads offline, and on held-out app reviews it
beats today's rule-based intent by the margin its model card reports."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from indexer.models.intent_head import ARTIFACT_DIR, available, get_head

CORPORA = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora"
GATE = json.loads((ARTIFACT_DIR / "gate.json").read_text()) if (ARTIFACT_DIR / "gate.json").exists() else {}


def test_the_head_is_small_and_gives_probabilities():
    assert available()
    assert (ARTIFACT_DIR / "head.json").stat().st_size < 100_000
    head = get_head()
    assert set(head.labels) == {"bug", "feature_request", "rating", "user_experience"}
    v = np.random.default_rng(0).standard_normal((4, 384)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    p = head.probabilities(v)
    assert p.shape == (4, 4) and np.allclose(p.sum(1), 1.0, atol=1e-5)


def test_the_head_moves_the_intent_scores_only_through_its_own_classes():
    from indexer.enrich.sentiment import HEAD_KEY, intent_scores, read_signals

    s = read_signals("the app")
    plain = intent_scores(s, "neutral", {}, (None, None), {})
    with_head = intent_scores(s, "neutral", {HEAD_KEY: {"bug": 1.0}}, (None, None), {})
    assert with_head["bug"] > plain["bug"]
    assert {k: v for k, v in with_head.items() if k != "bug"} == {k: v for k, v in plain.items() if k != "bug"}
    # a negative one-liner is not praise, whatever the "rating" class says
    angry = intent_scores(s, "negative", {HEAD_KEY: {"rating": 1.0}}, (None, None), {})
    assert angry["praise"] == intent_scores(s, "negative", {}, (None, None), {})["praise"]


@pytest.mark.skipif(not CORPORA.exists() or not GATE, reason="shared corpora or models/intent/gate.json absent")
def test_the_head_beats_the_rules_on_held_out_app_reviews():
    from indexer.evals.common import embedder
    from indexer.evals.real.corpora import read, sample
    from indexer.evals.real_intent import APP, TO_APP, app_review_split, rules_intents
    from indexer.models.scoring import constant_macro_f1, scores

    rows = read(CORPORA, APP)
    _, test = app_review_split(len(rows))
    rows = sample([rows[i] for i in test], GATE["n"], GATE["seed"])
    texts, gold = [r["text"] for r in rows], [r["label"] for r in rows]
    f1 = scores(gold, get_head().predict(embedder()(texts)), n_boot=1)["macro_f1"]["value"]
    rules = scores(gold, [TO_APP[x] for x in rules_intents(texts)], n_boot=1)["macro_f1"]["value"]
    floor = GATE["macro_f1"] - 0.02
    assert f1 >= floor
    assert rules < floor and constant_macro_f1(gold) < floor


@pytest.mark.skipif(not CORPORA.exists(), reason="shared corpora absent")
def test_the_real_suite_prints_intent_with_intervals_and_the_pipeline_with_and_without_the_head():
    from indexer.evals.real_intent import run

    m = run(CORPORA, limit=40, seed=0)
    for who in ("rules", "pipeline", "pipeline-no-head", "head"):
        assert f"intent.app-reviews-test.{who}.macro_f1" in m
    assert "intent.complaints-tweets.pipeline.macro_f1" in m
    for name, v in m.items():
        assert v["lo"] <= v["value"] <= v["hi"] and v["n"] == 40, name
