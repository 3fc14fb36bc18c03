"""Intent on real public corpora, where the shared corpora have intent labels at all.

- Google Play app reviews (`intent/app-reviews-8000`, labelled bug / feature_request / rating /
  user_experience): scored on a fixed held-out split (`app_review_split`, 30 %) that the learned
  head never sees. The pipeline's six intents are mapped to the four review labels
  (bug -> bug, feature_request -> feature_request, praise -> rating, complaint / question /
  churn_risk -> user_experience).
- Complaint tweets (`intent/complaints-tweets`, complaint vs not): "is this a complaint" =
  predicted intent bug, complaint or churn_risk.

Systems: "rules" is the model-free intent (cue patterns, lexicon sentiment, no embeddings);
"pipeline" is what ingest does with embeddings (cues + prototype similarity + the trained
sentiment model); "head" is the learned app-review head over the frozen sentence embedding
(`models/intent/`), where it is shipped; "pipeline-no-head" is the pipeline without it. No shared corpus labels question, praise as such, or
churn risk: those intents are not measured here.
"""
from __future__ import annotations

import random
from pathlib import Path

from indexer.models.scoring import constant_macro_f1, scores

APP = "intent/app-reviews-8000"
COMPLAINTS = "intent/complaints-tweets"
APP_LABELS = ("bug", "feature_request", "rating", "user_experience")
TO_APP = {"bug": "bug", "feature_request": "feature_request", "praise": "rating",
          "complaint": "user_experience", "question": "user_experience", "churn_risk": "user_experience"}
COMPLAINT_INTENTS = ("bug", "complaint", "churn_risk")
TEST_SHARE = 0.3
SPLIT_SEED = 0


def app_review_split(n: int) -> tuple[list[int], list[int]]:
    """(train indices, test indices) of the app-review file: a fixed seeded 70/30 split, the same
    for training the head and for every eval."""
    idx = list(range(n))
    random.Random(SPLIT_SEED).shuffle(idx)
    cut = round(n * TEST_SHARE)
    return sorted(idx[cut:]), sorted(idx[:cut])


def rules_intents(texts: list[str]) -> list[str]:
    from indexer.enrich.sentiment import IntentModel

    model = IntentModel(None, {})
    return [model.classify(t, None)[1].label for t in texts]


def pipeline_intents(texts: list[str], vectors) -> dict[str, list[str]]:
    """Intent as the embedding pipeline assigns it (no taxonomy prior: these corpora have none),
    with the learned head where it is shipped ("pipeline") and without it ("pipeline-no-head")."""
    from indexer.enrich.sentiment import HEAD_KEY, IntentModel, model_sentiments
    from indexer.evals.common import embedder

    model = IntentModel(embedder(), {})
    sims = model.similarities(vectors)
    sents = model_sentiments(texts) or [None] * len(texts)
    out = {"pipeline": [model.classify(t, sim, sentiment=s)[1].label for t, sim, s in zip(texts, sims, sents)]}
    if model.head is not None:
        bare = [{k: v for k, v in sim.items() if k != HEAD_KEY} for sim in sims]
        out["pipeline-no-head"] = [model.classify(t, sim, sentiment=s)[1].label
                                   for t, sim, s in zip(texts, bare, sents)]
    return out


def _add(out: dict, prefix: str, gold: list[str], pred: list[str], seed: int) -> None:
    for metric, v in scores(gold, pred, seed=seed).items():
        out[f"{prefix}.{metric}"] = v


def _constant(out: dict, prefix: str, gold: list[str]) -> None:
    c = round(constant_macro_f1(gold), 4)
    out[f"{prefix}.constant.macro_f1"] = {"value": c, "lo": c, "hi": c, "n": len(gold)}


def run(corpora: Path, limit: int | None = None, seed: int = 0) -> dict[str, dict]:
    from indexer.evals.common import embedder
    from indexer.evals.real.corpora import read, sample
    from indexer.models.intent_head import available as head_available
    from indexer.models.intent_head import get_head

    root = Path(corpora)
    out: dict[str, dict] = {}
    head = get_head() if head_available() else None

    rows = read(root, APP)
    _, test = app_review_split(len(rows))
    rows = sample([rows[i] for i in test], limit, seed)
    texts, gold = [r["text"] for r in rows], [r["label"] for r in rows]
    vectors = embedder()(texts)
    _add(out, "intent.app-reviews-test.rules", gold, [TO_APP[x] for x in rules_intents(texts)], seed)
    for who, intents in pipeline_intents(texts, vectors).items():
        _add(out, f"intent.app-reviews-test.{who}", gold, [TO_APP[x] for x in intents], seed)
    if head is not None:
        _add(out, "intent.app-reviews-test.head", gold, head.predict(vectors), seed)
    _constant(out, "intent.app-reviews-test", gold)

    rows = sample(read(root, COMPLAINTS), limit, seed)
    texts, gold = [r["text"] for r in rows], [r["label"] for r in rows]
    vectors = embedder()(texts)

    def as_complaint(intents: list[str]) -> list[str]:
        return ["complaint" if x in COMPLAINT_INTENTS else "not_complaint" for x in intents]

    _add(out, "intent.complaints-tweets.rules", gold, as_complaint(rules_intents(texts)), seed)
    for who, intents in pipeline_intents(texts, vectors).items():
        _add(out, f"intent.complaints-tweets.{who}", gold, as_complaint(intents), seed)
    _constant(out, "intent.complaints-tweets", gold)
    return out
