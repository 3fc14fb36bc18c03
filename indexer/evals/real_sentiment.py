"""Sentiment on real public corpora (the shared dev-eval files), model vs today's rules.

Baselines: "rules" is today's model-free path (VADER + cues, settled by the cue intent), "lexicon"
is VADER + cues alone. Every metric comes with a 95% bootstrap interval and its sample size. The complaint tweets have
no sentiment gold: there the check is "a complaint addressed to a company reads as negative".
Each corpus also reports the best macro-F1 a constant predictor reaches, the floor any gate on
these figures must clear.
"""
from __future__ import annotations

from pathlib import Path

from indexer.evals.real.stats import wilson
from indexer.models import corpora
from indexer.models.scoring import constant_macro_f1, scores

# The dev-eval files these figures are measured on (TweetEval validation calibrates the
# temperature, so it is reported but flagged in the model card).
CORPORA = ("tweeteval-test", "tweeteval-val", "sst5-dev", "sst5-test", "sst2-dev", "uci-sentences",
           "complaints-tweets")


def corpus_spec(name: str) -> corpora.CorpusSpec:
    spec = corpora.ALL[name]
    # The training cache subsamples TweetEval test; the eval samples with its own limit/seed.
    return corpora.CorpusSpec(spec.name, spec.path, spec.use, spec.task)


def as_task(spec: corpora.CorpusSpec, labels: list[str]) -> list[str]:
    """Predicted sentiment labels in the corpus's own label space (complaint tweets: negative = complaint)."""
    if spec.task == "complaint":
        return ["complaint" if x == "negative" else "not_complaint" for x in labels]
    return labels


def run(corpora_dir: Path, limit: int | None = None, seed: int = 0, names=CORPORA) -> dict[str, dict]:
    """metric name -> {"value", "lo", "hi", "n"} for the model and the rules on every corpus."""
    from indexer.enrich.sentiment import model_sentiments
    from indexer.models.baselines import lexicon_labels, rules_labels

    root = Path(corpora_dir)
    out: dict[str, dict] = {}
    for name in names:
        spec = corpus_spec(name)
        if not (root / spec.path).exists():
            continue
        rows = corpora.load_rows(root, spec)
        rows = [rows[i] for i in corpora.sample_rows(rows, limit, seed)]
        texts = [r["text"] for r in rows]
        gold = [r["label"] for r in rows]
        model = model_sentiments(texts)
        preds = {"rules": rules_labels(texts), "lexicon": lexicon_labels(texts)}
        if model is not None:
            preds["model"] = [s.label for s in model]
        for who, labels in preds.items():
            for metric, v in scores(gold, as_task(spec, labels), seed=seed).items():
                out[f"sentiment.{name}.{who}.{metric}"] = v
        if "model" in preds:  # per-class recall of the model: where its errors go (model card)
            pred = as_task(spec, preds["model"])
            for label in sorted(set(gold)):
                hits = [p == g for p, g in zip(pred, gold) if g == label]
                out[f"sentiment.{name}.model.recall_{label}"] = wilson(sum(hits), len(hits))
        const = constant_macro_f1(gold)
        out[f"sentiment.{name}.constant.macro_f1"] = {"value": round(const, 4), "lo": round(const, 4),
                                                     "hi": round(const, 4), "n": len(gold)}
    return out


def format(metrics: dict[str, dict]) -> str:
    lines = [f"{'metric':52} {'value':>6}  {'95% CI':>15}  {'n':>5}"]
    for k, v in metrics.items():
        lines.append(f"{k:52} {v['value']:6.3f}  [{v['lo']:.3f}, {v['hi']:.3f}]  {v['n']:>5}")
    return "\n".join(lines)
