"""Sentiment, intent and severity per customer unit, each with a score in 0..1.

Sentiment comes from the trained branch in `models/sentiment/` (see indexer/models/ and its
MODEL_CARD.md): a 3-class label with a calibrated probability, read off the shared encoder's
layer-L token states. The model-free pipeline (embed=False, or no artifact/onnxruntime) keeps
the lexicon path: VADER valence plus feedback cue patterns (`signals.py`), settled by intent.

Intent combines cue patterns, cosine similarity to a few generic intent prototypes written for
this module, the (model) sentiment and an optional `intent:` prior per sub-theme or theme in the
taxonomy file. Severity is ordinal: the intent gives a base level, impact words (outage, data
loss, everyone, blocked, charged twice) raise it, strong negativity raises it one step.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from indexer.pipeline import FunctionStage
from voxindex.model import INTENTS, SEVERITIES, SEVERITY_WEIGHT, FeedbackUnit, Scored

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


def taxonomy_hints(path=None) -> tuple[dict[str, str], dict[str, str]]:
    """(intent priors, severity floors) the taxonomy YAML gives (`Taxonomy.intent_priors`,
    `Taxonomy.severity_floors`; the loader refuses an unknown intent or severity), read once;
    none from a file that cannot be read."""
    from .taxonomy import load_taxonomy

    try:
        tax = load_taxonomy(path)
    except (OSError, ValueError):
        return {}, {}
    return tax.intent_priors, tax.severity_floors


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


# The learned app-review head (models/intent/, where shipped) rides along with the prototype
# similarities under this key, so every caller of `IntentModel.similarities` gets it. Its weight:
# the largest of (1, 0.5, 0.25) that keeps the hand-labelled 6-intent fixture within 0.01 of no
# head (1.0 was best on app-review train reviews but cost the fixture 0.12); models/intent/MODEL_CARD.md.
HEAD_KEY = "_head"
HEAD_WEIGHT = 0.5


def intent_scores(s: Signals, sentiment: str, sim: dict | None,
                  taxonomy: tuple[str | None, str | None], priors: dict[str, str] | None = None) -> dict[str, float]:
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
    priors = priors or {}
    prior = priors.get(sub or "") or priors.get(theme or "")
    if prior:
        sc[prior] += 0.3
    if sim:
        for k in INTENTS:
            sc[k] += 1.2 * sim.get(k, 0.0)
        head = sim.get(HEAD_KEY)
        if head:  # bug / feature_request / rating / user_experience probabilities
            sc["bug"] += HEAD_WEIGHT * head.get("bug", 0.0)
            sc["feature_request"] += HEAD_WEIGHT * head.get("feature_request", 0.0)
            if sentiment != "negative":  # a bare star rating or a thank-you, not an angry one-liner
                sc["praise"] += HEAD_WEIGHT * head.get("rating", 0.0)
    return sc


def severity_of(intent: str, sentiment: Scored, s: Signals, floor: str | None = None) -> Scored:
    """`floor`: the least severity of a problem about the unit's sub-theme (the taxonomy's `severity:`)."""
    level = {"praise": 0, "question": 0, "feature_request": 0, "complaint": 1, "bug": 1, "churn_risk": 2}[intent]
    if intent in ("bug", "complaint", "churn_risk"):
        if s.critical and intent == "bug":
            level = 3
        elif s.critical or s.high:
            level = max(level, 2)
        if floor is not None:
            level = max(level, SEVERITIES.index(floor))
        if sentiment.label == "negative" and s.valence <= -0.6 and level < 3:
            level += 1
    elif intent == "question" and (s.bug or s.high):
        level = 1
    level = min(level, 3)
    return Scored(SEVERITIES[level], SEVERITY_WEIGHT[SEVERITIES[level]])


class IntentModel:
    def __init__(self, embed=None, priors: dict[str, str] | None = None, severity_floors: dict[str, str] | None = None):
        self.embed = embed
        # Intent priors and severity floors come from the taxonomy file (`intent:` per sub-theme
        # or theme, `severity:` per sub-theme).
        hints = taxonomy_hints() if priors is None or severity_floors is None else ({}, {})
        self.priors = hints[0] if priors is None else priors
        self.severity_floors = hints[1] if severity_floors is None else severity_floors
        self._protos: dict[str, np.ndarray] | None = None
        self.head = None
        if embed is not None:
            from indexer.models.intent_head import available, get_head

            self.head = get_head() if available() else None

    def _prototypes(self) -> dict[str, np.ndarray]:
        if self._protos is None:
            self._protos = {k: self.embed(v) for k, v in INTENT_PROTOTYPES.items()}
        return self._protos

    def similarities(self, vectors: np.ndarray) -> list[dict]:
        if self.embed is None or vectors is None or len(vectors) == 0:
            return [None] * (0 if vectors is None else len(vectors))
        protos = self._prototypes()
        per = {k: (vectors @ p.T).max(1) for k, p in protos.items()}
        out: list[dict] = [{k: float(per[k][i]) for k in INTENTS} for i in range(len(vectors))]
        if self.head is not None:
            for d, row in zip(out, self.head.probabilities(vectors)):
                d[HEAD_KEY] = dict(zip(self.head.labels, map(float, row)))
        return out

    def classify(self, text: str, sim: dict[str, float] | None, theme: str | None = None,
                 sub_theme: str | None = None, sentiment: Scored | None = None):
        """(sentiment, intent, severity). A `sentiment` from the trained model is final; without
        one the lexicon decides and is settled by the intent (the model-free path)."""
        s = read_signals(text)
        sent = sentiment or sentiment_of(s)
        sc = intent_scores(s, sent.label, sim, (theme, sub_theme), self.priors)
        names = list(sc)
        vals = np.array([sc[k] for k in names])
        p = np.exp((vals - vals.max()) / 0.15)
        p /= p.sum()
        intent = names[int(np.argmax(p))]
        if sentiment is None:
            sent = settle_sentiment(sent, intent, s)
        return sent, Scored(intent, round(float(p.max()), 3)), severity_of(intent, sent, s, self.severity_floors.get(sub_theme or ""))


def branch_model(settings=None):
    """The shipped sentiment branch, loaded once per thread count (`encoder_threads`; 1 without
    settings), or None where no artifact is shipped."""
    from indexer.models.sentiment_model import available, get_model

    if not available():
        return None
    return get_model(threads=getattr(settings, "encoder_threads", 1) if settings is not None else 1)


def prefix_states(encoder, max_tokens: int):
    """`hidden(texts, layer) -> (states, mask)` for the branch from `encoder`: layers 0..L only (the
    prefix graph), cut at the branch's training length like its training data, so a long message
    costs L/6 of a pass over max_tokens word pieces."""

    def hidden(batch, layer):
        out = encoder.encode(list(batch), hidden_layers=(layer,), embeddings=False, max_tokens=max_tokens)
        # padded positions are left as they come: the branch masks them in attention and its int8
        # scales are per token (indexer/encoder/quantize.py), so they cannot move a real token
        return out.hidden[layer], out.attention_mask

    return hidden


def branch_input_encoder(settings=None):
    """The encoder the sentiment stage runs for texts no embed pass handed states over (long
    messages, whose vector comes from their sentences): int8 where the pipeline runs fp32. The
    branch itself is int8; on the shared dev corpora's long messages the int8 prefix moved its
    accuracy / macro-F1 by at most 0.006 against fp32 (TweetEval test 0.664/0.600 vs 0.659/0.589,
    val 0.644/0.637 vs 0.650/0.644, complaint tweets 0.743/0.735 vs 0.743/0.736: `python -m
    indexer.evals.sentiment_paths`) for ~1.6x the speed.
    The torch reference stays torch. (`model_sentiments` alone, as the evals call it, keeps the
    configured encoder: the README's real-data tables are that path.)"""
    from indexer.encoder import get_encoder
    from voxindex.config import get_settings

    s = settings or get_settings()
    return get_encoder(s, "int8" if s.encoder == "fp32" else s.encoder)


def model_sentiments(texts: list[str], settings=None, hidden=None, embedder=None) -> list[Scored] | None:
    """Sentiment from the shipped branch, or None where the artifact or onnxruntime is absent
    (the caller then keeps the lexicon). Layer-L token states come from the embedder's own pass
    over the same text where it kept them (`Embedder.share_layer`), else from
    `hidden(texts, layer) -> (states, mask)` (default: the shared encoder)."""
    model = branch_model(settings)
    if model is None:
        return None
    if hidden is None:
        from indexer.encoder import get_encoder

        hidden = prefix_states(get_encoder(settings), model.max_tokens)
    kept = embedder.take_states(texts) if embedder is not None and getattr(embedder, "share_layer", None) == model.layer else {}
    # states of a text longer than the training length came from a pass over more words than the
    # branch ever saw (context from the cut-off part): such a text gets its own, truncated pass
    kept = {i: st for i, st in kept.items() if len(st) <= model.max_tokens}
    preds: dict[int, object] = dict(zip(kept, model.predict_states(list(kept.values())))) if kept else {}
    rest = [i for i in range(len(texts)) if i not in preds]
    if rest:
        preds.update(zip(rest, model.predict([texts[i] for i in rest], hidden)))
    return [Scored(preds[i].label, preds[i].score) for i in range(len(texts))]  # type: ignore[attr-defined]


def sentiment_stage(settings=None, embedder=None, use_embeddings: bool = True, taxonomy_path=None,
                    hidden=None):
    """Stage: sentiment, intent and severity on customer units (after taxonomy). With
    embeddings, sentiment comes from the trained model; without, from the lexicon."""
    from .embed import get_embedder

    emb = (embedder or get_embedder(settings)) if use_embeddings else None
    model = IntentModel(emb, *taxonomy_hints(taxonomy_path))
    branch = branch_model(settings) if use_embeddings and hidden is None else None
    if branch is not None:
        hidden = prefix_states(branch_input_encoder(settings), branch.max_tokens)

    def run(units: list[FeedbackUnit]) -> list[FeedbackUnit]:
        todo = [u for u in units if is_signal(u)]
        vecs = None
        if model.embed is not None and todo and all(u.embedding is not None for u in todo):
            vecs = np.asarray([u.embedding for u in todo], dtype=np.float32)
        elif model.embed is not None and todo:
            vecs = model.embed([u.text for u in todo])
        sims = model.similarities(vecs) if vecs is not None else [None] * len(todo)
        sents = None
        if use_embeddings and todo:
            sents = model_sentiments([u.text for u in todo], settings, hidden, emb)
        for i, (u, sim) in enumerate(zip(todo, sims)):
            u.sentiment, u.intent, u.severity = model.classify(
                u.text, sim, u.taxonomy.primary_theme, u.taxonomy.primary_sub_theme,
                sentiment=sents[i] if sents is not None else None,
            )
        return units

    return FunctionStage("sentiment", run)
