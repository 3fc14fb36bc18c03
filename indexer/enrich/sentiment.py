"""Sentiment, intent and severity per customer unit, each with a score in 0..1.

No pretrained sentiment model is available offline, so this combines three weak but
complementary signals:
- the VADER lexicon (general-purpose valence, handles negation, intensifiers and "but"),
- feedback cue patterns (`signals.py`): a bug report like "sync never finishes" is negative even
  though it holds no emotional word,
- the unit's taxonomy labels (a `general/praise` unit is praise, `reliability/*` is usually a bug),
  and cosine similarity to a few generic intent prototypes written for this module.
Severity is ordinal: the intent gives a base level, impact words (outage, data loss, everyone,
blocked, charged twice) raise it, strong negativity raises it one step.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from voxindex.model import INTENTS, SEVERITIES, FeedbackUnit, Scored

from . import is_signal
from . import signals as sg

NEG_AT = -0.2  # combined valence at or below which a unit is negative
POS_AT = 0.35  # ... at or above which it is positive

# Generic exemplars per intent (not taken from any eval set): the embedding side of intent.
INTENT_PROTOTYPES = {
    "bug": ["Something is broken and does not work as it should", "I get an error when I try to do this",
            "The feature stopped working after the update", "It fails every time"],
    "feature_request": ["Please add a new feature", "It would be nice if the product could do this",
                        "We would like an option to customize this", "Are you planning to support this?"],
    "complaint": ["I am unhappy with how this works", "This is too expensive and too slow",
                  "The service has been disappointing", "It is frustrating and annoying to use"],
    "question": ["How do I do this?", "Is there a way to change this setting?", "Where can I find this?",
                 "Can you explain how this works?"],
    "praise": ["I love this product", "Great job, works perfectly", "Thank you, very helpful",
               "Best tool we have used"],
    "churn_risk": ["We are going to cancel our subscription", "We are switching to a competitor",
                   "We will not renew our contract", "We are evaluating alternatives"],
}
TAXONOMY_INTENT = {  # sub-theme or theme -> the intent it usually carries
    "praise": "praise", "churn-intent": "churn_risk", "feature-request": "feature_request",
    "reliability": "bug", "billing": "complaint", "support": "complaint", "performance": "complaint",
    "usability": "complaint",
}


@lru_cache(maxsize=1)
def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


@dataclass
class Signals:
    valence: float
    bug: int
    friction: int
    request: int
    question: bool
    praise: int
    churn: int
    critical: int
    high: int


def read_signals(text: str) -> Signals:
    stripped = sg.strip_courtesy(text)
    norm = sg.normalize(stripped)  # what sg.count(pattern, text) matches on; folded once, not 7 times

    def count(pattern) -> int:
        return len(pattern.findall(norm))

    return Signals(
        valence=_vader().polarity_scores(stripped)["compound"],
        bug=count(sg.BUG), friction=count(sg.FRICTION), request=count(sg.REQUEST),
        question=sg.is_question(text), praise=count(sg.PRAISE), churn=count(sg.CHURN),
        critical=count(sg.CRITICAL), high=count(sg.HIGH),
    )


def sentiment_of(s: Signals) -> Scored:
    problems = min(s.bug + s.friction + s.churn, 3)
    v = s.valence - 0.3 * problems
    if s.request and not (s.bug or s.friction) and v < 0:
        v *= 0.4  # "no offline mode, please add it" is a wish, not anger
    if s.praise and not problems:
        v += 0.15
    v = float(np.clip(v, -1.0, 1.0))
    if v <= NEG_AT:
        return Scored("negative", round(min(1.0, 0.5 + (NEG_AT - v)), 3))
    if v >= POS_AT:
        return Scored("positive", round(min(1.0, 0.5 + (v - POS_AT)), 3))
    return Scored("neutral", round(1.0 - abs(v) / 0.5, 3))


def settle_sentiment(sent: Scored, intent: str, s: Signals) -> Scored:
    """Feedback valence follows what the customer is doing: a bug report or a threat to leave is
    negative unless the words are clearly warm; a request or a question is neutral unless they
    are clearly hot or cold; praise is positive."""
    if intent in ("bug", "complaint", "churn_risk") and sent.label != "negative" and s.valence < 0.5:
        return Scored("negative", round(0.5 + max(0.0, -s.valence) / 2, 3))
    if intent in ("feature_request", "question") and sent.label != "neutral" and abs(s.valence) < 0.6 and not (s.bug or s.friction):
        return Scored("neutral", round(1.0 - abs(s.valence), 3))
    if intent == "praise" and sent.label != "positive" and s.valence > -0.3:
        return Scored("positive", round(0.5 + max(0.0, s.valence) / 2, 3))
    return sent


def intent_scores(s: Signals, sentiment: str, sim: dict[str, float] | None, taxonomy: tuple[str | None, str | None]) -> dict[str, float]:
    sc = {k: 0.0 for k in INTENTS}
    sc["bug"] += 0.45 * min(s.bug, 2)
    sc["complaint"] += 0.35 * min(s.friction, 2) + (0.25 if sentiment == "negative" else 0.0)
    sc["feature_request"] += 0.7 * min(s.request, 2)
    sc["question"] += 0.55 if s.question else 0.0
    sc["praise"] += 0.35 * min(s.praise, 2) + (0.3 if sentiment == "positive" else 0.0)
    sc["churn_risk"] += 0.8 * min(s.churn, 2)
    if s.question and s.bug:
        sc["question"] -= 0.15  # "why does it crash?" is more a bug report than a question
    if sentiment == "positive":
        sc["bug"] -= 0.3
        sc["complaint"] -= 0.3
    theme, sub = taxonomy
    prior = TAXONOMY_INTENT.get(sub or "") or TAXONOMY_INTENT.get(theme or "")
    if prior:
        sc[prior] += 0.3
    if sim:
        for k, v in sim.items():
            sc[k] += 1.2 * v
    return sc


def severity_of(intent: str, sentiment: Scored, s: Signals, sub_theme: str | None) -> Scored:
    level = {"praise": 0, "question": 0, "feature_request": 0, "complaint": 1, "bug": 1, "churn_risk": 2}[intent]
    if intent in ("bug", "complaint", "churn_risk"):
        if s.critical and intent == "bug":
            level = 3
        elif s.critical or s.high:
            level = max(level, 2)
        if sub_theme in ("outage", "data-loss") and intent == "bug":
            level = max(level, 2 if not s.critical else 3)
        if sub_theme == "double-charge":
            level = max(level, 2)
        if sentiment.label == "negative" and s.valence <= -0.6 and level < 3:
            level += 1
    elif intent == "question" and (s.bug or s.high):
        level = 1
    level = min(level, 3)
    return Scored(SEVERITIES[level], round((level + 1) / 4, 3))


class IntentModel:
    def __init__(self, embed=None):
        self.embed = embed
        self._protos: dict[str, np.ndarray] | None = None

    def _prototypes(self) -> dict[str, np.ndarray]:
        if self._protos is None:
            self._protos = {k: self.embed(v) for k, v in INTENT_PROTOTYPES.items()}
        return self._protos

    def similarities(self, vectors: np.ndarray) -> list[dict[str, float]]:
        if self.embed is None or vectors is None or len(vectors) == 0:
            return [None] * (0 if vectors is None else len(vectors))
        protos = self._prototypes()
        per = {k: (vectors @ p.T).max(1) for k, p in protos.items()}
        return [{k: float(per[k][i]) for k in INTENTS} for i in range(len(vectors))]

    def classify(self, text: str, sim: dict[str, float] | None, theme: str | None = None, sub_theme: str | None = None):
        s = read_signals(text)
        sent = sentiment_of(s)
        sc = intent_scores(s, sent.label, sim, (theme, sub_theme))
        names = list(sc)
        vals = np.array([sc[k] for k in names])
        p = np.exp((vals - vals.max()) / 0.15)
        p /= p.sum()
        intent = names[int(np.argmax(p))]
        sent = settle_sentiment(sent, intent, s)
        return sent, Scored(intent, round(float(p.max()), 3)), severity_of(intent, sent, s, sub_theme)


def sentiment_stage(settings=None, embedder=None, use_embeddings: bool = True):
    """Stage: sentiment, intent and severity on customer units (after taxonomy)."""
    from indexer.pipeline import FunctionStage

    from .embed import get_embedder

    model = IntentModel((embedder or get_embedder(settings)) if use_embeddings else None)

    def run(units: list[FeedbackUnit]) -> list[FeedbackUnit]:
        todo = [u for u in units if is_signal(u)]
        vecs = None
        if model.embed is not None and todo and all(u.embedding is not None for u in todo):
            vecs = np.asarray([u.embedding for u in todo], dtype=np.float32)
        elif model.embed is not None and todo:
            vecs = model.embed([u.text for u in todo])
        sims = model.similarities(vecs) if vecs is not None else [None] * len(todo)
        for u, sim in zip(todo, sims):
            u.sentiment, u.intent, u.severity = model.classify(
                u.text, sim, u.taxonomy.primary_theme, u.taxonomy.primary_sub_theme
            )
        return units

    return FunctionStage("sentiment", run)
