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


def available(directory: Path = ARTIFACT_DIR) -> bool:
    return (directory / "head.json").exists()


def get_head(directory: Path = ARTIFACT_DIR) -> IntentHead:
    with _LOCK:
        if str(directory) not in _LOADED:
            _LOADED[str(directory)] = IntentHead.load(directory)
        return _LOADED[str(directory)]
