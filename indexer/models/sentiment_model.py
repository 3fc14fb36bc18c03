"""The shipped sentiment branch at inference: ONNX Runtime over layer-L encoder states.

`models/sentiment/model.json` names the ONNX file, the encoder layer L it reads and the labels;
the graph already divides by the calibrated temperature, so its output is the calibrated
probability of negative / neutral / positive. Loaded lazily once per process, offline.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

ARTIFACT_DIR = Path(__file__).resolve().parent.parent.parent / "models" / "sentiment"
_LOCK = threading.Lock()
_LOADED: dict[tuple[str, int], "SentimentModel"] = {}

HiddenFn = Callable[[Sequence[str], int], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Prediction:
    label: str
    score: float  # calibrated probability of `label`
    probs: tuple[float, float, float]


class SentimentModel:
    def __init__(self, directory: Path = ARTIFACT_DIR, threads: int = 1):
        from indexer.encoder.runtime import load_session

        meta = json.loads((directory / "model.json").read_text())
        self.layer: int = int(meta["layer"])
        self.labels: tuple[str, ...] = tuple(meta["labels"])
        self.max_tokens: int = int(meta.get("max_tokens", 96))
        # the one runtime every model of the pipeline goes through (shared session options, cached)
        self.session = load_session(directory / meta["onnx"], threads)

    def probabilities(self, states: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """[n,T,384] layer-L states + [n,T] mask -> [n,3] calibrated probabilities."""
        if len(states) == 0:
            return np.zeros((0, len(self.labels)), np.float32)
        (probs,) = self.session.run(None, {"hidden_states": states.astype(np.float32, copy=False),
                                           "attention_mask": mask.astype(np.int64, copy=False)})
        return probs

    def predict(self, texts: Sequence[str], hidden: HiddenFn | None = None,
                batch: int = 64) -> list[Prediction]:
        if hidden is None:
            from indexer.models.hidden import encoder_hidden_states as hidden
        # Length-sorted batches, cut to the batch's longest real text and to the branch's training
        # length: one long message must not make 63 short ones pay attention over its padding.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: list[Prediction | None] = [None] * len(texts)
        for start in range(0, len(order), batch):
            idx = order[start:start + batch]
            states, mask = hidden([texts[i] for i in idx], self.layer)
            width = int(min(max(int(mask.sum(axis=1).max()), 1), self.max_tokens)) if len(idx) else 1
            for i, p in zip(idx, self.probabilities(states[:, :width], mask[:, :width])):
                out[i] = self.decide(p)
        return out  # type: ignore[return-value]

    def predict_states(self, states: Sequence[np.ndarray], batch: int = 64) -> list[Prediction]:
        """Predictions from layer-L token states an encoder pass already produced (one [T_i, 384]
        array of real tokens per text), padded per length-sorted batch."""
        order = sorted(range(len(states)), key=lambda i: len(states[i]))
        out: list[Prediction | None] = [None] * len(states)
        for start in range(0, len(order), batch):
            idx = order[start:start + batch]
            width = max(1, min(max(len(states[i]) for i in idx), self.max_tokens))
            x = np.zeros((len(idx), width, states[idx[0]].shape[-1]), np.float32)
            mask = np.zeros((len(idx), width), np.int64)
            for row, i in enumerate(idx):
                t = min(len(states[i]), width)
                x[row, :t], mask[row, :t] = states[i][:t], 1
            for i, p in zip(idx, self.probabilities(x, mask)):
                out[i] = self.decide(p)
        return out  # type: ignore[return-value]

    def decide(self, p: np.ndarray) -> Prediction:
        k = int(np.argmax(p))
        return Prediction(self.labels[k], round(float(p[k]), 3), tuple(round(float(x), 4) for x in p))


def available(directory: Path = ARTIFACT_DIR) -> bool:
    """Whether the trained model has been written (onnxruntime is a dependency, not optional)."""
    return (directory / "model.json").exists()


def get_model(directory: Path = ARTIFACT_DIR, threads: int = 1) -> SentimentModel:
    key = (str(directory), threads)
    with _LOCK:
        if key not in _LOADED:
            _LOADED[key] = SentimentModel(directory, threads)
        return _LOADED[key]
