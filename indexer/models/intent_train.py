"""Train the app-review intent head (`models/intent/head.json`) from the shared corpora.

Kept apart from `intent_head`, which the pipeline loads: training reads the eval's fixed
app-review split, and the served head must not import the evals that score it.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from indexer.evals.common import embedder
from indexer.evals.real.corpora import read
from indexer.evals.real_intent import APP, app_review_split
from indexer.models.intent_head import ARTIFACT_DIR, IntentHead


def fit(vectors: np.ndarray, labels: list[str], c: float, seed: int = 0) -> IntentHead:
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=c, max_iter=2000, random_state=seed)
    clf.fit(vectors, labels)
    return IntentHead(tuple(clf.classes_), clf.coef_.astype(np.float32), clf.intercept_.astype(np.float32))


def choose_c(vectors: np.ndarray, labels: list[str], grid=(0.3, 1.0, 3.0, 10.0, 30.0), seed: int = 0) -> dict:
    """5-fold cross-validated macro-F1 per C on the train part alone."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    return {c: float(cross_val_score(LogisticRegression(C=c, max_iter=2000, random_state=seed),
                                     vectors, labels, cv=folds, scoring="f1_macro").mean()) for c in grid}


def train(corpora: Path, out: Path = ARTIFACT_DIR, seed: int = 0, log=print) -> dict:
    """Fit the head on the train part of the app-review split and write models/intent/head.json."""
    rows = read(Path(corpora), APP)
    train_idx, _ = app_review_split(len(rows))
    texts = [rows[i]["text"] for i in train_idx]
    labels = [rows[i]["label"] for i in train_idx]
    vectors = embedder()(texts)
    cv = choose_c(vectors, labels, seed=seed)
    c = max(cv, key=cv.get)
    log(f"5-fold CV macro-F1 by C: {cv} -> C={c}")
    head = fit(vectors, labels, c, seed)
    meta = {"encoder": "all-MiniLM-L6-v2 sentence embedding (mean-pooled, L2-normalised)",
            "train": {"corpus": APP, "rows": len(texts), "split": "seeded 70/30, seed 0"},
            "c": c, "cv_macro_f1": {str(k): round(v, 4) for k, v in cv.items()}, "seed": seed}
    head.save(out, meta)
    return meta


def main(argv=None) -> None:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpora", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=ARTIFACT_DIR)
    a = ap.parse_args(argv)
    train(a.corpora, a.out, log=lambda m: print(m, flush=True))


if __name__ == "__main__":
    main()
