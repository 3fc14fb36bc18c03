"""The shipped sentiment model: loads offline, outputs probabilities, and holds its measured
quality on a fixed sample of a real dev corpus (TweetEval test, never trained on)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from indexer.enrich.sentiment import IntentModel, taxonomy_hints
from indexer.models.sentiment_model import ARTIFACT_DIR, available, get_model

CORPORA = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora"
METRICS = json.loads((ARTIFACT_DIR / "metrics.json").read_text()) if (ARTIFACT_DIR / "metrics.json").exists() else {}


def test_artifact_is_small_and_loads_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert available(), "models/sentiment/model.json or onnxruntime is missing"
    size = sum(p.stat().st_size for p in ARTIFACT_DIR.glob("*.onnx"))
    assert 0 < size <= 30 * 1024 * 1024
    model = get_model()
    rng = np.random.default_rng(0)
    states = rng.standard_normal((5, 11, 384)).astype(np.float32)
    mask = np.ones((5, 11), np.int64)
    mask[2, 4:] = 0
    probs = model.probabilities(states, mask)
    assert probs.shape == (5, 3)
    assert np.allclose(probs.sum(1), 1.0, atol=1e-4)
    assert (probs >= 0).all()


def test_padding_does_not_change_a_prediction():
    model = get_model()
    rng = np.random.default_rng(1)
    states = rng.standard_normal((1, 6, 384)).astype(np.float32)
    padded = np.concatenate([states, rng.standard_normal((1, 4, 384)).astype(np.float32)], 1)
    mask = np.concatenate([np.ones((1, 6), np.int64), np.zeros((1, 4), np.int64)], 1)
    a = model.probabilities(states, np.ones((1, 6), np.int64))
    b = model.probabilities(padded, mask)
    # int8 dynamic quantization scales activations per batch, padding included: a small shift.
    assert np.allclose(a, b, atol=0.02)
    assert a.argmax() == b.argmax()


@pytest.mark.skipif(not CORPORA.exists(), reason=f"shared corpora absent at {CORPORA}")
def test_macro_f1_holds_on_a_fixed_tweeteval_sample():
    from indexer.evals.real_sentiment import run

    gate = METRICS["gate"]
    m = run(CORPORA, limit=gate["n"], seed=gate["seed"], names=(gate["corpus"],))
    key = f"sentiment.{gate['corpus']}"
    f1 = m[f"{key}.model.macro_f1"]["value"]
    assert m[f"{key}.model.macro_f1"]["n"] == gate["n"]
    floor = gate["macro_f1"] - 0.02
    assert f1 >= floor
    # the gate means something: neither a constant predictor nor today's rules clear its floor
    assert m[f"{key}.constant.macro_f1"]["value"] < floor
    assert m[f"{key}.rules.macro_f1"]["value"] < floor


def test_the_pipeline_feeds_the_branch_the_layer_the_model_declares():
    """The embed stage keeps the token states of the layer named in models/sentiment/model.json
    (an L=4 branch fed layer-3 states would still run, and be wrong)."""
    from indexer.enrich.build import share_branch_input
    from indexer.enrich.embed import Embedder

    declared = json.loads((ARTIFACT_DIR / "model.json").read_text())
    assert get_model().layer == declared["layer"]
    emb = Embedder(cache=None)
    share_branch_input(emb, None)
    assert (emb.share_layer, emb.share_tokens) == (declared["layer"], declared["max_tokens"])
    # long messages get their own pass unless VOXINDEX_SENTIMENT_FROM_SENTENCES trades accuracy for speed
    assert emb.compose is False and not emb.compose_states("a b", [np.zeros((3, 384), np.float32)])


def test_intent_priors_come_from_the_taxonomy_file(tmp_path):
    path = tmp_path / "taxonomy.yaml"
    path.write_text(
        "version: '1'\nthemes:\n  money:\n    intent: complaint\n    sub_themes:\n"
        "      refund-delay:\n        intent: complaint\n      kudos:\n        intent: praise\n"
        "      other: {}\n", encoding="utf-8")
    priors = taxonomy_hints(path)[0]
    assert priors == {"money": "complaint", "refund-delay": "complaint", "kudos": "praise"}
    model = IntentModel(None, priors)
    neutral_text = "I have a note about my account"
    assert model.classify(neutral_text, None, "money", "kudos")[1].label == "praise"
    assert model.classify(neutral_text, None, None, None)[1].label != "praise"


def test_severity_floors_come_from_the_taxonomy_file_not_from_sub_theme_names(tmp_path):
    from indexer.enrich.taxonomy import load_taxonomy

    path = tmp_path / "taxonomy.yaml"
    path.write_text(
        "version: '1'\nthemes:\n  access:\n    sub_themes:\n"
        "      login-broken: {description: cannot sign in, severity: high}\n      outage: {}\n", encoding="utf-8")
    floors = taxonomy_hints(path)[1]
    assert floors == {"login-broken": "high"}
    model = IntentModel(None, {}, floors)
    text = "The sign in page gives me an error"
    assert model.classify(text, None, "access", "login-broken")[2].label == "high"
    assert model.classify(text, None, "access", "outage")[2].label == "medium"  # a name alone means nothing
    assert model.classify("Please add dark mode", None, "access", "login-broken")[2].label == "low"  # problems only
    path.write_text(path.read_text().replace("severity: high", "severity: urgent"), encoding="utf-8")
    with pytest.raises(ValueError, match="severity 'urgent'; use one of low, medium, high, critical"):
        load_taxonomy(path)


def test_the_model_free_path_keeps_the_lexicon():
    model = IntentModel(None, {})
    assert model.classify("This is awful, it crashes every time", None)[0].label == "negative"
    assert model.classify("Love it, works perfectly, thank you", None)[0].label == "positive"
