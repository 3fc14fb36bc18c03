"""A learned intent head for app reviews: multinomial logistic regression over the frozen sentence
embedding (the pipeline's own all-MiniLM-L6-v2 vector, so it costs no encoder pass).

Trained only on the train part of the fixed app-review split (`indexer.evals.real_intent`),
labels bug / feature_request / rating / user_experience. The artifact is a few KB of JSON
(`models/intent/head.json`): weights, bias, labels and the regularisation chosen by
cross-validation on the train part.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ARTIFACT_DIR = Path(__file__).resolve().parent.parent.parent / "models" / "intent"
_LOCK = threading.Lock()
_LOADED: dict[str, IntentHead] = {}


@dataclass(frozen=True)
class IntentHead:
    labels: tuple[str, ...]
    weights: np.ndarray  # [k, 384]
    bias: np.ndarray  # [k]

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        z = np.asarray(vectors, np.float32) @ self.weights.T + self.bias
        z -= z.max(1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(1, keepdims=True)

    def predict(self, vectors: np.ndarray) -> list[str]:
        return [self.labels[i] for i in self.probabilities(vectors).argmax(1)]

    def save(self, directory: Path, meta: dict) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        doc = {"labels": list(self.labels), "weights": np.round(self.weights, 6).tolist(),
               "bias": np.round(self.bias, 6).tolist(), **meta}
        (directory / "head.json").write_text(json.dumps(doc) + "\n")

    @classmethod
    def load(cls, directory: Path = ARTIFACT_DIR) -> IntentHead:
        doc = json.loads((directory / "head.json").read_text())
        return cls(tuple(doc["labels"]), np.asarray(doc["weights"], np.float32),
                   np.asarray(doc["bias"], np.float32))


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


def available(directory: Path = ARTIFACT_DIR) -> bool:
    return (directory / "head.json").exists()


def get_head(directory: Path = ARTIFACT_DIR) -> IntentHead:
    with _LOCK:
        if str(directory) not in _LOADED:
            _LOADED[str(directory)] = IntentHead.load(directory)
        return _LOADED[str(directory)]


def train(corpora: Path, out: Path = ARTIFACT_DIR, seed: int = 0, log=print) -> dict:
    """Fit the head on the train part of the app-review split and write models/intent/head.json."""
    from indexer.evals.common import embedder
    from indexer.evals.real.corpora import read
    from indexer.evals.real_intent import APP, app_review_split

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
