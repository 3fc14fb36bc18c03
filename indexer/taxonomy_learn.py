"""`voxindex taxonomy learn`: fit a per-taxonomy classifier on labeled examples.

Examples come from the taxonomy file (`examples:` per sub-theme), an optional CSV of
`text,sub_theme` (`examples_csv:` in the YAML or --examples), and analysts' corrections
(`POST /v1/units/<id>/label`, stored in VOXINDEX_HOME/corrections/). Every sub-theme also keeps
its name and description as examples, so a sub-theme nobody labeled still exists.

Two heads over the frozen encoder embeddings were measured (learning curves in the README):
- `logreg`: multinomial logistic regression (the default: best macro-F1 from 5 examples up);
- `prototype`: cosine to each sub-theme's mean example vector.
Abstention: a unit whose top probability under the head is below the head's threshold gets no
sub-theme (`abstain_threshold(k)` for k sub-themes, calibrated on CLINC150 val).

The fitted head is saved under VOXINDEX_HOME/taxonomy/ keyed by the taxonomy's version and a hash
of its sub-theme names, so a changed taxonomy never uses a stale head; ingest and
`taxonomy apply` load it when it exists (the artifact and its threshold: indexer/enrich/taxonomy_head.py).
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from indexer.enrich.taxonomy import Taxonomy, prototype_texts
from indexer.enrich.taxonomy_head import (
    ABSTAIN_BY_K,
    ABSTAIN_LEARNED,
    ABSTAIN_MESSY_FACTOR,
    LearnedHead,
    abstain_threshold,
    head_path,
    load,
    load_for,
    save,
    taxonomy_key,
)

CALIBRATED_SHOTS = 10  # labeled examples per sub-theme the threshold was calibrated with
METHODS = ("logreg", "prototype")
LOGREG_C = 10.0  # weak regularisation: embeddings are unit vectors, few examples per class
PROTO_TEMPERATURE = 0.05


def fit(taxonomy: Taxonomy, texts: list[str], labels: list[str], embed, method: str = "logreg",
        threshold: float | None = None, vectors: np.ndarray | None = None) -> LearnedHead:
    """Pure but for `embed`: labeled texts (+ every sub-theme's own prototype texts) -> a head."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {METHODS}")
    names = [s.name for s in taxonomy.sub_themes]
    unknown = sorted(set(labels) - set(names))
    if unknown:
        raise ValueError(f"examples name sub-themes the taxonomy does not have: {unknown[:5]}")
    proto = [(t, s.name) for s in taxonomy.sub_themes for t in prototype_texts(taxonomy, s)]
    all_texts = [t for t, _ in proto]
    y = np.array([names.index(l) for _, l in proto] + [names.index(l) for l in labels])
    pv = embed(all_texts)
    ev = vectors if vectors is not None else (embed(texts) if texts else np.zeros((0, pv.shape[1]), np.float32))
    X = np.concatenate([pv, np.asarray(ev, dtype=np.float32)]).astype(np.float32)
    if method == "logreg":
        from sklearn.linear_model import LogisticRegression

        lr = LogisticRegression(C=LOGREG_C, max_iter=2000)
        lr.fit(X, y)
        W = np.zeros((X.shape[1], len(names)), np.float32)
        b = np.full(len(names), -1e4, np.float32)  # a class never seen can never win
        W[:, lr.classes_] = lr.coef_.T
        b[lr.classes_] = lr.intercept_
    else:
        cents = np.stack([X[y == i].mean(0) for i in range(len(names))])
        cents /= np.linalg.norm(cents, axis=1, keepdims=True)
        W, b = (cents.T / PROTO_TEMPERATURE).astype(np.float32), np.zeros(len(names), np.float32)
    counts = {n: int(sum(1 for l in labels if l == n)) for n in names}
    threshold = abstain_threshold(len(names)) if threshold is None else threshold
    return LearnedHead(names, method, W, b, X, y, threshold, taxonomy_key(taxonomy), counts)


def read_csv(path: str | Path) -> list[tuple[str, str]]:
    """`text,sub_theme` rows (a header row naming those columns is required)."""
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or not {"text", "sub_theme"} <= set(reader.fieldnames):
            raise ValueError(f"{path}: needs a header with columns text,sub_theme")
        return [(r["text"].strip(), r["sub_theme"].strip()) for r in reader if (r.get("text") or "").strip()]


def collect_examples(taxonomy: Taxonomy, examples_csv: str | None = None, settings=None) -> list[tuple[str, str]]:
    """Labeled examples from the CSV(s) and recorded corrections (inline YAML examples are
    already part of every sub-theme's prototype texts)."""
    rows: list[tuple[str, str]] = []
    for path in filter(None, {taxonomy.examples_csv, examples_csv}):
        rows.extend(read_csv(path))
    if settings is not None:
        from indexer.corrections import read_corrections

        names = {s.name for s in taxonomy.sub_themes}
        rows.extend((c["text"], c["sub_theme"]) for c in read_corrections(settings) if c["sub_theme"] in names)
    return rows


def learn(settings, taxonomy_path=None, examples_csv=None, method: str = "logreg") -> tuple[Path, LearnedHead]:
    from indexer.enrich.embed import get_embedder
    from indexer.enrich.taxonomy import load_taxonomy

    tax = load_taxonomy(taxonomy_path or settings_taxonomy(settings))
    rows = collect_examples(tax, examples_csv, settings)
    if not rows:
        # a head fitted on names, descriptions and inline examples alone is less sure of itself than
        # the zero-shot classifier that already uses them (it abstained on 19% of the hand-labelled
        # fixture against 5%), so there is nothing to learn yet
        raise ValueError("no labeled examples: give a CSV (--examples or `examples_csv:`) or record corrections; "
                         "until then the zero-shot classifier uses the taxonomy's own examples")
    head = fit(tax, [t for t, _ in rows], [l for _, l in rows], get_embedder(settings), method)
    return save(head, head_path(settings, tax)), head


def learn_report(settings, taxonomy_path=None, examples_csv=None, method: str = "logreg") -> dict | None:
    """`cross_validate` on the examples `learn` uses (for `taxonomy learn` to print)."""
    from indexer.enrich.embed import get_embedder
    from indexer.enrich.taxonomy import load_taxonomy

    tax = load_taxonomy(taxonomy_path or settings_taxonomy(settings))
    rows = collect_examples(tax, examples_csv, settings)
    return cross_validate(tax, [t for t, _ in rows], [l for _, l in rows], get_embedder(settings), method)


def cross_validate(taxonomy: Taxonomy, texts: list[str], labels: list[str], embed, method: str = "logreg",
                   folds: int = 5, seed: int = 0) -> dict | None:
    """How well a head fitted on these examples labels examples it did not see: each labeled example
    is held out once (per-class round-robin folds, seeded); the prototype texts always train. Next
    to it, the zero-shot classifier on the same examples, so the report says what labeling bought.
    None when there are too few examples (fewer than 2 per fold). Intervals: Wilson for accuracy,
    seeded bootstrap for macro-F1 (indexer.evals.real.stats)."""
    from indexer.enrich.taxonomy import TaxonomyClassifier
    from indexer.evals.real.stats import bootstrap, wilson

    if len(texts) < 2 * folds:
        return None
    vecs = np.asarray(embed(texts), dtype=np.float32)
    rng = np.random.default_rng(seed)
    fold_of = np.zeros(len(texts), dtype=int)
    for label in sorted(set(labels)):
        idx = np.array([i for i, l in enumerate(labels) if l == label])
        fold_of[rng.permutation(idx)] = np.arange(len(idx)) % folds
    names = [s.name for s in taxonomy.sub_themes]
    gold = np.array([names.index(l) for l in labels])
    learned = np.zeros(len(texts), dtype=int)
    for f in range(folds):
        train, test = fold_of != f, fold_of == f
        if not test.any():
            continue
        head = fit(taxonomy, [t for t, k in zip(texts, train) if k], [l for l, k in zip(labels, train) if k], embed,
                   method, vectors=vecs[train])
        learned[test] = head.proba(vecs[test]).argmax(1)
    zero = TaxonomyClassifier(taxonomy, embed, abstain=-np.inf).scores(texts, vecs).argmax(1)

    def macro_f1(pred):
        def f1(i):
            per = []
            for c in np.unique(gold[i]):
                tp = np.sum((pred[i] == c) & (gold[i] == c))
                denom = np.sum(pred[i] == c) + np.sum(gold[i] == c)
                per.append(2 * tp / denom if denom else 0.0)
            return float(np.mean(per))
        return bootstrap(f1, len(gold), seed)

    return {"examples": len(texts), "folds": folds,
            "learned": {"accuracy": wilson(int((learned == gold).sum()), len(gold)), "macro_f1": macro_f1(learned)},
            "zero_shot": {"accuracy": wilson(int((zero == gold).sum()), len(gold)), "macro_f1": macro_f1(zero)}}


def settings_taxonomy(settings):
    return getattr(settings, "taxonomy_path", None)


__all__ = ["ABSTAIN_BY_K", "ABSTAIN_LEARNED", "ABSTAIN_MESSY_FACTOR", "CALIBRATED_SHOTS", "METHODS", "LearnedHead",
           "abstain_threshold", "collect_examples", "cross_validate", "fit", "head_path", "learn", "learn_report", "load", "load_for", "read_csv",
           "save", "taxonomy_key"]
