"""The model-free sentiment baselines every trained model is reported next to (no torch: the
real-data eval runs on the runtime install)."""
from __future__ import annotations


def rules_labels(texts: list[str]) -> list[str]:
    """Today's model-free sentiment: VADER + cue patterns + intent settling (embed=False path)."""
    from indexer.enrich.sentiment import IntentModel

    model = IntentModel(None, {})
    return [model.classify(t, None)[0].label for t in texts]


def lexicon_labels(texts: list[str]) -> list[str]:
    """VADER + cue patterns alone, before intent settling (the stronger baseline on tweets)."""
    from indexer.enrich.sentiment import read_signals, sentiment_of

    return [sentiment_of(read_signals(t)).label for t in texts]
